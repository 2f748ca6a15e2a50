import { asFloat64, requireInt, requireLength } from './checks.js';

/**
 * Histogram-based outlier score (HBOS; Goldstein & Dengel 2012), univariate.
 *
 * The series' values are binned into `bins` equal-width bins over [min, max]
 * (numpy-style: each bin is [lo, hi) except the last, which also holds max).
 * A bin's height is its count divided by the tallest bin's count, so the
 * most common value range has height 1. A value's score is −log(height of its
 * bin) in nats: 0 for the densest bin, log(maxCount) for a value alone in its bin.
 * Values outside [min, max] or in an empty bin get the floor height
 * `EMPTY_BIN_HEIGHT_FACTOR / maxCount` — rarer than any value seen once.
 *
 * Example: x = [0, 0, 0, 1] with 2 bins → counts [3, 1], heights [1, 1/3],
 * scores [0, 0, 0, log 3].
 */

export interface HbosOptions {
  /** Number of bins; default 'auto' = ⌈√n⌉. */
  readonly bins?: number | 'auto';
}

/** Height of an empty bin relative to a bin holding one value. */
export const EMPTY_BIN_HEIGHT_FACTOR = 0.5;

/** A fitted histogram: bin edges and heights, and a scorer for any value. */
export interface HbosModel {
  /** Lower edge of the first bin (the series minimum). */
  readonly min: number;
  /** Upper edge of the last bin (the series maximum). */
  readonly max: number;
  /** Per-bin counts, length `bins`. */
  readonly counts: Int32Array;
  /** Per-bin heights count / maxCount, length `bins`. */
  readonly heights: Float64Array;
  /** −log height of the bin holding v (floor for empty bins and values outside [min, max]). */
  score(v: number): number;
}

function resolveBins(n: number, bins: number | 'auto' | undefined): number {
  if (bins === undefined || bins === 'auto') return Math.max(1, Math.ceil(Math.sqrt(n)));
  requireInt('hbos.bins', bins, 1);
  return bins;
}

/** Fit the histogram of x (n ≥ 1). */
export function hbosModel(x: ArrayLike<number>, opts: HbosOptions = {}): HbosModel {
  requireLength('hbos', x);
  const v = asFloat64(x);
  const n = v.length;
  const nb = resolveBins(n, opts.bins);
  let min = Infinity,
    max = -Infinity;
  for (let i = 0; i < n; i++) {
    if (v[i] < min) min = v[i];
    if (v[i] > max) max = v[i];
  }
  const width = (max - min) / nb;
  // A constant series puts everything in the first bin.
  const binOf = (y: number): number => {
    if (!(width > 0)) return 0;
    const b = Math.floor((y - min) / width);
    return b >= nb ? nb - 1 : b;
  };
  const counts = new Int32Array(nb);
  for (let i = 0; i < n; i++) counts[binOf(v[i])]++;
  let maxCount = 0;
  for (let b = 0; b < nb; b++) if (counts[b] > maxCount) maxCount = counts[b];
  const heights = new Float64Array(nb);
  for (let b = 0; b < nb; b++) heights[b] = counts[b] / maxCount;
  const floorScore = -Math.log(EMPTY_BIN_HEIGHT_FACTOR / maxCount);
  const binScore = new Float64Array(nb);
  for (let b = 0; b < nb; b++) binScore[b] = counts[b] > 0 ? -Math.log(heights[b]) : floorScore;
  return {
    min,
    max,
    counts,
    heights,
    score(y: number): number {
      if (!(y >= min && y <= max)) return floorScore;
      return binScore[binOf(y)];
    },
  };
}

/**
 * Per-sample HBOS score of x against x's own histogram (length n, nats ≥ 0;
 * higher = rarer value). n ≥ 1; bins default ⌈√n⌉.
 */
export function hbos(x: ArrayLike<number>, opts: HbosOptions = {}): Float64Array {
  const model = hbosModel(x, opts);
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = model.score(x[i]);
  return out;
}

/** Fraction of the highest per-sample scores averaged by `hbosOutlierScore`. */
export const HBOS_TOP_FRACTION = 0.01;

/**
 * Series-level HBOS summary: the mean of the top k = max(1, ⌈0.01·n⌉) per-sample
 * scores (nats). A top-k mean rather than the max so that a single stray
 * sample counts less than a short run of rare values (a range anomaly of ≥ 5
 * samples fills the top 10 of a 1000-sample series). n ≥ 1.
 */
export function hbosOutlierScore(x: ArrayLike<number>, opts: HbosOptions = {}): number {
  const s = hbos(x, opts).sort();
  const k = Math.max(1, Math.ceil(HBOS_TOP_FRACTION * s.length));
  let sum = 0;
  for (let i = s.length - k; i < s.length; i++) sum += s[i];
  return sum / k;
}
