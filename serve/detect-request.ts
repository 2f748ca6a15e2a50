/**
 * A detect request, from either API, checked into one `DetectInput`. Every refusal is an
 * InvalidArgumentError naming the field (`series[3]`, `window`, `frobnicate`), which the HTTP
 * server answers with 400 and the gRPC server with INVALID_ARGUMENT; the body-size limit is
 * the transports' (413 / RESOURCE_EXHAUSTED) and is checked before anything is parsed.
 *
 * JSON body (POST /v1/detect):
 *   { "series": [numbers],                      required, 16..maxPoints finite numbers
 *     "timestamps"?: [string | number],         one per value; intervals are echoed as timestamps
 *     "normalize"?: "robust" | "minmax" | "none"  default "robust" (as `anomseer detect`)
 *     "window"?: integer 16..1984              default 1000 (as `anomseer detect --window`)
 *     "plot"?: boolean }                        default false
 * Any other key is refused: a typo (`"windw"`) must not silently fall back to a default.
 * NaN cannot be written in JSON (the body is then not JSON: 400 naming `body`); a number too
 * large for a double (1e999) parses as Infinity and is refused naming its index.
 */
import { InvalidArgumentError } from '../shared/errors.js';
import { MIN_DETECT_POINTS } from '../shared/policy/inference.js';
import { NORMALIZE_MODES } from '../shared/plot/normalize.js';
import type { NormalizeMode } from '../shared/plot/normalize.js';
import type { DetectRequest } from '../proto/types.js';

export interface DetectInput {
  readonly values: Float64Array;
  /** One per value, as sent; absent when none were sent. */
  readonly timestamps?: readonly (string | number)[];
  readonly normalize: NormalizeMode;
  readonly window: number;
  readonly plot: boolean;
}

export interface RequestLimits {
  /** Most values in one series. */
  readonly maxPoints: number;
  /** Fewest values detect answers (default MIN_DETECT_POINTS, 16). */
  readonly minPoints?: number;
}

/** Points per window `anomseer detect` accepts (`--window`), and its default. */
export const WINDOW_RANGE = Object.freeze([16, 1984] as const);
export const DEFAULT_WINDOW = 1000;
export const DEFAULT_NORMALIZE: NormalizeMode = 'robust';

const KEYS = ['series', 'timestamps', 'normalize', 'window', 'plot'];

const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

/** The JSON body of POST /v1/detect → DetectInput. */
export function validateDetectRequest(body: unknown, limits: RequestLimits): DetectInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidArgumentError('body', `expected a JSON object like {"series": [1, 2, 3]}, got ${kind(body)}`);
  }
  const r = body as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (!KEYS.includes(key)) throw new InvalidArgumentError(key, `unknown key; a request may hold ${KEYS.join(', ')}`);
  }
  if (!Array.isArray(r.series)) throw new InvalidArgumentError('series', `expected an array of numbers, got ${kind(r.series)}`);
  const values = checkSeries(r.series, limits);
  let timestamps: (string | number)[] | undefined;
  if (r.timestamps !== undefined) {
    if (!Array.isArray(r.timestamps)) throw new InvalidArgumentError('timestamps', `expected an array of strings or numbers, got ${kind(r.timestamps)}`);
    checkTimestampCount(r.timestamps.length, values.length);
    r.timestamps.forEach((t, i) => {
      if (!(typeof t === 'string' || (typeof t === 'number' && Number.isFinite(t)))) {
        throw new InvalidArgumentError(`timestamps[${i}]`, `expected a string or a finite number, got ${kind(t)}`);
      }
    });
    timestamps = r.timestamps as (string | number)[];
  }
  let normalize = DEFAULT_NORMALIZE;
  if (r.normalize !== undefined) normalize = checkNormalize(r.normalize);
  let window = DEFAULT_WINDOW;
  if (r.window !== undefined) window = checkWindow(r.window);
  if (r.plot !== undefined && typeof r.plot !== 'boolean') throw new InvalidArgumentError('plot', `expected true or false, got ${kind(r.plot)}`);
  checkMinPoints(values.length, limits);
  return { values, normalize, window, plot: r.plot === true, ...(timestamps === undefined ? {} : { timestamps }) };
}

/** A gRPC DetectRequest (proto defaults: '' and 0 mean "default") → DetectInput. */
export function detectInputFromProto(m: DetectRequest, limits: RequestLimits): DetectInput {
  const values = checkSeries(m.series, limits);
  if (m.timestamps.length > 0) checkTimestampCount(m.timestamps.length, values.length);
  const normalize = m.normalize === '' ? DEFAULT_NORMALIZE : checkNormalize(m.normalize);
  const window = m.window === 0 ? DEFAULT_WINDOW : checkWindow(m.window);
  checkMinPoints(values.length, limits);
  return {
    values,
    normalize,
    window,
    plot: m.plot,
    ...(m.timestamps.length > 0 ? { timestamps: m.timestamps } : {}),
  };
}

function checkSeries(series: readonly unknown[], limits: RequestLimits): Float64Array {
  if (series.length === 0) throw new InvalidArgumentError('series', 'is empty; send at least one value');
  if (series.length > limits.maxPoints) {
    throw new InvalidArgumentError(
      'series',
      `has ${series.length} points; this server accepts at most ${limits.maxPoints} per request (--max-points): send a shorter series or split it`,
    );
  }
  const values = new Float64Array(series.length);
  for (let i = 0; i < series.length; i++) {
    const v = series[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new InvalidArgumentError(`series[${i}]`, `expected a finite number, got ${typeof v === 'number' ? String(v) : kind(v)}`);
    }
    values[i] = v;
  }
  return values;
}

/** Checked after every field, so a malformed field is named before the series' length. */
function checkMinPoints(n: number, limits: RequestLimits): void {
  const minPoints = limits.minPoints ?? MIN_DETECT_POINTS;
  if (n < minPoints) {
    throw new InvalidArgumentError('series', `has ${n} points; detect needs at least ${minPoints} (the policy's analyses need a few cycles of data)`);
  }
}

function checkTimestampCount(got: number, n: number): void {
  if (got !== n) throw new InvalidArgumentError('timestamps', `has ${got} entries; expected one per value of series (${n})`);
}

function checkNormalize(v: unknown): NormalizeMode {
  if (typeof v === 'string' && (NORMALIZE_MODES as readonly string[]).includes(v)) return v as NormalizeMode;
  throw new InvalidArgumentError('normalize', `is ${JSON.stringify(v)}; expected one of ${NORMALIZE_MODES.join(', ')}`);
}

function checkWindow(v: unknown): number {
  const [min, max] = WINDOW_RANGE;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new InvalidArgumentError('window', `is ${JSON.stringify(v)}; expected an integer in [${min}, ${max}] (points per window the policy reads)`);
  }
  return v;
}
