/**
 * TSB-AD / TSB-UAD loader (CSV with value column(s) and a 0/1 label).
 *
 * Input: one file, or a directory of `.csv` files (loaded in name order).
 * Two shapes are accepted:
 *   - with a header (TSB-AD): one or more value columns and a column named
 *     `Label` (any case), e.g. `Data,Label` (TSB-AD-U) or `0,1,...,24,Label`
 *     (TSB-AD-M). The first row is a header when any of its fields is not a number.
 *   - without a header (TSB-UAD `.out` style): exactly two columns, value,label.
 * Univariate: the first value column unless `column` names another
 * (`tsb:<path>#<column>`); only a header can name columns.
 *
 * Mapping: each run of consecutive 1 labels at rows i..j-1 becomes the
 * half-open interval [i, j) (row 0 is the first data row). Type: `normal` when
 * there is no 1, else `unknown`. id: the file name.
 */
import { basename, join } from 'node:path';
import { DataError } from '../errors.js';
import { type SeriesRecord, validateRecord } from '../series/record.js';
import { listFiles, pathKind, readText } from './files.js';
import { isNumberText, parseLabelField, parseNumberField, runsToIntervals, splitLines } from './text.js';

/** Strip one pair of surrounding double quotes from a header name. */
function unquote(s: string): string {
  const t = s.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).trim() : t;
}

interface Layout {
  readonly header: boolean;
  readonly ncols: number;
  readonly valueCol: number;
  readonly valueName: string;
  readonly labelCol: number;
}

/** Decide the header, label column and value column from the first line. */
function layoutOf(first: string, file: string, column: string | undefined): Layout {
  const fields = first.split(',');
  const header = fields.some((f) => !isNumberText(unquote(f)));
  if (!header) {
    if (column !== undefined)
      throw new DataError(file, `has no header, so column "${column}" cannot be selected; drop the #${column}`, { line: 1, field: column });
    if (fields.length !== 2)
      throw new DataError(file, `has ${fields.length} columns and no header; a header-less TSB-UAD file has 2 (value,label)`, { line: 1, field: 'row' });
    return { header, ncols: 2, valueCol: 0, valueName: 'value', labelCol: 1 };
  }
  const names = fields.map(unquote);
  const labelCol = names.findIndex((n) => n.toLowerCase() === 'label');
  if (labelCol < 0)
    throw new DataError(file, `header "${first}" has no Label column (case-insensitive); TSB-AD files end with a 0/1 "Label" column`, {
      line: 1,
      field: 'Label',
    });
  const valueCols = names.map((_, i) => i).filter((i) => i !== labelCol);
  if (valueCols.length === 0) throw new DataError(file, `header "${first}" has a Label column but no value column`, { line: 1, field: 'header' });
  let valueCol = valueCols[0]!;
  if (column !== undefined) {
    const exact = valueCols.find((i) => names[i] === column);
    const loose = valueCols.find((i) => names[i]!.toLowerCase() === column.toLowerCase());
    const found = exact ?? loose;
    if (found === undefined)
      throw new DataError(file, `has no value column "${column}"; value columns: ${valueCols.map((i) => names[i]).join(', ')}`, { line: 1, field: column });
    valueCol = found;
  }
  return { header, ncols: names.length, valueCol, valueName: names[valueCol]!, labelCol };
}

/**
 * Parse the text of one TSB CSV. `file` names it in errors and gives the id;
 * `column` selects a value column by header name.
 */
export function parseTsbCsv(text: string, file: string, column?: string): SeriesRecord {
  const lines = splitLines(text);
  while (lines.length > 0 && lines[lines.length - 1]!.text.trim() === '') lines.pop();
  if (lines.length === 0) throw new DataError(file, 'is empty; expected value and label columns', { line: 1 });
  const layout = layoutOf(lines[0]!.text, file, column);
  const rows = layout.header ? lines.slice(1) : lines;
  if (rows.length === 0) throw new DataError(file, 'has a header but no rows; the series is empty', { line: 2, field: layout.valueName });
  const hint = column === undefined && layout.header ? `; pick another value column with tsb:<path>#<column>` : '';
  const series = new Float64Array(rows.length);
  const labels = new Uint8Array(rows.length);
  rows.forEach(({ line, text: row }, i) => {
    const parts = row.split(',');
    if (parts.length !== layout.ncols) throw new DataError(file, `has ${parts.length} column(s); expected ${layout.ncols}`, { line, field: 'row' });
    series[i] = parseNumberField(parts[layout.valueCol]!, file, line, layout.valueName, hint);
    labels[i] = parseLabelField(parts[layout.labelCol]!, file, line, layout.header ? 'Label' : 'label');
  });
  const intervals = runsToIntervals(labels);
  return validateRecord({ id: basename(file), series, intervals, type: intervals.length === 0 ? 'normal' : 'unknown' }, file);
}

/** Load one TSB file, or every `.csv` file of a directory in name order. */
export function loadTsb(path: string, column?: string): SeriesRecord[] {
  if (pathKind(path) !== 'dir') return [parseTsbCsv(readText(path, 'TSB CSV file'), path, column)];
  const names = listFiles(path, ['.csv']);
  if (names.length === 0) throw new DataError(path, 'holds no .csv files');
  return names.map((n) => parseTsbCsv(readText(join(path, n), 'TSB CSV file'), join(path, n), column));
}
