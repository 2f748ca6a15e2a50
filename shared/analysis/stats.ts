import { ConfigError } from '../errors.js';
import { asFloat64, requireInt, requireLength } from './checks.js';

/**
 * Global summary statistics and their rolling versions: the "global scan"
 * of the ExpCoT (docs/METHOD.md §4) and the point detectors of the classical baseline.
 *
 * All functions take a series x of length n (finite values), never mutate it,
 * and return plain numbers or a new Float64Array of length n. The scalar
 * statistics (mean, std, median, quantile, mad) throw ShapeError on an empty
 * series, since no value is meaningful there; the per-sample ones return an
 * empty array.
 */

/** Arithmetic mean of x. */
export function mean(x: ArrayLike<number>): number {
  requireLength('mean', x);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
}

/**
 * Population standard deviation (ddof 0, like numpy's default), computed in two
 * passes around the mean so a large offset does not cancel the variance away.
 */
export function std(x: ArrayLike<number>): number {
  const mu = mean(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - mu;
    s += d * d;
  }
  return Math.sqrt(s / x.length);
}

/** Sorted copy of x (ascending). */
function sorted(x: ArrayLike<number>): Float64Array {
  return asFloat64(x, true).sort();
}

/** Linear-interpolation quantile of an already sorted array (numpy method 'linear'). */
function quantileSorted(s: Float64Array, q: number): number {
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  if (lo >= s.length - 1) return s[s.length - 1];
  const frac = h - lo;
  // Written as a + f·(b − a) like numpy, so equal neighbours return that value exactly.
  return s[lo] + frac * (s[lo + 1] - s[lo]);
}

function requireQ(q: number): void {
  if (!(q >= 0 && q <= 1)) throw new ConfigError('quantile.q', `must be a number in [0, 1], got ${q}`);
}

/** Median of x (mean of the two middle values when n is even). */
export function median(x: ArrayLike<number>): number {
  requireLength('median', x);
  return quantileSorted(sorted(x), 0.5);
}

/**
 * The q-quantile of x, q in [0, 1], by linear interpolation between order
 * statistics at position (n − 1)·q — numpy's default `method='linear'`.
 * Example: quantile([1, 2, 3, 4], 0.25) = 1.75.
 */
export function quantile(x: ArrayLike<number>, q: number): number {
  requireLength('quantile', x);
  requireQ(q);
  return quantileSorted(sorted(x), q);
}

/** Several quantiles with one sort; same definition as `quantile`. */
export function quantiles(x: ArrayLike<number>, qs: ArrayLike<number>): Float64Array {
  requireLength('quantiles', x);
  const s = sorted(x);
  const out = new Float64Array(qs.length);
  for (let i = 0; i < qs.length; i++) {
    requireQ(qs[i]);
    out[i] = quantileSorted(s, qs[i]);
  }
  return out;
}

/** (x − mean) / std per sample; all zeros when std is 0 (a constant series has no outliers). */
export function zScores(x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length);
  if (x.length === 0) return out;
  const mu = mean(x);
  const sd = std(x);
  if (sd === 0) return out;
  for (let i = 0; i < x.length; i++) out[i] = (x[i] - mu) / sd;
  return out;
}

/** Median absolute deviation: median(|x − median(x)|), unscaled. */
export function mad(x: ArrayLike<number>): number {
  const med = median(x);
  const dev = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) dev[i] = Math.abs(x[i] - med);
  return quantileSorted(dev.sort(), 0.5);
}

/** 1/Φ⁻¹(3/4): makes the MAD a consistent estimator of the std for normal data. */
export const MAD_TO_STD = 1.4826;

/**
 * Robust z-score per sample: (x − median) / (1.4826·MAD). When more than half
 * the values are equal the MAD is 0; then the scale falls back to the
 * population std (still centred on the median, so the majority value scores 0
 * and the rare values stand out), and to all zeros for a constant series.
 */
export function robustZ(x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length);
  if (x.length === 0) return out;
  const med = median(x);
  let scale = MAD_TO_STD * mad(x);
  if (scale === 0) scale = std(x);
  if (scale === 0) return out;
  for (let i = 0; i < x.length; i++) out[i] = (x[i] - med) / scale;
  return out;
}

/**
 * Bounds of the centred window of width w at sample i: [i − ⌊w/2⌋, i − ⌊w/2⌋ + w),
 * truncated to [0, n). For odd w it is symmetric; for even w it has one more
 * sample on the left, as pandas' `rolling(w, center=True)`.
 */
export function centredWindow(i: number, w: number, n: number): [number, number] {
  const lo = i - Math.floor(w / 2);
  return [Math.max(0, lo), Math.min(n, lo + w)];
}

/**
 * Prefix sums S1[k] = Σ_{t<k} (x_t − c) and S2[k] = Σ_{t<k} (x_t − c)², length n + 1,
 * around c = the series mean so that windows far from the origin keep their precision.
 */
function prefixSums(x: ArrayLike<number>): { s1: Float64Array; s2: Float64Array } {
  const n = x.length;
  const c = n > 0 ? mean(x) : 0;
  const s1 = new Float64Array(n + 1);
  const s2 = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const d = x[i] - c;
    s1[i + 1] = s1[i] + d;
    s2[i + 1] = s2[i] + d * d;
  }
  return { s1, s2 };
}

/**
 * Mean of the centred window of width w around each sample (see `centredWindow`;
 * edge windows are truncated, so they average fewer samples). O(n) via prefix sums.
 * w: integer ≥ 1 (in samples).
 */
export function rollingMean(x: ArrayLike<number>, w: number): Float64Array {
  requireInt('rollingMean.w', w, 1);
  const n = x.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  const c = mean(x);
  const { s1 } = prefixSums(x);
  for (let i = 0; i < n; i++) {
    const [lo, hi] = centredWindow(i, w, n);
    out[i] = c + (s1[hi] - s1[lo]) / (hi - lo);
  }
  return out;
}

/**
 * Population std (ddof 0) of the centred window of width w around each sample,
 * truncated at the edges. O(n) via prefix sums of x and x²; the difference
 * formula can leave a rounding residue of ~1e-8·scale on a flat stretch, so a
 * window whose values are all equal (detected exactly from run lengths) is set
 * to 0 exactly. w: integer ≥ 1 (in samples).
 */
export function rollingStd(x: ArrayLike<number>, w: number): Float64Array {
  requireInt('rollingStd.w', w, 1);
  const n = x.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  const { s1, s2 } = prefixSums(x);
  // runEnd[i]: first index after i whose value differs from x[i].
  const runEnd = new Int32Array(n);
  runEnd[n - 1] = n;
  for (let i = n - 2; i >= 0; i--) runEnd[i] = x[i] === x[i + 1] ? runEnd[i + 1] : i + 1;
  for (let i = 0; i < n; i++) {
    const [lo, hi] = centredWindow(i, w, n);
    if (runEnd[lo] >= hi) continue; // constant window: exactly 0
    const k = hi - lo;
    const m1 = (s1[hi] - s1[lo]) / k;
    const v = (s2[hi] - s2[lo]) / k - m1 * m1;
    out[i] = v > 0 ? Math.sqrt(v) : 0;
  }
  return out;
}
