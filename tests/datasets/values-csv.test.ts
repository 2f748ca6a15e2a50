import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseValuesCsv } from '../../shared/datasets/values-csv.js';
import { DataError } from '../../shared/errors.js';

const cases: [string, string, string | undefined, number[], string][] = [
  ['timestamp,value picks value', 'timestamp,value\n2014-04-01 00:00:00,1.5\n2014-04-01 00:05:00,2\n', undefined, [1.5, 2], 'value'],
  ['one value per line, no header', '1\n2\n3\n', undefined, [1, 2, 3], 'column 0'],
  ['no header, several columns: the last', '0,10\n1,11\n', undefined, [10, 11], 'column 1'],
  ['a named column, case-insensitive', 'a,B,label\n1,2,0\n3,4,1\n', 'b', [2, 4], 'B'],
  ['a column by index', 'a,b\n1,2\n3,4\n', '0', [1, 3], 'a'],
  ['label columns are skipped', 'label,value\n0,5\n1,6\n', undefined, [5, 6], 'value'],
  ['CRLF endings and blank lines', 'value\r\n1\r\n\r\n2\r\n', undefined, [1, 2], 'value'],
];
for (const [name, text, column, values, col] of cases) {
  test(`parseValuesCsv: ${name}`, () => {
    const r = parseValuesCsv(text, 'x.csv', column);
    assert.equal(Array.from(r.values), values);
    assert.is(r.column, col);
  });
}

const bad: [string, string, string | undefined, RegExp][] = [
  ['empty file', '', undefined, /x\.csv, field "series": is empty/],
  ['NaN value', 'value\n1\nNaN\n', undefined, /x\.csv, line 3, field "value": "NaN" is not a finite number/],
  ['text value', 'v\n1\nabc\n', undefined, /line 3, field "v": "abc"/],
  ['ragged row', 'a,b\n1,2\n3\n', undefined, /line 3, field "row": has 1 fields; the first line has 2/],
  ['unknown column', 'a,b\n1,2\n', 'c', /has no column "c"; columns: a, b/],
  ['header only', 'a,b\n', undefined, /has a header but no data rows/],
];
for (const [name, text, column, re] of bad) {
  test(`parseValuesCsv rejects ${name} with a DataError`, () => {
    try {
      parseValuesCsv(text, 'x.csv', column);
      assert.unreachable();
    } catch (e) {
      assert.instance(e, DataError);
      assert.match((e as Error).message, re);
    }
  });
}

test.run();
