// The phase benchmark's pure parts (bench/phase-shift.ts): a record read from a later point, and
// the summary of a model's answers over several starts — worked out by hand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { phaseSummary, shiftedRecord } from '../../bench/phase-shift.js';
import type { Interval, SeriesRecord } from '../../shared/series/record.js';

const rec = (id: string, n: number, intervals: Interval[]): SeriesRecord => ({
  id,
  series: Float64Array.from({ length: n }, (_, i) => i),
  intervals,
  type: intervals.length === 0 ? 'normal' : 'global point',
});

test('shiftedRecord reads a record from point o: values, intervals shifted and clipped, normal when none are left', () => {
  const r = rec('a', 100, [
    [10, 20],
    [50, 60],
  ]);
  const s = shiftedRecord(r, 15);
  assert.is(s.id, 'a@15');
  assert.equal(Array.from(s.series.slice(0, 3)), [15, 16, 17]);
  assert.is(s.series.length, 85);
  assert.equal(s.intervals, [
    [0, 5],
    [35, 45],
  ]);
  assert.is(s.type, 'global point');
  assert.is(shiftedRecord(r, 60).type, 'normal');
  assert.throws(() => shiftedRecord(r, 100), /offset 100 outside \[0, 100\)/);
});

test('phaseSummary: false alarms and point-wise F1 per offset, and the records whose verdict changes', () => {
  const n = rec('n', 100, []);
  const a = rec('a', 100, [[40, 50]]);
  const offsets = [0, 20];
  const answers = [
    new Map<string, Interval[]>([
      ['n', []],
      ['a', [[40, 50]]], // exact: F1 1
    ]),
    new Map<string, Interval[]>([
      ['n', [[0, 5]]], // a false alarm at offset 20
      ['a', [[20, 25]]], // truth [20, 30) from offset 20: 5 of 10 → F1 2·5/(5+10) = 2/3
    ]),
  ];
  const s = phaseSummary([n, a], offsets, answers);
  assert.equal(s.falseAlarm, { mean: 0.5, min: 0, max: 1 });
  assert.ok(Math.abs(s.pointF1.mean - (1 + 2 / 3) / 2) < 1e-12 && s.pointF1.min === 2 / 3 && s.pointF1.max === 1);
  assert.is(s.verdictChanges, 0.5); // n: nothing, then something; a: something both times
  assert.equal([s.normal, s.anomalous], [1, 1]);
  assert.throws(() => phaseSummary([n, a], offsets, [answers[0]!, new Map()]), /no answer for n at offset 20/);
});

test.run();
