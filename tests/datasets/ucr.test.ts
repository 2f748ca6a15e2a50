import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { DataError } from '../../shared/errors.js';
import { loadUcr, parseUcrFile, parseUcrName } from '../../shared/datasets/ucr.js';
import { fixtures } from './paths.js';

const dir = join(fixtures, 'ucr');

test('a directory loads every .txt file in name order, ids are the file names', () => {
  const recs = loadUcr(dir);
  assert.equal(
    recs.map((r) => r.id),
    ['001_UCR_Anomaly_tiny_5_8_10.txt', '002_UCR_Anomaly_one_line_sine_2_4_4.txt'],
  );
  assert.ok(recs.every((r) => r.type === 'unknown'));
});

test('1-based inclusive positions 8..10 become the 0-based half-open [7, 10)', () => {
  const [r] = loadUcr(join(dir, '001_UCR_Anomaly_tiny_5_8_10.txt'));
  assert.equal(r!.intervals, [[7, 10]]);
  // The fixture puts its anomaly (values near 9) exactly on file lines 8-10.
  assert.equal(Array.from(r!.series.slice(7, 10)), [9.0, 9.5, 8.7]);
  assert.is(r!.series.length, 12);
});

test('values all on one line, separated by runs of spaces, are read in order', () => {
  const [r] = loadUcr(join(dir, '002_UCR_Anomaly_one_line_sine_2_4_4.txt'));
  assert.equal(Array.from(r!.series), [1, 2, 3, -40, 5, 6]);
  assert.equal(r!.intervals, [[3, 4]], 'a one-point anomaly at position 4 is index 3');
});

test('a mix of newlines, tabs and spaces parses the same as one value per line', () => {
  const a = parseUcrFile('1 2\t3\n4\n\n  5  6\n', '001_UCR_Anomaly_x_1_2_3.txt');
  const b = parseUcrFile('1\n2\n3\n4\n5\n6\n', '001_UCR_Anomaly_x_1_2_3.txt');
  assert.equal(Array.from(a.series), Array.from(b.series));
});

const names: [string, { name: string; trainEnd: number; anomStart: number; anomEnd: number } | RegExp][] = [
  ['001_UCR_Anomaly_DISTORTED1sddb40_35000_52000_52620.txt', { name: 'DISTORTED1sddb40', trainEnd: 35000, anomStart: 52000, anomEnd: 52620 }],
  ['250_UCR_Anomaly_weallwalk_2951_7290_7296.txt', { name: 'weallwalk', trainEnd: 2951, anomStart: 7290, anomEnd: 7296 }],
  ['099_UCR_Anomaly_with_under_scores_10_20_30.txt', { name: 'with_under_scores', trainEnd: 10, anomStart: 20, anomEnd: 30 }],
  ['data.txt', /does not match NNN_UCR_Anomaly_<name>_<trainEnd>_<anomStart>_<anomEnd>\.txt/],
  ['001_UCR_Anomaly_x_10_20.txt', /does not match/],
  ['001_UCR_Anomaly_x_10_20_30.csv', /does not match/],
  ['001_UCR_Anomaly_x_10_0_3.txt', /anomStart 0 must be >= 1/],
  ['001_UCR_Anomaly_x_10_30_20.txt', /anomEnd 20 is before anomStart 30/],
];
for (const [file, want] of names) {
  test(`parseUcrName(${file})`, () => {
    if (want instanceof RegExp) {
      assert.throws(
        () => parseUcrName(`/some/dir/${file}`),
        (e: unknown) => e instanceof DataError && e.message.includes(file) && want.test(e.message),
      );
    } else {
      const got = parseUcrName(file);
      assert.equal({ name: got.name, trainEnd: got.trainEnd, anomStart: got.anomStart, anomEnd: got.anomEnd }, want);
    }
  });
}

test.run();
