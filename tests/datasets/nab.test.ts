import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../../shared/errors.js';
import { validateRecord, type SeriesRecord } from '../../shared/series/record.js';
import { loadNab, parseNabCsv, parseNabTimestamp, windowToInterval } from '../../shared/datasets/nab.js';
import { nabRoot } from './paths.js';

const records: SeriesRecord[] = loadNab(nabRoot);
const byId = new Map(records.map((r) => [r.id, r]));
const windowsJson = JSON.parse(readFileSync(join(nabRoot, 'labels', 'combined_windows.json'), 'utf8')) as Record<string, [string, string][]>;

/** Every CSV present on disk, as `<folder>/<file>.csv`, listed independently of the loader. */
const onDisk = readdirSync(join(nabRoot, 'data'))
  .flatMap((folder) =>
    readdirSync(join(nabRoot, 'data', folder))
      .filter((f) => f.endsWith('.csv'))
      .map((f) => `${folder}/${f}`),
  )
  .sort();

test('every copied NAB CSV loads, once, as a valid record', () => {
  assert.ok(onDisk.length >= 7);
  assert.equal(
    records.map((r) => r.id),
    onDisk,
  );
  for (const r of records) validateRecord(r, r.id);
});

test('each record has as many values as its file has data rows', () => {
  for (const id of onDisk) {
    const rows =
      readFileSync(join(nabRoot, 'data', id), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '').length - 1;
    assert.is(byId.get(id)!.series.length, rows, id);
  }
});

test('the first and last values match the file text', () => {
  for (const id of onDisk) {
    const lines = readFileSync(join(nabRoot, 'data', id), 'utf8')
      .trim()
      .split(/\r?\n/);
    const r = byId.get(id)!;
    assert.is(r.series[0], Number(lines[1]!.split(',')[1]), id);
    assert.is(r.series[r.series.length - 1], Number(lines[lines.length - 1]!.split(',')[1]), id);
  }
});

test('realTraffic/TravelTime_387.csv has 3 intervals and realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv has 2', () => {
  assert.is(byId.get('realTraffic/TravelTime_387.csv')!.intervals.length, 3);
  assert.is(byId.get('realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv')!.intervals.length, 2);
  assert.is(byId.get('realTraffic/TravelTime_387.csv')!.type, 'unknown');
});

test('artificialNoAnomaly/art_daily_no_noise.csv is normal, with no intervals', () => {
  const r = byId.get('artificialNoAnomaly/art_daily_no_noise.csv')!;
  assert.is(r.type, 'normal');
  assert.equal(r.intervals, []);
});

// Independent lookup: NAB timestamps are fixed-width `YYYY-MM-DD HH:MM:SS`, which sort as text,
// and label timestamps add `.000000`; so compare the first 19 characters as strings, row by row.
test('every interval is exactly the rows whose timestamp text lies in the labelled window', () => {
  for (const id of onDisk) {
    const stamps = readFileSync(join(nabRoot, 'data', id), 'utf8')
      .trim()
      .split(/\r?\n/)
      .slice(1)
      .map((l) => l.split(',')[0]!.trim());
    const want = windowsJson[id]!.map(([s, e]) => {
      const lo = s.slice(0, 19);
      const hi = e.slice(0, 19);
      const inside = stamps.map((t, i) => (t >= lo && t <= hi ? i : -1)).filter((i) => i >= 0);
      assert.ok(inside.length > 0, `${id}: window ${s}..${e} covers rows`);
      assert.is(inside[inside.length - 1]! - inside[0]! + 1, inside.length, 'rows are contiguous');
      return [inside[0]!, inside[inside.length - 1]! + 1];
    });
    assert.equal(byId.get(id)!.intervals, want, id);
  }
});

test('the TravelTime_387 windows start and end on the rows a reader would pick by eye', () => {
  const r = byId.get('realTraffic/TravelTime_387.csv')!;
  const lines = readFileSync(join(nabRoot, 'data', 'realTraffic', 'TravelTime_387.csv'), 'utf8')
    .trim()
    .split(/\r?\n/)
    .map((l) => l.slice(0, 19));
  const [s0, e0] = r.intervals[0]!;
  // Row i is file line i + 2 (1-based, after the header): lines[i + 1] here.
  assert.ok(lines[s0 + 1]! >= '2015-07-27 10:56:00' && lines[s0]! < '2015-07-27 10:56:00');
  assert.ok(lines[e0]! <= '2015-07-31 18:01:00' && lines[e0 + 1]! > '2015-07-31 18:01:00');
});

const stampCases: [string, number | undefined][] = [
  ['2014-04-01 00:00:00', Date.UTC(2014, 3, 1)],
  ['2014-04-10 07:15:00.000000', Date.UTC(2014, 3, 10, 7, 15)],
  ['2011-07-01 00:15:01', Date.UTC(2011, 6, 1, 0, 15, 1)],
  ['2014-02-30 00:00:00', undefined],
  ['2014-04-01 24:00:00', undefined],
  ['2014/04/01 00:00:00', undefined],
  ['1396310400', undefined],
];
for (const [text, want] of stampCases) {
  test(`parseNabTimestamp(${JSON.stringify(text)}) is ${want}`, () => assert.is(parseNabTimestamp(text), want));
}

test('windowToInterval includes rows equal to either end and nothing outside', () => {
  const ts = Float64Array.from([10, 20, 20, 30, 40, 50]);
  const cases: [number, number, [number, number]][] = [
    [20, 40, [1, 5]],
    [15, 45, [1, 5]],
    [20, 20, [1, 3]],
    [0, 5, [0, 0]],
    [55, 60, [6, 6]],
    [10, 50, [0, 6]],
  ];
  for (const [s, e, want] of cases) assert.equal(windowToInterval(ts, s, e), want, `[${s}, ${e}]`);
});

test('a CRLF file without a final newline parses like a clean one', () => {
  const a = parseNabCsv('timestamp,value\r\n2014-01-01 00:00:00,1\r\n2014-01-01 00:05:00,2', 'a.csv');
  const b = parseNabCsv('timestamp,value\n2014-01-01 00:00:00,1\n2014-01-01 00:05:00,2\n', 'b.csv');
  assert.equal(Array.from(a.values), [1, 2]);
  assert.equal(Array.from(a.timestamps), Array.from(b.timestamps));
});

test('a BOM and a quoted header (as spreadsheets export them) parse like a plain file', () => {
  const a = parseNabCsv('\ufeff"timestamp","value"\r\n"2014-01-01 00:00:00",1\r\n"2014-01-01 00:05:00","2"\r\n', 'a.csv');
  const b = parseNabCsv('timestamp,value\n2014-01-01 00:00:00,1\n2014-01-01 00:05:00,2\n', 'b.csv');
  assert.equal(Array.from(a.values), Array.from(b.values));
  assert.equal(Array.from(a.timestamps), Array.from(b.timestamps));
});

test('a blank line between rows is an error naming that line', () => {
  assert.throws(
    () => parseNabCsv('timestamp,value\n2014-01-01 00:00:00,1\n\n2014-01-01 00:05:00,2\n', 'c.csv'),
    (e: unknown) => e instanceof DataError && e.line === 3 && /blank, between rows/.test(e.message),
  );
});

test.run();
