import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateTask } from '../../shared/anomllm/generate.js';
import { RANGE_PARAMS, drawRange } from '../../shared/anomllm/range.js';
import { Rng } from '../../shared/rng.js';
import { checkPlacement, expectedFlooredMax, mean, outside, std, stderr } from './helpers.js';

const N = 1000;
const records = generateTask('range', { seed: 11, count: N });

test('range series have length 1000, at most 8 intervals, gaps >= 10 and durations >= 5 unless clipped', () => {
  for (const r of records) {
    assert.is(r.series.length, 1000);
    checkPlacement(r.intervals, 1000, RANGE_PARAMS.placement, r.id);
    assert.is(r.type, r.intervals.length > 0 ? 'global point' : 'normal');
  }
});

test('the baseline outside intervals is N(0, 0.1)', () => {
  const xs: number[] = [];
  for (const r of records) for (const t of outside(r.intervals, 1000)) xs.push(r.series[t]);
  assert.ok(xs.length > 900_000);
  assert.ok(Math.abs(mean(xs)) < 4 * stderr(xs), `mean ${mean(xs)}`);
  assert.ok(Math.abs(std(xs) - 0.1) < 0.001, `std ${std(xs)}`);
});

test('without baseline noise the shift is exactly visible: one sign per interval, |shift| in [0.5, 0.8), zero elsewhere', () => {
  const rng = new Rng(12);
  let positive = 0,
    intervals = 0;
  for (let i = 0; i < 2000; i++) {
    const { series, intervals: iv } = drawRange(rng.fork(String(i)), 1000, { ...RANGE_PARAMS, baseStd: 0 });
    for (const t of outside(iv, 1000)) assert.is(series[t], 0);
    for (const [s, e] of iv) {
      const sign = Math.sign(series[s]);
      for (let t = s; t < e; t++) {
        assert.is(Math.sign(series[t]), sign, `one sign inside [${s}, ${e})`);
        assert.ok(Math.abs(series[t]) >= 0.5 && Math.abs(series[t]) < 0.8, `|shift| ${series[t]}`);
      }
      intervals++;
      if (sign > 0) positive++;
    }
  }
  const se = Math.sqrt(0.25 / intervals);
  assert.ok(Math.abs(positive / intervals - 0.5) < 4 * se, `positive share ${positive / intervals} of ${intervals}`);
});

test('inside intervals, sign·x has mean 0.65 and std sqrt(0.1² + 0.3²/12) (noise plus uniform magnitude)', () => {
  const ys: number[] = [];
  for (const r of records) {
    for (const [s, e] of r.intervals) {
      // The sign of the interval mean is the shift's sign: |mean| >= 0.5 dwarfs the noise.
      let m = 0;
      for (let t = s; t < e; t++) m += r.series[t];
      const sign = Math.sign(m);
      for (let t = s; t < e; t++) ys.push(sign * r.series[t]);
    }
  }
  assert.ok(ys.length > 15_000);
  assert.ok(Math.abs(mean(ys) - 0.65) < 4 * stderr(ys), `mean ${mean(ys)}`);
  assert.ok(Math.abs(std(ys) - Math.sqrt(0.01 + 0.09 / 12)) < 0.005, `std ${std(ys)}`);
});

test('the mean unclipped duration matches E[floor(max(5, Exp(20)))] ≈ 20.19', () => {
  const durs = records.flatMap((r) => r.intervals.filter(([, e]) => e < 1000).map(([s, e]) => e - s));
  const want = expectedFlooredMax(5, 20);
  assert.ok(Math.abs(mean(durs) - want) < 4 * stderr(durs), `mean ${mean(durs)} vs ${want} ± ${4 * stderr(durs)}`);
});

test('the share of normal series is P(Exp(800) >= 1000) = e^(−1.25)', () => {
  const share = records.filter((r) => r.type === 'normal').length / N;
  const p = Math.exp(-1000 / 800);
  assert.ok(Math.abs(share - p) < 4 * Math.sqrt((p * (1 - p)) / N), `share ${share} vs ${p}`);
});

test.run();
