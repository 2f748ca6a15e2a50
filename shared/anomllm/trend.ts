/**
 * trend and flat-trend (docs/METHOD.md §3, label `trend`): sin(2π·f·t) plus a
 * piecewise-linear level, then the whole series min-max scaled to [-1, 1].
 *
 * Slopes are "per series length": a slope s raises the level by s over the
 * full series, i.e. by s/length per sample. The level starts at 0 and each
 * sample adds the slope of the segment it belongs to,
 *   level_0 = 0,  level_t = level_{t−1} + slope(t)/length,
 * with slope(t) = normalSlope outside intervals and the interval's own
 * U(anomalySlope) inside, so an anomaly continues from the current level
 * (no jump) and the normal trend resumes from wherever the anomaly ended.
 * (AnomLLM restarts each segment at the previous sample's level, a one-sample
 * flat step at every boundary; we keep the level strictly continuous.)
 *
 * Check: the sine has period 1/f = 50 samples, so over any 50-sample window
 * x_{t+50} − x_t is the scaled level change alone: a·50·slope/length.
 */
import type { Rng } from '../rng.js';
import type { Draw } from './draw.js';
import { type Placement, placeIntervals } from './intervals.js';

export interface TrendParams {
  readonly placement: Placement;
  /** Sine frequency in cycles per sample. */
  readonly frequency: number;
  /** Level change over the whole series outside intervals. */
  readonly normalSlope: number;
  /** [lo, hi) of the uniform level change per series length inside an interval. */
  readonly anomalySlope: readonly [number, number];
}

const TREND_PLACEMENT: Placement = { meanGap: 1700, minGap: 800, meanDur: 100, minDur: 50, maxCount: 8 };

/** docs/METHOD.md §3 trend (AnomLLM `synthetic_dataset_with_trend_anomalies`, inverse_ratio 0). */
export const TREND_PARAMS: TrendParams = { placement: TREND_PLACEMENT, frequency: 0.02, normalSlope: 3, anomalySlope: [6, 20] };

/** docs/METHOD.md §3 flat-trend: as trend, with a subtle anomalous slope U(4.5, 6). */
export const FLAT_TREND_PARAMS: TrendParams = { ...TREND_PARAMS, anomalySlope: [4.5, 6] };

/**
 * Min-max scale a copy of `x` (shape (n,)) to [-1, 1]: 2·(x − min)/(max − min) − 1.
 * A constant series (max = min, e.g. length 1) maps to all zeros.
 */
export function minMaxScale(x: Float64Array): Float64Array {
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    if (x[i] < lo) lo = x[i];
    if (x[i] > hi) hi = x[i];
  }
  const out = new Float64Array(x.length);
  if (!(hi > lo)) return out;
  const a = 2 / (hi - lo);
  for (let i = 0; i < x.length; i++) out[i] = a * (x[i] - lo) - 1;
  return out;
}

/** Draw order: intervals, then one slope per interval. */
export function drawTrend(rng: Rng, length: number, p: TrendParams = TREND_PARAMS): Draw {
  const intervals = placeIntervals(rng, length, p.placement);
  const perSample = new Float64Array(length).fill(p.normalSlope / length);
  for (const [s, e] of intervals) perSample.fill(rng.range(p.anomalySlope[0], p.anomalySlope[1]) / length, s, e);
  const raw = new Float64Array(length);
  let level = 0;
  for (let t = 0; t < length; t++) {
    if (t > 0) level += perSample[t];
    raw[t] = Math.sin(2 * Math.PI * p.frequency * t) + level;
  }
  return { series: minMaxScale(raw), intervals };
}

/** flat-trend: `drawTrend` with FLAT_TREND_PARAMS. */
export function drawFlatTrend(rng: Rng, length: number): Draw {
  return drawTrend(rng, length, FLAT_TREND_PARAMS);
}
