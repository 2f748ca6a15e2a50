// `anomseer detect` for people: --json prints result.json, whose `anomalies` give each interval
// with the times of its first and last point when the CSV has a time column (and none when it
// has not); plot.png is the detect figure of the answer (shared/plot/figure.ts). Shipped
// checkpoint, real ONNX Runtime and sharp.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { readNabCsv } from '../../shared/datasets/nab.js';
import { formatTimestamp } from '../../shared/datasets/timestamps.js';
import { detectFigurePng } from '../../shared/plot/figure.js';
import { decodeRgbPng } from '../../shared/plot/png.js';
import { nabRoot } from '../datasets/paths.js';
import { readText } from '../plot/read-text.js';

const root = mkdtempSync(join(tmpdir(), 'anomseer-detect-figure-'));
// 4,032 points, five windows; the shipped policy answers several intervals on it.
const csv = join(nabRoot, 'data', 'realAWSCloudwatch', 'ec2_cpu_utilization_24ae8d.csv');
const nab = readNabCsv(csv);
const detect = (args: string[]) => spawnSync(process.execPath, ['bin/anomseer.mjs', 'detect', ...args], { encoding: 'utf8' });

interface Result {
  timeColumn: string | null;
  type: string;
  intervals: [number, number][];
  anomalies: { number: number; start: number; end: number; startTime?: string; endTime?: string }[];
  windows: { start: number; length: number }[];
}
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/; // NAB times carry no zone, so none is written

let timed: Result;
test('--json prints result.json; each interval has the ISO times of its first and last row', () => {
  const out = join(root, 'timed');
  const r = detect([csv, '--json', '--out', out]);
  assert.is(r.status, 0, r.stderr);
  timed = JSON.parse(r.stdout) as Result;
  assert.is(r.stdout, readFileSync(join(out, 'result.json'), 'utf8'), 'stdout is result.json, nothing else');
  assert.is(timed.timeColumn, 'timestamp');
  assert.ok(timed.intervals.length > 0, 'the policy finds something in this file');
  assert.equal(
    timed.anomalies.map((a) => [a.number, a.start, a.end]),
    timed.intervals.map(([s, e], k) => [k + 1, s, e]),
  );
  for (const a of timed.anomalies) {
    assert.match(a.startTime!, ISO);
    assert.match(a.endTime!, ISO);
    // The CSV's own rows: line start + 2 holds row `start` ("2014-02-14 18:45:00" → "2014-02-14T18:45:00").
    assert.is(a.startTime, formatTimestamp(nab.timestamps[a.start]!, false));
    assert.is(a.endTime, formatTimestamp(nab.timestamps[a.end - 1]!, false));
  }
  const line = readFileSync(csv, 'utf8').split('\n')[timed.anomalies[0]!.start + 1]!;
  assert.is(line.split(',')[0]!.replace(' ', 'T'), timed.anomalies[0]!.startTime);
});

test('an index-only CSV of the same values gets the same intervals and no times', () => {
  const file = join(root, 'values.csv');
  writeFileSync(file, Array.from(nab.values).join('\n') + '\n');
  const r = detect([file, '--json', '--out', join(root, 'plain')]);
  assert.is(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout) as Result;
  assert.is(res.timeColumn, null);
  assert.equal(res.intervals, timed.intervals);
  for (const a of res.anomalies) {
    assert.not.ok('startTime' in a || 'endTime' in a, JSON.stringify(a));
  }
});

test('plot.png is the detect figure of the answer: dated x ticks, numbered intervals, window lines', async () => {
  const out = join(root, 'timed');
  const png = readFileSync(join(out, 'plot.png'));
  const { png: want, layout } = await detectFigurePng(nab.values, {
    intervals: timed.intervals,
    type: timed.type,
    windows: { starts: timed.windows.map((w) => w.start), length: 1000 },
    times: nab.timestamps,
    timesUtc: false,
    title: `${basename(csv)}: value, 4,032 points`,
  });
  assert.ok(png.equals(want), 'the same bytes as the renderer draws for this answer');
  const img = await decodeRgbPng(png);
  const dates = layout.texts.filter((t) => /^\d{4}-\d{2}-\d{2}$/.test(t.text));
  assert.ok(dates.length >= 3, `${dates.length} date labels`);
  for (const t of dates) assert.is(readText(img, t), t.text);
  assert.is(layout.boundaries.length, 4, 'five windows, four boundaries');
  assert.ok(layout.texts.some((t) => t.text === `predicted: ${timed.type} (${timed.intervals.length} interval${timed.intervals.length === 1 ? '' : 's'})`));
});

test('a time column with a value that is not a date-time: a warning naming the line, and index-only intervals', () => {
  const file = join(root, 'bad-time.csv');
  const rows = Array.from(nab.values, (v, i) => `${i === 7 ? '14/02/2014 10:00' : new Date(nab.timestamps[i]!).toISOString()},${v}`);
  writeFileSync(file, ['timestamp,value', ...rows].join('\n') + '\n');
  const r = detect([file, '--json', '--out', join(root, 'bad')]);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /^anomseer detect: warning: .*bad-time\.csv, line 9: timestamp "14\/02\/2014 10:00" is not a date-time .*index only$/m);
  const res = JSON.parse(r.stdout) as Result;
  assert.is(res.timeColumn, null);
  assert.ok(res.anomalies.every((a) => a.startTime === undefined));
});

test('zoned times are written back in UTC with Z', () => {
  const file = join(root, 'zoned.csv');
  const rows = Array.from(nab.values, (v, i) => `${new Date(nab.timestamps[i]!).toISOString().replace('Z', '+01:00')};${v}`);
  writeFileSync(file, ['time;value', ...rows].join('\n') + '\n');
  const r = detect([file, '--json', '--out', join(root, 'zoned')]);
  assert.is(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout) as Result;
  assert.is(res.timeColumn, 'time');
  assert.equal(res.intervals, timed.intervals);
  const a = res.anomalies[0]!;
  assert.is(a.startTime, new Date(nab.timestamps[a.start]! - 3600_000).toISOString().replace('.000Z', 'Z'));
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
