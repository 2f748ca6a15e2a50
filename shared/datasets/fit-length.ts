/**
 * One switch for bringing any record to the model's input length:
 *   - `window`:   cut into windows of `length` (see window.ts) — full resolution,
 *                 several prompts per long series; use for detection and for
 *                 evaluating point/shapelet-scale anomalies.
 *   - `resample`: mean-pool down to `length` (see resample.ts) — one prompt,
 *                 whole context, short anomalies blur; use for trend/seasonal
 *                 context or quick overviews.
 *   - `none`:     keep the record as it is (other lengths must still work).
 */
import { ConfigError } from '../errors.js';
import type { SeriesRecord } from '../series/record.js';
import { resampleRecord } from './resample.js';
import { idWindowOffset, windowRecord } from './window.js';

export const FIT_MODES = ['window', 'resample', 'none'] as const;
export type FitMode = (typeof FIT_MODES)[number];

export interface FitOptions {
  /** Target length in points (the benchmark's is 1000). */
  readonly length: number;
  readonly mode: FitMode;
  /** Window stride for `window` mode; defaults to `length`. */
  readonly stride?: number;
  /**
   * Where `window` mode's first window starts: at the series' first point (`start`, the
   * default), or at a point drawn from the record's id (`random`, `idWindowOffset`) —
   * training windows that meet a series' cycles at every phase.
   */
  readonly windowOffset?: WindowOffset;
}

export const WINDOW_OFFSETS = ['start', 'random'] as const;
export type WindowOffset = (typeof WINDOW_OFFSETS)[number];

/** Bring one record to `length` points; always returns a list (windowing can give several). */
export function fitToLength(record: SeriesRecord, opts: FitOptions): SeriesRecord[] {
  switch (opts.mode) {
    case 'window':
      return windowRecord(record, {
        length: opts.length,
        ...(opts.stride !== undefined ? { stride: opts.stride } : {}),
        ...(opts.windowOffset === 'random' ? { offset: idWindowOffset(record.id, record.series.length, opts.length) } : {}),
      });
    case 'resample':
      return [resampleRecord(record, opts.length)];
    case 'none':
      return [record];
    default:
      throw new ConfigError('mode', `"${String(opts.mode)}" is not a fit mode; use one of ${FIT_MODES.join(', ')}`);
  }
}

/** `fitToLength` over a list, in order. */
export function fitAllToLength(records: readonly SeriesRecord[], opts: FitOptions): SeriesRecord[] {
  return records.flatMap((r) => fitToLength(r, opts));
}
