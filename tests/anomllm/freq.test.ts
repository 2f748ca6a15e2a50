import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FREQ_PARAMS } from '../../shared/anomllm/freq.js';
import { generateTask } from '../../shared/anomllm/generate.js';
import { checkPlacement, expectedFlooredMax, mean, stderr } from './helpers.js';

const N = 800;
const records = generateTask('freq', { seed: 31, count: N });

/** Sign changes between consecutive samples t, t+1 with s <= t < e−1 (plain loop). */
function crossings(x: Float64Array, s: number, e: number): number {
  let c = 0;
  for (let t = s; t + 1 < e; t++) if (Math.sign(x[t]) !== Math.sign(x[t + 1])) c++;
  return c;
}

/**
 * A sine at f cycles/sample crosses zero twice per cycle, so over d samples
 * (d−1 steps, phase advance f·(d−1)) it has floor or ceil of 2f(d−1) crossings.
 */
const fits = (c: number, f: number, d: number) => Math.abs(c - 2 * f * (d - 1)) < 1;

test('freq intervals: gaps >= 20, durations >= 7 unless clipped, labelled seasonal', () => {
  for (const r of records) {
    checkPlacement(r.intervals, 1000, FREQ_PARAMS.placement, r.id);
    assert.is(r.type, r.intervals.length > 0 ? 'seasonal' : 'normal');
  }
});

test('the sine is phase continuous: no step exceeds what the fastest frequency allows', () => {
  // |sin(a) − sin(b)| <= |a − b|, and one step advances the angle by at most 2π·0.09.
  for (const r of records) {
    for (let t = 0; t + 1 < r.series.length; t++) assert.ok(Math.abs(r.series[t + 1] - r.series[t]) <= 2 * Math.PI * 0.09 + 1e-12);
  }
});

test('each interval oscillates at 0.03·3 or 0.03/3 (zero-crossing count), about half of each', () => {
  let fast = 0,
    slow = 0;
  for (const r of records) {
    for (const [s, e] of r.intervals) {
      const d = e - s,
        c = crossings(r.series, s, e);
      assert.ok(fits(c, 0.09, d) || fits(c, 0.01, d), `${r.id} [${s}, ${e}): ${c} crossings`);
      // From d = 20 on the two hypotheses cannot both fit (≥ 3 crossings vs ≤ 1).
      if (d >= 20) fits(c, 0.09, d) ? fast++ : slow++;
    }
  }
  const n = fast + slow;
  assert.ok(n > 150, `only ${n} long intervals`);
  assert.ok(Math.abs(fast / n - 0.5) < 4 * Math.sqrt(0.25 / n), `fast share ${fast / n} of ${n}`);
});

test('long intervals really change the local frequency: their crossing count does not fit the base 0.03', () => {
  let checked = 0;
  for (const r of records) {
    for (const [s, e] of r.intervals) {
      if (e - s < 40) continue;
      assert.not.ok(fits(crossings(r.series, s, e), 0.03, e - s), `${r.id} [${s}, ${e}) looks like the base frequency`);
      checked++;
    }
  }
  assert.ok(checked > 30, `only ${checked} intervals of 40+ samples`);
});

test('outside intervals the crossing rate is 2·0.03 per step', () => {
  let c = 0,
    steps = 0;
  for (const r of records) {
    let prev = 0;
    for (const [s, e] of [...r.intervals, [1000, 1000] as const]) {
      c += crossings(r.series, prev, s);
      steps += Math.max(0, s - prev - 1);
      prev = e;
    }
  }
  assert.ok(Math.abs(c / steps - 0.06) < 0.001, `rate ${c / steps}`);
});

test('the mean unclipped duration matches E[floor(max(7, Exp(15)))]', () => {
  const durs = records.flatMap((r) => r.intervals.filter(([, e]) => e < 1000).map(([s, e]) => e - s));
  const want = expectedFlooredMax(7, 15);
  assert.ok(Math.abs(mean(durs) - want) < 4 * stderr(durs), `mean ${mean(durs)} vs ${want}`);
});

test('freq has no cap: long series get more than 8 intervals', () => {
  const long = generateTask('freq', { seed: 32, count: 10, length: 20_000 });
  assert.ok(
    long.some((r) => r.intervals.length > 8),
    `max ${Math.max(...long.map((r) => r.intervals.length))}`,
  );
});

test.run();
