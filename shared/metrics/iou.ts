/**
 * Mean interval IoU, defined here as the point-wise intersection over union
 * of the two 0/1 masks: |truth ∩ pred| / |truth ∪ pred| (in points).
 * One number per series; a dataset's figure is the mean over series.
 * Both empty → 1 (a correct "normal"); exactly one empty → 0.
 */
import type { Interval } from '../series/record.js';
import { assertIntervals, coveredLength, overlapLength } from './pointwise.js';

export function meanIntervalIoU(truth: readonly Interval[], pred: readonly Interval[], length: number): number {
  assertIntervals(truth, length, 'truth');
  assertIntervals(pred, length, 'prediction');
  if (truth.length === 0 && pred.length === 0) return 1;
  if (truth.length === 0 || pred.length === 0) return 0;
  const inter = overlapLength(truth, pred);
  return inter / (coveredLength(truth) + coveredLength(pred) - inter);
}
