/**
 * Cutting long series into model-length windows, and merging per-window
 * answers back onto the long series.
 *
 * Index mapping: window w starts at `starts[w]` (from `windowStarts`) and holds
 * original indices [starts[w], starts[w] + length). A window-local index j is
 * original index starts[w] + j; a window-local half-open interval [a, b) is the
 * original interval [starts[w] + a, starts[w] + b). The last window is pulled
 * back to end exactly at n, so every index is in at least one window.
 *
 * Example: n = 2500, length = 1000, stride = 1000 → starts [0, 1000, 1500];
 * an answer [100, 200) in window 2 is original [1600, 1700).
 */
import { ConfigError } from '../errors.js';
import { dominantType } from '../series/record.js';
import type { Interval, IntervalType, SeriesRecord } from '../series/record.js';
import { mergeIntervals } from './text.js';

function requirePositiveInt(field: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new ConfigError(field, `must be a positive integer, got ${v}`);
}

/**
 * Start indices of the windows of `length` over a series of n points, every
 * `stride` points (1 <= stride <= length), plus one final window ending at n
 * when the stride does not land there. n <= length gives [0] (one window, the
 * whole series). ConfigError for a bad length or stride.
 */
export function windowStarts(n: number, length: number, stride: number = length): number[] {
  requirePositiveInt('length', length);
  requirePositiveInt('stride', stride);
  // A longer stride would skip points, and a detector would never look at them.
  if (stride > length)
    throw new ConfigError('stride', `${stride} is longer than the window length ${length}; use a stride in [1, ${length}] so every point is in a window`);
  if (n <= length) return [0];
  const starts: number[] = [];
  for (let s = 0; s + length <= n; s += stride) starts.push(s);
  const last = starts[starts.length - 1]!;
  if (last + length < n) starts.push(n - length);
  return starts;
}

/**
 * Clip half-open intervals to the window [start, start + length) and shift
 * them to window-local indices; intervals that miss the window are dropped.
 */
export function clipToWindow(intervals: readonly Interval[], start: number, length: number): Interval[] {
  const out: Interval[] = [];
  for (const [s, e] of intervals) {
    const a = Math.max(s, start) - start;
    const b = Math.min(e, start + length) - start;
    if (b > a) out.push([a, b]);
  }
  return out;
}

/** The window id suffix: `<id>#w<start>`. */
export function windowId(id: string, start: number): string {
  return `${id}#w${start}`;
}

/** Split `<id>#w<start>` back into the parent id and the start; undefined for other ids. */
export function parseWindowId(id: string): { readonly parent: string; readonly start: number } | undefined {
  const m = /^(.*)#w(\d+)$/.exec(id);
  return m === null ? undefined : { parent: m[1]!, start: Number(m[2]) };
}

export interface WindowOptions {
  /** Window length in points (the model's input length, 1000 in the benchmark). */
  readonly length: number;
  /** Points between window starts, in [1, length]; defaults to `length` (no overlap). */
  readonly stride?: number;
}

/**
 * Cut a record into windows. Each window keeps the intervals that fall in it
 * (clipped, window-local); a window with none is `normal`, otherwise it keeps
 * the parent's type — or, for a record with per-interval types, the type covering
 * most of the window's own anomalous points (and the window keeps its intervals' types). ids are `<id>#w<start>`. A series of at most `length`
 * points is returned whole, unchanged (same object, same id).
 */
export function windowRecord(record: SeriesRecord, opts: WindowOptions): SeriesRecord[] {
  const n = record.series.length;
  const starts = windowStarts(n, opts.length, opts.stride ?? opts.length);
  if (n <= opts.length) return [record];
  return starts.map((start) => {
    const intervals: Interval[] = [];
    const types: IntervalType[] = [];
    record.intervals.forEach((iv, k) => {
      const [clipped] = clipToWindow([iv], start, opts.length);
      if (clipped === undefined) return;
      intervals.push(clipped);
      if (record.intervalTypes !== undefined) types.push(record.intervalTypes[k]!);
    });
    // A window of a series with several types takes the type covering most of its own points.
    const type = intervals.length === 0 ? 'normal' : record.intervalTypes !== undefined ? dominantType(intervals, types) : record.type;
    return {
      id: windowId(record.id, start),
      series: record.series.slice(start, start + opts.length),
      intervals,
      type,
      ...(record.intervalTypes !== undefined && intervals.length > 0 ? { intervalTypes: types } : {}),
      ...(record.task !== undefined ? { task: record.task } : {}),
    };
  });
}

/**
 * Per-window answers → one answer on the original series of n points: each
 * window-local interval is shifted by its window's start, clipped to [0, n),
 * and the union is taken (overlapping or touching pieces join, so an anomaly
 * cut by a window edge comes back as one interval).
 */
export function mergeWindowIntervals(parts: readonly { readonly start: number; readonly intervals: readonly Interval[] }[], n: number): Interval[] {
  const shifted: Interval[] = [];
  for (const { start, intervals } of parts) {
    for (const [a, b] of intervals) shifted.push([Math.max(0, start + a), Math.min(n, start + b)]);
  }
  return mergeIntervals(shifted, true);
}
