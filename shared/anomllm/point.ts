/**
 * point (docs/METHOD.md §3, label `contextual point`): the sine sin(2π·f·t), t = 0, 1, …,
 * with every value inside an interval replaced by fresh N(0, anomalyStd)
 * noise. The noise stays mostly inside the sine's range, so the anomaly is
 * contextual: the values are plausible, only the pattern is broken.
 */
import type { Rng } from '../rng.js';
import type { Draw } from './draw.js';
import { type Placement, placeIntervals } from './intervals.js';

export interface PointParams {
  readonly placement: Placement;
  /** Sine frequency in cycles per sample. */
  readonly frequency: number;
  /** Std of the replacement noise (mean 0). */
  readonly anomalyStd: number;
}

/** docs/METHOD.md §3 defaults (AnomLLM `synthetic_dataset_with_point_anomalies`). */
export const POINT_PARAMS: PointParams = {
  placement: { meanGap: 800, minGap: 200, meanDur: 30, minDur: 5, maxCount: 8 },
  frequency: 0.03,
  anomalyStd: 0.5,
};

/** Draw order: intervals, then the replacement values interval by interval. */
export function drawPoint(rng: Rng, length: number, p: PointParams = POINT_PARAMS): Draw {
  const intervals = placeIntervals(rng, length, p.placement);
  const series = new Float64Array(length);
  for (let t = 0; t < length; t++) series[t] = Math.sin(2 * Math.PI * p.frequency * t);
  for (const [s, e] of intervals) {
    for (let t = s; t < e; t++) series[t] = rng.normal(0, p.anomalyStd);
  }
  return { series, intervals };
}
