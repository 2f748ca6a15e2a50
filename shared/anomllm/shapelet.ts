/**
 * shapelet (label `shapelet`; held out, never a training task): a sine of
 * integer period P samples and amplitude A, x_t = A·sin(2π·t/P), in which one
 * or more runs of whole cycles are replaced by another waveform of the same
 * period and amplitude: a triangle, a square or a sawtooth cycle. Every
 * replacement starts and ends a cycle at phase 0, like the sine, so the
 * anomaly is a change of shape, not of level, period or amplitude.
 *
 * Placement reuses the AnomLLM rule on the grid of whole cycles: with
 * C = floor(length/P) complete cycles, intervals in cycle units come from
 * `placeIntervals(rng, C, SHAPELET_PARAMS.placement)` and are multiplied by
 * P; the partial cycle at the end is never anomalous. With the defaults the
 * first anomaly is at least 3 cycles in, so the normal shape is seen first.
 */
import type { Rng } from '../rng.js';
import type { Interval } from '../series/record.js';
import type { Draw } from './draw.js';
import { type Placement, placeIntervals } from './intervals.js';

export const SHAPES = ['triangle', 'square', 'sawtooth'] as const;
export type Shape = (typeof SHAPES)[number];

export interface ShapeletParams {
  /** Placement in units of whole cycles. */
  readonly placement: Placement;
  /** Integer period range [lo, hi] in samples, both ends included. */
  readonly period: readonly [number, number];
  /** Amplitude range [lo, hi). */
  readonly amplitude: readonly [number, number];
}

/** Our choice (not in the paper): gaps mean 15 cycles, at least 3; runs of mostly 1–2 cycles; at most 4. */
export const SHAPELET_PARAMS: ShapeletParams = {
  placement: { meanGap: 15, minGap: 3, meanDur: 1, minDur: 1, maxCount: 4 },
  period: [20, 60],
  amplitude: [0.5, 1],
};

/**
 * One cycle of `shape` at phase φ ∈ [0, 1), peak 1, value 0 at φ = 0 like sin(2πφ):
 * triangle 4φ → 1 at φ = ¼ → −1 at ¾ → 0; square +1 on (0, ½), −1 on (½, 1), 0 at 0 and ½;
 * sawtooth 2φ on [0, ½), 2φ − 2 on [½, 1) (rises to 1, drops to −1, rises to 0).
 */
export function waveform(shape: Shape, phi: number): number {
  switch (shape) {
    case 'triangle':
      return phi < 0.25 ? 4 * phi : phi < 0.75 ? 2 - 4 * phi : 4 * phi - 4;
    case 'square':
      return phi === 0 || phi === 0.5 ? 0 : phi < 0.5 ? 1 : -1;
    case 'sawtooth':
      return phi < 0.5 ? 2 * phi : 2 * phi - 2;
  }
}

/** Draw order: period, amplitude, cycle intervals, then one shape per interval. */
export function drawShapelet(rng: Rng, length: number, p: ShapeletParams = SHAPELET_PARAMS): Draw {
  const period = p.period[0] + rng.int(p.period[1] - p.period[0] + 1);
  const amplitude = rng.range(p.amplitude[0], p.amplitude[1]);
  const cycles = Math.floor(length / period);
  const cycleIntervals = placeIntervals(rng, cycles, p.placement);
  const series = new Float64Array(length);
  for (let t = 0; t < length; t++) series[t] = amplitude * Math.sin((2 * Math.PI * t) / period);
  const intervals: Interval[] = [];
  for (const [c0, c1] of cycleIntervals) {
    const shape = SHAPES[rng.int(SHAPES.length)];
    const s = c0 * period,
      e = c1 * period;
    // (t − s) mod P is an exact integer, so φ = j/P is exact and ½ is hit exactly for even P.
    for (let t = s; t < e; t++) series[t] = amplitude * waveform(shape, ((t - s) % period) / period);
    intervals.push([s, e]);
  }
  return { series, intervals };
}
