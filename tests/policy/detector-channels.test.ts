// The detector input channels: the blind detector's intervals as a per-column coverage
// fraction and its type as a one-hot, laid out after the analyses in each patch.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detect } from '../../shared/baseline/detect.js';
import { generateTask } from '../../shared/anomllm/generate.js';
import { indexRangeOfColumn } from '../../shared/plot/mapping.js';
import { ANOMALY_TYPES } from '../../shared/series/labels.js';
import { DETECTOR_CHANNELS, ORDINAL_CHANNELS, ORDINAL_SLOTS, detectorColumns, detectorOrdinalColumns } from '../../shared/policy/detector-channels.js';
import { patchFeatures, resolveFeatureOptions } from '../../shared/policy/features.js';
import { DEFAULT_POSITION_LAYOUT, PositionMap } from '../../shared/policy/positions.js';
import { variantOf } from '../../shared/policy/spec.js';
import { ConfigError } from '../../shared/errors.js';

const D = DETECTOR_CHANNELS.length;

test('the detector variant adds 11 channels per column: F = 336 for 64×256 and 4-column patches', () => {
  assert.is(D, 1 + ANOMALY_TYPES.length + 4);
  assert.is(resolveFeatureOptions({ variant: 'plot+values+analyses+detector' }).featureSize, 336);
});

test("the start/end channels name the exact pointer and offset tokens of the detector's answer", () => {
  let checked = 0;
  for (const task of ['point', 'range', 'freq'] as const) {
    for (const rec of generateTask(task, { count: 4, seed: 21 })) {
      const n = rec.series.length;
      const det = detect(rec.series);
      const cols = detectorColumns(rec.series, 256);
      const map = new PositionMap(n, DEFAULT_POSITION_LAYOUT);
      const S = 1 + ANOMALY_TYPES.length;
      const starts: number[] = [],
        ends: number[] = [];
      for (let c = 0; c < 256; c++) {
        const k = Math.floor(c / 4);
        if (cols[c * D + S] === 1) starts.push(map.decode(k, Math.round(cols[c * D + S + 1] * 32)));
        if (cols[c * D + S + 2] === 1) ends.push(map.decode(k, Math.round(cols[c * D + S + 3] * 32)));
      }
      assert.equal(
        starts,
        det.intervals.map(([s]) => s),
        `${rec.id} starts`,
      );
      assert.equal(
        ends,
        det.intervals.map(([, e]) => e),
        `${rec.id} ends`,
      );
      checked += det.intervals.length;
    }
  }
  assert.ok(checked >= 8, `${checked} intervals checked`);
});

test('coverage fraction and type one-hot match the detector on planted anomalies (plain loop)', () => {
  let anomalous = 0;
  for (const task of ['point', 'range', 'trend', 'freq'] as const) {
    for (const rec of generateTask(task, { count: 3, seed: 11 })) {
      const det = detect(rec.series);
      const cols = detectorColumns(rec.series, 256);
      const inside = (i: number) => det.intervals.some(([s, e]) => i >= s && i < e);
      for (let c = 0; c < 256; c++) {
        const [lo, hi] = indexRangeOfColumn(c, rec.series.length, 256);
        let k = 0;
        for (let i = lo; i < hi; i++) if (inside(i)) k++;
        assert.ok(Math.abs(cols[c * D] - k / (hi - lo)) < 1e-6, `${rec.id} column ${c}`);
        for (let q = 0; q < ANOMALY_TYPES.length; q++) assert.is(cols[c * D + 1 + q], ANOMALY_TYPES[q] === det.type ? 1 : 0);
      }
      if (det.intervals.length > 0) anomalous++;
    }
  }
  assert.ok(anomalous >= 6, `the detector should find most planted anomalies, found ${anomalous} of 12`);
});

test('patch features carry the detector channels after the analyses, and nothing else changes', () => {
  const [rec] = generateTask('range', { count: 1, seed: 5 });
  const a = patchFeatures(rec.series, { variant: 'plot+values+analyses' });
  const b = patchFeatures(rec.series, { variant: 'plot+values+analyses+detector' });
  const cols = detectorColumns(rec.series, 256);
  for (let k = 0; k < 64; k++) {
    for (let i = 0; i < 292; i++) assert.is(b.data[k * 336 + i], a.data[k * 292 + i]);
    for (let j = 0; j < 4; j++) for (let q = 0; q < D; q++) assert.is(b.data[k * 336 + 292 + j * D + q], cols[(k * 4 + j) * D + q]);
  }
});

test('short series (n < width) fill empty columns from the next point, and stay deterministic', () => {
  const [rec] = generateTask('point', { count: 1, seed: 9 });
  const x = rec.series.subarray(0, 100);
  const c1 = detectorColumns(Float64Array.from(x), 256);
  const c2 = detectorColumns(Float64Array.from(x), 256);
  assert.equal(Array.from(c1), Array.from(c2));
  for (let c = 0; c < 256; c++) {
    const s = c1.subarray(c * D + 1, c * D + 1 + ANOMALY_TYPES.length).reduce((p, v) => p + v, 0);
    assert.is(s, 1, `column ${c} has exactly one type`);
  }
});

test('policy.inputs.detector needs analyses, and selects the fourth variant', () => {
  assert.is(variantOf({ plot: true, values: true, analyses: true, detector: true }), 'plot+values+analyses+detector');
  assert.is(variantOf({ plot: true, values: true, analyses: true, detector: false }), 'plot+values+analyses');
  assert.throws(
    () => variantOf({ plot: true, values: true, analyses: false, detector: true }),
    (e: unknown) => e instanceof ConfigError && /needs policy.inputs.analyses/.test(String((e as Error).message)),
  );
});

test('ordinals: the i-th detected interval is one-hot i at its start and end columns, and the count is broadcast', () => {
  const O = ORDINAL_CHANNELS.length;
  assert.is(O, 3 * ORDINAL_SLOTS + 1);
  assert.is(resolveFeatureOptions({ variant: 'plot+values+analyses+detector+ordinals' }).featureSize, 336 + 4 * O);
  let multi = 0;
  for (const rec of generateTask('range', { count: 12, seed: 4 })) {
    const n = rec.series.length;
    const det = detect(rec.series);
    const cols = detectorOrdinalColumns(rec.series, 256);
    if (det.intervals.length > 1) multi++;
    const starts: number[][] = [],
      ends: number[][] = [];
    for (let c = 0; c < 256; c++) {
      for (let i = 0; i < ORDINAL_SLOTS; i++) {
        if (cols[c * O + i] === 1) starts.push([i, c]);
        if (cols[c * O + ORDINAL_SLOTS + i] === 1) ends.push([i, c]);
      }
      const count = cols.subarray(c * O + 2 * ORDINAL_SLOTS, (c + 1) * O);
      assert.is(
        count.reduce((a, v) => a + v, 0),
        1,
      );
      assert.is(count[Math.min(ORDINAL_SLOTS, det.intervals.length)], 1);
    }
    const byOrdinal = (xs: number[][]) => xs.sort((a, b) => a[0] - b[0]).map(([, c]) => c);
    assert.equal(
      byOrdinal(starts),
      det.intervals.map(([s]) => Math.floor(((2 * s + 1) * 256) / (2 * n))),
      `${rec.id} start columns`,
    );
    assert.equal(
      byOrdinal(ends),
      det.intervals.map(([, e]) => Math.floor(((2 * (e - 1) + 1) * 256) / (2 * n))),
      `${rec.id} end columns`,
    );
  }
  assert.ok(multi >= 2, `${multi} series with several intervals`);
});

test('the ordinals variant appends its channels after the detector channels', () => {
  const [rec] = generateTask('range', { count: 1, seed: 5 });
  const a = patchFeatures(rec.series, { variant: 'plot+values+analyses+detector' });
  const b = patchFeatures(rec.series, { variant: 'plot+values+analyses+detector+ordinals' });
  const O = ORDINAL_CHANNELS.length;
  const F = 336 + 4 * O;
  const cols = detectorOrdinalColumns(rec.series, 256);
  for (let k = 0; k < 64; k++) {
    for (let i = 0; i < 336; i++) assert.is(b.data[k * F + i], a.data[k * 336 + i]);
    for (let j = 0; j < 4; j++) for (let q = 0; q < O; q++) assert.is(b.data[k * F + 336 + j * O + q], cols[(k * 4 + j) * O + q]);
  }
  assert.throws(() => variantOf({ plot: true, values: true, analyses: true, detector: false, detectorOrdinals: true }), /needs policy.inputs.detector/);
});

test.run();
