/**
 * Mean-pooling downsampling of long series to the model length, with
 * intervals mapped outward so that no labelled point is lost.
 *
 * Model: the n input points are cells [i, i + 1) on a line of length n; the
 * output of `length` points has cells of width f = n / length (any factor,
 * integer or fractional). Output point j is the mean of the input over
 * [j·f, (j + 1)·f), each input point weighted by how much of its cell lies
 * inside (for an integer f this is the plain mean of f consecutive points).
 *
 * Index mapping (exact integer arithmetic):
 *   original [s, e) → resampled [floor(s·length / n), ceil(e·length / n))
 *     = every output point whose cell touches a labelled input point;
 *   resampled [a, b) → original [floor(a·n / length), ceil(b·n / length))
 *     = every input point that touches one of those output cells.
 * Example: n = 3000, length = 1000 (f = 3): [10, 20) → [3, 7) → [9, 21).
 */
import { ConfigError } from '../errors.js';
import type { Interval, SeriesRecord } from '../series/record.js';
import { mergeIntervals } from './text.js';

function requirePositiveInt(field: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new ConfigError(field, `must be a positive integer, got ${v}`);
}

/**
 * Downsample `series` (n points) to `length` points by area-weighted means.
 * n <= length returns a copy: this never upsamples.
 */
export function resampleSeries(series: Float64Array, length: number): Float64Array {
  requirePositiveInt('length', length);
  const n = series.length;
  if (n <= length) return series.slice();
  const out = new Float64Array(length);
  // Work in units of 1/length so every cell edge is an integer: input cell i
  // spans [i·length, (i+1)·length), output cell j spans [j·n, (j+1)·n).
  for (let j = 0; j < length; j++) {
    const lo = j * n;
    const hi = lo + n;
    let acc = 0;
    for (let i = Math.floor(lo / length); i * length < hi; i++) {
      const overlap = Math.min(hi, (i + 1) * length) - Math.max(lo, i * length);
      acc += overlap * series[i]!;
    }
    out[j] = acc / n;
  }
  return out;
}

/** Original interval [s, e) over n points → the resampled interval covering it (see module doc). */
export function toResampledInterval([s, e]: Interval, n: number, length: number): Interval {
  if (n <= length) return [s, e];
  return [Math.floor((s * length) / n), Math.ceil((e * length) / n)];
}

/** Resampled interval [a, b) → the original interval of every input point it touches, clipped to [0, n). */
export function toOriginalInterval([a, b]: Interval, n: number, length: number): Interval {
  if (n <= length) return [a, b];
  return [Math.max(0, Math.floor((a * n) / length)), Math.min(n, Math.ceil((b * n) / length))];
}

/**
 * Downsample a record to `length` points. Intervals map outward (no
 * labelled point is lost); ones that come to overlap are merged. The id gets
 * `#r<length>`. A series of at most `length` points is returned unchanged.
 */
export function resampleRecord(record: SeriesRecord, length: number): SeriesRecord {
  requirePositiveInt('length', length);
  const n = record.series.length;
  if (n <= length) return record;
  return {
    id: `${record.id}#r${length}`,
    series: resampleSeries(record.series, length),
    intervals: mergeIntervals(record.intervals.map((iv) => toResampledInterval(iv, n, length))),
    type: record.type,
    ...(record.task !== undefined ? { task: record.task } : {}),
  };
}
