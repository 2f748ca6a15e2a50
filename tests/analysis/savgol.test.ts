import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../shared/rng.js';
import { ConfigError, ShapeError } from '../../shared/errors.js';
import { savgolCoefficients, savgolFilter, smoothedGradient } from '../../shared/analysis/savgol.js';

/**
 * Reference: fit y ≈ Σ_k c_k·t^k over positions t = 0…w−1 (raw, unscaled) by
 * solving the normal equations (AᵀA)c = Aᵀy with naive Gaussian elimination,
 * then evaluate the d-th derivative at position `at`.
 */
function fitAndEval(y: number[], order: number, at: number, d: number): number {
  const size = order + 1;
  const g = Array.from({ length: size }, () => new Array<number>(size + 1).fill(0));
  y.forEach((v, t) => {
    for (let a = 0; a < size; a++) {
      for (let b = 0; b < size; b++) g[a][b] += t ** (a + b);
      g[a][size] += v * t ** a;
    }
  });
  for (let c = 0; c < size; c++) {
    let p = c;
    for (let r = c + 1; r < size; r++) if (Math.abs(g[r][c]) > Math.abs(g[p][c])) p = r;
    [g[c], g[p]] = [g[p], g[c]];
    for (let r = 0; r < size; r++) {
      if (r === c) continue;
      const f = g[r][c] / g[c][c];
      for (let k = c; k <= size; k++) g[r][k] -= f * g[c][k];
    }
  }
  const coef = g.map((row, k) => row[size] / row[k]);
  let out = 0;
  for (let k = d; k < size; k++) {
    let fall = 1;
    for (let j = 0; j < d; j++) fall *= k - j;
    out += coef[k] * fall * at ** (k - d);
  }
  return out;
}

/** Reference filter: centred fit inside, first/last whole window at the edges. */
function refFilter(x: number[], w: number, order: number, d: number): number[] {
  const h = (w - 1) / 2,
    n = x.length;
  return x.map((_, i) => {
    const start = Math.min(n - w, Math.max(0, i - h));
    return fitAndEval(x.slice(start, start + w), order, i - start, d);
  });
}

const maxRelErr = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let scale = 0,
    err = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < b.length; i++) err = Math.max(err, Math.abs(a[i] - b[i]));
  return err / Math.max(scale, 1e-300);
};

test('window 5, order 2 smoothing coefficients are [−3, 12, 17, 12, −3]/35', () => {
  const c = savgolCoefficients(5, 2);
  [-3, 12, 17, 12, -3].forEach((v, i) => assert.ok(Math.abs(c[i] - v / 35) < 1e-15, `c[${i}] = ${c[i]}`));
});

test('coefficients equal the least-squares fit at the centre, for several windows, orders and derivatives', () => {
  const cases: Array<[number, number, number]> = [
    [5, 2, 0],
    [7, 3, 1],
    [9, 4, 2],
    [11, 2, 1],
    [21, 5, 3],
    [51, 2, 1],
    [3, 0, 0],
    [7, 2, 3],
  ];
  for (const [w, order, d] of cases) {
    const c = savgolCoefficients(w, order, d);
    // The weight of sample j is the fit applied to the unit impulse at j.
    const want = Array.from({ length: w }, (_, j) =>
      fitAndEval(
        Array.from({ length: w }, (_, t) => (t === j ? 1 : 0)),
        order,
        (w - 1) / 2,
        d,
      ),
    );
    assert.ok(maxRelErr(c, want) < 1e-9 || (d > order && c.every((v) => v === 0)), `w=${w} order=${order} d=${d}`);
  }
});

test("smoothing coefficients sum to 1 and first-derivative coefficients recover a line's slope", () => {
  const c0 = savgolCoefficients(15, 3);
  assert.ok(Math.abs(c0.reduce((a, b) => a + b, 0) - 1) < 1e-13);
  const c1 = savgolCoefficients(15, 3, 1);
  const slope = c1.reduce((a, v, j) => a + v * (2.5 * j - 4), 0);
  assert.ok(Math.abs(slope - 2.5) < 1e-12);
});

test('savgolFilter matches per-window least-squares fits, edges included, on random series', () => {
  const r = new Rng(5);
  const cases: Array<[number, number, number, number]> = [
    [30, 5, 2, 0],
    [30, 7, 3, 1],
    [64, 11, 4, 2],
    [200, 51, 2, 1],
    [9, 9, 3, 0],
  ];
  for (const [n, w, order, d] of cases) {
    const x = Array.from({ length: n }, () => r.normal(0, 1));
    const got = savgolFilter(x, w, order, d);
    assert.ok(maxRelErr(got, refFilter(x, w, order, d)) < 1e-8, `n=${n} w=${w} order=${order} d=${d}`);
  }
});

test('savgolFilter agrees with scipy.signal.savgol_filter(mode="interp") on a fixed series', () => {
  // x_t = sin(0.7t) + 0.01t², t = 0…19; values printed by scipy 1.17.1.
  const x = Array.from({ length: 20 }, (_, t) => Math.sin(t * 0.7) + 0.01 * t * t);
  const smooth = [
    0.09169807028573, 0.6147287567702405, 0.8774730154191192, 0.8799308462323673, 0.46655074325451285, -0.07100496426343278, -0.4375870212473587,
    -0.40905143949766615, 0.06232208231403319, 0.8253865552798993, 1.601214490876071, 2.11428185717767, 2.222051336254826, 1.9820098520021276,
    1.6246315715730284, 1.4449823033093807, 1.6639454365478241, 2.2283868860314984, 3.1307700058952017, 4.371094796138934,
  ];
  const deriv = [
    1.083110968372479, 0.5003717395592319, 0.0466136311370311, -0.27816335689412336, -0.5511330656174815, -0.5272710318547549, -0.20839363043049608,
    0.26493242667724587, 0.6795008113956635, 0.8497398470906057, 0.704989767725052, 0.32273510991562326, -0.1078374753674965, -0.37481666087480414,
    -0.3432316514887447, -0.018531058144346774, 0.45597966903041526, 0.7679888873804039, 1.0281332016703193, 1.2364126119001597,
  ];
  assert.ok(maxRelErr(savgolFilter(x, 7, 2), smooth) < 1e-12);
  assert.ok(maxRelErr(savgolFilter(x, 7, 3, 1), deriv) < 1e-12);
});

test('a polynomial of degree ≤ order passes through unchanged, and its derivative is exact', () => {
  const x = Array.from({ length: 40 }, (_, t) => 0.5 - 0.2 * t + 0.03 * t * t);
  const s = savgolFilter(x, 9, 2);
  const g = savgolFilter(x, 9, 2, 1);
  x.forEach((v, t) => {
    assert.ok(Math.abs(s[t] - v) < 1e-10);
    assert.ok(Math.abs(g[t] - (-0.2 + 0.06 * t)) < 1e-10);
  });
});

test('smoothedGradient is the window-51 order-2 first derivative and sees a trend change', () => {
  const r = new Rng(8);
  const x = Array.from({ length: 1000 }, (_, t) => (t < 500 ? 0.001 * t : 0.5 + 0.01 * (t - 500)) + r.normal(0, 0.05));
  const g = smoothedGradient(x);
  assert.equal(Array.from(g), Array.from(savgolFilter(x, 51, 2, 1)));
  const meanOf = (a: number, b: number) => g.subarray(a, b).reduce((s, v) => s + v, 0) / (b - a);
  assert.ok(Math.abs(meanOf(50, 450) - 0.001) < 0.001);
  assert.ok(Math.abs(meanOf(550, 950) - 0.01) < 0.001);
});

test('smoothedGradient shrinks its window for short series and falls back to differences', () => {
  const short = [0, 1, 4, 9, 16, 25, 36, 49, 64, 81];
  assert.equal(Array.from(smoothedGradient(short)), Array.from(savgolFilter(short, 9, 2, 1)));
  // Three samples still fit the quadratic 1 + t + t² exactly: derivative 1 + 2t.
  const g3 = smoothedGradient([1, 3, 7]);
  [1, 3, 5].forEach((v, i) => assert.ok(Math.abs(g3[i] - v) < 1e-12));
  // Two samples (window 1 ≤ order 2): one-sided differences.
  assert.equal(Array.from(smoothedGradient([1, 3])), [2, 2]);
  assert.equal(Array.from(smoothedGradient([1, 3, 7, 8], 51, 3)), [2, 3, 2.5, 1]);
  assert.equal(Array.from(smoothedGradient([5])), [0]);
});

test('savgolFilter does not mutate its input', () => {
  const x = new Float64Array([1, 5, 2, 8, 3, 9, 4]);
  savgolFilter(x, 5, 2, 1);
  assert.equal(Array.from(x), [1, 5, 2, 8, 3, 9, 4]);
});

test('bad windows and orders are ConfigErrors; a series shorter than the window is a ShapeError', () => {
  const cases: Array<[() => unknown, RegExp]> = [
    [() => savgolCoefficients(4, 2), /savgol\.window: must be odd, got 4/],
    [() => savgolCoefficients(5, 5), /savgol\.order: must be less than window \(5\), got 5/],
    [() => savgolCoefficients(5, -1), /savgol\.order/],
    [() => savgolFilter([1, 2, 3], 5, 2, 1.5), /savgol\.deriv/],
  ];
  for (const [f, msg] of cases) assert.throws(f, (e: unknown) => e instanceof ConfigError && msg.test((e as Error).message));
  assert.throws(
    () => savgolFilter([1, 2, 3], 5, 2),
    (e: unknown) => e instanceof ShapeError && /need at least window = 5/.test((e as Error).message),
  );
});

test.run();
