/**
 * UCR Time Series Anomaly Archive loader (Wu & Keogh, 2021).
 *
 * Input: one file, or a directory of `.txt` files (other extensions are not
 * series and are ignored), named
 *   NNN_UCR_Anomaly_<name>_<trainEnd>_<anomStart>_<anomEnd>.txt
 * e.g. `001_UCR_Anomaly_DISTORTED1sddb40_35000_52000_52620.txt`. Values are
 * one per line or whitespace separated (some archive files hold the whole
 * series on one line, separated by spaces).
 *
 * Mapping: the archive counts positions from 1 and includes both ends, so
 * anomaly positions anomStart..anomEnd become the 0-based half-open interval
 * [anomStart - 1, anomEnd). Example: `_10_21_25.txt` labels 0-based indices
 * 20, 21, 22, 23, 24 → [20, 25). `trainEnd` (the anomaly-free prefix) is kept
 * in the id only. Type: `unknown` (the archive gives no anomaly kind).
 * id: the file name.
 */
import { basename, join } from 'node:path';
import { DataError } from '../errors.js';
import type { SeriesRecord } from '../series/record.js';
import { validateRecord } from '../series/record.js';
import { listFiles, pathKind, readText } from './files.js';
import { parseNumberField, splitLines } from './text.js';

export const UCR_NAME_PATTERN = 'NNN_UCR_Anomaly_<name>_<trainEnd>_<anomStart>_<anomEnd>.txt';
const UCR_NAME = /^(\d+)_UCR_Anomaly_(.+)_(\d+)_(\d+)_(\d+)\.txt$/;

/** The fields of a UCR archive file name (positions as written: 1-based, inclusive). */
export interface UcrName {
  readonly index: number;
  readonly name: string;
  readonly trainEnd: number;
  readonly anomStart: number;
  readonly anomEnd: number;
}

/** Parse a UCR file name (a path is fine; only its base name is read). */
export function parseUcrName(path: string): UcrName {
  const base = basename(path);
  const m = UCR_NAME.exec(base);
  if (m === null) throw new DataError(path, `file name "${base}" does not match ${UCR_NAME_PATTERN}`, { field: 'file name' });
  const [index, name, trainEnd, anomStart, anomEnd] = [Number(m[1]), m[2]!, Number(m[3]), Number(m[4]), Number(m[5])];
  if (anomStart < 1) throw new DataError(path, `anomStart ${anomStart} must be >= 1 (archive positions are 1-based)`, { field: 'anomStart' });
  if (anomEnd < anomStart) throw new DataError(path, `anomEnd ${anomEnd} is before anomStart ${anomStart}`, { field: 'anomEnd' });
  return { index, name, trainEnd, anomStart, anomEnd };
}

/** Whitespace-separated numbers (any mix of spaces, tabs and newlines) → values; errors name the line. */
export function parseUcrValues(text: string, file: string): Float64Array {
  const values: number[] = [];
  for (const { line, text: row } of splitLines(text)) {
    for (const tok of row.split(/\s+/)) {
      if (tok === '') continue;
      values.push(parseNumberField(tok, file, line, 'value', ` (value ${values.length + 1} of the series)`));
    }
  }
  if (values.length === 0) throw new DataError(file, 'holds no values; the series is empty', { line: 1, field: 'value' });
  return Float64Array.from(values);
}

/** Text of one UCR file + its path → a validated record. */
export function parseUcrFile(text: string, path: string): SeriesRecord {
  const meta = parseUcrName(path);
  const series = parseUcrValues(text, path);
  if (meta.anomEnd > series.length) {
    throw new DataError(path, `anomEnd ${meta.anomEnd} (from the file name) is past the end of the series (${series.length} values)`, { field: 'anomEnd' });
  }
  return validateRecord({ id: basename(path), series, intervals: [[meta.anomStart - 1, meta.anomEnd]], type: 'unknown' }, path);
}

/** Load one UCR file, or every `.txt` file of a directory in name order. */
export function loadUcr(path: string): SeriesRecord[] {
  if (pathKind(path) !== 'dir') return [parseUcrFile(readText(path, 'UCR file'), path)];
  const names = listFiles(path, ['.txt']);
  if (names.length === 0) throw new DataError(path, `holds no .txt files named ${UCR_NAME_PATTERN}`);
  return names.map((n) => {
    const file = join(path, n);
    parseUcrName(file); // fail on a bad name before reading the values
    return parseUcrFile(readText(file, 'UCR file'), file);
  });
}
