import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../shared/rng.js';
import * as analysis from '../../shared/analysis/index.js';

const REQUIRED = [
  'mean',
  'std',
  'median',
  'quantile',
  'zScores',
  'mad',
  'robustZ',
  'rollingMean',
  'rollingStd',
  'hbos',
  'hbosOutlierScore',
  'savgolCoefficients',
  'savgolFilter',
  'smoothedGradient',
  'rfft',
  'powerSpectrum',
  'dominantPeriod',
  'slidingDominantFrequency',
  'matrixProfile',
  'discord',
  'topDiscords',
] as const;

test('the barrel exports every analysis the ExpCoT and the baseline are built on', () => {
  const exported = analysis as unknown as Record<string, unknown>;
  for (const name of REQUIRED) assert.type(exported[name], 'function', name);
});

test('no analysis mutates its input, whether a Float64Array or a plain array', () => {
  const r = new Rng(12);
  const base = Array.from({ length: 200 }, (_, t) => Math.sin(0.2 * t) + r.normal(0, 0.1));
  const calls: Array<[string, (x: Float64Array | number[]) => unknown]> = [
    ['median', analysis.median],
    ['quantile', (x) => analysis.quantile(x, 0.9)],
    ['mad', analysis.mad],
    ['robustZ', analysis.robustZ],
    ['rollingStd', (x) => analysis.rollingStd(x, 9)],
    ['hbosOutlierScore', (x) => analysis.hbosOutlierScore(x)],
    ['savgolFilter', (x) => analysis.savgolFilter(x, 11, 3, 1)],
    ['smoothedGradient', (x) => analysis.smoothedGradient(x)],
    ['rfft', analysis.rfft],
    ['dominantPeriod', analysis.dominantPeriod],
    ['slidingDominantFrequency', (x) => analysis.slidingDominantFrequency(x, 32)],
    ['matrixProfile', (x) => analysis.matrixProfile(x, 20)],
    ['topDiscords', (x) => analysis.topDiscords(x, 20, 2)],
  ];
  for (const [name, f] of calls) {
    for (const x of [Float64Array.from(base), base.slice()]) {
      f(x);
      assert.equal(Array.from(x), base, `${name} changed its ${x instanceof Float64Array ? 'Float64Array' : 'array'} input`);
    }
  }
});

test('plain arrays and Float64Arrays give identical results', () => {
  const r = new Rng(13);
  const base = Array.from({ length: 150 }, () => r.normal(0, 1));
  const f64 = Float64Array.from(base);
  assert.equal(Array.from(analysis.hbos(base)), Array.from(analysis.hbos(f64)));
  assert.equal(Array.from(analysis.matrixProfile(base, 12).profile), Array.from(analysis.matrixProfile(f64, 12).profile));
  assert.equal(Array.from(analysis.slidingDominantFrequency(base, 24)), Array.from(analysis.slidingDominantFrequency(f64, 24)));
});

test.run();
