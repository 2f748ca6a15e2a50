import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../shared/rng.js';
import { ConfigError, ShapeError } from '../../shared/errors.js';
import { hbos, hbosModel, hbosOutlierScore } from '../../shared/analysis/hbos.js';

/**
 * Reference HBOS by a plain loop: for each point, count the points that share
 * its equal-width bin over [min, max] (last bin closed), and score
 * −log(count / tallest count).
 */
function refHbos(x: number[], bins: number): number[] {
  const min = Math.min(...x),
    max = Math.max(...x);
  const binOf = (v: number) => (max === min ? 0 : Math.min(bins - 1, Math.floor(((v - min) / (max - min)) * bins)));
  const counts = new Array<number>(bins).fill(0);
  for (const v of x) counts[binOf(v)]++;
  const top = Math.max(...counts);
  return x.map((v) => -Math.log(counts[binOf(v)] / top));
}

test('hbos matches a plain counting loop on random series, default and explicit bins', () => {
  for (const [seed, n, bins] of [
    [1, 10, undefined],
    [2, 100, undefined],
    [3, 1000, undefined],
    [4, 257, 7],
    [5, 50, 1],
  ] as const) {
    const r = new Rng(seed);
    const x = Array.from({ length: n }, () => r.normal(0, 1));
    const nb = bins ?? Math.ceil(Math.sqrt(n));
    const got = hbos(x, bins === undefined ? {} : { bins });
    const want = refHbos(x, nb);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-12, `seed ${seed} i ${i}: ${got[i]} vs ${want[i]}`);
  }
});

test('the worked example: [0, 0, 0, 1] with 2 bins scores [0, 0, 0, log 3]', () => {
  const s = hbos([0, 0, 0, 1], { bins: 2 });
  assert.equal(Array.from(s.subarray(0, 3)), [0, 0, 0]);
  assert.ok(Math.abs(s[3] - Math.log(3)) < 1e-15);
});

function plantedSeries(): { x: number[]; planted: Map<number, number> } {
  const r = new Rng(11);
  const x = Array.from({ length: 1000 }, () => r.normal(0, 0.1));
  const planted = new Map([
    [100, 0.9],
    [101, 1.3],
    [503, -1.0],
    [640, 1.7],
    [877, -1.5],
  ]);
  for (const [i, v] of planted) x[i] = v;
  return { x, planted };
}

function plantedVsOthers(s: Float64Array, planted: Map<number, number>): { lowestPlanted: number; highestOther: number } {
  let lowestPlanted = Infinity,
    highestOther = -Infinity;
  s.forEach((v, i) => {
    if (planted.has(i)) lowestPlanted = Math.min(lowestPlanted, v);
    else highestOther = Math.max(highestOther, v);
  });
  return { lowestPlanted, highestOther };
}

test('planted outliers get the highest score (a stray tail point alone in its bin may tie)', () => {
  const { x, planted } = plantedSeries();
  const { lowestPlanted, highestOther } = plantedVsOthers(hbos(x), planted);
  assert.ok(lowestPlanted >= highestOther, `${lowestPlanted} vs ${highestOther}`);
});

test('with bins wide enough to hold the normal tails, planted outliers score strictly above every other point', () => {
  const { x, planted } = plantedSeries();
  const { lowestPlanted, highestOther } = plantedVsOthers(hbos(x, { bins: 10 }), planted);
  assert.ok(lowestPlanted > highestOther, `${lowestPlanted} vs ${highestOther}`);
});

test('a constant series scores 0 everywhere', () => {
  assert.equal(Array.from(hbos([3, 3, 3, 3])), [0, 0, 0, 0]);
  assert.is(hbosOutlierScore([3, 3, 3, 3]), 0);
});

test('the model gives empty bins and values outside the range a floor below any seen value', () => {
  // 9 values at 0, one at 10, 10 bins: bins 1..8 are empty.
  const x = [0, 0, 0, 0, 0, 0, 0, 0, 0, 10];
  const m = hbosModel(x, { bins: 10 });
  assert.equal(Array.from(m.counts), [9, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  const single = m.score(10);
  assert.ok(Math.abs(single - Math.log(9)) < 1e-15);
  assert.ok(m.score(5) > single);
  assert.is(m.score(-1), m.score(5));
  assert.is(m.score(11), m.score(5));
  assert.is(m.score(0), 0);
});

test('hbosOutlierScore is the mean of the top 1% per-point scores and ranks an anomalous series higher', () => {
  const r = new Rng(21);
  const normal = Array.from({ length: 1000 }, () => r.normal(0, 0.1));
  const anomalous = normal.slice();
  for (let i = 400; i < 410; i++) anomalous[i] += 0.6;
  const s = Array.from(hbos(anomalous)).sort((a, b) => b - a);
  const want = s.slice(0, 10).reduce((a, b) => a + b, 0) / 10;
  assert.ok(Math.abs(hbosOutlierScore(anomalous) - want) < 1e-12);
  assert.ok(hbosOutlierScore(anomalous) > hbosOutlierScore(normal));
});

test('hbos does not mutate its input', () => {
  const x = new Float64Array([5, 1, 4, 1, 9]);
  hbos(x);
  assert.equal(Array.from(x), [5, 1, 4, 1, 9]);
});

test('bad bins and an empty series are rejected with errors naming the problem', () => {
  assert.throws(
    () => hbos([1, 2, 3], { bins: 0 }),
    (e: unknown) => e instanceof ConfigError && /hbos\.bins.*got 0/.test((e as Error).message),
  );
  assert.throws(
    () => hbos([]),
    (e: unknown) => e instanceof ShapeError && /hbos/.test((e as Error).message),
  );
});

test.run();
