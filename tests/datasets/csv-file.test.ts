// CSV rows read from a file in 64 KiB chunks (sync and async) are the rows of the whole text,
// also when a chunk ends inside a multi-byte character, a CRLF or a quoted field.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CSV_CHUNK_BYTES, csvFileRows, csvFileRowsSync } from '../../shared/datasets/csv-file.js';
import { csvRows } from '../../shared/datasets/csv-parser.js';
import type { CsvRow } from '../../shared/datasets/csv-parser.js';
import { DataError } from '../../shared/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'anomseer-csv-file-'));
const flat = (rows: Iterable<CsvRow>) => [...rows].map((r) => [r.line, ...r.fields]);

/** Equal row lists; on a difference, shows the first differing row (a diff of 40 000 rows would take minutes). */
function sameRows(got: (string | number)[][], want: (string | number)[][]): void {
  const i = want.findIndex((w, k) => JSON.stringify(w) !== JSON.stringify(got[k]));
  if (i >= 0) assert.equal(got[i], want[i], `row ${i}`);
  assert.is(got.length, want.length);
}

// 40 000 rows of 2-, 3- and 4-byte characters, CRLF ends and a quoted field with a line end
// inside every 7th row: 64 KiB boundaries fall inside characters, CRLFs and quotes.
const rowsText = Array.from({ length: 40_000 }, (_, i) => (i % 7 === 0 ? `"é€\r\n𝄞 ""${i}""";${i}.5` : `é€𝄞${i};${i}`)).join('\r\n');
const text = `\ufeff"name";"value"\r\n${rowsText}\r\n`;
const path = join(dir, 'big.csv');
writeFileSync(path, text);

test('the file is big enough that chunk boundaries fall inside multi-byte characters', () => {
  const bytes = readFileSync(path);
  assert.ok(bytes.length > 10 * CSV_CHUNK_BYTES);
  let inside = 0;
  for (let b = CSV_CHUNK_BYTES; b < bytes.length; b += CSV_CHUNK_BYTES) if ((bytes[b]! & 0xc0) === 0x80) inside++;
  assert.ok(inside > 0, 'some chunk starts with a UTF-8 continuation byte');
});

test('csvFileRowsSync gives the rows of the whole text', () => {
  const want = flat(csvRows(text, path));
  assert.is(want.length, 40_001);
  assert.equal(want[0], [1, 'name', 'value']);
  assert.equal(want[1], [2, 'é€\r\n𝄞 "0"', '0.5']);
  assert.equal(want[2], [4, 'é€𝄞1', '1']);
  sameRows(flat(csvFileRowsSync(path)), want);
});

test('csvFileRows (async, a read stream) gives the same rows', async () => {
  const got: CsvRow[] = [];
  for await (const r of csvFileRows(path)) got.push(r);
  sameRows(flat(got), flat(csvRows(text, path)));
});

test('an error in a streamed file names the file and the line, as for a string', async () => {
  const bad = join(dir, 'bad.csv');
  writeFileSync(bad, `a,b\n${'1,2\n'.repeat(30_000)}"3,4\n5,6\n`);
  const check = (e: unknown) => e instanceof DataError && e.file === bad && e.line === 30_002 && /never closed/.test(e.message);
  assert.throws(() => [...csvFileRowsSync(bad)], check);
  try {
    for await (const _ of csvFileRows(bad));
    assert.unreachable();
  } catch (e) {
    assert.ok(check(e), String(e));
  }
});

const missing: [string, string, RegExp][] = [
  ['a missing file', join(dir, 'nope.csv'), /series file does not exist/],
  ['a directory', dir, /is a directory; expected a series file/],
];
for (const [name, p, re] of missing) {
  test(`${name} is a DataError naming the path (sync and async)`, async () => {
    assert.throws(
      () => [...csvFileRowsSync(p, {}, 'series file')],
      (e: unknown) => e instanceof DataError && e.file === p && re.test(e.message),
    );
    try {
      for await (const _ of csvFileRows(p, {}, 'series file'));
      assert.unreachable();
    } catch (e) {
      assert.ok(e instanceof DataError && e.file === p && re.test(e.message), String(e));
    }
  });
}

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
