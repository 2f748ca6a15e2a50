import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatDuration, formatSize, parseDuration, parseSize } from '../../shared/config/units.js';

const DURATIONS: [unknown, number | undefined][] = [
  ['250ms', 250],
  ['30s', 30_000],
  ['5m', 300_000],
  ['1h', 3_600_000],
  ['1h30m', 5_400_000],
  ['1m 30s', 90_000],
  ['1.5s', 1500],
  ['0ms', 0],
  ['500', 500],
  [1500, 1500],
  [0, 0],
  ['', undefined],
  ['60x', undefined],
  ['s', undefined],
  ['-5s', undefined],
  [-1, undefined],
  [Number.POSITIVE_INFINITY, undefined],
  [true, undefined],
  [null, undefined],
  ['5 minutes', undefined],
];

test('durations parse to milliseconds', () => {
  for (const [input, ms] of DURATIONS) assert.is(parseDuration(input), ms, `parseDuration(${JSON.stringify(input)})`);
});

test('formatDuration picks the largest exact unit', () => {
  const cases: [number, string][] = [
    [60_000, '1m'],
    [90_000, '90s'],
    [250, '250ms'],
    [3_600_000, '1h'],
    [5000, '5s'],
    [0, '0ms'],
    [1.5, '1.5ms'],
  ];
  for (const [ms, text] of cases) assert.is(formatDuration(ms), text);
});

test('durations round trip: parse(format(ms)) === ms', () => {
  for (const ms of [0, 1, 999, 1000, 1001, 59_999, 60_000, 61_000, 3_600_000, 5_400_000, 86_400_000, 2.5]) {
    assert.is(parseDuration(formatDuration(ms)), ms, String(ms));
  }
});

const SIZES: [unknown, number | undefined][] = [
  ['64MiB', 64 * 1024 * 1024],
  ['512 KiB', 512 * 1024],
  ['1GiB', 1024 ** 3],
  ['1GB', 1e9],
  ['2MB', 2e6],
  ['100B', 100],
  ['4096', 4096],
  [4096, 4096],
  ['1.5KiB', 1536],
  ['0.3B', undefined],
  ['64 MB/s', undefined],
  ['64XB', undefined],
  [-1, undefined],
  [1.5, undefined],
];

test('sizes parse to bytes', () => {
  for (const [input, bytes] of SIZES) assert.is(parseSize(input), bytes, `parseSize(${JSON.stringify(input)})`);
});

test('sizes round trip with binary units', () => {
  assert.is(formatSize(64 * 1024 * 1024), '64MiB');
  assert.is(formatSize(1000), '1000B');
  for (const b of [0, 1, 1000, 1024, 1536, 1024 ** 2, 3 * 1024 ** 3]) assert.is(parseSize(formatSize(b)), b, String(b));
});

test.run();
