/**
 * Options of the line chart, their defaults and their validation. User input
 * (a partial object) → defaults → a frozen, checked `ResolvedChartOptions`.
 */
import { ConfigError } from '../errors.js';
import { type NormalizeMode, parseNormalizeMode } from './normalize.js';

export interface ChartOptions {
  /** Image width in pixels (integer 1 … 16384). Default 1000 (paper: about 1000×150). */
  width?: number;
  /** Image height in pixels (integer 1 … 16384). Default 150. */
  height?: number;
  /** How values reach the fixed [-1, 1] y axis; see normalize.ts. Default `none` (paper). */
  normalize?: NormalizeMode;
  /** Line width in pixels, (0, 16]. Default 1.75: solid after anti-aliasing, still thin at 1000 points per 1000 px. */
  lineWidth?: number;
  /** Draw a faint horizontal line at y = 0. Default false (the model input is the bare line). */
  zeroLine?: boolean;
  /** Draw a faint one-pixel frame. Default false. */
  frame?: boolean;
}

export type ResolvedChartOptions = Readonly<Required<ChartOptions>>;

export const DEFAULT_CHART_OPTIONS: ResolvedChartOptions = Object.freeze({
  width: 1000,
  height: 150,
  normalize: 'none',
  lineWidth: 1.75,
  zeroLine: false,
  frame: false,
});

/** Ink strengths of the optional guides: visible to a person, faint next to the line (1.0). */
export const ZERO_LINE_INK = 0.15;
export const FRAME_INK = 0.35;

const MAX_SIDE = 16384;

/** Check an image side: an integer in [1, 16384]. `field` names it in the error. */
export function checkSide(x: unknown, field: string): number {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < 1 || x > MAX_SIDE) {
    throw new ConfigError(field, `got ${String(x)}; expected an integer in [1, ${MAX_SIDE}] (pixels)`);
  }
  return x;
}

function checkBool(x: unknown, field: string): boolean {
  if (typeof x !== 'boolean') throw new ConfigError(field, `got ${String(x)}; expected true or false`);
  return x;
}

/** Fill defaults and validate; unknown keys are ignored so callers may pass a wider options object. */
export function resolveChartOptions(opts: ChartOptions = {}, prefix = ''): ResolvedChartOptions {
  const o = { ...DEFAULT_CHART_OPTIONS, ...dropUndefined(opts) };
  const lw = o.lineWidth;
  if (typeof lw !== 'number' || !(lw > 0 && lw <= 16)) {
    throw new ConfigError(`${prefix}lineWidth`, `got ${String(lw)}; expected a number in (0, 16] (pixels)`);
  }
  return Object.freeze({
    width: checkSide(o.width, `${prefix}width`),
    height: checkSide(o.height, `${prefix}height`),
    normalize: parseNormalizeMode(o.normalize, `${prefix}normalize`),
    lineWidth: lw,
    zeroLine: checkBool(o.zeroLine, `${prefix}zeroLine`),
    frame: checkBool(o.frame, `${prefix}frame`),
  });
}

/** `{ width: undefined }` means "use the default", as it would for a missing key. */
export function dropUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
