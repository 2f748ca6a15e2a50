/**
 * Prediction files for `anomseer eval`: JSON Lines, one prediction per line,
 * in one of two forms:
 *
 *   {"id": "range-0007", "text": "<think> … </think>\n<answer>[[120, 141]]</answer>\n<class>global point</class>"}
 *   {"id": "range-0007", "intervals": [[120, 141]], "type": "global point"}
 *
 * A `text` is a raw trace, read with parseTrace (so it earns format credit
 * only when well formed). The structured form must give `intervals` as a list
 * of [start, end] integer pairs (or null for "no parseable answer"); like a
 * parsed trace, pairs that are negative or empty are dropped, ends clipped to
 * the series length, overlaps merged. Its `type` is normalised; a type that
 * names no class is kept as "no class" (a wrong answer, not a file error).
 * When both `text` and `intervals` are present, `text` wins. Other keys are
 * ignored, so files with extra columns (reward, latency) load as they are.
 *
 * Answers made the way `detect` makes them (`eval --save-predictions` on real data) also say
 * how the series was scaled before the policy read it, `"normalize": "robust"` (none, minmax or
 * robust), `"scaled"` when the policy scales every window itself (its policy.normalize), and,
 * when the record was read in several windows, each window's trace:
 * `"windows": [{"start": 0, "length": 1000, "text": "<think> …"}, …]` (window-relative). The
 * faithfulness checks read each trace against the points it read.
 *
 * File errors are DataErrors naming the file, the 1-based line and the field:
 * malformed JSON, a line that is not an object, a missing or non-string id,
 * an id that is not in the data, an id given twice, a bad `intervals`.
 * Blank lines are skipped but counted.
 */
import { DataError } from '../errors.js';
import { normalizeClass } from '../series/labels.js';
import { cleanIntervals } from '../trace/parse.js';
import { NORMALIZE_MODES } from '../plot/normalize.js';
import type { NormalizeMode } from '../plot/normalize.js';
import { type Prediction, type PredictionWindow, predictionFromTrace } from './score.js';

/**
 * Parse prediction JSONL `text` (from `file`, used in messages). `lengths`
 * maps each data id to its series length (for clipping and for unknown ids).
 */
export function parsePredictionsJsonl(text: string, file: string, lengths: ReadonlyMap<string, number>): Map<string, Prediction> {
  const out = new Map<string, Prediction>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === '') continue;
    const line = i + 1;
    const at = (field: string | undefined, msg: string) => new DataError(file, msg, { line, field });
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw at(undefined, `is not valid JSON (${(err as Error).message}); expected {"id", "text"} or {"id", "intervals", "type"}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw at(undefined, 'must be a JSON object {"id", "text"} or {"id", "intervals", "type"}');
    }
    const o = value as Record<string, unknown>;
    if (typeof o.id !== 'string' || o.id === '') throw at('id', `must be a non-empty string, got ${JSON.stringify(o.id) ?? 'nothing'}`);
    const length = lengths.get(o.id);
    if (length === undefined) throw at('id', `"${o.id}" is not an id of the evaluation data`);
    if (out.has(o.id)) throw at('id', `"${o.id}" is given twice; keep one prediction per series`);
    out.set(o.id, toPrediction(o, length, at));
  }
  return out;
}

function toPrediction(o: Record<string, unknown>, length: number, at: (field: string, msg: string) => DataError): Prediction {
  const read = howRead(o, length, at);
  const p = answerOf(o, length, at);
  return { ...p, ...read };
}

/** The `normalize` and `windows` of a line (see the file comment). */
function howRead(
  o: Record<string, unknown>,
  length: number,
  at: (field: string, msg: string) => DataError,
): Pick<Prediction, 'normalize' | 'scaled' | 'windows'> {
  const out: { normalize?: NormalizeMode; scaled?: NormalizeMode; windows?: PredictionWindow[] } = {};
  for (const key of ['normalize', 'scaled'] as const) {
    const v = o[key];
    if (v === undefined) continue;
    if (typeof v !== 'string' || !(NORMALIZE_MODES as readonly string[]).includes(v))
      throw at(key, `is ${JSON.stringify(v)}; expected one of ${NORMALIZE_MODES.join(', ')}`);
    out[key] = v as NormalizeMode;
  }
  if (o.windows !== undefined) {
    if (!Array.isArray(o.windows)) throw at('windows', `must be a list of {"start", "length", "text"}, got ${JSON.stringify(o.windows)}`);
    out.windows = o.windows.map((w: unknown, k: number) => {
      const x = (typeof w === 'object' && w !== null ? w : {}) as Record<string, unknown>;
      const { start, length: len, text } = x;
      if (!Number.isInteger(start) || !Number.isInteger(len) || (start as number) < 0 || (len as number) < 1 || (start as number) + (len as number) > length)
        throw at('windows', `window ${k} is ${JSON.stringify(w)}; expected integer start ≥ 0 and length ≥ 1 inside the series' ${length} points`);
      if (typeof text !== 'string') throw at('windows', `window ${k} has no "text" string (its raw trace)`);
      return { start: start as number, length: len as number, text };
    });
  }
  return out;
}

function answerOf(o: Record<string, unknown>, length: number, at: (field: string, msg: string) => DataError): Prediction {
  if (o.text !== undefined) {
    if (typeof o.text !== 'string') throw at('text', `must be a string (a raw trace), got ${JSON.stringify(o.text)}`);
    return predictionFromTrace(o.text, length);
  }
  if (!('intervals' in o)) throw at('intervals', 'is missing; give "text" (a raw trace) or "intervals" and "type"');
  if (o.type !== undefined && typeof o.type !== 'string') throw at('type', `must be a string, got ${JSON.stringify(o.type)}`);
  const type = typeof o.type === 'string' ? normalizeClass(o.type) : undefined;
  if (o.intervals === null) return { intervals: null, type, formatOk: false };
  if (!Array.isArray(o.intervals)) throw at('intervals', `must be a list of [start, end] pairs, got ${JSON.stringify(o.intervals)}`);
  const pairs: [number, number][] = [];
  o.intervals.forEach((iv: unknown, k: number) => {
    if (!Array.isArray(iv) || iv.length !== 2 || !Number.isInteger(iv[0]) || !Number.isInteger(iv[1])) {
      throw at('intervals', `interval ${k} is ${JSON.stringify(iv)}; expected [start, end] with two integers`);
    }
    pairs.push([iv[0] as number, iv[1] as number]);
  });
  return { intervals: cleanIntervals(pairs, length), type, formatOk: type !== undefined };
}
