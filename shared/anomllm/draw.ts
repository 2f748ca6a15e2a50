/**
 * What every task family produces for one series, before it gets an id and
 * a label: the values and the true anomaly intervals.
 */
import type { Rng } from '../rng.js';
import type { Interval } from '../series/record.js';

export interface Draw {
  /** Values, shape (length,). */
  readonly series: Float64Array;
  /** Sorted, disjoint, half-open [start, end) indices into `series`. */
  readonly intervals: readonly Interval[];
}

/**
 * Draws one series of `length` samples. All randomness comes from `rng`
 * (one fresh stream per series), so a series depends only on its stream.
 */
export type DrawFn = (rng: Rng, length: number) => Draw;
