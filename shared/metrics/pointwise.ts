/**
 * Point-wise precision, recall and F1 on 0/1 vectors (docs/METHOD.md §5, §7), computed
 * from interval overlaps instead of materialising the vectors: with sorted,
 * disjoint half-open intervals the true positives are the summed overlaps.
 *
 * Conventions (AnomLLM's scoring): truth and prediction both empty → 1, 1, 1;
 * exactly one empty → 0, 0, 0; both non-empty but disjoint → 0, 0, 0.
 */
import type { Interval } from '../series/record.js';
import { ShapeError } from '../errors.js';

export interface PRF {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

/** Harmonic mean of p and r; 0 when both are 0. */
export function harmonicF1(p: number, r: number): number {
  return p + r > 0 ? (2 * p * r) / (p + r) : 0;
}

/**
 * Check that intervals are sorted, disjoint, half-open and inside [0, length).
 * Metrics assume this; parseTrace and validateRecord produce it.
 */
export function assertIntervals(ivs: readonly Interval[], length: number, what: string): void {
  let prev = 0;
  for (let k = 0; k < ivs.length; k++) {
    const [s, e] = ivs[k];
    if (!(Number.isInteger(s) && Number.isInteger(e) && s >= prev && s < e && e <= length)) {
      throw new ShapeError(`${what} interval ${k} [${s}, ${e}] must be integer, half-open, sorted, disjoint and inside [0, ${length})`);
    }
    prev = e;
  }
}

/** Number of points covered by the intervals. */
export function coveredLength(ivs: readonly Interval[]): number {
  let n = 0;
  for (const [s, e] of ivs) n += e - s;
  return n;
}

/** Points covered by both interval lists (both sorted and disjoint); a linear merge. */
export function overlapLength(a: readonly Interval[], b: readonly Interval[]): number {
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i][0], b[j][0]);
    const hi = Math.min(a[i][1], b[j][1]);
    if (hi > lo) n += hi - lo;
    if (a[i][1] < b[j][1]) i++;
    else j++;
  }
  return n;
}

/**
 * Point-wise P/R/F1 of `pred` against `truth` for a series of `length` points.
 * Intervals: sorted, disjoint, half-open, inside [0, length) (ShapeError otherwise).
 */
export function pointwise(truth: readonly Interval[], pred: readonly Interval[], length: number): PRF {
  assertIntervals(truth, length, 'truth');
  assertIntervals(pred, length, 'prediction');
  if (truth.length === 0 && pred.length === 0) return { precision: 1, recall: 1, f1: 1 };
  if (truth.length === 0 || pred.length === 0) return { precision: 0, recall: 0, f1: 0 };
  const tp = overlapLength(truth, pred);
  const precision = tp / coveredLength(pred);
  const recall = tp / coveredLength(truth);
  return { precision, recall, f1: harmonicF1(precision, recall) };
}
