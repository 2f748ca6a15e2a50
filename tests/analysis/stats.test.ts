import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../shared/rng.js';
import { ConfigError, ShapeError } from '../../shared/errors.js';
import { mad, mean, median, quantile, quantiles, robustZ, rollingMean, rollingStd, std, zScores } from '../../shared/analysis/stats.js';

const close = (a: number, b: number, tol = 1e-12) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

function randomSeries(seed: number, n: number, offset = 0): number[] {
  const r = new Rng(seed);
  return Array.from({ length: n }, () => offset + r.normal(0, 1));
}

/** Plain two-pass reference formulas. */
const refMean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
const refStd = (x: number[]) => {
  const m = refMean(x);
  return Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / x.length);
};

test('mean and std match the direct formulas on random series', () => {
  for (const [seed, n] of [
    [1, 1],
    [2, 2],
    [3, 17],
    [4, 1000],
  ]) {
    const x = randomSeries(seed, n, 5);
    assert.ok(close(mean(x), refMean(x)));
    assert.ok(close(std(x), refStd(x)));
  }
});

test('std is the population std (ddof 0): std([1, 2, 3, 4]) = √1.25', () => {
  assert.ok(close(std([1, 2, 3, 4]), Math.sqrt(1.25)));
});

test('std keeps its precision under a large offset', () => {
  const x = randomSeries(9, 500);
  const shifted = x.map((v) => v + 1e9);
  assert.ok(Math.abs(std(shifted) - std(x)) < 1e-6);
});

test('quantile interpolates linearly like numpy (values computed with numpy.quantile)', () => {
  // numpy.quantile([1, 2, 3, 4], q) and numpy.quantile([3, 1, 10], q).
  const cases: Array<[number[], number, number]> = [
    [[1, 2, 3, 4], 0, 1],
    [[1, 2, 3, 4], 0.25, 1.75],
    [[1, 2, 3, 4], 0.5, 2.5],
    [[1, 2, 3, 4], 0.9, 3.7],
    [[1, 2, 3, 4], 1, 4],
    [[3, 1, 10], 0.5, 3],
    [[3, 1, 10], 0.75, 6.5],
    [[3, 1, 10], 0.1, 1.4],
    [[7], 0.3, 7],
  ];
  for (const [x, q, want] of cases) assert.ok(close(quantile(x, q), want), `quantile(${x}, ${q}) = ${quantile(x, q)}, want ${want}`);
});

test('quantiles agrees with quantile one by one', () => {
  const x = randomSeries(5, 101);
  const qs = [0, 0.01, 0.33, 0.5, 0.99, 1];
  const got = quantiles(x, qs);
  qs.forEach((q, i) => assert.is(got[i], quantile(x, q)));
});

test('median is the middle value, or the mean of the two middle values', () => {
  assert.is(median([5, 1, 3]), 3);
  assert.is(median([4, 1, 3, 2]), 2.5);
  const x = randomSeries(6, 999);
  const s = x.slice().sort((a, b) => a - b);
  assert.is(median(x), s[499]);
});

test('inputs are not mutated', () => {
  const x = new Float64Array([3, 1, 2, 9, -4]);
  const copy = x.slice();
  median(x);
  quantile(x, 0.3);
  mad(x);
  robustZ(x);
  zScores(x);
  rollingStd(x, 3);
  assert.equal(Array.from(x), Array.from(copy));
});

test('zScores is (x − mean)/std, and all zeros for a constant series', () => {
  const x = randomSeries(7, 200);
  const m = refMean(x),
    s = refStd(x);
  const z = zScores(x);
  x.forEach((v, i) => assert.ok(close(z[i], (v - m) / s)));
  assert.equal(Array.from(zScores([2, 2, 2])), [0, 0, 0]);
  assert.is(zScores([]).length, 0);
});

test('mad is the median absolute deviation from the median', () => {
  // median 3; deviations [2, 1, 0, 1, 97] → median 1.
  assert.is(mad([1, 2, 3, 4, 100]), 1);
});

test('robustZ scales by 1.4826·MAD, so a gross outlier does not hide itself', () => {
  const x = [1, 2, 3, 4, 100];
  const z = robustZ(x);
  x.forEach((v, i) => assert.ok(close(z[i], (v - 3) / 1.4826)));
  assert.ok(z[4] > 60 && zScores(x)[4] < 2.1);
});

test('robustZ falls back to the std when MAD is 0, and to zeros for a constant series', () => {
  const x = [0, 0, 0, 0, 0, 0, 5];
  const s = refStd(x);
  const z = robustZ(x);
  x.forEach((v, i) => assert.ok(close(z[i], v / s)));
  assert.equal(Array.from(robustZ([4, 4, 4])), [0, 0, 0]);
});

/** Reference: average/std over the centred window [i − ⌊w/2⌋, i − ⌊w/2⌋ + w) ∩ [0, n). */
function refRolling(x: number[], w: number): { m: number[]; s: number[] } {
  const m: number[] = [],
    s: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const lo = Math.max(0, i - Math.floor(w / 2));
    const hi = Math.min(x.length, i - Math.floor(w / 2) + w);
    const win = x.slice(lo, hi);
    m.push(refMean(win));
    s.push(refStd(win));
  }
  return { m, s };
}

test('rollingMean and rollingStd match per-window loops, edges truncated, odd and even w', () => {
  for (const [seed, n, w, offset] of [
    [1, 50, 1, 0],
    [2, 50, 5, 0],
    [3, 50, 6, 3],
    [4, 300, 51, 100],
    [5, 7, 20, 0],
  ]) {
    const x = randomSeries(seed, n, offset);
    const ref = refRolling(x, w);
    const gm = rollingMean(x, w),
      gs = rollingStd(x, w);
    for (let i = 0; i < n; i++) {
      assert.ok(close(gm[i], ref.m[i], 1e-10), `mean n=${n} w=${w} i=${i}`);
      assert.ok(Math.abs(gs[i] - ref.s[i]) < 1e-8, `std n=${n} w=${w} i=${i}: ${gs[i]} vs ${ref.s[i]}`);
    }
  }
});

test('rollingMean with an even window follows pandas center=True (one more sample on the left)', () => {
  // pandas.Series([0,1,2,3,4]).rolling(2, center=True, min_periods=1).mean() → [0, 0.5, 1.5, 2.5, 3.5]
  assert.equal(Array.from(rollingMean([0, 1, 2, 3, 4], 2)), [0, 0.5, 1.5, 2.5, 3.5]);
});

test('rollingStd is exactly 0 on a flat stretch inside a noisy series', () => {
  const x = randomSeries(8, 300, 1e3);
  for (let i = 100; i < 200; i++) x[i] = 1234.5678;
  const s = rollingStd(x, 21);
  for (let i = 111; i < 190; i++) assert.is(s[i], 0);
  assert.ok(s[100] > 0);
});

test('the scalar statistics reject an empty series with ShapeError naming the function', () => {
  for (const [name, f] of [
    ['mean', () => mean([])],
    ['median', () => median([])],
    ['quantile', () => quantile([], 0.5)],
  ] as const) {
    try {
      f();
      assert.unreachable(`${name} accepted []`);
    } catch (e) {
      assert.instance(e, ShapeError);
      assert.match((e as Error).message, name);
    }
  }
});

test('bad parameters are ConfigErrors naming the field and the value', () => {
  assert.throws(
    () => quantile([1, 2], 1.5),
    (e: unknown) => e instanceof ConfigError && /quantile\.q.*1\.5/.test((e as Error).message),
  );
  assert.throws(
    () => rollingMean([1, 2], 0),
    (e: unknown) => e instanceof ConfigError && /rollingMean\.w.*got 0/.test((e as Error).message),
  );
  assert.throws(
    () => rollingStd([1, 2], 2.5),
    (e: unknown) => e instanceof ConfigError && /rollingStd\.w/.test((e as Error).message),
  );
});

test.run();
