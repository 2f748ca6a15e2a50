/**
 * Numenta Anomaly Benchmark loader.
 *
 * Input: a NAB root `dir` holding
 *   data/<folder>/<file>.csv          `timestamp,value` with that header, one row per sample,
 *                                     timestamps `YYYY-MM-DD HH:MM:SS`, non-decreasing
 *   labels/combined_windows.json      { "<folder>/<file>.csv": [[start, end], ...], ... }
 *                                     window ends are timestamps, both inclusive
 *
 * Mapping: a window [start, end] becomes the half-open index interval
 * [first row with t >= start, first row with t > end), i.e. exactly the rows
 * whose timestamp lies in [start, end]. Overlapping windows are merged.
 * Type: `normal` when the file has no window, else `unknown` (NAB labels where,
 * not which kind). id: the label key, e.g. `realTraffic/TravelTime_387.csv`.
 *
 * The labels file covers the whole corpus, so a key whose CSV is absent is
 * fine (subsets are normal); a CSV without a key is an error, since its labels
 * would otherwise be silently "normal".
 *
 * CSVs are read by the CSV reader (csv-parser.ts), streaming: quoted header names, a BOM and
 * any line ends are fine; a blank line is allowed only at the end.
 */
import { join } from 'node:path';
import { DataError } from '../errors.js';
import { type Interval, type SeriesRecord, validateRecord } from '../series/record.js';
import { csvFileRowsSync } from './csv-file.js';
import { csvRows } from './csv-parser.js';
import type { CsvRow } from './csv-parser.js';
import { listDirs, listFiles, readText, requireDir } from './files.js';
import { Float64Growable } from './growable.js';
import { mergeIntervals, parseNumberField } from './text.js';

/** Labels file path inside a NAB root. */
export const NAB_WINDOWS_FILE = join('labels', 'combined_windows.json');

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

/**
 * A NAB timestamp → milliseconds since the epoch, read as UTC (NAB times carry
 * no zone; reading both data and labels the same way is all that matters).
 * Returns undefined when the text is not `YYYY-MM-DD HH:MM:SS[.ffffff]` or
 * names an impossible date.
 */
export function parseNabTimestamp(text: string): number | undefined {
  const m = TIMESTAMP.exec(text.trim());
  if (m === null) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const frac = m[7] === undefined ? 0 : Number(`0.${m[7]}`) * 1000;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) + frac;
  // Date.UTC rolls 2014-02-30 over to March; reject instead of guessing.
  const back = new Date(ms);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
  return ms;
}

/** One NAB CSV: timestamps (ms, UTC) and values, row i of each on file line i + 2. */
export interface NabSeries {
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
}

/** Takes the rows of one NAB CSV: the header, then timestamps (in order) and values. */
class NabCollector {
  private headerLine = 0;
  private last = -Infinity;
  private readonly timestamps = new Float64Growable();
  private readonly values = new Float64Growable();

  constructor(private readonly file: string) {}

  add({ line, fields }: CsvRow): void {
    if (this.headerLine === 0) {
      const cols = fields.map((c) => c.trim().toLowerCase());
      if (cols.length !== 2 || cols[0] !== 'timestamp' || cols[1] !== 'value') {
        throw new DataError(this.file, `header is "${fields.join(',')}"; a NAB file starts with "timestamp,value"`, { line, field: 'header' });
      }
      this.headerLine = line;
      return;
    }
    const raw = fields[0]!.trim();
    const t = parseNabTimestamp(raw);
    if (t === undefined) throw new DataError(this.file, `"${raw}" is not a timestamp; expected YYYY-MM-DD HH:MM:SS`, { line, field: 'timestamp' });
    if (t < this.last) throw new DataError(this.file, `"${raw}" is earlier than the row before; NAB rows must be in time order`, { line, field: 'timestamp' });
    this.last = t;
    this.timestamps.push(t);
    this.values.push(parseNumberField(fields[1]!, this.file, line, 'value'));
  }

  finish(): NabSeries {
    if (this.headerLine === 0) throw new DataError(this.file, 'is empty; expected a "timestamp,value" header and rows', { line: 1 });
    if (this.values.length === 0)
      throw new DataError(this.file, 'has a header but no rows; the series is empty', { line: this.headerLine + 1, field: 'value' });
    return { timestamps: this.timestamps.toArray(), values: this.values.toArray() };
  }
}

/** Parse the text of one NAB CSV (`timestamp,value` header, then rows). */
export function parseNabCsv(text: string, file: string): NabSeries {
  const c = new NabCollector(file);
  for (const row of csvRows(text, file)) c.add(row);
  return c.finish();
}

/** Read one NAB CSV file, streaming. */
export function readNabCsv(path: string): NabSeries {
  const c = new NabCollector(path);
  for (const row of csvFileRowsSync(path, {}, 'NAB CSV file')) c.add(row);
  return c.finish();
}

/**
 * First index i with ts[i] >= t (or > t when `strict`), ts non-decreasing;
 * ts.length when none.
 */
function bound(ts: Float64Array, t: number, strict: boolean): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! < t || (strict && ts[mid] === t)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Inclusive timestamp window [start, end] (ms) → half-open row interval
 * [first t >= start, first t > end). Empty (start >= end) when no row falls inside.
 */
export function windowToInterval(timestamps: Float64Array, startMs: number, endMs: number): Interval {
  return [bound(timestamps, startMs, false), bound(timestamps, endMs, true)];
}

/** 1-based line of the first occurrence of `"key"` in `text` (for errors in the labels JSON). */
function lineOfKey(text: string, key: string): number | undefined {
  const at = text.indexOf(JSON.stringify(key));
  if (at < 0) return undefined;
  let line = 1;
  for (let i = 0; i < at; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** One key of the labels file: its [startMs, endMs] windows and the 1-based line of the key. */
export interface NabEntry {
  readonly windows: readonly (readonly [number, number])[];
  readonly line: number | undefined;
}

/** The parsed labels file: key → entry. */
export type NabWindows = ReadonlyMap<string, NabEntry>;

/** Parse `combined_windows.json`; `file` names it in errors. */
export function parseNabWindows(text: string, file: string): NabWindows {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DataError(file, `malformed JSON: ${(err as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new DataError(file, 'must be a JSON object mapping "<folder>/<file>.csv" to a list of [start, end] timestamp pairs', { line: 1 });
  }
  const out = new Map<string, NabEntry>();
  for (const [key, windows] of Object.entries(json as Record<string, unknown>)) {
    const line = lineOfKey(text, key);
    const bad = (msg: string) => new DataError(file, msg, { line, field: key });
    if (!Array.isArray(windows)) throw bad('must be a list of [start, end] timestamp pairs');
    out.set(key, {
      line,
      windows: windows.map((w: unknown, k: number) => {
        if (!Array.isArray(w) || w.length !== 2 || typeof w[0] !== 'string' || typeof w[1] !== 'string') {
          throw bad(`window ${k} is ${JSON.stringify(w)}; expected ["YYYY-MM-DD HH:MM:SS", "YYYY-MM-DD HH:MM:SS"]`);
        }
        const s = parseNabTimestamp(w[0]);
        const e = parseNabTimestamp(w[1]);
        if (s === undefined || e === undefined) throw bad(`window ${k} ${JSON.stringify(w)} holds a text that is not a timestamp`);
        if (s > e) throw bad(`window ${k} ${JSON.stringify(w)} starts after it ends`);
        return [s, e] as const;
      }),
    });
  }
  return out;
}

/**
 * One NAB series + its windows → a validated record. A window that covers no
 * row is an error (it would silently vanish), naming the labels file and key.
 */
export function nabRecord(key: string, data: NabSeries, entry: NabEntry, labelsFile: string, csvFile: string): SeriesRecord {
  const intervals = entry.windows.map(([s, e], k) => {
    const iv = windowToInterval(data.timestamps, s, e);
    if (iv[0] >= iv[1]) {
      throw new DataError(labelsFile, `window ${k} of "${key}" covers no row of ${csvFile}; check that the labels belong to this file`, {
        line: entry.line,
        field: key,
      });
    }
    return iv;
  });
  const merged = mergeIntervals(intervals);
  return validateRecord({ id: key, series: data.values, intervals: merged, type: merged.length === 0 ? 'normal' : 'unknown' }, csvFile);
}

/** Load every `data/<folder>/<file>.csv` under the NAB root `dir`, in sorted key order. */
export function loadNab(dir: string): SeriesRecord[] {
  requireDir(dir, 'NAB root directory');
  const labelsFile = join(dir, NAB_WINDOWS_FILE);
  const windows = parseNabWindows(readText(labelsFile, 'NAB labels file'), labelsFile);
  const dataDir = join(dir, 'data');
  const out: SeriesRecord[] = [];
  for (const folder of listDirs(dataDir)) {
    for (const name of listFiles(join(dataDir, folder), ['.csv'])) {
      const key = `${folder}/${name}`;
      const csvFile = join(dataDir, folder, name);
      const w = windows.get(key);
      if (w === undefined) throw new DataError(csvFile, `has no entry "${key}" in ${labelsFile}; add its windows (an empty list for a normal series)`);
      out.push(nabRecord(key, readNabCsv(csvFile), w, labelsFile, csvFile));
    }
  }
  if (out.length === 0) throw new DataError(dataDir, 'holds no data/<folder>/<file>.csv files');
  return out;
}
