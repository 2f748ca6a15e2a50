/**
 * freq (docs/METHOD.md §3, label `seasonal`): a phase-continuous sine whose local
 * frequency is f = 0.03 cycles/sample outside the intervals and f·3 or f/3
 * (50/50 per interval) inside. "Phase continuous" means the sine of the
 * cumulative frequency, x_t = sin(2π·Σ_{k≤t} f_k) (AnomLLM's inclusive
 * cumsum, so x_0 = sin(2π·f_0)); the curve never jumps, only its pace changes.
 * There is no cap on the number of intervals.
 */
import type { Rng } from '../rng.js';
import type { Draw } from './draw.js';
import { type Placement, placeIntervals } from './intervals.js';

export interface FreqParams {
  readonly placement: Placement;
  /** Base frequency in cycles per sample. */
  readonly frequency: number;
  /** Inside an interval the frequency is multiplied or divided by this. */
  readonly multiplier: number;
}

/** docs/METHOD.md §3 defaults (AnomLLM `synthetic_dataset_with_frequency_anomalies`). */
export const FREQ_PARAMS: FreqParams = {
  placement: { meanGap: 450, minGap: 20, meanDur: 15, minDur: 7, maxCount: Infinity },
  frequency: 0.03,
  multiplier: 3,
};

/** Draw order: intervals, then one faster/slower coin per interval. */
export function drawFreq(rng: Rng, length: number, p: FreqParams = FREQ_PARAMS): Draw {
  const intervals = placeIntervals(rng, length, p.placement);
  const f = new Float64Array(length).fill(p.frequency);
  for (const [s, e] of intervals) {
    const fi = rng.bernoulli(0.5) ? p.frequency * p.multiplier : p.frequency / p.multiplier;
    f.fill(fi, s, e);
  }
  const series = new Float64Array(length);
  let phase = 0;
  for (let t = 0; t < length; t++) {
    phase += f[t];
    series[t] = Math.sin(2 * Math.PI * phase);
  }
  return { series, intervals };
}
