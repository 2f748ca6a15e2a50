/**
 * The seasonal residual: each point against the same phase of the other cycles, the evidence
 * for an anomaly that replaces or reshapes a whole cycle (a day held flat, a pulse that comes
 * back low) and that no point-local statistic sees — the values stay inside the normal range.
 *
 * 1. The line is fitted and removed (least squares), so a trend does not count as a change
 *    between cycles.
 * 2. The period: the dominant period P₀ of the detrended series (`dominantPeriod`), kept when
 *    MIN_PERIOD ≤ P₀ ≤ n/2 (two cycles at least) and its bin holds at least MIN_SHARE of the
 *    non-DC power; otherwise the series has no season and every residual is 0. P₀ is then
 *    refined to the lag that minimises the mean squared lagged difference
 *    D(p) = mean_i (d_i − d_{i+p})² over the integer lags within ±10 % of P₀, plus the
 *    parabola's sub-sample offset through D at that lag and its neighbours.
 * 3. r_i = d_i − the value nearest to d_i among { d(i + kP) : k = ±1 … ±MAX_CYCLES,
 *    0 ≤ i + kP ≤ n − 1 }, d read by linear interpolation between samples (0 when no other
 *    cycle covers i). The nearest, not the median: with one anomalous cycle among three or
 *    four, a normal point still finds a normal cycle to match, while every point of the
 *    anomalous cycle is far from all of them.
 * 4. scale = the noise: 1.4826 · MAD(d_{i+1} − d_i) / √2, floored at SCALE_FLOOR × (99th − 1st
 *    percentile of x), so a noise-free series does not divide by zero and rounding does not count.
 *
 * Cost O(n · (lags + MAX_CYCLES)) — ~60 lags for a daily cycle of 288 samples.
 */
import { requireLength } from './checks.js';
import { dominantPeriod } from './fft.js';
import { fitLine } from './line-fit.js';
import { parabolicOffset } from './spectral-peak.js';
import { MAD_TO_STD, mad, quantiles } from './stats.js';

export const SEASONAL_MIN_PERIOD = 4;
export const SEASONAL_MIN_SHARE = 0.05;
export const SEASONAL_MAX_CYCLES = 3;
export const SEASONAL_SCALE_FLOOR = 0.005;

export interface SeasonalResidual {
  /** The refined period in samples; 0 when the series has no season (every residual is 0). */
  readonly period: number;
  /** Per point (length n): the point minus the nearest value at the same phase of the other cycles. */
  readonly residual: Float64Array;
  /** The noise level (from first differences, ≥ the floor), to read r / scale as a z-score; 1 without a season. */
  readonly scale: number;
}

/** The seasonal residual of x (n ≥ 1; see the file comment). Pure: x is not changed. */
export function seasonalResidual(x: ArrayLike<number>): SeasonalResidual {
  requireLength('seasonalResidual', x);
  const n = x.length;
  const residual = new Float64Array(n);
  const none = { period: 0, residual, scale: 1 };
  if (n < 2 * SEASONAL_MIN_PERIOD) return none;
  const q = quantiles(x, [0.01, 0.99]);
  const p1 = q[0]!,
    p99 = q[1]!;
  if (!(p99 > p1)) return none;
  const d = fitLine(x).residual;
  const dom = dominantPeriod(d);
  if (!(dom.period >= SEASONAL_MIN_PERIOD && dom.period <= n / 2 && dom.share >= SEASONAL_MIN_SHARE)) return none;
  const period = refinePeriod(d, dom.period);
  const others = new Float64Array(2 * SEASONAL_MAX_CYCLES);
  for (let i = 0; i < n; i++) {
    let m = 0;
    for (let k = -SEASONAL_MAX_CYCLES; k <= SEASONAL_MAX_CYCLES; k++) {
      const t = i + k * period;
      if (k !== 0 && t >= 0 && t <= n - 1) others[m++] = readAt(d, t);
    }
    if (m > 0) residual[i] = d[i] - nearestOf(others.subarray(0, m), d[i]);
  }
  const diff = new Float64Array(n - 1);
  for (let i = 0; i + 1 < n; i++) diff[i] = d[i + 1] - d[i];
  const scale = Math.max((MAD_TO_STD * mad(diff)) / Math.SQRT2, SEASONAL_SCALE_FLOOR * (p99 - p1));
  return { period, residual, scale };
}

/** The lag within ±10 % of p0 (and in [2, n/2]) with the least mean squared lagged difference, refined between lags. */
function refinePeriod(d: Float64Array, p0: number): number {
  const n = d.length;
  const lo = Math.max(2, Math.floor(0.9 * p0)),
    hi = Math.min(Math.floor(n / 2), Math.ceil(1.1 * p0));
  const D = (p: number): number => {
    let s = 0;
    for (let i = 0; i + p < n; i++) s += (d[i] - d[i + p]) ** 2;
    return s / (n - p);
  };
  let best = lo,
    bestD = Infinity;
  for (let p = lo; p <= hi; p++) {
    const v = D(p);
    if (v < bestD) [best, bestD] = [p, v];
  }
  if (best <= 2 || best + 1 > Math.floor(n / 2)) return best;
  // parabolicOffset finds a peak: hand it the negated differences.
  return best + parabolicOffset(-D(best - 1), -bestD, -D(best + 1));
}

/** d at a real index t in [0, n − 1], linear between samples. */
function readAt(d: Float64Array, t: number): number {
  const i = Math.floor(t);
  const f = t - i;
  return f === 0 || i + 1 >= d.length ? d[i] : d[i] + f * (d[i + 1] - d[i]);
}

/** The value of v nearest to y. */
function nearestOf(v: Float64Array, y: number): number {
  let best = v[0]!;
  for (let k = 1; k < v.length; k++) if (Math.abs(v[k]! - y) < Math.abs(best - y)) best = v[k]!;
  return best;
}
