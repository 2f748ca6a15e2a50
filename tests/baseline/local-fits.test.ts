import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { localFrequency, lag1Autocorrelation, levelCrossings } from '../../shared/baseline/periodic-stats.js';
import { refineFrequencyByPhase } from '../../shared/baseline/periodic.js';
import { coveringMin, windowSineFits } from '../../shared/baseline/sine-fit.js';
import { localSlopes, solveInPlace } from '../../shared/baseline/trend.js';
import { roughness } from '../../shared/baseline/family.js';
import { fitLine } from '../../shared/analysis/line-fit.js';
import { Rng } from '../../shared/rng.js';

/** Plain least squares: normal equations built sample by sample, solved by Gauss–Jordan. */
function lstsq(rows: number[][], y: number[]): { coef: number[]; rss: number } {
  const k = rows[0].length;
  const a = Array.from({ length: k }, () => new Array(k + 1).fill(0));
  rows.forEach((r, t) => {
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) a[i][j] += r[i] * r[j];
      a[i][k] += r[i] * y[t];
    }
  });
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
    [a[c], a[p]] = [a[p], a[c]];
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = a[r][c] / a[c][c];
      for (let j = c; j <= k; j++) a[r][j] -= f * a[c][j];
    }
  }
  const coef = a.map((row, i) => row[k] / row[i]);
  const rss = rows.reduce((s, r, t) => s + (y[t] - r.reduce((u, v, i) => u + v * coef[i], 0)) ** 2, 0);
  return { coef, rss };
}

const rng = new Rng(5);
const x = Float64Array.from({ length: 300 }, (_, t) => 0.8 * Math.sin(2 * Math.PI * 0.037 * t + 0.4) + 0.01 * t + rng.normal(0, 0.1));

test('window sine fits match a plain least-squares loop, window by window', () => {
  const f = 0.035,
    w = 14;
  const fits = windowSineFits(x, f, w);
  assert.is(fits.rms.length, x.length - w + 1);
  for (const a of [0, 1, 57, 150, x.length - w]) {
    const rows = [],
      y = [];
    for (let t = a; t < a + w; t++) {
      rows.push([Math.sin(2 * Math.PI * f * t), Math.cos(2 * Math.PI * f * t), 1]);
      y.push(x[t]);
    }
    const { coef, rss } = lstsq(rows, y);
    assert.ok(Math.abs(fits.rms[a] - Math.sqrt(rss / w)) < 1e-9, `rms at ${a}`);
    assert.ok(Math.abs(fits.amplitude[a] - Math.hypot(coef[0], coef[1])) < 1e-9, `amplitude at ${a}`);
    assert.ok(Math.abs(fits.phase[a] - Math.atan2(coef[1], coef[0])) < 1e-9, `phase at ${a}`);
  }
});

test('covering min is the smallest window value over the windows that hold each sample', () => {
  const v = Float64Array.from({ length: 20 }, () => rng.uniform());
  const w = 5,
    n = v.length + w - 1;
  const got = coveringMin(v, w, n);
  for (let t = 0; t < n; t++) {
    let want = Infinity;
    for (let a = Math.max(0, t - w + 1); a <= Math.min(v.length - 1, t); a++) want = Math.min(want, v[a]);
    assert.is(got[t], want);
  }
});

test('local slopes (line + sine fit, clipped windows) match a plain least-squares loop', () => {
  const period = 27,
    h = 20;
  const { slope, rms } = localSlopes(x, period, h);
  for (const t of [0, 5, 100, 299]) {
    const rows = [],
      y = [];
    for (let u = Math.max(0, t - h); u < Math.min(x.length, t + h + 1); u++) {
      rows.push([1, u, Math.sin((2 * Math.PI * u) / period), Math.cos((2 * Math.PI * u) / period)]);
      y.push(x[u]);
    }
    const { coef, rss } = lstsq(rows, y);
    assert.ok(Math.abs(slope[t] - coef[1]) < 1e-9, `slope at ${t}: ${slope[t]} vs ${coef[1]}`);
    assert.ok(Math.abs(rms[t] - Math.sqrt(rss / (rows.length - 4))) < 1e-8, `rms at ${t}`);
  }
});

test('the slope of a pure line plus a sine of the fitted period is exact', () => {
  const y = Float64Array.from({ length: 200 }, (_, t) => 0.004 * t + Math.sin((2 * Math.PI * t) / 25));
  const { slope } = localSlopes(y, 25, 25);
  for (const s of slope) assert.ok(Math.abs(s - 0.004) < 1e-10);
});

test('solveInPlace solves a pivoting-needing system and reports a singular one', () => {
  const out = new Float64Array(3);
  assert.ok(solveInPlace(Float64Array.from([0, 1, 2, 1, 0, 3, 4, -3, 8]), Float64Array.from([5, 7, 9]), 3, out));
  // Check A·out = b with the original matrix.
  const A = [
      [0, 1, 2],
      [1, 0, 3],
      [4, -3, 8],
    ],
    b = [5, 7, 9];
  A.forEach((row, i) => assert.ok(Math.abs(row.reduce((s, v, j) => s + v * out[j], 0) - b[i]) < 1e-12));
  assert.not.ok(solveInPlace(Float64Array.from([1, 2, 2, 4]), Float64Array.from([1, 2]), 2, new Float64Array(2)));
});

test('phase-drift refinement recovers the frequency from a guess 5% off', () => {
  const f = 0.0317;
  const y = Float64Array.from({ length: 1000 }, (_, t) => Math.sin(2 * Math.PI * f * t + 1) + rng.normal(0, 0.05));
  assert.ok(Math.abs(refineFrequencyByPhase(y, f * 1.05, 16) - f) < 2e-4);
});

test('local frequency undoes the phase gained over a stretch, whole turns set by the crossings (table)', () => {
  const f0 = 0.03;
  const wrap = (a: number) => a - 2 * Math.PI * Math.round(a / (2 * Math.PI));
  // [true pace, length, crossings a sine at that pace makes over the stretch]
  for (const [f, L, c] of [
    [0.01, 7, 0],
    [0.01, 35, 1],
    [0.09, 15, 3],
    [0.09, 33, 6],
    [0.03, 40, 2],
  ]) {
    const shift = wrap(2 * Math.PI * (f - f0) * L);
    assert.ok(Math.abs(localFrequency(f0, shift, c, L) - f) < 0.006, `f ${f} over ${L}: ${localFrequency(f0, shift, c, L)}`);
  }
  assert.is(localFrequency(f0, NaN, 4, 20), 0.1, 'without a phase the crossing pace is the answer');
});

test('lag-1 autocorrelation and level crossings agree with their definitions', () => {
  const y = [1, 2, 3, 2, 1, 2, 3];
  const m = y.reduce((a, b) => a + b) / y.length;
  const num = y.slice(0, -1).reduce((s, v, i) => s + (v - m) * (y[i + 1] - m), 0);
  const den = y.reduce((s, v) => s + (v - m) ** 2, 0);
  assert.ok(Math.abs(lag1Autocorrelation(y, 0, y.length) - num / den) < 1e-12);
  // Dead band ±0.5 around 2: 1 → 3 is one crossing, the values equal to 2 never cross.
  assert.is(levelCrossings(y, 0, y.length, 2, 0.5), 3);
  assert.is(levelCrossings([0, 0.4, -0.4, 0.4], 0, 4, 0, 0.5), 0, 'wiggles inside the band do not count');
});

test('roughness is about 1 for white noise and small for a slow sine; fitLine recovers a line', () => {
  const w = Float64Array.from({ length: 4000 }, () => rng.normal(0, 1));
  assert.ok(Math.abs(roughness(w) - 1) < 0.08, String(roughness(w)));
  assert.ok(roughness(Float64Array.from({ length: 1000 }, (_, t) => Math.sin(0.2 * t))) < 0.2);
  const line = fitLine(Float64Array.from({ length: 50 }, (_, t) => 2 - 0.5 * t));
  assert.ok(Math.abs(line.slope + 0.5) < 1e-12 && Math.abs(line.intercept - 2) < 1e-12 && Math.abs(line.r2 - 1) < 1e-12);
});

test.run();
