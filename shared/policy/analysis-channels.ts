/**
 * The optional "analyses" input channels (docs/POLICY.md §features): six per-point
 * classical analyses of the (plot-normalised) series, pooled per raster column, so the
 * encoder sees the same evidence the ExpCoT is written from (docs/METHOD.md §4).
 *
 *   q  per-point series                                   pooled   scaled
 *   0  |robust z|                                          max      log1p(·)
 *   1  rolling std, centred window ROLLING_STD_WINDOW       mean     ×1
 *   2  Savitzky–Golay gradient (window 51, order 2)         mean     ×GRADIENT_WINDOW (change over one window)
 *   3  sliding dominant frequency, window FREQ_WINDOW       mean     ×10 (cycles/sample → ~0.3 for the base sine)
 *   4  matrix-profile distance, m = 50 (or ⌊n/2⌋)           max      ÷ 2√m (z-normalised distances are ≤ 2√m)
 *   5  HBOS score (nats)                                    max      ÷ 5
 *
 * A point's matrix-profile value is the largest profile value over the subsequences that
 * contain it (a discord marks its whole window). Columns that hold no point (n < width)
 * take the values of the next point to their right (the last point for columns past it).
 */
import { hbos, matrixProfile, robustZ, rollingStd, slidingDominantFrequency, smoothedGradient, GRADIENT_WINDOW } from '../analysis/index.js';
import { pointsOfColumn } from '../plot/mapping.js';

export const ANALYSIS_CHANNELS = ['absRobustZ', 'rollingStd', 'gradient', 'frequency', 'matrixProfile', 'hbos'] as const;
export const ROLLING_STD_WINDOW = 21;
export const FREQ_WINDOW = 64;
export const MATRIX_PROFILE_M = 50;

/** Per-point analyses, each length n, already scaled (except the pooled log1p of |z|). */
export function pointAnalyses(x: Float64Array): Float64Array[] {
  const n = x.length;
  const absZ = robustZ(x).map(Math.abs);
  const rs = rollingStd(x, ROLLING_STD_WINDOW);
  const grad = smoothedGradient(x).map((g) => g * GRADIENT_WINDOW);
  const freq = slidingDominantFrequency(x, FREQ_WINDOW).map((f) => f * 10);
  const mp = new Float64Array(n);
  const m = Math.min(MATRIX_PROFILE_M, Math.floor(n / 2));
  if (m >= 2) {
    const { profile } = matrixProfile(x, m);
    const scale = 1 / (2 * Math.sqrt(m));
    for (let s = 0; s < profile.length; s++) {
      const d = Number.isFinite(profile[s]) ? profile[s] * scale : 1;
      for (let i = s; i < s + m; i++) if (d > mp[i]) mp[i] = d;
    }
  }
  const hb = hbos(x).map((h) => h / 5);
  return [absZ, rs, grad, freq, mp, hb];
}

const POOL: readonly ('max' | 'mean')[] = ['max', 'mean', 'mean', 'mean', 'max', 'max'];

/**
 * Pools the six analyses per column: returns (width, 6) row-major.
 * `x` is the plot-normalised series (length n ≥ 1).
 */
export function analysisColumns(x: Float64Array, width: number): Float32Array {
  const n = x.length;
  const per = pointAnalyses(x);
  const out = new Float32Array(width * ANALYSIS_CHANNELS.length);
  for (let c = 0; c < width; c++) {
    const [lo, hi] = pointsOfColumn(c, n, width);
    per.forEach((a, q) => {
      let acc = POOL[q] === 'max' ? -Infinity : 0;
      for (let i = lo; i < hi; i++) acc = POOL[q] === 'max' ? Math.max(acc, a[i]) : acc + a[i];
      if (POOL[q] === 'mean') acc /= hi - lo;
      out[c * ANALYSIS_CHANNELS.length + q] = q === 0 ? Math.log1p(acc) : acc;
    });
  }
  return out;
}
