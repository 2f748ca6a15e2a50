import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateTask } from '../../shared/anomllm/generate.js';
import { TREND_PARAMS, minMaxScale } from '../../shared/anomllm/trend.js';
import type { SeriesRecord } from '../../shared/series/record.js';
import { checkPlacement, mean } from './helpers.js';

const N = 800;
const trend = generateTask('trend', { seed: 41, count: N });
const flat = generateTask('flat-trend', { seed: 41, count: N });

/**
 * The sine has period exactly 50 samples (f = 0.02), so x[t+50] − x[t] is the
 * scaled level change alone. Dividing by the same change over [0, 50] (always
 * normal: the first interval starts at >= 800) gives slope(t..t+50)/3, i.e.
 * 3·ratio is the mean per-sample slope of samples t+1..t+50 per series length.
 */
function slopeOver(r: SeriesRecord, t: number): number {
  return (3 * (r.series[t + 50] - r.series[t])) / (r.series[50] - r.series[0]);
}

/** Checks each 50-window inside/around an interval; returns the interval slopes seen. */
function checkSlopes(records: SeriesRecord[], lo: number, hi: number): number[] {
  const slopes: number[] = [];
  for (const r of records) {
    for (const [s, e] of r.intervals) {
      if (e - s < 51) continue;
      // Windows fully inside: samples t+1..t+50 all anomalous, one constant slope.
      const S = slopeOver(r, s);
      assert.ok(S >= lo - 1e-9 && S < hi + 1e-9, `${r.id}: slope ${S} outside [${lo}, ${hi})`);
      for (let t = s; t + 50 < e; t++) assert.ok(Math.abs(slopeOver(r, t) - S) < 1e-9, `${r.id} t=${t}: not linear`);
      // Windows straddling the start: k = t+50−s+1 anomalous samples, the rest normal.
      // The level only adds up per-sample slopes, so a jump at s would break this.
      for (let t = s - 50; t < s; t++) {
        const k = t + 50 - s + 1;
        assert.ok(Math.abs(slopeOver(r, t) - (k * S + (50 - k) * 3) / 50) < 1e-9, `${r.id} t=${t}: level jumps at the start`);
      }
      slopes.push(S);
    }
  }
  return slopes;
}

test('trend series are min-max scaled: every value in [-1, 1], min exactly -1 and max exactly 1', () => {
  for (const r of [...trend, ...flat]) {
    let lo = Infinity,
      hi = -Infinity;
    for (const v of r.series) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    assert.ok(lo >= -1 - 1e-12 && hi <= 1 + 1e-12, r.id);
    assert.ok(Math.abs(lo + 1) < 1e-12 && Math.abs(hi - 1) < 1e-12, r.id);
  }
});

test('trend intervals: at most 8 (in fact <= 1 at length 1000: 800 + 50 + 800 > 1000), gaps >= 800, durations >= 50 unless clipped', () => {
  for (const r of [...trend, ...flat]) {
    checkPlacement(r.intervals, 1000, TREND_PARAMS.placement, r.id);
    assert.ok(r.intervals.length <= 1);
    assert.is(r.type, r.intervals.length > 0 ? 'trend' : 'normal');
  }
});

test('long trend series hit the cap of 8 intervals and never exceed it', () => {
  const long = generateTask('trend', { seed: 42, count: 20, length: 30_000 });
  const counts = long.map((r) => r.intervals.length);
  assert.ok(counts.every((c) => c <= 8));
  assert.ok(counts.includes(8));
});

test('the share of normal trend series is P(Exp(1700) >= 1000) = e^(−1000/1700) ≈ 0.555', () => {
  const p = Math.exp(-1000 / 1700);
  for (const records of [trend, flat]) {
    const share = records.filter((r) => r.type === 'normal').length / N;
    assert.ok(Math.abs(share - p) < 4 * Math.sqrt((p * (1 - p)) / N), `share ${share} vs ${p}`);
  }
});

test('trend anomalies are linear with slope U(6, 20) per series length, continuing from the current level', () => {
  const slopes = checkSlopes(trend, 6, 20);
  assert.ok(slopes.length > 100, `${slopes.length}`);
  // U(6, 20): mean 13, std 14/√12.
  assert.ok(Math.abs(mean(slopes) - 13) < (4 * 14) / Math.sqrt(12 * slopes.length), `mean slope ${mean(slopes)}`);
});

test('flat-trend anomalies have the subtle slope U(4.5, 6)', () => {
  const slopes = checkSlopes(flat, 4.5, 6);
  assert.ok(slopes.length > 100);
  assert.ok(Math.abs(mean(slopes) - 5.25) < (4 * 1.5) / Math.sqrt(12 * slopes.length), `mean slope ${mean(slopes)}`);
});

test('minMaxScale maps min to -1 and max to 1 linearly, and a constant series to zeros', () => {
  const cases: [number[], number[]][] = [
    [
      [0, 5, 10],
      [-1, 0, 1],
    ],
    [
      [3, 1, 2],
      [1, -1, 0],
    ],
    [
      [7, 7],
      [0, 0],
    ],
    [[4], [0]],
  ];
  for (const [x, want] of cases) assert.equal(Array.from(minMaxScale(Float64Array.from(x))), want);
});

test.run();
