/**
 * The optional "detector" input channels (docs/POLICY.md §features): the blind classical
 * detector's verdict (shared/baseline, thresholds tuned on the train split only), pooled per
 * raster column, so the policy can ground its answer in the same evidence the blind ExpCoT
 * cites and decide when to trust it.
 *
 *   q  per column c
 *   0  fraction of the points of column c that lie inside a detected interval
 *   1… one-hot of the detected type over ANOMALY_TYPES (same value in every column)
 *
 * Columns that hold no point (n < width) take the value of the next point to their right,
 * as the other channels do. Pure and deterministic.
 */
import { detect } from '../baseline/detect.js';
import { indexRangeOfColumn } from '../plot/mapping.js';
import { ANOMALY_TYPES } from '../series/labels.js';

export const DETECTOR_CHANNELS = ['detectedMask', ...ANOMALY_TYPES.map((t) => `type:${t}`)] as const;

/** (width, DETECTOR_CHANNELS.length) row-major, from the raw series values (finite). */
export function detectorColumns(values: Float64Array, width: number): Float32Array {
  const n = values.length;
  const D = DETECTOR_CHANNELS.length;
  const { intervals, type } = detect(values);
  const inside = new Uint8Array(n);
  for (const [s, e] of intervals) inside.fill(1, Math.max(0, s), Math.min(n, e));
  const typeIndex = ANOMALY_TYPES.indexOf(type);
  const out = new Float32Array(width * D);
  for (let c = 0; c < width; c++) {
    let [lo, hi] = indexRangeOfColumn(c, n, width);
    if (lo === hi) [lo, hi] = [Math.min(lo, n - 1), Math.min(lo, n - 1) + 1];
    let covered = 0;
    for (let i = lo; i < hi; i++) covered += inside[i];
    out[c * D] = covered / (hi - lo);
    out[c * D + 1 + typeIndex] = 1;
  }
  return out;
}
