/**
 * anomseer's own dataset format: JSON Lines, one record per line.
 *
 *   {"id": "range-0007", "series": [0.1, -0.2, ...], "intervals": [[120, 141]], "type": "global point", "task": "range"}
 *
 * `intervals` are half-open [start, end) indices into `series`, sorted and
 * disjoint; `type` is one of the six labels or "unknown"; `task` is optional;
 * `intervalTypes` (optional) gives one type per interval, for series with
 * several anomaly types (then `type` must be their dominant type, record.ts).
 * Blank lines are allowed (skipped, but they still count for line numbers);
 * unknown keys are errors so that a typo such as "interval" cannot silently
 * drop labels; ids must be unique within a file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataError } from '../errors.js';
import { type Interval, type IntervalType, type SeriesRecord, recordToJson, validateRecord } from '../series/record.js';
import { readText } from './files.js';
import { splitLines } from './text.js';

const KEYS = new Set(['id', 'series', 'intervals', 'type', 'task', 'intervalTypes']);

/** Turn one parsed JSON value into a checked record; `file`/`line` go into errors. */
function toRecord(value: unknown, file: string, line: number): SeriesRecord {
  const at = (field: string | undefined, msg: string) => new DataError(file, msg, { line, field });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw at(undefined, 'must be a JSON object {"id", "series", "intervals", "type", "task"?}');
  }
  const o = value as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!KEYS.has(k)) throw at(k, `is not a record field; allowed: ${[...KEYS].join(', ')}`);
  }
  if (typeof o.id !== 'string') throw at('id', `must be a string, got ${JSON.stringify(o.id) ?? 'nothing'}`);
  if (!Array.isArray(o.series)) throw at('series', 'must be an array of numbers');
  const series = new Float64Array(o.series.length);
  for (let i = 0; i < o.series.length; i++) {
    const v = o.series[i];
    if (typeof v !== 'number') throw at('series', `value ${i} is ${JSON.stringify(v)}; every value must be a finite number`);
    series[i] = v;
  }
  if (!Array.isArray(o.intervals)) throw at('intervals', 'must be an array of [start, end] pairs');
  const intervals: Interval[] = o.intervals.map((iv: unknown, k: number) => {
    if (!Array.isArray(iv) || iv.length !== 2 || typeof iv[0] !== 'number' || typeof iv[1] !== 'number') {
      throw at('intervals', `interval ${k} is ${JSON.stringify(iv)}; expected [start, end] with two integers`);
    }
    return [iv[0], iv[1]] as const;
  });
  if (typeof o.type !== 'string') throw at('type', `must be a string, got ${JSON.stringify(o.type) ?? 'nothing'}`);
  if (o.task !== undefined && typeof o.task !== 'string') throw at('task', `must be a string when given, got ${JSON.stringify(o.task)}`);
  if (o.intervalTypes !== undefined && !Array.isArray(o.intervalTypes))
    throw at('intervalTypes', `must be an array with one type per interval when given, got ${JSON.stringify(o.intervalTypes)}`);
  const rec: SeriesRecord = {
    id: o.id,
    series,
    intervals,
    type: o.type as SeriesRecord['type'],
    ...(o.task !== undefined ? { task: o.task as string } : {}),
    // Entries are checked by validateRecord (allowed names, one per interval, the dominant type).
    ...(o.intervalTypes !== undefined ? { intervalTypes: o.intervalTypes as IntervalType[] } : {}),
  };
  return validateRecord(rec, file, line);
}

/**
 * Parse JSONL text. `file` is only used in error messages.
 * Throws DataError (file, 1-based line, field) on the first bad line.
 */
export function parseJsonl(text: string, file = '<text>'): SeriesRecord[] {
  const out: SeriesRecord[] = [];
  const firstLine = new Map<string, number>();
  for (const { line, text: raw } of splitLines(text)) {
    if (raw.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new DataError(file, `malformed JSON: ${(err as Error).message}`, { line });
    }
    const rec = toRecord(value, file, line);
    const seen = firstLine.get(rec.id);
    if (seen !== undefined)
      throw new DataError(file, `duplicate id "${rec.id}" (first on line ${seen}, again on line ${line}); ids must be unique`, { line, field: 'id' });
    firstLine.set(rec.id, line);
    out.push(rec);
  }
  return out;
}

/**
 * Records → JSONL text, one line each, newline-terminated. Each record is
 * validated (and ids checked for uniqueness) first, so what is written can
 * always be read back; `file` names the destination in errors.
 */
export function formatJsonl(records: readonly SeriesRecord[], file = '<text>'): string {
  const seen = new Map<string, number>();
  const lines: string[] = [];
  records.forEach((r, i) => {
    validateRecord(r, file, i + 1);
    const first = seen.get(r.id);
    if (first !== undefined)
      throw new DataError(file, `duplicate id "${r.id}" (records ${first} and ${i + 1}); ids must be unique`, { line: i + 1, field: 'id' });
    seen.set(r.id, i + 1);
    lines.push(JSON.stringify(recordToJson(r)));
  });
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

/** Read a JSONL file of records. A missing file is a DataError naming it. */
export function readJsonl(path: string): SeriesRecord[] {
  return parseJsonl(readText(path, 'JSONL file'), path);
}

/** Write records as JSONL to `path`, creating its directory if needed. */
export function writeJsonl(path: string, records: readonly SeriesRecord[]): void {
  const text = formatJsonl(records, path);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text, 'utf8');
}
