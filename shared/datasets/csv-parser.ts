/**
 * A CSV tokenizer that takes text in chunks and hands back complete rows, so a file of any
 * size is read with memory bounded by one chunk plus one row (csv-file.ts feeds it from disk).
 *
 * What it accepts (RFC 4180, plus what real exports do):
 *   - fields separated by `,`, `;` or a tab — given, or detected from the first line as the
 *     candidate that occurs most often outside quotes (`,` when none does; ties: `,` `;` tab);
 *   - quoted fields: `"a,b"`, `"say ""hi"""` (a quote inside is doubled), line ends inside
 *     quotes; spaces around the quotes are ignored (`"a", "b"`); a quote in the middle of an
 *     unquoted field is kept as text (`5"` stays `5"`);
 *   - line ends LF, CRLF or a lone CR; a UTF-8 byte-order mark at the start is dropped;
 *   - a missing final line end.
 * Every row has as many fields as the first row (else a DataError naming the line). A blank
 * (or all-space) line is skipped with `blankLines: 'skip'`; by default one is allowed only at
 * the end of the file, where editors leave them, and is an error between rows.
 *
 * Line numbers are 1-based physical lines, so they match `sed -n Np` and editors: a row
 * reports the line it starts on, and a quoted line end inside it counts as a line.
 * Example: `a,b\n"x\ny",1\nz,2` → rows on lines 1, 2 and 4.
 */
import { ConfigError, DataError } from '../errors.js';

export const CSV_DELIMITERS = [',', ';', '\t'] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

/** One row: its fields (quotes removed, `""` unescaped, unquoted fields as written) and the line it starts on. */
export interface CsvRow {
  readonly line: number;
  readonly fields: readonly string[];
}

export interface CsvOptions {
  /** Field separator; default: detected from the first line. */
  readonly delimiter?: CsvDelimiter;
  /** `skip`: blank lines are ignored anywhere. `trailing` (default): only at the end of the file. */
  readonly blankLines?: 'skip' | 'trailing';
  /** Longest row, in characters, before the reader gives up (default 1 MiB): bounds memory when a quote is left open. */
  readonly maxRowChars?: number;
}

/** A delimiter given as text: `,`, `;`, or a tab (`tab`, `\\t` or the character); anything else is a ConfigError naming `field`. */
export function parseCsvDelimiter(text: string, field = 'delimiter'): CsvDelimiter {
  if (text === 'tab' || text === '\\t') return '\t';
  if ((CSV_DELIMITERS as readonly string[]).includes(text)) return text as CsvDelimiter;
  throw new ConfigError(field, `got ${JSON.stringify(text)}; expected ",", ";" or tab`);
}

const QUOTE = 34;
const LF = 10;
const CR = 13;
const SPACE = 32;

/** Line breaks in `s`: LF, CRLF and a lone CR each count once. */
function countBreaks(s: string): number {
  let k = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === LF || (c === CR && s.charCodeAt(i + 1) !== LF)) k++;
  }
  return k;
}

/**
 * The delimiter of the first non-blank line of `text`, or undefined when that line has not
 * ended yet (and more text may come).
 */
export function detectDelimiter(text: string, final: boolean): CsvDelimiter | undefined {
  let counts = [0, 0, 0];
  let inQuote = false;
  let blank = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') inQuote = !inQuote;
    if (!inQuote && (c === '\n' || c === '\r')) {
      if (!blank) return best(counts);
      counts = [0, 0, 0];
      continue;
    }
    if (c !== ' ') blank = false;
    if (!inQuote) {
      const k = (CSV_DELIMITERS as readonly string[]).indexOf(c);
      if (k >= 0) counts[k]!++;
    }
  }
  return final ? best(counts) : undefined;
}

function best(counts: number[]): CsvDelimiter {
  let k = 0;
  for (let i = 1; i < counts.length; i++) if (counts[i]! > counts[k]!) k = i;
  return CSV_DELIMITERS[k]!;
}

/**
 * Push-based tokenizer: `push(chunk)` returns the rows completed by that chunk, `end()` the
 * last one. Keeps only the unfinished row between calls.
 */
export class CsvParser {
  private buf = '';
  private started = false;
  private delim: CsvDelimiter | undefined;
  private delimCode = 0;
  /** Line on which the next row starts. */
  private line = 1;
  private width: number | undefined;
  private firstLine = 0;
  private blankLine: number | undefined;
  /** Line of a quote still open when the text ran out (for the error if the row grows too long). */
  private openQuoteLine: number | undefined;
  private readonly blankLines: 'skip' | 'trailing';
  private readonly maxRowChars: number;

  constructor(
    private readonly file: string,
    opts: CsvOptions = {},
  ) {
    this.delim = opts.delimiter;
    if (this.delim !== undefined) this.delimCode = this.delim.charCodeAt(0);
    this.blankLines = opts.blankLines ?? 'trailing';
    this.maxRowChars = opts.maxRowChars ?? 1 << 20;
  }

  /** The delimiter in use (undefined until the first line has been seen). */
  get delimiter(): CsvDelimiter | undefined {
    return this.delim;
  }

  push(chunk: string): CsvRow[] {
    this.buf = this.buf.length === 0 ? chunk : this.buf + chunk;
    if (!this.started && this.buf.length > 0) {
      this.started = true;
      if (this.buf.charCodeAt(0) === 0xfeff) this.buf = this.buf.slice(1);
    }
    const rows: CsvRow[] = [];
    const used = this.scan(rows, false);
    this.buf = used === 0 ? this.buf : this.buf.slice(used);
    if (this.buf.length > this.maxRowChars) {
      const q = this.openQuoteLine;
      if (q !== undefined)
        throw new DataError(this.file, `a quoted field opens here and is still open ${this.maxRowChars} characters later; close it with "`, {
          line: q,
          field: 'row',
        });
      throw new DataError(this.file, `has no line end within ${this.maxRowChars} characters; is this a CSV file?`, { line: this.line, field: 'row' });
    }
    return rows;
  }

  end(): CsvRow[] {
    const rows: CsvRow[] = [];
    this.scan(rows, true);
    this.buf = '';
    return rows;
  }

  /** Parse complete rows of `buf` into `rows`; returns how many characters they used. */
  private scan(rows: CsvRow[], final: boolean): number {
    const text = this.buf;
    if (this.delim === undefined) {
      this.delim = detectDelimiter(text, final);
      if (this.delim === undefined) return 0;
      this.delimCode = this.delim.charCodeAt(0);
    }
    let pos = 0;
    while (pos < text.length) {
      const next = this.row(text, pos, final, rows);
      if (next < 0) break;
      pos = next;
    }
    return pos;
  }

  /** One row starting at `pos`: pushes it (unless blank) and returns where the next starts, or −1 when the row is not complete yet. */
  private row(text: string, pos: number, final: boolean, rows: CsvRow[]): number {
    const fields: string[] = [];
    const d = this.delimCode;
    let breaks = 0;
    let quoted = false;
    let i = pos;
    for (;;) {
      // Spaces before an opening quote are ignored; without a quote they belong to the field.
      let j = i;
      while (text.charCodeAt(j) === SPACE) j++;
      let k: number;
      if (text.charCodeAt(j) === QUOTE) {
        quoted = true;
        let value = '';
        let from = j + 1;
        for (;;) {
          const q = text.indexOf('"', from);
          // No closing quote yet: it may be in the next chunk. (A quote that ends the text is
          // taken as closing; the row then waits for its line end, and is scanned again whole.)
          if (q < 0) {
            if (!final) return this.wait(this.line + breaks);
            throw new DataError(this.file, `a quoted field opens here and is never closed; close it with " (a quote inside a field is written "")`, {
              line: this.line + breaks,
              field: 'row',
            });
          }
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += text.slice(from, q + 1);
            from = q + 2;
            continue;
          }
          value += text.slice(from, q);
          k = q + 1;
          break;
        }
        while (text.charCodeAt(k) === SPACE) k++;
        const c = text.charCodeAt(k);
        if (k < text.length && c !== d && c !== LF && c !== CR) {
          const at = this.line + breaks + countBreaks(value);
          throw new DataError(
            this.file,
            `field ${fields.length + 1} has text after its closing quote (${JSON.stringify(text.slice(j, Math.min(k + 8, text.length)))}); a quote inside a quoted field is written ""`,
            {
              line: at,
              field: 'row',
            },
          );
        }
        breaks += countBreaks(value);
        fields.push(value);
      } else {
        k = i;
        for (; k < text.length; k++) {
          const c = text.charCodeAt(k);
          if (c === d || c === LF || c === CR) break;
        }
        fields.push(text.slice(i, k));
      }
      if (k >= text.length) {
        if (!final) return this.wait(undefined);
        this.emit(fields, quoted, this.line, rows);
        this.line += breaks + 1;
        return k;
      }
      const c = text.charCodeAt(k);
      if (c === d) {
        i = k + 1;
        continue;
      }
      // A CR at the very end may be the first half of a CRLF split across chunks.
      if (c === CR && k === text.length - 1 && !final) return this.wait(undefined);
      const next = c === CR && text.charCodeAt(k + 1) === LF ? k + 2 : k + 1;
      this.emit(fields, quoted, this.line, rows);
      this.line += breaks + 1;
      return next;
    }
  }

  private wait(quoteLine: number | undefined): number {
    this.openQuoteLine = quoteLine;
    return -1;
  }

  private emit(fields: string[], quoted: boolean, line: number, rows: CsvRow[]): void {
    this.openQuoteLine = undefined;
    if (!quoted && fields.length === 1 && fields[0]!.trim() === '') {
      if (this.blankLines === 'trailing' && this.blankLine === undefined) this.blankLine = line;
      return;
    }
    if (this.blankLine !== undefined) {
      throw new DataError(this.file, `is blank, between rows; delete it (blank lines are allowed only at the end of the file)`, {
        line: this.blankLine,
        field: 'row',
      });
    }
    if (this.width === undefined) {
      this.width = fields.length;
      this.firstLine = line;
    } else if (fields.length !== this.width) {
      const has = `${fields.length} field${fields.length === 1 ? '' : 's'}`;
      throw new DataError(this.file, `has ${has}; the first row (line ${this.firstLine}) has ${this.width}`, { line, field: 'row' });
    }
    rows.push({ line, fields });
  }
}

/** Every row of a whole text (a string already in memory; files go through csv-file.ts). */
export function* csvRows(text: string, file: string, opts: CsvOptions = {}): Generator<CsvRow> {
  // The whole text is already in memory: no row limit, so an open quote is reported as never closed.
  const p = new CsvParser(file, { ...opts, maxRowChars: Infinity });
  yield* p.push(text);
  yield* p.end();
}
