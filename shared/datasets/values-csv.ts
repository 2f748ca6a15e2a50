/**
 * A user's own series for `anomseer detect`: a CSV (or one value per line) with no
 * labels, read by the CSV reader (csv-parser.ts: quoting, BOM, `,` `;` or tab, any line
 * ends). Which column holds the values:
 *   - `column` given: that header name (case-insensitive) or 0-based index;
 *   - otherwise with a header: the first column whose name is not a time or label
 *     column (timestamp, time, date, datetime, label, is_anomaly) and whose first data
 *     row is a number — so `timestamp,value` picks `value` (when none is, the first
 *     that is not a time or label column, whose value error then says what is wrong);
 *   - otherwise without a header: the last column.
 * A header is present when any field of the first row is not a number. Blank lines are
 * skipped. Every value is parsed strictly: text, NaN, inf and empty fields are DataErrors
 * naming the file, line and column. Only the numbers are kept (8 bytes a value): no line
 * text survives its row, so `readValuesCsv` reads files of millions of lines in little memory.
 *
 * With `times: true`, the time column is read too (8 bytes a row more): the first column of the
 * header named timestamp, time, date, datetime or ts, when its values are date-times
 * (timestamps.ts: ISO 8601, `2014-02-19 10:50:00` too). Times are a help, never a reason to
 * refuse a file: a time column of numbers (an index) gives no times, and one whose value on
 * some row is not a date-time gives none either, with a note naming that line.
 */
import { DataError } from '../errors.js';
import { csvFileRows } from './csv-file.js';
import type { CsvDelimiter, CsvRow } from './csv-parser.js';
import { csvRows } from './csv-parser.js';
import { Float64Growable } from './growable.js';
import { isNumberText, parseNumberField } from './text.js';
import { parseTimestamp } from './timestamps.js';

const NOT_VALUES = /^(timestamp|time|date|datetime|ts|label|labels|is_anomaly|anomaly)$/i;
const TIME_NAMES = /^(timestamp|time|date|datetime|ts)$/i;

/** A time column's date-times, one per value, in milliseconds (times without a zone read as UTC). */
export interface TimeColumn {
  /** Its header name. */
  readonly column: string;
  readonly ms: Float64Array;
  /** Whether the file's times named their zone (then they are written back in UTC with `Z`). */
  readonly zoned: boolean;
}

export interface ValuesCsv {
  readonly values: Float64Array;
  /** The column read (header name, or `column <i>`). */
  readonly column: string;
  /** With `times`: the time column, when the file has one whose every value is a date-time. */
  readonly times?: TimeColumn;
  /** With `times`: why a time column present gave no times (one line naming the line and value). */
  readonly timesNote?: string;
}

export interface ValuesCsvOptions {
  /** Header name (case-insensitive) or 0-based index; default as in the file comment. */
  readonly column?: string;
  /** Field separator; default detected from the first line. */
  readonly delimiter?: CsvDelimiter;
  /** Also read the time column (see the file comment). Default false. */
  readonly times?: boolean;
}

/** Takes rows one by one and keeps only the chosen column's numbers. */
class ValuesCollector {
  private names: string[] | undefined;
  private headerLine = 0;
  private seen = false;
  private col = -1;
  private name = '';
  private readonly values = new Float64Growable();
  /** The time column: −1 none (or given up), else its index; its times so far. */
  private timeCol = -1;
  private times: Float64Growable | undefined;
  private zoned = false;
  private timesNote: string | undefined;

  constructor(
    private readonly file: string,
    private readonly column: string | undefined,
    private readonly wantTimes = false,
  ) {}

  add(row: CsvRow): void {
    const fields = row.fields;
    if (!this.seen) {
      this.seen = true;
      const first = fields.map((f) => f.trim());
      if (first.some((f) => !isNumberText(f))) {
        this.names = first;
        this.headerLine = row.line;
      }
      if (this.column !== undefined) this.pick(this.column, first.length, row.line);
      else if (this.names === undefined) [this.col, this.name] = [first.length - 1, `column ${first.length - 1}`];
      if (this.names !== undefined) {
        if (this.wantTimes) this.timeCol = this.names.findIndex((n, i) => TIME_NAMES.test(n) && i !== this.col);
        if (this.timeCol >= 0) this.times = new Float64Growable();
        return;
      }
    }
    if (this.col < 0) this.pickByFirstRow(fields);
    this.values.push(parseNumberField(fields[this.col]!, this.file, row.line, this.name));
    if (this.timeCol >= 0) this.addTime(fields[this.timeCol]!.trim(), row.line);
  }

  private addTime(text: string, line: number): void {
    const t = parseTimestamp(text);
    if (t === undefined) {
      // A column of numbers is an index, not a mistake; text that is not a date-time is worth a note.
      if (this.times!.length > 0 || !isNumberText(text))
        this.timesNote = `line ${line}: ${this.names![this.timeCol]} "${text}" is not a date-time (YYYY-MM-DD[ HH:MM[:SS]][zone]); intervals are given by index only`;
      [this.timeCol, this.times] = [-1, undefined];
      return;
    }
    this.times!.push(t.ms);
    this.zoned ||= t.zoned;
  }

  finish(): ValuesCsv {
    if (!this.seen) throw new DataError(this.file, 'is empty; expected one value per line or a CSV with a value column', { field: 'series' });
    if (this.values.length === 0) throw new DataError(this.file, 'has a header but no data rows', { line: this.headerLine, field: 'series' });
    const times = this.times === undefined ? undefined : { column: this.names![this.timeCol]!, ms: this.times.toArray(), zoned: this.zoned };
    return {
      values: this.values.toArray(),
      column: this.name,
      ...(times === undefined ? {} : { times }),
      ...(this.timesNote === undefined ? {} : { timesNote: this.timesNote }),
    };
  }

  private pick(column: string, ncols: number, line: number): void {
    const byName = this.names !== undefined ? this.names.findIndex((n) => n.toLowerCase() === column.toLowerCase()) : -1;
    const byIndex = /^\d+$/.test(column) ? Number(column) : -1;
    const col = byName >= 0 ? byName : byIndex;
    if (col < 0 || col >= ncols) {
      const cols = this.names !== undefined ? this.names.join(', ') : `0..${ncols - 1} (no header)`;
      throw new DataError(this.file, `has no column "${column}"; columns: ${cols}`, { line, field: column });
    }
    this.col = col;
    this.name = this.names !== undefined ? this.names[col]! : `column ${col}`;
  }

  private pickByFirstRow(fields: readonly string[]): void {
    const names = this.names!;
    this.col = names.findIndex((n, i) => !NOT_VALUES.test(n) && isNumberText((fields[i] ?? '').trim()));
    // No column starts with a number: take the first that is not a time or label column, so
    // the error names its value ("0,5" is not a finite number; write decimals with a point).
    if (this.col < 0) this.col = names.findIndex((n) => !NOT_VALUES.test(n));
    if (this.col < 0)
      throw new DataError(this.file, `header "${names.join(',')}" has only time and label columns; name the value column with --column`, {
        line: this.headerLine,
        field: 'header',
      });
    this.name = names[this.col]!;
  }
}

/** Parse a series held in a string (tests, small inputs). `file` names it in errors. */
export function parseValuesCsv(text: string, file: string, opts: ValuesCsvOptions = {}): ValuesCsv {
  const c = new ValuesCollector(file, opts.column, opts.times);
  for (const row of csvRows(text, file, { delimiter: opts.delimiter, blankLines: 'skip' })) c.add(row);
  return c.finish();
}

/** Read a series file of any size, streaming: memory grows by 8 bytes a value. */
export async function readValuesCsv(path: string, opts: ValuesCsvOptions = {}): Promise<ValuesCsv> {
  const c = new ValuesCollector(path, opts.column, opts.times);
  for await (const row of csvFileRows(path, { delimiter: opts.delimiter, blankLines: 'skip' }, 'series file')) c.add(row);
  return c.finish();
}
