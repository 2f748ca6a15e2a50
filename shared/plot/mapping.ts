/**
 * Where a series index and a value land on an image, and back.
 *
 * x: index i of an n-point series owns the band [i·W/n, (i+1)·W/n) of an image
 * W pixels wide, and its point is drawn at the band's centre, x = (i + ½)·W/n
 * (continuous pixel coordinates: column c spans [c, c+1)). So the first and
 * last points sit half a band in from the edges, and the mapping is the same
 * for every image width: the model raster (width 256) is an area-average of
 * the chart (width 1000), so raster column c covers exactly the chart's
 * [c·1000/256, (c+1)·1000/256), and `columnOfIndex(i, n, 256)` is the raster
 * column that holds point i.
 *
 * Worked example, n = 1000, W = 256: index 500 → x = 128.128 → column 128;
 * column 128 holds the indices whose centres fall in [128, 129), which is
 * [500, 504).
 *
 * y: value v is clipped to [-1, 1] and drawn at y = ½ + (1 − v)/2 · (H − 1):
 * +1 on the centre of the top row, −1 on the centre of the bottom row, 0 at
 * H/2 (the middle row when H is odd, the boundary of the two middle rows when
 * H is even).
 *
 * All integer mappings use exact integer arithmetic, so they agree with the
 * drawing to the pixel for any n and width below 2^26.
 */
import { ShapeError } from '../errors.js';
import type { Interval } from '../series/record.js';

function checkSizes(n: number, width: number, fn: string): void {
  if (!Number.isInteger(n) || n < 1) throw new ShapeError(`${fn}: series length n = ${n} must be an integer ≥ 1`);
  if (!Number.isInteger(width) || width < 1) throw new ShapeError(`${fn}: width = ${width} must be an integer ≥ 1`);
}

/** Continuous x (pixels) of point i's centre: (2i + 1)·W / (2n). */
export function xOfIndex(i: number, n: number, width: number): number {
  return ((2 * i + 1) * width) / (2 * n);
}

/** Continuous y (pixels, 0 = top edge) of value v after clipping to [-1, 1]. */
export function yOfValue(v: number, height: number): number {
  const c = v > 1 ? 1 : v < -1 ? -1 : v;
  return 0.5 + ((1 - c) / 2) * (height - 1);
}

/** Column (0 ≤ c < width) that holds point i (0 ≤ i < n): ⌊(2i + 1)·W / 2n⌋. */
export function columnOfIndex(i: number, n: number, width: number): number {
  checkSizes(n, width, 'columnOfIndex');
  if (!Number.isInteger(i) || i < 0 || i >= n) throw new ShapeError(`columnOfIndex: index ${i} is outside [0, ${n})`);
  return Math.floor(((2 * i + 1) * width) / (2 * n));
}

/** First index whose point lies in column c or to its right: ⌈(2cn − W) / 2W⌉, clamped to [0, n]. */
function firstIndexAtOrAfter(c: number, n: number, width: number): number {
  const k = Math.ceil((2 * c * n - width) / (2 * width));
  return k <= 0 ? 0 : k > n ? n : k; // `<= 0` also turns Math.ceil’s −0 into 0
}

/**
 * Indices [start, end) whose points lie in column c (0 ≤ c < width). The
 * ranges of consecutive columns tile [0, n) without gaps or overlaps; when
 * n < width some columns hold no point and their range is empty (start = end,
 * still the right insertion position).
 */
export function indexRangeOfColumn(c: number, n: number, width: number): Interval {
  checkSizes(n, width, 'indexRangeOfColumn');
  if (!Number.isInteger(c) || c < 0 || c >= width) throw new ShapeError(`indexRangeOfColumn: column ${c} is outside [0, ${width})`);
  return [firstIndexAtOrAfter(c, n, width), firstIndexAtOrAfter(c + 1, n, width)];
}

/**
 * The points a per-column channel reads for column c: indexRangeOfColumn, or, for a column
 * that holds no point (n < width), the one point to its right (the last point past the end).
 */
export function pointsOfColumn(c: number, n: number, width: number): Interval {
  const [lo, hi] = indexRangeOfColumn(c, n, width);
  if (lo < hi) return [lo, hi];
  const i = Math.min(lo, n - 1);
  return [i, i + 1];
}

/**
 * Columns [c0, c1) that hold the points of index interval [start, end) — what
 * the policy should point at to mean that interval. Empty interval → [c, c)
 * at the column where `start` would be.
 */
export function columnSpanOfInterval(iv: Interval, n: number, width: number): Interval {
  checkSizes(n, width, 'columnSpanOfInterval');
  const [s, e] = iv;
  if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e > n || s > e) {
    throw new ShapeError(`columnSpanOfInterval: [${s}, ${e}) is not a half-open interval inside [0, ${n}]`);
  }
  if (s === e) {
    const c = s === n ? width : columnOfIndex(s, n, width);
    return [c, c];
  }
  return [columnOfIndex(s, n, width), columnOfIndex(e - 1, n, width) + 1];
}

/**
 * Index interval [start, end) meant by the column span [c0, c1): every index
 * whose point lies in those columns. Inverse of `columnSpanOfInterval`
 * whenever n ≤ width (each point then has a column of its own).
 */
export function intervalOfColumnSpan(span: Interval, n: number, width: number): Interval {
  checkSizes(n, width, 'intervalOfColumnSpan');
  const [c0, c1] = span;
  if (!Number.isInteger(c0) || !Number.isInteger(c1) || c0 < 0 || c1 > width || c0 > c1) {
    throw new ShapeError(`intervalOfColumnSpan: [${c0}, ${c1}) is not a half-open column span inside [0, ${width}]`);
  }
  return [firstIndexAtOrAfter(c0, n, width), firstIndexAtOrAfter(c1, n, width)];
}

/**
 * Fraction of each column [c, c+1) covered by the x-bands of the indices in
 * [start, end), i.e. by [start·W/n, end·W/n). Length `width`, values in [0, 1].
 * Used to shade intervals with soft edges on the annotated chart.
 */
export function columnCoverage(iv: Interval, n: number, width: number): Float64Array {
  checkSizes(n, width, 'columnCoverage');
  const out = new Float64Array(width);
  const x0 = (Math.max(0, iv[0]) * width) / n;
  const x1 = (Math.min(n, iv[1]) * width) / n;
  if (!(x1 > x0)) return out;
  for (let c = Math.floor(x0); c < Math.min(width, Math.ceil(x1)); c++) {
    out[c] = Math.min(c + 1, x1) - Math.max(c, x0);
  }
  return out;
}
