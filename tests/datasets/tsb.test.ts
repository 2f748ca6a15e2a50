import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '../../shared/errors.js';
import { validateRecord } from '../../shared/series/record.js';
import { loadTsb, parseTsbCsv } from '../../shared/datasets/tsb.js';
import { fixtures } from './paths.js';

const dir = join(fixtures, 'tsb');

test('a directory loads every .csv in name order as valid records', () => {
  const recs = loadTsb(dir);
  assert.equal(
    recs.map((r) => r.id),
    ['001_tiny_Data_Label.csv', '002_multi_lowercase_label.csv'],
  );
  for (const r of recs) validateRecord(r, r.id);
});

test('runs of 1 in the Label column become half-open intervals', () => {
  const [r] = loadTsb(join(dir, '001_tiny_Data_Label.csv'));
  // Labels 0 0 1 1 0 0 1 0 → rows 2-3 and row 6.
  assert.equal(r!.intervals, [
    [2, 4],
    [6, 7],
  ]);
  assert.equal(Array.from(r!.series), [1.5, 1.6, 7.0, 7.2, 1.4, 1.5, -3, 1.6]);
  assert.is(r!.type, 'unknown');
});

test('the first value column is the default; #<column> picks another; the label header is case-insensitive', () => {
  const path = join(dir, '002_multi_lowercase_label.csv');
  assert.equal(Array.from(loadTsb(path)[0]!.series), [0.1, 0.2, 0.3, 0.4]);
  assert.equal(Array.from(loadTsb(path, '2')[0]!.series), [100, 200, 300, 400]);
  assert.equal(loadTsb(path, '1')[0]!.intervals, [[3, 4]]);
});

test('an unknown column is an error listing the value columns', () => {
  assert.throws(
    () => loadTsb(join(dir, '002_multi_lowercase_label.csv'), 'Data'),
    (e: unknown) => e instanceof DataError && /no value column "Data"; value columns: 0, 1, 2/.test(e.message) && e.line === 1,
  );
});

test('a header-less TSB-UAD file is read as value,label', () => {
  const [r] = loadTsb(join(fixtures, 'tsb-uad', 'tiny_no_header.out'));
  assert.equal(Array.from(r!.series), [1, 2, 3, 4]);
  assert.equal(r!.intervals, [
    [0, 1],
    [3, 4],
  ]);
});

test('a file with no 1 is normal; labels written as 1.0 / 0.0 count as 1 / 0', () => {
  assert.is(parseTsbCsv('Data,Label\n1,0\n2,0\n', 'n.csv').type, 'normal');
  assert.equal(parseTsbCsv('Data,Label\n1,0.0\n2,1.0\n', 'f.csv').intervals, [[1, 2]]);
});

test('quoted header names and CRLF endings are accepted', () => {
  const r = parseTsbCsv('"value","Label"\r\n1,0\r\n2,1\r\n', 'q.csv', 'value');
  assert.equal(Array.from(r.series), [1, 2]);
  assert.equal(r.intervals, [[1, 2]]);
});

// The same series in every dialect the CSV reader accepts loads the same, from a string or a file.
const dialects: [string, string][] = [
  ['plain', 'Data,Label\n1.5,0\n2,1\n3,1\n'],
  ['BOM, quoted header, CRLF', '\ufeff"Data","Label"\r\n1.5,0\r\n2,1\r\n3,1\r\n'],
  ['semicolons, quoted values', 'Data;Label\n"1.5";"0"\n"2";1\n3;1'],
  ['tabs, trailing blank lines', 'Data\tLabel\n1.5\t0\n2\t1\n3\t1\n\n\n'],
];
const dialectDir = mkdtempSync(join(tmpdir(), 'anomseer-tsb-'));
for (const [name, text] of dialects) {
  test(`TSB dialect: ${name} (string and file)`, () => {
    const file = join(dialectDir, 'd.csv');
    writeFileSync(file, text);
    for (const r of [parseTsbCsv(text, 'd.csv'), loadTsb(file)[0]!]) {
      assert.equal(Array.from(r.series), [1.5, 2, 3]);
      assert.equal(r.intervals, [[1, 3]]);
    }
  });
}

test('a blank line between rows is an error naming that line', () => {
  assert.throws(
    () => parseTsbCsv('Data,Label\n1,0\n\n2,0\n', 'b.csv'),
    (e: unknown) => e instanceof DataError && e.line === 3 && /blank, between rows/.test(e.message),
  );
});

test.after(() => rmSync(dialectDir, { recursive: true, force: true }));
test.run();
