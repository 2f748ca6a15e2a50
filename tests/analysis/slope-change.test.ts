// The slope-change scan: exact against a direct least-squares fit, finds a hidden change of
// slope under a seasonal background, and stays small on noise alone.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SLOPE_CHANGE_DURATIONS, slopeChangeScan } from '../../shared/analysis/slope-change.js';
import { Rng } from '../../shared/rng.js';

/** sin(2π t / period) + slope·t/n + noise, with the slope raised by `extra` over [s, e) (the level carries on). */
function series(n: number, o: { period?: number; slope?: number; noise?: number; ramp?: [number, number, number]; seed?: number } = {}): Float64Array {
  const rng = new Rng(o.seed ?? 1);
  const x = new Float64Array(n);
  let level = 0;
  for (let t = 0; t < n; t++) {
    if (t > 0) level += (o.slope ?? 3) / n + (o.ramp !== undefined && t >= o.ramp[0] && t < o.ramp[1] ? o.ramp[2] / n : 0);
    x[t] = Math.sin((2 * Math.PI * t) / (o.period ?? 50)) + level + rng.normal(0, o.noise ?? 0.08);
  }
  return x;
}

/** Residual sum of squares of x regressed on the columns (normal equations, Gaussian elimination). */
function rss(x: Float64Array, cols: Float64Array[]): number {
  const k = cols.length;
  const a = Array.from({ length: k }, (_, i) => [
    ...cols.map((c) => c.reduce((s, v, t) => s + v * cols[i]![t]!, 0)),
    cols[i]!.reduce((s, v, t) => s + v * x[t]!, 0),
  ]);
  for (let i = 0; i < k; i++) {
    let p = i;
    for (let r = i + 1; r < k; r++) if (Math.abs(a[r]![i]!) > Math.abs(a[p]![i]!)) p = r;
    [a[i], a[p]] = [a[p]!, a[i]!];
    for (let r = 0; r < k; r++) {
      if (r === i) continue;
      const f = a[r]![i]! / a[i]![i]!;
      for (let c = i; c <= k; c++) a[r]![c]! -= f * a[i]![c]!;
    }
  }
  const beta = a.map((row, i) => row[k]! / row[i]!);
  let s = 0;
  for (let t = 0; t < x.length; t++) s += (x[t]! - cols.reduce((acc, c, i) => acc + beta[i]! * c[t]!, 0)) ** 2;
  return s;
}

test('each statistic is the F-statistic of adding the ramp to a direct least-squares fit (n = 80)', () => {
  const n = 80;
  const x = series(n, { period: 16, noise: 0.3, seed: 7 });
  const scan = slopeChangeScan(x, [10, 30]);
  const t = Float64Array.from({ length: n }, (_, i) => i);
  // The scan's background: 1, t, and the sinusoid at the detrended series' dominant frequency (period 16 here: 5 cycles in 80).
  const f = scan.frequency;
  assert.ok(Math.abs(f - 1 / 16) < 0.003, `frequency ${f}`);
  const base = [new Float64Array(n).fill(1), t.map((v) => v / n), t.map((v) => Math.sin(2 * Math.PI * f * v)), t.map((v) => Math.cos(2 * Math.PI * f * v))];
  const r0 = rss(x, base);
  for (const s of [0, 17, 50, 70]) {
    let want = 0;
    for (const d of [10, 30]) {
      const e = Math.min(s + d, n);
      const ramp = t.map((v) => Math.min(Math.max(v - s, 0), e - s));
      want = Math.max(want, (r0 - rss(x, [...base, ramp])) / (r0 / n));
    }
    assert.ok(Math.abs(scan.start[s]! - want) <= 1e-6 * Math.max(1, want), `s = ${s}: ${scan.start[s]} vs ${want}`);
  }
});

test('a change of slope hidden in noise stands out at its start and end; noise alone stays low', () => {
  const n = 1000;
  const hidden = slopeChangeScan(series(n, { ramp: [800, 850, 6], seed: 3 }));
  const argmax = (a: Float64Array) => a.reduce((b, v, i) => (v > a[b]! ? i : b), 0);
  const s = argmax(hidden.start);
  const e = argmax(hidden.end);
  assert.ok(Math.abs(s - 800) <= 15, `start ${s}`);
  assert.ok(Math.abs(e - 849) <= 15, `end ${e}`);
  assert.ok(hidden.start[s]! > 40, `statistic ${hidden.start[s]}`);
  for (let seed = 1; seed <= 5; seed++) {
    const quiet = slopeChangeScan(series(n, { seed }));
    const m = Math.max(...quiet.start);
    assert.ok(m < 30, `seed ${seed}: noise alone reached ${m}`);
  }
});

test('short, constant and noise-free inputs give finite statistics; the input is not changed', () => {
  assert.equal([...slopeChangeScan([1, 2, 3]).start], [0, 0, 0]);
  const flat = slopeChangeScan(new Float64Array(200).fill(4));
  assert.ok(flat.start.every((v) => v === 0));
  const clean = series(300, { noise: 0 });
  const copy = Float64Array.from(clean);
  const scan = slopeChangeScan(clean);
  assert.ok(scan.start.every(Number.isFinite) && scan.end.every(Number.isFinite));
  assert.equal(clean, copy);
  assert.equal(SLOPE_CHANGE_DURATIONS, [10, 20, 50, 100, 200, 400]);
});

test.run();
