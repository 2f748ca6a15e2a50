import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { scoreAll, reportToJson, recordCategory, predictionFromTrace, type Prediction } from '../../shared/eval/score.js';
import { formatTable, PAPER_ROWS } from '../../shared/eval/table.js';
import type { SeriesRecord, Interval, RecordType } from '../../shared/series/record.js';

const rec = (id: string, type: RecordType, intervals: Interval[], task?: string): SeriesRecord => ({
  id,
  series: new Float64Array(10),
  intervals,
  type,
  ...(task !== undefined ? { task } : {}),
});
const pred = (intervals: Interval[] | null, type: Prediction['type']): Prediction => ({ intervals, type, formatOk: intervals !== null && type !== undefined });

// A tiny set of length-10 series whose figures are worked out by hand below.
const records: SeriesRecord[] = [
  rec('r1', 'global point', [[3, 6]], 'range'), //          exact hit: every metric 1, class right
  rec('p1', 'contextual point', [[3, 6]], 'noisy-point'), // prediction [6, 9) touches: affiliation P 0.4, R 0.7; point-wise 0
  rec('p2', 'normal', [], 'point'), //                      no prediction: 0 everywhere, class wrong, missing
  rec('f1', 'seasonal', [[0, 1]]), //                       no task → freq; prediction [9, 10): affiliation P 0.05, R 0.1; class wrong
  rec('s1', 'shapelet', [[2, 4]], 'shapelet'), //           exact hit, reported apart from the average
  rec('u1', 'unknown', [[5, 8]]), //                        real data → other; unparseable answer: 0; not in class accuracy
  rec('n1', 'normal', []), //                               no task, normal → other; correct empty answer: 1
];
const predictions = new Map<string, Prediction>([
  ['r1', pred([[3, 6]], 'global point')],
  ['p1', pred([[6, 9]], 'contextual point')],
  ['f1', pred([[9, 10]], 'trend')],
  ['s1', pred([[2, 4]], 'shapelet')],
  ['u1', pred(null, undefined)],
  ['n1', pred([], 'normal')],
]);

const f1 = (p: number, r: number) => (2 * p * r) / (p + r);
const near = (a: number | null | undefined, b: number) => typeof a === 'number' && Math.abs(a - b) < 1e-9;

test('categories come from the task, else the type, else "other"', () => {
  assert.equal(records.map(recordCategory), ['range', 'point', 'point', 'freq', 'shapelet', 'other', 'other']);
  assert.is(recordCategory({ type: 'trend', task: 'flat-trend' }), 'trend');
  assert.is(recordCategory({ type: 'global point' }), 'range');
  assert.is(recordCategory({ type: 'contextual point' }), 'point');
});

test('scoreAll on the hand-made set gives the hand-computed figures, in percent', () => {
  const r = scoreAll(records, predictions);
  assert.is(r.count, 7);
  assert.is(r.missing, 1);
  // Known types: r1 ✓ p1 ✓ p2 ✗ f1 ✗ s1 ✓ n1 ✓ (u1 left out) → 4/6.
  assert.ok(near(r.classAccuracy, 400 / 6));
  const point = (f1(0.4, 0.7) + 0) / 2;
  const freq = f1(0.05, 0.1);
  assert.ok(near(r.affiliationF1.range, 100));
  assert.ok(near(r.affiliationF1.point, 100 * point));
  assert.ok(near(r.affiliationF1.freq, 100 * freq));
  assert.is(r.affiliationF1.trend, undefined, 'absent category left out');
  assert.ok(near(r.affiliationF1.average, (100 + 100 * point + 100 * freq) / 3), 'average of the paper categories present');
  assert.ok(near(r.affiliationF1.shapelet, 100));
  assert.ok(near(r.affiliationF1.other, 50));
  // Point-wise F1 and IoU are 1 for r1, s1, n1 and 0 for the other four.
  assert.ok(near(r.pointF1, 300 / 7));
  assert.ok(near(r.iou, 300 / 7));
  assert.equal({ ...r.counts }, { freq: 1, range: 1, point: 2, other: 2, shapelet: 1 });
  assert.is(r.perCategory.other.classAccuracy, 100, 'only n1 is of known type in "other"');
});

test('reportToJson has the documented keys, in order, with absent categories left out', () => {
  const json = reportToJson(scoreAll(records, predictions));
  assert.equal(Object.keys(json), ['count', 'classAccuracy', 'affiliationF1', 'pointF1', 'iou', 'missing', 'formatRate', 'counts', 'perCategory']);
  assert.equal(Object.keys(json.affiliationF1 as object), ['freq', 'range', 'point', 'average', 'other', 'shapelet']);
  assert.equal(JSON.parse(JSON.stringify(json)), json, 'plain JSON data');
});

test('a record with no prediction scores like an unparseable answer and is counted as missing', () => {
  const only = [rec('a', 'trend', [[2, 5]], 'trend')];
  const missing = scoreAll(only, new Map());
  const garbage = scoreAll(only, new Map([['a', predictionFromTrace('nonsense', 10)]]));
  assert.is(missing.missing, 1);
  assert.is(garbage.missing, 0);
  for (const r of [missing, garbage]) {
    assert.is(r.affiliationF1.trend, 0);
    assert.is(r.pointF1, 0);
    assert.is(r.classAccuracy, 0);
  }
});

test('class accuracy is null when no record has a known type', () => {
  const r = scoreAll([rec('a', 'unknown', [[2, 5]])], new Map([['a', pred([[2, 5]], 'trend')]]));
  assert.is(r.classAccuracy, null);
  assert.is(r.affiliationF1.average, undefined);
  assert.ok(near(r.affiliationF1.other, 100));
});

test('hand-built predictions are cleaned before scoring (unsorted, overlapping, past the end)', () => {
  const r = scoreAll(
    [rec('a', 'trend', [[2, 10]], 'trend')],
    new Map([
      [
        'a',
        pred(
          [
            [6, 20],
            [2, 7],
          ],
          'trend',
        ),
      ],
    ]),
  );
  assert.is(r.pointF1, 100);
});

test('formatTable prints the paper rows beside ours, with dashes for absent categories', () => {
  const text = formatTable(scoreAll(records, predictions), { title: 'tiny' });
  assert.ok(text.startsWith('tiny: 7 series, 1 without a prediction'));
  for (const row of PAPER_ROWS) {
    const line = text.split('\n').find((l) => l.startsWith(row.model));
    assert.ok(line, row.model);
    assert.equal(
      line!.slice(row.model.length).trim().split(/\s+/),
      [row.classAcc, row.freq, row.trend, row.range, row.point, row.avg].map((x) => x.toFixed(1)),
    );
  }
  const ours = text.split('\n').find((l) => l.startsWith('anomseer (this run)'))!;
  const point = 50 * f1(0.4, 0.7);
  const freq = 100 * f1(0.05, 0.1);
  assert.equal(ours.slice('anomseer (this run)'.length).trim().split(/\s+/), [
    '66.7',
    freq.toFixed(1),
    '—',
    '100.0',
    point.toFixed(1),
    ((100 + point + freq) / 3).toFixed(1),
  ]);
  assert.match(text, /point-wise F1 42\.9 {3}mean IoU 42\.9/);
  assert.match(text, /outside the average: other \(2\): affiliation F1 50\.0.*; shapelet \(1\): affiliation F1 100\.0/);
});

test('PAPER_ROWS averages agree with their four category columns (to the table rounding)', () => {
  for (const r of PAPER_ROWS) assert.ok(Math.abs((r.freq + r.trend + r.range + r.point) / 4 - r.avg) <= 0.06, r.model);
});

test.run();
