/**
 * The noisy-* variants of docs/METHOD.md §3: the base task's series, then i.i.d.
 * N(0, std) added to every sample (inside and outside the intervals), with
 * the base task's intervals unchanged. AnomLLM adds the noise after the
 * whole base series is built, so noisy-trend may leave [-1, 1] slightly.
 */
import type { Rng } from '../rng.js';
import type { Draw, DrawFn } from './draw.js';

/** docs/METHOD.md §3: std of the noise added by the noisy-* tasks. */
export const NOISE_STD = 0.08;

/** A copy of `series` (shape (n,)) with N(0, std) added to each value. */
export function addNoise(series: Float64Array, rng: Rng, std: number = NOISE_STD): Float64Array {
  const out = new Float64Array(series.length);
  for (let i = 0; i < series.length; i++) out[i] = series[i] + rng.normal(0, std);
  return out;
}

/**
 * The noisy variant of `base`. The base series is drawn from
 * `rng.fork('base')` and the noise from `rng.fork('noise')`, so for any
 * stream r, `withNoise(base)(r, L)` minus `base(r.fork('base'), L)` is pure
 * noise; tests use that to check the noise exactly.
 */
export function withNoise(base: DrawFn, std: number = NOISE_STD): DrawFn {
  return (rng: Rng, length: number): Draw => {
    const d = base(rng.fork('base'), length);
    return { series: addNoise(d.series, rng.fork('noise'), std), intervals: d.intervals };
  };
}
