// Date-times in a user's CSV (shared/datasets/timestamps.ts), and the time column
// `readValuesCsv` reads beside the values when asked (times: true).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatTimestamp, parseTimestamp } from '../../shared/datasets/timestamps.js';
import { parseValuesCsv } from '../../shared/datasets/values-csv.js';

// [text, ms since the epoch or undefined, zoned, written back]
const cases: [string, number | undefined, boolean, string][] = [
  ['2014-02-19 10:50:00', Date.UTC(2014, 1, 19, 10, 50), false, '2014-02-19T10:50:00'],
  ['2014-02-19T10:50:00', Date.UTC(2014, 1, 19, 10, 50), false, '2014-02-19T10:50:00'],
  ['2014-02-19 10:50', Date.UTC(2014, 1, 19, 10, 50), false, '2014-02-19T10:50:00'],
  ['2014-02-19', Date.UTC(2014, 1, 19), false, '2014-02-19T00:00:00'],
  ['2014-02-19 10:50:00.25', Date.UTC(2014, 1, 19, 10, 50, 0, 250), false, '2014-02-19T10:50:00.250'],
  ['2014-02-19T10:50:00Z', Date.UTC(2014, 1, 19, 10, 50), true, '2014-02-19T10:50:00Z'],
  ['2014-02-19T10:50:00+02:00', Date.UTC(2014, 1, 19, 8, 50), true, '2014-02-19T08:50:00Z'],
  ['2014-02-19 10:50:00 -0530', Date.UTC(2014, 1, 19, 16, 20), true, '2014-02-19T16:20:00Z'],
  ['  2016-02-29 23:59:59  ', Date.UTC(2016, 1, 29, 23, 59, 59), false, '2016-02-29T23:59:59'],
  ['2014-02-30 10:00:00', undefined, false, ''],
  ['2015-02-29', undefined, false, ''],
  ['2014-02-19 24:00:00', undefined, false, ''],
  ['2014-02-19Z', undefined, false, ''],
  ['19/02/2014 10:50', undefined, false, ''],
  ['1392807000', undefined, false, ''],
  ['monday', undefined, false, ''],
];
for (const [text, ms, zoned, back] of cases) {
  test(`parseTimestamp ${JSON.stringify(text)} → ${ms === undefined ? 'not a time' : back}`, () => {
    const t = parseTimestamp(text);
    if (ms === undefined) return assert.is(t, undefined);
    assert.equal(t, { ms, zoned });
    assert.is(formatTimestamp(t!.ms, t!.zoned), back);
    // Round trip: what is written reads back as the same instant.
    assert.equal(parseTimestamp(back), { ms, zoned });
  });
}

// [name, CSV, time column, ISO times, note]
const columns: [string, string, string | undefined, string[] | undefined, RegExp | undefined][] = [
  [
    'timestamp,value',
    'timestamp,value\n2014-02-19 10:50:00,1\n2014-02-19 10:55:00,2\n',
    'timestamp',
    ['2014-02-19T10:50:00', '2014-02-19T10:55:00'],
    undefined,
  ],
  [
    'a zoned date column after the value',
    'cpu;Date\n1;2014-02-19T10:50:00+01:00\n2;2014-02-19T10:55:00Z\n',
    'Date',
    ['2014-02-19T09:50:00Z', '2014-02-19T10:55:00Z'],
    undefined,
  ],
  ['a time column of numbers is an index: no times, no note', 'timestamp,value\n0,1\n1,2\n', undefined, undefined, undefined],
  ['one value per line: no times', '1\n2\n', undefined, undefined, undefined],
  ['no time column', 'a,b\n1,2\n3,4\n', undefined, undefined, undefined],
  [
    'a row that is not a date-time: no times, a note naming the line',
    'time,value\n2014-02-19 10:50,1\n19/02/2014 10:55,2\n',
    undefined,
    undefined,
    /^line 3: time "19\/02\/2014 10:55" is not a date-time/,
  ],
  ['text that is no date at all on the first row', 'time,value\nmonday,1\n', undefined, undefined, /^line 2: time "monday" is not a date-time/],
];
for (const [name, csv, column, iso, note] of columns) {
  test(`readValuesCsv with times: ${name}`, () => {
    const r = parseValuesCsv(csv, 'x.csv', { times: true });
    assert.is(r.times?.column, column);
    assert.equal(r.times === undefined ? undefined : Array.from(r.times.ms, (ms) => formatTimestamp(ms, r.times!.zoned)), iso);
    if (note === undefined) assert.is(r.timesNote, undefined);
    else assert.match(r.timesNote ?? '', note);
    assert.is(r.values.length, csv.trim().split('\n').length - (/^[0-9]/.test(csv) ? 0 : 1));
  });
}

test('without times: true the time column is not read', () => {
  const r = parseValuesCsv('timestamp,value\n2014-02-19 10:50:00,1\n', 'x.csv');
  assert.equal(Object.keys(r).sort(), ['column', 'values']);
});

test.run();
