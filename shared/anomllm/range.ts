/**
 * range (docs/METHOD.md §3, label `global point`): i.i.d. N(0, baseStd) noise; inside
 * each interval a shift of one sign for the whole interval (+ or −, 50/50)
 * and a fresh magnitude U(shift[0], shift[1]) for every sample.
 *
 * Example: interval [120, 141) drawn with sign −1 gets values
 * x_t = N(0, 0.1) − U(0.5, 0.8), so it sits about 0.65 below the baseline.
 */
import type { Rng } from '../rng.js';
import type { Draw } from './draw.js';
import { type Placement, placeIntervals } from './intervals.js';

export interface RangeParams {
  readonly placement: Placement;
  /** Std of the i.i.d. baseline noise (mean 0). */
  readonly baseStd: number;
  /** [lo, hi) of the per-sample shift magnitude. */
  readonly shift: readonly [number, number];
}

/** docs/METHOD.md §3 defaults (AnomLLM `synthetic_dataset_with_out_of_range_anomalies`). */
export const RANGE_PARAMS: RangeParams = {
  placement: { meanGap: 800, minGap: 10, meanDur: 20, minDur: 5, maxCount: 8 },
  baseStd: 0.1,
  shift: [0.5, 0.8],
};

/** Draw order: intervals, then the baseline, then per interval its sign and magnitudes. */
export function drawRange(rng: Rng, length: number, p: RangeParams = RANGE_PARAMS): Draw {
  const intervals = placeIntervals(rng, length, p.placement);
  const series = new Float64Array(length);
  for (let t = 0; t < length; t++) series[t] = rng.normal(0, p.baseStd);
  for (const [s, e] of intervals) {
    const sign = rng.bernoulli(0.5) ? 1 : -1;
    for (let t = s; t < e; t++) series[t] += sign * rng.range(p.shift[0], p.shift[1]);
  }
  return { series, intervals };
}
