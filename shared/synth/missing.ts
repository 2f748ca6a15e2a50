/**
 * Missing stretches, as a recorder that lost data writes them: records must
 * stay finite, so a gap [s, e) is never NaN but filled from its two
 * neighbours x_{s−1} and x_e (placement.ts keeps every stretch at least
 * minGap ≥ 1 samples from the ends and from every anomaly, so both exist and are normal):
 *
 *   hold:    x_t = x_{s−1}                                   (the last value repeated)
 *   linear:  x_t = x_{s−1} + (x_e − x_{s−1})·(t − s + 1)/(e − s + 1), on the value grid
 *
 * Each stretch picks hold or linear 50/50. Stretches are never labelled anomalous.
 */
import type { Rng } from '../rng.js';
import type { Interval } from '../series/record.js';
import { onGrid } from './render.js';

export const FILLS = ['hold', 'linear'] as const;
export type Fill = (typeof FILLS)[number];

export interface MissingStretch {
  readonly interval: Interval;
  readonly fill: Fill;
}

/** Fill every stretch of `x` in place (values on the grid 10^gridExponent). Draw order: one fill coin per stretch. */
export function fillMissing(rng: Rng, x: Float64Array, stretches: readonly Interval[], gridExponent: number): MissingStretch[] {
  return stretches.map(([s, e]) => {
    const fill: Fill = rng.bernoulli(0.5) ? 'hold' : 'linear';
    const a = x[s - 1],
      b = x[e];
    for (let t = s; t < e; t++) x[t] = fill === 'hold' ? a : onGrid(a + ((b - a) * (t - s + 1)) / (e - s + 1), gridExponent, 'round');
    return { interval: [s, e], fill };
  });
}
