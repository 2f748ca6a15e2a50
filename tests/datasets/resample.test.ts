import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../shared/rng.js';
import { ConfigError } from '../../shared/errors.js';
import { type Interval, type SeriesRecord, validateRecord } from '../../shared/series/record.js';
import { resampleRecord, resampleSeries, toOriginalInterval, toResampledInterval } from '../../shared/datasets/resample.js';
import { FIT_MODES, fitToLength } from '../../shared/datasets/fit-length.js';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-9) => {
  assert.is(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol * (1 + Math.abs(b[i]!)), `index ${i}: ${a[i]} vs ${b[i]}`);
};

test('an integer factor gives the plain mean of each block of consecutive points', () => {
  const rng = new Rng(1);
  const x = Float64Array.from({ length: 3000 }, () => rng.normal(0, 5));
  const want = Array.from({ length: 1000 }, (_, j) => (x[3 * j]! + x[3 * j + 1]! + x[3 * j + 2]!) / 3);
  close(resampleSeries(x, 1000), want);
});

test('a fractional factor matches a reference that repeats each point `length` times and block-averages n at a time', () => {
  const rng = new Rng(2);
  for (const [n, length] of [
    [7, 3],
    [10, 4],
    [1003, 1000],
    [2500, 1000],
    [97, 13],
  ] as const) {
    const x = Float64Array.from({ length: n }, () => rng.normal());
    const stretched: number[] = [];
    for (const v of x) for (let r = 0; r < length; r++) stretched.push(v);
    const want = Array.from({ length }, (_, j) => {
      let s = 0;
      for (let k = j * n; k < (j + 1) * n; k++) s += stretched[k]!;
      return s / n;
    });
    close(resampleSeries(x, length), want);
  }
});

test('1..6 pooled to 4 points (factor 1.5), by hand', () => {
  // Cells of width 1.5: [0,1.5) = 1 + half of 2; [1.5,3) = half of 2 + 3; and so on.
  close(resampleSeries(Float64Array.from([1, 2, 3, 4, 5, 6]), 4), [2 / 1.5, 4 / 1.5, 6.5 / 1.5, 8.5 / 1.5]);
});

test('the mean of the series is kept', () => {
  const rng = new Rng(3);
  const x = Float64Array.from({ length: 4321 }, () => rng.exponential(2));
  const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
  assert.ok(Math.abs(mean(resampleSeries(x, 1000)) - mean(x)) < 1e-9);
});

const intervalCases: [Interval, number, number, Interval][] = [
  [[10, 20], 3000, 1000, [3, 7]],
  [[9, 21], 3000, 1000, [3, 7]],
  [[0, 1], 3000, 1000, [0, 1]],
  [[2999, 3000], 3000, 1000, [999, 1000]],
  [[4, 5], 10, 4, [1, 2]],
  [[3, 4], 10, 4, [1, 2]],
  [[2, 3], 10, 4, [0, 2]],
];
for (const [iv, n, length, want] of intervalCases) {
  test(`toResampledInterval([${iv}], n=${n}, length=${length}) is [${want}]`, () => assert.equal(toResampledInterval(iv, n, length), want));
}

test('toOriginalInterval maps [3, 7) of a 3-fold pooling back to [9, 21)', () => {
  assert.equal(toOriginalInterval([3, 7], 3000, 1000), [9, 21]);
  assert.equal(toOriginalInterval([999, 1000], 2500, 1000), [2497, 2500]);
});

/** Output cells j whose cell [j·n/L, (j+1)·n/L) overlaps input cell [i, i+1): plain loop over all j. */
function cellsTouching(i: number, n: number, length: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < length; j++) if (j * n < (i + 1) * length && (j + 1) * n > i * length) out.push(j);
  return out;
}

function randomRecord(rng: Rng, n: number): SeriesRecord {
  const intervals: Interval[] = [];
  for (let s = rng.int(30); s < n;) {
    const e = Math.min(n, s + 1 + rng.int(8));
    intervals.push([s, e]);
    s = e + 1 + rng.int(40);
  }
  return { id: 'x', series: Float64Array.from({ length: n }, () => rng.normal()), intervals, type: intervals.length ? 'unknown' : 'normal', task: 'real' };
}

test('resampling keeps every labelled point covered: each output cell it feeds is inside an output interval', () => {
  const rng = new Rng(4);
  for (let trial = 0; trial < 80; trial++) {
    const n = 30 + rng.int(500);
    const length = 5 + rng.int(n - 5);
    const r = randomRecord(rng, n);
    const out = resampleRecord(r, length);
    validateRecord(out, out.id);
    const labelled = new Uint8Array(out.series.length);
    for (const [a, b] of out.intervals) labelled.fill(1, a, b);
    for (const [s, e] of r.intervals) {
      for (let i = s; i < e; i++) {
        for (const j of n <= length ? [i] : cellsTouching(i, n, length)) assert.is(labelled[j], 1, `n=${n} L=${length}: input ${i} → output ${j}`);
      }
    }
  }
});

test('the mapping is no wider than needed: both end cells of each output interval touch a labelled input point', () => {
  const rng = new Rng(5);
  for (let trial = 0; trial < 80; trial++) {
    const n = 30 + rng.int(500);
    const length = 5 + rng.int(n - 5);
    const r = randomRecord(rng, n);
    const inputMask = new Uint8Array(n);
    for (const [s, e] of r.intervals) inputMask.fill(1, s, e);
    for (const [s, e] of r.intervals) {
      const [a, b] = toResampledInterval([s, e], n, length);
      const touches = (j: number) => {
        for (let i = 0; i < n; i++) if (inputMask[i] && cellsTouching(i, n, length).includes(j)) return true;
        return false;
      };
      if (n > length) assert.ok(touches(a) && touches(b - 1), `[${s}, ${e}) → [${a}, ${b})`);
    }
  }
});

test('mapping to the resampled series and back covers the original interval', () => {
  const rng = new Rng(6);
  for (let trial = 0; trial < 500; trial++) {
    const n = 2 + rng.int(5000);
    const length = 1 + rng.int(n);
    const s = rng.int(n);
    const e = s + 1 + rng.int(n - s);
    const [a, b] = toOriginalInterval(toResampledInterval([s, e], n, length), n, length);
    assert.ok(a <= s && b >= e && a >= 0 && b <= n, `n=${n} L=${length} [${s}, ${e}) → [${a}, ${b})`);
  }
});

test('resampleRecord keeps type and task, suffixes the id, and returns short records unchanged', () => {
  const r = randomRecord(new Rng(7), 3000);
  const out = resampleRecord(r, 1000);
  assert.is(out.id, 'x#r1000');
  assert.is(out.type, r.type);
  assert.is(out.task, 'real');
  assert.is(out.series.length, 1000);
  assert.is(resampleRecord(r, 3000), r);
  assert.is(resampleRecord(r, 5000), r);
});

test('resampling rejects a non-positive or fractional length', () => {
  const r = randomRecord(new Rng(8), 100);
  for (const bad of [0, -1, 2.5])
    assert.throws(
      () => resampleRecord(r, bad),
      (e: unknown) => e instanceof ConfigError && /length/.test((e as Error).message),
    );
});

test('fitToLength dispatches on the mode', () => {
  const r = randomRecord(new Rng(9), 2500);
  assert.equal(
    fitToLength(r, { length: 1000, mode: 'window' }).map((w) => w.id),
    ['x#w0', 'x#w1000', 'x#w1500'],
  );
  assert.equal(
    fitToLength(r, { length: 1000, mode: 'window', stride: 500 }).map((w) => w.id),
    ['x#w0', 'x#w500', 'x#w1000', 'x#w1500'],
  );
  assert.equal(
    fitToLength(r, { length: 1000, mode: 'resample' }).map((w) => [w.id, w.series.length]),
    [['x#r1000', 1000]],
  );
  assert.equal(fitToLength(r, { length: 1000, mode: 'none' }), [r]);
  assert.equal(FIT_MODES, ['window', 'resample', 'none']);
  assert.throws(
    () => fitToLength(r, { length: 1000, mode: 'crop' as never }),
    (e: unknown) => e instanceof ConfigError && /"crop" is not a fit mode; use one of window, resample, none/.test((e as Error).message),
  );
});

test.run();
