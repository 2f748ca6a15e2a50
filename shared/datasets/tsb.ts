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
 *
 * Files are read by the CSV reader (csv-parser.ts): quoted fields and header names, a BOM,
 * `,` `;` or tab separators, any line ends; a blank line is allowed only at the end. Files are
 * streamed: memory holds the numbers (9 bytes a row), not the text.
 */
import { basename, join } from 'node:path';
import { DataError } from '../errors.js';
import { type SeriesRecord, validateRecord } from '../series/record.js';
import { csvFileRowsSync } from './csv-file.js';
import { csvRows } from './csv-parser.js';
import type { CsvRow } from './csv-parser.js';
import { listFiles, pathKind } from './files.js';
import { Float64Growable, Uint8Growable } from './growable.js';
import { isNumberText, parseLabelField, parseNumberField, runsToIntervals } from './text.js';

interface Layout {
  readonly header: boolean;
  readonly valueCol: number;
  readonly valueName: string;
  readonly labelCol: number;
  readonly labelName: string;
}

/** Decide the header, label column and value column from the first row. */
function layoutOf(fields: readonly string[], file: string, line: number, column: string | undefined): Layout {
  const names = fields.map((f) => f.trim());
  const header = names.some((f) => !isNumberText(f));
  if (!header) {
    if (column !== undefined)
      throw new DataError(file, `has no header, so column "${column}" cannot be selected; drop the #${column}`, { line, field: column });
    if (names.length !== 2)
      throw new DataError(file, `has ${names.length} columns and no header; a header-less TSB-UAD file has 2 (value,label)`, { line, field: 'row' });
    return { header, valueCol: 0, valueName: 'value', labelCol: 1, labelName: 'label' };
  }
  const labelCol = names.findIndex((n) => n.toLowerCase() === 'label');
  const shown = names.join(',');
  if (labelCol < 0)
    throw new DataError(file, `header "${shown}" has no Label column (case-insensitive); TSB-AD files end with a 0/1 "Label" column`, { line, field: 'Label' });
  const valueCols = names.map((_, i) => i).filter((i) => i !== labelCol);
  if (valueCols.length === 0) throw new DataError(file, `header "${shown}" has a Label column but no value column`, { line, field: 'header' });
  let valueCol = valueCols[0]!;
  if (column !== undefined) {
    const exact = valueCols.find((i) => names[i] === column);
    const loose = valueCols.find((i) => names[i]!.toLowerCase() === column.toLowerCase());
    const found = exact ?? loose;
    if (found === undefined)
      throw new DataError(file, `has no value column "${column}"; value columns: ${valueCols.map((i) => names[i]).join(', ')}`, { line, field: column });
    valueCol = found;
  }
  return { header, valueCol, valueName: names[valueCol]!, labelCol, labelName: 'Label' };
}

/** Takes the rows of one TSB file and builds its record. */
class TsbCollector {
  private layout: Layout | undefined;
  private firstLine = 1;
  private hint = '';
  private readonly series = new Float64Growable();
  private readonly labels = new Uint8Growable();

  constructor(
    private readonly file: string,
    private readonly column: string | undefined,
  ) {}

  add({ line, fields }: CsvRow): void {
    if (this.layout === undefined) {
      this.layout = layoutOf(fields, this.file, line, this.column);
      this.firstLine = line;
      this.hint = this.column === undefined && this.layout.header ? '; pick another value column with tsb:<path>#<column>' : '';
      if (this.layout.header) return;
    }
    const L = this.layout;
    this.series.push(parseNumberField(fields[L.valueCol]!, this.file, line, L.valueName, this.hint));
    this.labels.push(parseLabelField(fields[L.labelCol]!, this.file, line, L.labelName));
  }

  finish(): SeriesRecord {
    if (this.layout === undefined) throw new DataError(this.file, 'is empty; expected value and label columns', { line: 1 });
    if (this.series.length === 0)
      throw new DataError(this.file, 'has a header but no rows; the series is empty', { line: this.firstLine + 1, field: this.layout.valueName });
    const series = this.series.toArray();
    const intervals = runsToIntervals(this.labels.toArray());
    return validateRecord({ id: basename(this.file), series, intervals, type: intervals.length === 0 ? 'normal' : 'unknown' }, this.file);
  }
}

/**
 * Parse the text of one TSB CSV. `file` names it in errors and gives the id;
 * `column` selects a value column by header name.
 */
export function parseTsbCsv(text: string, file: string, column?: string): SeriesRecord {
  const c = new TsbCollector(file, column);
  for (const row of csvRows(text, file)) c.add(row);
  return c.finish();
}

/** Read one TSB CSV file, streaming. */
export function readTsbCsv(path: string, column?: string): SeriesRecord {
  const c = new TsbCollector(path, column);
  for (const row of csvFileRowsSync(path, {}, 'TSB CSV file')) c.add(row);
  return c.finish();
}

/** Load one TSB file, or every `.csv` file of a directory in name order. */
export function loadTsb(path: string, column?: string): SeriesRecord[] {
  if (pathKind(path) !== 'dir') return [readTsbCsv(path, column)];
  const names = listFiles(path, ['.csv']);
  if (names.length === 0) throw new DataError(path, 'holds no .csv files');
  return names.map((n) => readTsbCsv(join(path, n), column));
}
