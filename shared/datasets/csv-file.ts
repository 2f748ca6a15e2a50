/**
 * CSV rows straight from a file, read in chunks (64 KiB) through CsvParser: the text of the
 * file is never held whole, only the chunk being parsed and the row it ends in. A 5-million-line
 * CSV costs the caller what it keeps of each row, not the file's size in strings.
 *
 * Two drivers over the same parser: `csvFileRows` (async, an fs read stream; `detect` uses it)
 * and `csvFileRowsSync` (readSync in a loop; the synchronous loaders behind loadDataSpecSync).
 * A missing or unreadable file is a DataError naming the path, as for readText.
 */
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { DataError } from '../errors.js';
import { CsvParser } from './csv-parser.js';
import type { CsvOptions, CsvRow } from './csv-parser.js';
import { requireFile } from './files.js';

/** Bytes read per chunk. */
export const CSV_CHUNK_BYTES = 64 * 1024;

function readFailure(path: string, what: string, err: unknown): DataError {
  return err instanceof DataError ? err : new DataError(path, `cannot read ${what}: ${(err as Error).message}`);
}

/**
 * Rows of the CSV file at `path`, as they are read. `what` names the file in errors about the
 * file itself ("series file", "TSB CSV file").
 */
export async function* csvFileRows(path: string, opts: CsvOptions = {}, what = 'CSV file'): AsyncGenerator<CsvRow> {
  requireFile(path, what);
  const parser = new CsvParser(path, opts);
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: CSV_CHUNK_BYTES });
  try {
    for await (const chunk of stream) yield* parser.push(chunk as string);
  } catch (err) {
    throw readFailure(path, what, err);
  } finally {
    stream.destroy();
  }
  yield* parser.end();
}

/** The same rows, read synchronously. */
export function* csvFileRowsSync(path: string, opts: CsvOptions = {}, what = 'CSV file'): Generator<CsvRow> {
  requireFile(path, what);
  const parser = new CsvParser(path, opts);
  // ignoreBOM: pass a byte-order mark through so the parser drops it for files and strings alike.
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  const buf = Buffer.allocUnsafe(CSV_CHUNK_BYTES);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw readFailure(path, what, err);
  }
  try {
    for (;;) {
      let got: number;
      try {
        got = readSync(fd, buf, 0, buf.length, null);
      } catch (err) {
        throw readFailure(path, what, err);
      }
      if (got === 0) break;
      yield* parser.push(decoder.decode(buf.subarray(0, got), { stream: true }));
    }
    yield* parser.push(decoder.decode());
  } finally {
    closeSync(fd);
  }
  yield* parser.end();
}
