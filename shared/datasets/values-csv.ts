/**
 * A user's own series for `anomseer detect`: a CSV (or one value per line) with no
 * labels. Which column holds the values:
 *   - `column` given: that header name (case-insensitive) or 0-based index;
 *   - otherwise with a header: the first column whose name is not a time or label
 *     column (timestamp, time, date, datetime, label, is_anomaly) and whose first data
 *     row is a number — so `timestamp,value` picks `value`;
 *   - otherwise without a header: the last column.
 * A header is present when any field of the first line is not a number.
 * Every value is parsed strictly: text, NaN, inf and empty fields are DataErrors
 * naming the file, line and column.
 */
import { DataError } from '../errors.js';
import { isNumberText, parseNumberField, splitLines } from './text.js';

const NOT_VALUES = /^(timestamp|time|date|datetime|ts|label|labels|is_anomaly|anomaly)$/i;

export interface ValuesCsv {
  readonly values: Float64Array;
  /** The column read (header name, or `column <i>`). */
  readonly column: string;
}

export function parseValuesCsv(text: string, file: string, column?: string): ValuesCsv {
  const lines = splitLines(text).filter((l) => l.text.trim() !== '');
  if (lines.length === 0) throw new DataError(file, 'is empty; expected one value per line or a CSV with a value column', { field: 'series' });
  const first = lines[0].text.split(',').map((f) => f.trim().replace(/^"(.*)"$/, '$1'));
  const header = first.some((f) => !isNumberText(f));
  const rows = header ? lines.slice(1) : lines;
  if (rows.length === 0) throw new DataError(file, 'has a header but no data rows', { line: 1, field: 'series' });
  const ncols = first.length;
  let col: number;
  if (column !== undefined) {
    const byName = header ? first.findIndex((n) => n.toLowerCase() === column.toLowerCase()) : -1;
    const byIndex = /^\d+$/.test(column) ? Number(column) : -1;
    col = byName >= 0 ? byName : byIndex;
    if (col < 0 || col >= ncols) {
      throw new DataError(file, `has no column "${column}"; columns: ${header ? first.join(', ') : `0..${ncols - 1} (no header)`}`, { line: 1, field: column });
    }
  } else if (header) {
    const firstRow = rows[0].text.split(',');
    col = first.findIndex((n, i) => !NOT_VALUES.test(n) && isNumberText((firstRow[i] ?? '').trim()));
    if (col < 0) throw new DataError(file, `header "${lines[0].text}" has no numeric value column; name one with --column`, { line: 1, field: 'header' });
  } else {
    col = ncols - 1;
  }
  const name = header ? first[col] : `column ${col}`;
  const values = new Float64Array(rows.length);
  rows.forEach((r, k) => {
    const fields = r.text.split(',');
    if (fields.length !== ncols) throw new DataError(file, `has ${fields.length} fields; the first line has ${ncols}`, { line: r.line, field: 'row' });
    values[k] = parseNumberField(fields[col], file, r.line, name);
  });
  return { values, column: name };
}
