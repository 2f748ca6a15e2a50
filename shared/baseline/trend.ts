/**
 * Slope-change detector for `trending` series (label: trend).
 *
 * Around every sample t the window [t − h, t + h] (clipped to the series) is
 * fitted by least squares with a line plus a sine of the series' own period P:
 *   x_τ ≈ a + b·τ + α·sin(2πτ/P) + β·cos(2πτ/P).
 * Fitting the oscillation together with the line keeps it from leaking into
 * the slope b, so b is the local trend per sample. The series' typical slope
 * is the median of b over all samples (anomalies are a minority); a run of
 * samples whose slope differs from it by more than `trendRatio`×typical (and
 * by more than `trendNoiseK` robust spreads of b) is a trend anomaly.
 *
 * The window half-width h is one period, so the slope is a weighted average
 * over 2P + 1 samples: at the start of a steeper stretch it crosses halfway
 * near the true change point, which is where the run begins.
 */
import { median } from '../analysis/index.js';
import type { Interval } from '../series/record.js';
import { dropShort, hysteresisRuns, mergeRuns } from './runs.js';
import { BASELINE_THRESHOLDS, type BaselineThresholds } from './thresholds.js';

export interface TrendEvidence {
  /** Oscillation period removed by the local fit (samples; Infinity when none). */
  readonly period: number;
  /** Half-width of the slope window (samples). */
  readonly halfWindow: number;
  /** Median local slope (per sample). */
  readonly typicalSlope: number;
  /** Noise std of the series around the local fits (median window RMS). */
  readonly noise: number;
  /** Smallest slope deviation that counts, as a fraction of |typicalSlope|. */
  readonly ratioThreshold: number;
  /** Smallest slope deviation that counts, in standard errors of the local slope. */
  readonly zThreshold: number;
  /** Largest |local slope − typical| / |typical| and where it is. */
  readonly maxRatio: number;
  readonly argMaxRatio: number;
}

/**
 * Solve the k×k system a·out = y in place by Gaussian elimination with partial
 * pivoting (a and y are overwritten; row-major a). Returns false when singular.
 */
export function solveInPlace(a: Float64Array, y: Float64Array, k: number, out: Float64Array): boolean {
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(a[r * k + c]) > Math.abs(a[p * k + c])) p = r;
    if (!(Math.abs(a[p * k + c]) > 1e-12)) return false;
    if (p !== c) {
      for (let j = 0; j < k; j++) {
        const tmp = a[c * k + j];
        a[c * k + j] = a[p * k + j];
        a[p * k + j] = tmp;
      }
      const tmp = y[c];
      y[c] = y[p];
      y[p] = tmp;
    }
    for (let r = c + 1; r < k; r++) {
      const f = a[r * k + c] / a[c * k + c];
      if (f === 0) continue;
      for (let j = c; j < k; j++) a[r * k + j] -= f * a[c * k + j];
      y[r] -= f * y[c];
    }
  }
  for (let r = k - 1; r >= 0; r--) {
    let s = y[r];
    for (let j = r + 1; j < k; j++) s -= a[r * k + j] * out[j];
    out[r] = s / a[r * k + r];
  }
  return true;
}

/** Local slope fits: per-sample slope, its standard error factor and the fit's residual RMS. */
export interface LocalSlopes {
  /** b at every t (per sample), length n; 0 where the window is too short to fit. */
  readonly slope: Float64Array;
  /** √((XᵀX)⁻¹)_bb per sample: the slope's standard error per unit of noise std. */
  readonly seFactor: Float64Array;
  /** RMS residual of the window fit, length n. */
  readonly rms: Float64Array;
}

/**
 * Local slope (per sample) of x at every t: the b of the line-plus-sine fit on
 * [t − h, t + h] ∩ [0, n). `period` ≤ 2 or non-finite fits the line alone.
 * O(n) through prefix sums of the basis products; τ is rescaled to (τ − n/2)/n
 * so the sums stay well conditioned.
 */
export function localSlopes(x: ArrayLike<number>, period: number, h: number): LocalSlopes {
  const n = x.length;
  const withSine = Number.isFinite(period) && period > 2;
  const k = withSine ? 4 : 2;
  const nm = (k * (k + 1)) / 2; // unique basis products
  const stride = nm + k + 1; // + xφ_i, + x²
  const P = new Float64Array(stride * (n + 1));
  const phi = new Float64Array(k);
  let mu = 0;
  for (let t = 0; t < n; t++) mu += x[t];
  mu = n > 0 ? mu / n : 0;
  for (let t = 0; t < n; t++) {
    phi[0] = 1;
    phi[1] = (t - n / 2) / n;
    if (withSine) {
      phi[2] = Math.sin((2 * Math.PI * t) / period);
      phi[3] = Math.cos((2 * Math.PI * t) / period);
    }
    const v = x[t] - mu;
    const o = stride * t,
      q = o + stride;
    let idx = 0;
    for (let i = 0; i < k; i++) for (let j = i; j < k; j++, idx++) P[q + idx] = P[o + idx] + phi[i] * phi[j];
    for (let i = 0; i < k; i++) P[q + nm + i] = P[o + nm + i] + v * phi[i];
    P[q + nm + k] = P[o + nm + k] + v * v;
  }
  const slope = new Float64Array(n),
    seFactor = new Float64Array(n),
    rms = new Float64Array(n);
  const M = new Float64Array(k * k),
    A = new Float64Array(k * k);
  const rhs = new Float64Array(k),
    y = new Float64Array(k),
    theta = new Float64Array(k),
    e1 = new Float64Array(k);
  for (let t = 0; t < n; t++) {
    const lo = Math.max(0, t - h),
      hi = Math.min(n, t + h + 1);
    const cnt = hi - lo;
    if (cnt < k + 2) continue;
    const a = stride * lo,
      b = stride * hi;
    let idx = 0;
    for (let i = 0; i < k; i++) {
      for (let j = i; j < k; j++, idx++) {
        const v = P[b + idx] - P[a + idx];
        M[i * k + j] = v;
        M[j * k + i] = v;
      }
    }
    for (let i = 0; i < k; i++) rhs[i] = P[b + nm + i] - P[a + nm + i];
    A.set(M);
    y.set(rhs);
    if (!solveInPlace(A, y, k, theta)) continue;
    A.set(M);
    y.fill(0);
    y[1] = 1;
    solveInPlace(A, y, k, e1);
    let fitDot = 0;
    for (let i = 0; i < k; i++) fitDot += theta[i] * rhs[i];
    const rss = P[b + nm + k] - P[a + nm + k] - fitDot;
    slope[t] = theta[1] / n;
    seFactor[t] = Math.sqrt(Math.max(0, e1[1])) / n;
    rms[t] = rss > 0 ? Math.sqrt(rss / (cnt - k)) : 0;
  }
  return { slope, seFactor, rms };
}

/**
 * The oscillation period the slope fit removes (Infinity when the series'
 * period is not usable: ≤ 2 samples or over half the series) and the window
 * half-width h = max(`trendMinHalfWindow`, `trendHalfWindowPeriods`·P).
 */
export function trendWindow(period: number, n: number, T: BaselineThresholds = BASELINE_THRESHOLDS): { period: number; halfWindow: number } {
  const p = Number.isFinite(period) && period > 2 && period < n / 2 ? period : Infinity;
  const halfWindow = Math.max(T.trendMinHalfWindow, Math.round(T.trendHalfWindowPeriods * (Number.isFinite(p) ? p : T.trendMinHalfWindow)));
  return { period: p, halfWindow };
}

/**
 * Detect slope changes in x given its oscillation period (samples). A sample
 * is anomalous when its local slope differs from the typical one by at least
 * `trendRatio`·|typical| and by at least `trendZ` standard errors (the error
 * grows near the ends, where the window is one-sided).
 */
export function detectTrend(
  x: ArrayLike<number>,
  period: number,
  T: BaselineThresholds = BASELINE_THRESHOLDS,
): { intervals: Interval[]; fits: LocalSlopes; evidence: TrendEvidence } {
  const n = x.length;
  const { period: p0, halfWindow: h } = trendWindow(period, n, T);
  const p = Number.isFinite(p0) ? p0 : 0;
  const fits = localSlopes(x, p0, h);
  const typicalSlope = median(fits.slope);
  const noise = median(fits.rms);
  const scale = Math.abs(typicalSlope);
  // Score = deviation in units of the larger of the two thresholds, so ≥ 1 passes both.
  const score = new Float64Array(n);
  let maxRatio = 0,
    argMaxRatio = 0;
  for (let t = 0; t < n; t++) {
    const dev = Math.abs(fits.slope[t] - typicalSlope);
    const need = Math.max(T.trendRatio * scale, T.trendZ * noise * fits.seFactor[t], 1e-12);
    score[t] = dev / need;
    const ratio = scale > 0 ? dev / scale : 0;
    if (ratio > maxRatio) {
      maxRatio = ratio;
      argMaxRatio = t;
    }
  }
  const unit = p || h;
  const runs = dropShort(
    mergeRuns(hysteresisRuns(score, 1, T.trendEdgeFraction), Math.round(T.trendMergePeriods * unit)),
    Math.round(T.trendMinLengthPeriods * unit),
  );
  // The windowed slope ramps up over 2h samples around a change, reaching half its height at
  // the change itself: trim each run to where the deviation is at least `trendPeakFraction`
  // of the run's own peak (a large change would otherwise open the run up to h samples early).
  const intervals = runs.map(([a, b]): Interval => {
    let peak = 0;
    for (let t = a; t < b; t++) peak = Math.max(peak, Math.abs(fits.slope[t] - typicalSlope));
    let s0 = a,
      e0 = b;
    while (s0 < e0 - 1 && Math.abs(fits.slope[s0] - typicalSlope) < T.trendPeakFraction * peak) s0++;
    while (e0 - 1 > s0 && Math.abs(fits.slope[e0 - 1] - typicalSlope) < T.trendPeakFraction * peak) e0--;
    return [s0, e0];
  });
  return {
    intervals,
    fits,
    evidence: { period: p || Infinity, halfWindow: h, typicalSlope, noise, ratioThreshold: T.trendRatio, zThreshold: T.trendZ, maxRatio, argMaxRatio },
  };
}

/** Statistics of one interval of a trending series. */
export interface TrendIntervalStats {
  readonly start: number;
  readonly end: number;
  /** Mean local slope inside (per sample). */
  readonly slope: number;
  /** slope / typical slope of the series (0 when the typical slope is 0). */
  readonly ratio: number;
}

/** Slope statistics of iv = [s, e) from the local slopes and the series' typical slope. */
export function trendIntervalStats(slopes: ArrayLike<number>, typicalSlope: number, iv: Interval): TrendIntervalStats {
  const [s, e] = iv;
  let sum = 0;
  for (let t = s; t < e; t++) sum += slopes[t];
  const slope = sum / (e - s);
  return { start: s, end: e, slope, ratio: typicalSlope !== 0 ? slope / typicalSlope : 0 };
}
