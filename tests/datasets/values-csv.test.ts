import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseValuesCsv, readValuesCsv } from '../../shared/datasets/values-csv.js';
import { DataError } from '../../shared/errors.js';

const cases: [string, string, string | undefined, number[], string][] = [
  ['timestamp,value picks value', 'timestamp,value\n2014-04-01 00:00:00,1.5\n2014-04-01 00:05:00,2\n', undefined, [1.5, 2], 'value'],
  ['one value per line, no header', '1\n2\n3\n', undefined, [1, 2, 3], 'column 0'],
  ['no header, several columns: the last', '0,10\n1,11\n', undefined, [10, 11], 'column 1'],
  ['a named column, case-insensitive', 'a,B,label\n1,2,0\n3,4,1\n', 'b', [2, 4], 'B'],
  ['a column by index', 'a,b\n1,2\n3,4\n', '0', [1, 3], 'a'],
  ['label columns are skipped', 'label,value\n0,5\n1,6\n', undefined, [5, 6], 'value'],
  ['CRLF endings and blank lines', 'value\r\n1\r\n\r\n2\r\n', undefined, [1, 2], 'value'],
  ['a quoted header', '"timestamp","value"\n"2020-01-01",1\n"2020-01-02",2\n', undefined, [1, 2], 'value'],
  ['a BOM, semicolons and decimal points', '\ufefftime;cpu\n1;0.5\n2;0.25\n', undefined, [0.5, 0.25], 'cpu'],
  ['tabs', 'time\tcpu\n1\t7\n2\t8\n', undefined, [7, 8], 'cpu'],
  ['quoted numbers', 'v\n"1.5"\n" 2 "\n', undefined, [1.5, 2], 'v'],
  ['a header name with the delimiter in quotes', '"t","cpu, %"\n1,3\n2,4\n', 'cpu, %', [3, 4], 'cpu, %'],
  ['lone CR line ends', 'v\r1\r2', undefined, [1, 2], 'v'],
];
for (const [name, text, column, values, col] of cases) {
  test(`parseValuesCsv: ${name}`, () => {
    const r = parseValuesCsv(text, 'x.csv', { column });
    assert.equal(Array.from(r.values), values);
    assert.is(r.column, col);
  });
}

const bad: [string, string, string | undefined, RegExp][] = [
  ['empty file', '', undefined, /x\.csv, field "series": is empty/],
  ['NaN value', 'value\n1\nNaN\n', undefined, /x\.csv, line 3, field "value": "NaN" is not a finite number/],
  ['text value', 'v\n1\nabc\n', undefined, /line 3, field "v": "abc"/],
  ['ragged row', 'a,b\n1,2\n3\n', undefined, /line 3, field "row": has 1 field; the first row \(line 1\) has 2/],
  ['unknown column', 'a,b\n1,2\n', 'c', /has no column "c"; columns: a, b/],
  ['header only', 'a,b\n', undefined, /has a header but no data rows/],
  ['a decimal comma in a ; file', 'time;value\n1;0,5\n', undefined, /line 2, field "value": "0,5" is not a finite number.*decimal point/],
  ['only time and label columns', 'timestamp,label\n1,0\n', undefined, /line 1, field "header": header "timestamp,label" has only time and label columns/],
  ['a quote left open', 'value\n1\n"2\n3\n', undefined, /line 3, field "row": a quoted field opens here and is never closed/],
];
for (const [name, text, column, re] of bad) {
  test(`parseValuesCsv rejects ${name} with a DataError`, () => {
    try {
      parseValuesCsv(text, 'x.csv', { column });
      assert.unreachable();
    } catch (e) {
      assert.instance(e, DataError);
      assert.match((e as Error).message, re);
    }
  });
}

test('a given delimiter is used even when another one is more frequent in the header', () => {
  const r = parseValuesCsv('a,b;c\n1,2;3\n', 'x.csv', { delimiter: ';', column: 'c' });
  assert.equal(Array.from(r.values), [3]);
});

test('readValuesCsv streams a file to the same values as parseValuesCsv on its text', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anomseer-values-'));
  try {
    const text = '\ufeff"time";"v"\r\n' + Array.from({ length: 30_000 }, (_, i) => `${i};${(i % 97) / 8}`).join('\r\n');
    const file = join(dir, 'v.csv');
    writeFileSync(file, text);
    const streamed = await readValuesCsv(file);
    const whole = parseValuesCsv(text, file);
    assert.is(streamed.column, 'v');
    assert.is(streamed.values.length, 30_000);
    assert.ok(streamed.values.every((v, i) => v === whole.values[i] && v === (i % 97) / 8));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
