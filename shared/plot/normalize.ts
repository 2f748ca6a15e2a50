/**
 * How a series' values are brought onto the chart's fixed y axis [-1, 1]
 * before drawing. The axis never moves: the paper plots with y fixed to
 * [-1, 1] so that the same level looks the same in every image, and a model
 * trained on those images learns absolute levels as well as shapes.
 *
 * Modes:
 * - `none` (default; the paper's choice): values are used as they are. The
 *   AnomLLM synthetic tasks already live around [-1, 1] (range: N(0, 0.1)
 *   plus shifts of at most ±0.8; trend: min-max scaled to [-1, 1]), so any
 *   rescaling would change what a "large" value looks like between training
 *   images. Values beyond ±1 are clipped by the chart at its frame.
 * - `minmax`: affine map of [min, max] onto [-1, 1]. For a user's real data
 *   in arbitrary units (CPU %, latency in ms). One huge spike squashes the
 *   rest of the series into a thin band, which is why `robust` exists.
 * - `robust`: the affine map that sends the 1st and 99th percentiles to
 *   -0.8 and +0.8, then clip to [-1, 1]. For real data with a few spikes: the
 *   body of the series fills most of the height and keeps its detail, a spike
 *   still reaches the frame (clipped there, so still visible), and the 20%
 *   head-room shows moderate excursions unclipped. A median/IQR scale was
 *   tried first and rejected: real metrics are often quantised (NAB's
 *   ec2_cpu_utilization_24ae8d has an IQR of 0.002 in steps of 0.002 with a
 *   range of 2.3), so an IQR scale blew rounding steps up to the full height.
 *   Percentiles are robust to up to 1% of outliers on either side.
 *
 * Division by zero: a constant series maps to all zeros under `minmax`; under
 * `robust`, when the 1st and 99th percentiles are equal (98% or more of the
 * values are one number) it falls back to `minmax`, so a flat series with
 * one spike still shows the spike, and to all zeros when the series is constant.
 * Inputs are assumed finite (records are validated on load).
 */
import { ConfigError, ShapeError } from '../errors.js';

export const NORMALIZE_MODES = ['none', 'minmax', 'robust'] as const;
export type NormalizeMode = (typeof NORMALIZE_MODES)[number];

/** Parse a mode name from a config value or flag; the error lists the allowed names. */
export function parseNormalizeMode(x: unknown, field = 'normalize'): NormalizeMode {
  if (typeof x === 'string' && (NORMALIZE_MODES as readonly string[]).includes(x)) return x as NormalizeMode;
  throw new ConfigError(field, `got ${JSON.stringify(x)}; expected one of ${NORMALIZE_MODES.join(', ')}`);
}

/**
 * Map `series` (length n ≥ 1, finite values) to plot units. Returns a new
 * Float64Array of length n; the input is not changed. `none` returns a copy
 * (clipping happens at the chart frame); `minmax` and `robust` return values
 * inside [-1, 1].
 */
export function normalizeForPlot(series: ArrayLike<number>, mode: NormalizeMode = 'none'): Float64Array {
  return scaled(series, mode, 1);
}

/**
 * The values a policy with `policy.normalize: mode` reads (its value and analysis channels, the
 * detector, the facts and ExpCoT of its traces; shared/policy/input-normalization.ts): `none` →
 * a copy of the series; otherwise the mode's linear map *without* the [-1, 1] clip, so a spike
 * beyond the 99th percentile stays a spike (clipped, it would be a plateau the detector cannot
 * see). The chart clips at its frame either way.
 */
export function policyView(series: ArrayLike<number>, mode: NormalizeMode): Float64Array {
  return scaled(series, mode, Infinity);
}

function scaled(series: ArrayLike<number>, mode: NormalizeMode, lim: number): Float64Array {
  const n = series.length;
  if (n === 0) throw new ShapeError('normalizeForPlot: the series is empty; a plot needs at least one value');
  const out = Float64Array.from(series);
  switch (mode) {
    case 'none':
      return out;
    case 'minmax':
      return minmaxInPlace(out, lim);
    case 'robust':
      return robustInPlace(out, lim);
    default:
      return parseNormalizeMode(mode) as never;
  }
}

function minmaxInPlace(x: Float64Array, lim = 1): Float64Array {
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    if (x[i] < lo) lo = x[i];
    if (x[i] > hi) hi = x[i];
  }
  const span = hi - lo;
  if (!(span > 0)) return x.fill(0);
  for (let i = 0; i < x.length; i++) x[i] = Math.min(lim, Math.max(-lim, (2 * (x[i] - lo)) / span - 1));
  return x;
}

/** Percentiles (as fractions) sent to -ROBUST_REACH and +ROBUST_REACH by `robust`. */
export const ROBUST_QUANTILES = [0.01, 0.99] as const;
export const ROBUST_REACH = 0.8;

function robustInPlace(x: Float64Array, lim = 1): Float64Array {
  const sorted = Float64Array.from(x).sort();
  const lo = quantileSorted(sorted, ROBUST_QUANTILES[0]);
  const hi = quantileSorted(sorted, ROBUST_QUANTILES[1]);
  if (!(hi > lo)) return minmaxInPlace(x, lim);
  const k = (2 * ROBUST_REACH) / (hi - lo);
  for (let i = 0; i < x.length; i++) x[i] = Math.min(lim, Math.max(-lim, -ROBUST_REACH + k * (x[i] - lo)));
  return x;
}

/**
 * Quantile q ∈ [0, 1] of ascending `sorted` by linear interpolation between
 * order statistics (NumPy's default, "type 7"): position q·(n − 1).
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}
