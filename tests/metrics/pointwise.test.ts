import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pointwise } from '../../shared/metrics/pointwise.js';
import { meanIntervalIoU } from '../../shared/metrics/iou.js';
import { ShapeError } from '../../shared/errors.js';
import { Rng } from '../../shared/rng.js';
import { mask, randomIntervals } from './random-intervals.js';
import type { Interval } from '../../shared/series/record.js';

/** The plain reference: loop over the 0/1 vectors, with docs/METHOD.md §7's empty conventions. */
function referencePRF(truth: readonly Interval[], pred: readonly Interval[], length: number) {
  const t = mask(truth, length);
  const p = mask(pred, length);
  let tp = 0,
    fp = 0,
    fn = 0,
    union = 0;
  for (let i = 0; i < length; i++) {
    if (t[i] && p[i]) tp++;
    else if (p[i]) fp++;
    else if (t[i]) fn++;
    if (t[i] || p[i]) union++;
  }
  if (tp + fn === 0 && tp + fp === 0) return { precision: 1, recall: 1, f1: 1, iou: 1 };
  if (tp + fn === 0 || tp + fp === 0) return { precision: 0, recall: 0, f1: 0, iou: 0 };
  const precision = tp / (tp + fp);
  const recall = tp / (tp + fn);
  const f1 = tp === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, iou: tp / union };
}

test('pointwise and IoU match a plain loop over 0/1 vectors on 2000 random cases', () => {
  const rng = new Rng(2024);
  for (let trial = 0; trial < 2000; trial++) {
    const length = 1 + rng.int(300);
    const truth = randomIntervals(rng, length, 4);
    const pred = randomIntervals(rng, length, 5);
    const got = pointwise(truth, pred, length);
    const want = referencePRF(truth, pred, length);
    assert.ok(Math.abs(got.precision - want.precision) < 1e-12, `precision, trial ${trial}`);
    assert.ok(Math.abs(got.recall - want.recall) < 1e-12, `recall, trial ${trial}`);
    assert.ok(Math.abs(got.f1 - want.f1) < 1e-12, `f1, trial ${trial}`);
    assert.ok(Math.abs(meanIntervalIoU(truth, pred, length) - want.iou) < 1e-12, `iou, trial ${trial}`);
  }
});

const conventions: [string, Interval[], Interval[], number, number][] = [
  ['both empty', [], [], 1, 1],
  ['empty truth, some prediction', [], [[2, 5]], 0, 0],
  ['some truth, empty prediction', [[2, 5]], [], 0, 0],
  ['disjoint truth and prediction', [[2, 5]], [[7, 9]], 0, 0],
  [
    'identical',
    [
      [2, 5],
      [7, 9],
    ],
    [
      [2, 5],
      [7, 9],
    ],
    1,
    1,
  ],
];
for (const [name, truth, pred, f1, iou] of conventions) {
  test(`pointwise F1 and IoU for ${name} are ${f1} and ${iou}`, () => {
    const r = pointwise(truth, pred, 10);
    assert.is(r.f1, f1);
    assert.is(r.precision, f1);
    assert.is(r.recall, f1);
    assert.is(meanIntervalIoU(truth, pred, 10), iou);
  });
}

test('prediction [4, 8) against truth [0, 6) gives precision 1/2, recall 1/3, F1 0.4, IoU 1/4', () => {
  // tp = 2 points (4, 5); 4 predicted, 6 true, union 8.
  const r = pointwise([[0, 6]], [[4, 8]], 10);
  assert.is(r.precision, 0.5);
  assert.ok(Math.abs(r.recall - 1 / 3) < 1e-15);
  assert.ok(Math.abs(r.f1 - 0.4) < 1e-15);
  assert.is(meanIntervalIoU([[0, 6]], [[4, 8]], 10), 0.25);
});

test('intervals outside the series or unsorted are a ShapeError naming the interval', () => {
  assert.throws(
    () => pointwise([[0, 11]], [], 10),
    (e: unknown) => e instanceof ShapeError && /truth interval 0 \[0, 11\]/.test((e as Error).message),
  );
  assert.throws(
    () =>
      pointwise(
        [],
        [
          [5, 7],
          [1, 2],
        ],
        10,
      ),
    (e: unknown) => e instanceof ShapeError && /prediction interval 1/.test((e as Error).message),
  );
});

test.run();
