/**
 * Anomaly interval placement of the AnomLLM protocol (docs/METHOD.md §3).
 *
 * From the left: a normal gap of length max(minGap, Exp(meanGap)), then an
 * anomaly of length max(minDur, Exp(meanDur)) clipped at the series end, and
 * again, until a gap reaches the end or `maxCount` anomalies are placed.
 *
 * Integer rounding: each exponential draw is floored *after* the max,
 * `floor(max(min, X))`, exactly as AnomLLM's `int(max(x, min))` does. For the
 * integer minimums used here that equals `max(min, floor(X))`, so a duration
 * has mean  min + e^(−(min+1)/mean) / (1 − e^(−1/mean))  (about 0.5 below the
 * continuous  min + mean·e^(−min/mean)). A series therefore has no anomaly
 * exactly when the first gap draw X satisfies X ≥ length, i.e. with
 * probability e^(−length/meanGap) when length ≥ minGap.
 */
import { ConfigError } from '../errors.js';
import type { Rng } from '../rng.js';
import type { Interval } from '../series/record.js';

/** Gap and duration distribution of one task; all lengths in samples. */
export interface Placement {
  /** Mean of the exponential normal-gap draw (samples). */
  readonly meanGap: number;
  /** Smallest normal gap (samples, integer ≥ 1), also before the first anomaly. */
  readonly minGap: number;
  /** Mean of the exponential anomaly-duration draw (samples). */
  readonly meanDur: number;
  /** Shortest anomaly before clipping at the series end (samples, integer ≥ 1). */
  readonly minDur: number;
  /** Most anomalies per series; `Infinity` for no cap. */
  readonly maxCount: number;
}

/** Throws ConfigError naming the field when a placement cannot produce valid intervals. */
export function validatePlacement(p: Placement, name = 'placement'): Placement {
  for (const key of ['meanGap', 'meanDur'] as const) {
    if (!(Number.isFinite(p[key]) && p[key] > 0)) throw new ConfigError(`${name}.${key}`, `must be a finite number > 0, got ${p[key]}`);
  }
  for (const key of ['minGap', 'minDur'] as const) {
    if (!(Number.isInteger(p[key]) && p[key] >= 1)) throw new ConfigError(`${name}.${key}`, `must be an integer >= 1, got ${p[key]}`);
  }
  if (!(p.maxCount === Infinity || (Number.isInteger(p.maxCount) && p.maxCount >= 0))) {
    throw new ConfigError(`${name}.maxCount`, `must be an integer >= 0 or Infinity, got ${p.maxCount}`);
  }
  return p;
}

/**
 * Sorted, disjoint, half-open intervals inside [0, length). Consecutive
 * intervals are at least `minGap` apart, and so is the first from index 0.
 * Consumes two draws per placed anomaly plus one for the final gap.
 */
export function placeIntervals(rng: Rng, length: number, p: Placement): Interval[] {
  const out: Interval[] = [];
  let location = 0;
  while (out.length < p.maxCount) {
    const start = location + Math.floor(Math.max(p.minGap, rng.exponential(p.meanGap)));
    if (start >= length) break;
    const end = Math.min(length, start + Math.floor(Math.max(p.minDur, rng.exponential(p.meanDur))));
    out.push([start, end]);
    location = end;
  }
  return out;
}

/** 0/1 mask of length `length`, 1 inside any interval. */
export function intervalMask(intervals: readonly Interval[], length: number): Uint8Array {
  const mask = new Uint8Array(length);
  for (const [s, e] of intervals) mask.fill(1, s, e);
  return mask;
}
