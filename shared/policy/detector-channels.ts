/**
 * The optional "detector" input channels (docs/POLICY.md §features): the blind classical
 * detector's verdict (shared/baseline, thresholds tuned on the train split only), pooled per
 * raster column, so the policy can ground its answer in the same evidence the blind ExpCoT
 * cites and decide when to trust it.
 *
 *   q   per column c
 *   0   fraction of the points of column c that lie inside a detected interval
 *   1–6 one-hot of the detected type over ANOMALY_TYPES (same value in every column)
 *   7   1 when a detected interval starts at a point of column c
 *   8   that start's canonical answer offset j / offsetsPerPatch (positions.ts), else 0
 *   9   1 when a detected interval ends (its last point) in column c
 *   10  that end's canonical answer offset j / offsetsPerPatch, else 0
 *
 * Channels 7–10 say exactly which (P<k>, O<j>) tokens would write the detector's answer, so
 * following the evidence needs no arithmetic on the coverage fraction.
 * Columns that hold no point (n < width) take the value of the next point to their right,
 * as the other channels do. Pure and deterministic.
 */
import { type Detection, detect } from '../baseline/detect.js';
import { columnOfIndex, pointsOfColumn } from '../plot/mapping.js';
import { ANOMALY_TYPES } from '../series/labels.js';
import { DEFAULT_POSITION_LAYOUT, PositionMap } from './positions.js';

export const DETECTOR_CHANNELS = ['detectedMask', ...ANOMALY_TYPES.map((t) => `type:${t}`), 'startHere', 'startOffset', 'endHere', 'endOffset'] as const;

/**
 * (width, DETECTOR_CHANNELS.length) row-major, from the raw series values (finite).
 * `patchCols` and `offsetsPerPatch` are the answer's position layout (positions.ts).
 */
export function detectorColumns(
  values: Float64Array,
  width: number,
  patchCols = DEFAULT_POSITION_LAYOUT.patchCols,
  offsetsPerPatch = DEFAULT_POSITION_LAYOUT.offsetsPerPatch,
  detection: Detection = detect(values),
): Float32Array {
  const n = values.length;
  const D = DETECTOR_CHANNELS.length;
  const { intervals, type } = detection;
  const inside = new Uint8Array(n);
  for (const [s, e] of intervals) inside.fill(1, Math.max(0, s), Math.min(n, e));
  const typeIndex = ANOMALY_TYPES.indexOf(type);
  const out = new Float32Array(width * D);
  for (let c = 0; c < width; c++) {
    const [lo, hi] = pointsOfColumn(c, n, width);
    let covered = 0;
    for (let i = lo; i < hi; i++) covered += inside[i];
    out[c * D] = covered / (hi - lo);
    out[c * D + 1 + typeIndex] = 1;
  }
  const map = PositionMap.of(n, { width, patchCols, offsetsPerPatch });
  const START = 1 + ANOMALY_TYPES.length;
  for (const [s, e] of intervals) {
    const cs = columnOfIndex(s, n, width),
      ce = columnOfIndex(e - 1, n, width);
    if (out[cs * D + START] === 0) out.set([1, map.encodeStart(s)[1] / offsetsPerPatch], cs * D + START);
    if (out[ce * D + START + 2] === 0) out.set([1, map.encodeEnd(e)[1] / offsetsPerPatch], ce * D + START + 2);
  }
  return out;
}

/** Ordinal slots: intervals past the last slot share it (the answer grammar allows 12). */
export const ORDINAL_SLOTS = 12;

/**
 * The "ordinals" channels (optional, after the detector channels): which detected interval
 * starts or ends in a column, and how many there are, as one-hots the decoder can match by
 * attention while it writes "the i-th interval" and decides when to stop.
 *
 *   q      per column c
 *   0–11   one-hot i of the i-th detected interval (in order) starting in column c, else 0
 *   12–23  the same for the i-th interval ending (its last point) in column c
 *   24–36  one-hot of min(count, 12) detected intervals (same in every column)
 */
export const ORDINAL_CHANNELS = [
  ...Array.from({ length: ORDINAL_SLOTS }, (_, i) => `start#${i}`),
  ...Array.from({ length: ORDINAL_SLOTS }, (_, i) => `end#${i}`),
  ...Array.from({ length: ORDINAL_SLOTS + 1 }, (_, i) => `count=${i}`),
] as const;

/** (width, ORDINAL_CHANNELS.length) row-major. */
export function detectorOrdinalColumns(values: Float64Array, width: number, detection: Detection = detect(values)): Float32Array {
  const n = values.length;
  const O = ORDINAL_CHANNELS.length;
  const out = new Float32Array(width * O);
  const count = Math.min(ORDINAL_SLOTS, detection.intervals.length);
  for (let c = 0; c < width; c++) out[c * O + 2 * ORDINAL_SLOTS + count] = 1;
  detection.intervals.forEach(([s, e], i) => {
    const slot = Math.min(i, ORDINAL_SLOTS - 1);
    out[columnOfIndex(s, n, width) * O + slot] = 1;
    out[columnOfIndex(e - 1, n, width) * O + ORDINAL_SLOTS + slot] = 1;
  });
  return out;
}
