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
import { createHash } from 'node:crypto';
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
  /**
   * Where the first window starts, in [0, n − length] (default 0): the points before it are
   * left out. Training only (`idWindowOffset`); detection and eval cover every point from 0.
   */
  readonly offset?: number;
}

/**
 * The first window's start for `data.windowOffset: random`: a point in
 * [0, min(length, n − length)] drawn from the record's id (its sha256), so every process of a
 * job cuts the same windows, and a long series' cycles meet the window edges at a phase of their
 * own rather than always at the series' first point. 0 for a series of at most `length` points.
 *
 * Example: id "synth-train-pulse-cycles-17", n = 2,880, length = 1,000 → some offset o in
 * [0, 1000]; windows then start at o, o + 1000 and, pulled back, 1,880.
 */
export function idWindowOffset(id: string, n: number, length: number): number {
  const span = Math.min(length, n - length);
  if (span <= 0) return 0;
  const h = createHash('sha256').update(`window-offset:${id}`).digest();
  return h.readUInt32BE(0) % (span + 1);
}

/**
 * Cut a record into windows. Each window keeps the intervals that fall in it
 * (clipped, window-local); a window with none is `normal`, otherwise it keeps
 * the parent's type — or, for a record with per-interval types, the type covering
 * most of the window's own anomalous points (and the window keeps its intervals' types). ids are `<id>#w<start>`. A series of at most `length`
 * points is returned whole, unchanged (same object, same id). With an `offset`, the windows are
 * those of the series from `offset` on, at their absolute starts.
 */
export function windowRecord(record: SeriesRecord, opts: WindowOptions): SeriesRecord[] {
  const n = record.series.length;
  const offset = opts.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0 || (offset > 0 && offset > n - opts.length)) {
    throw new ConfigError(
      'offset',
      `${offset} for a series of ${n} points and windows of ${opts.length}; use an integer in [0, ${Math.max(0, n - opts.length)}]`,
    );
  }
  const starts = windowStarts(n - offset, opts.length, opts.stride ?? opts.length).map((s) => s + offset);
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
