import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateTask } from '../../shared/anomllm/generate.js';
import { POINT_PARAMS } from '../../shared/anomllm/point.js';
import { checkPlacement, expectedFlooredMax, mean, outside, std, stderr } from './helpers.js';

const N = 800;
const records = generateTask('point', { seed: 21, count: N });

test('point series keep sin(2π·0.03·t) exactly outside intervals', () => {
  for (const r of records) {
    for (const t of outside(r.intervals, 1000)) assert.is(r.series[t], Math.sin(2 * Math.PI * 0.03 * t));
  }
});

test('point intervals: at most 8, first start and gaps >= 200, durations >= 5 unless clipped, labelled contextual point', () => {
  for (const r of records) {
    checkPlacement(r.intervals, 1000, POINT_PARAMS.placement, r.id);
    assert.is(r.type, r.intervals.length > 0 ? 'contextual point' : 'normal');
  }
});

test('values inside intervals are N(0, 0.5) noise, not the sine', () => {
  const xs: number[] = [];
  for (const r of records) for (const [s, e] of r.intervals) for (let t = s; t < e; t++) xs.push(r.series[t]);
  assert.ok(xs.length > 15_000);
  assert.ok(Math.abs(mean(xs)) < 4 * stderr(xs), `mean ${mean(xs)}`);
  // std of a sample std ≈ σ/√(2n) ≈ 0.003 here.
  assert.ok(Math.abs(std(xs) - 0.5) < 0.015, `std ${std(xs)}`);
});

test('the mean unclipped duration matches E[floor(max(5, Exp(30)))] ≈ 29.97', () => {
  const durs = records.flatMap((r) => r.intervals.filter(([, e]) => e < 1000).map(([s, e]) => e - s));
  const want = expectedFlooredMax(5, 30);
  assert.ok(Math.abs(mean(durs) - want) < 4 * stderr(durs), `mean ${mean(durs)} vs ${want}`);
});

test('the share of normal series is P(Exp(800) >= 1000) = e^(−1.25)', () => {
  const share = records.filter((r) => r.type === 'normal').length / N;
  const p = Math.exp(-1.25);
  assert.ok(Math.abs(share - p) < 4 * Math.sqrt((p * (1 - p)) / N), `share ${share} vs ${p}`);
});

test.run();
