/**
 * Signal family of a series, inferred from its values alone: the first
 * decision of the blind baseline, which picks the detectors to run.
 *
 * - `level`: a noise-like series around a level (i.i.d.-looking samples),
 *   where anomalies are values far from that level (global point);
 * - `trending`: a smooth series dominated by a straight-line trend, with any
 *   oscillation riding on it, where anomalies are changes of slope (trend);
 * - `periodic`: a smooth oscillating series without a dominant trend, where
 *   anomalies break the oscillation (contextual point, seasonal, shapelet).
 *
 * Two numbers decide it. Roughness = MAD(Δx) / (√2·MAD(x)): for i.i.d. noise
 * the differences have √2 times the spread of the values, so it is ≈ 1; for
 * a sine sampled many times per cycle it is small (≈ 0.13 at 33 samples per
 * cycle). Trend R² = the share of variance a least-squares line explains.
 */
import { dominantPeriod, fitLine, mad } from '../analysis/index.js';
import { BASELINE_THRESHOLDS, type BaselineThresholds } from './thresholds.js';

export const FAMILIES = ['level', 'trending', 'periodic'] as const;
export type Family = (typeof FAMILIES)[number];

export interface FamilyEvidence {
  readonly family: Family;
  /** MAD(Δx) / (√2·MAD(x)); ≈ 1 for noise, ≪ 1 for smooth series. */
  readonly roughness: number;
  /** R² of the least-squares line through the series, in [0, 1]. */
  readonly trendR2: number;
  /** Slope of that line, per sample. */
  readonly lineSlope: number;
  /** FFT dominant period of the series after removing the line (samples; Infinity when none). */
  readonly period: number;
  /** Share of the non-DC power in the dominant bin, in [0, 1]. */
  readonly periodShare: number;
}

/** MAD(Δx) / (√2·MAD(x)), with the std as a fallback scale when over half the values are equal; 0 for a constant series. */
export function roughness(x: ArrayLike<number>): number {
  const n = x.length;
  if (n < 3) return 0;
  const d = new Float64Array(n - 1);
  for (let t = 0; t + 1 < n; t++) d[t] = x[t + 1] - x[t];
  let scale = mad(x);
  let dscale = mad(d);
  if (!(scale > 0)) {
    scale = stdOf(x);
    dscale = stdOf(d);
  }
  return scale > 0 ? dscale / (Math.SQRT2 * scale) : 0;
}

function stdOf(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m += x[i];
  m /= x.length;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i] - m) ** 2;
  return Math.sqrt(v / x.length);
}

/** Infer the family of x (n ≥ 3) from roughness, then trend R² (see the file comment). */
export function inferFamily(x: ArrayLike<number>, T: BaselineThresholds = BASELINE_THRESHOLDS): FamilyEvidence {
  const rough = roughness(x);
  const line = fitLine(x);
  const dom = dominantPeriod(line.residual);
  let family: Family;
  if (rough >= T.familyRoughness) family = 'level';
  else if (line.r2 >= T.familyTrendR2) family = 'trending';
  else family = 'periodic';
  return { family, roughness: rough, trendR2: line.r2, lineSlope: line.slope, period: dom.period, periodShare: dom.share };
}
