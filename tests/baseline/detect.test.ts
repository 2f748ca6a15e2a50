import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateSplit } from '../../shared/anomllm/generate.js';
import { BASELINE_THRESHOLDS, detect, MIN_DETECT_LENGTH, resolveThresholds } from '../../shared/baseline/index.js';
import { ConfigError, ShapeError } from '../../shared/errors.js';
import { validateRecord } from '../../shared/series/record.js';
import { noise, shift } from './planted.js';

const sample = generateSplit('eval', { count: 4, seed: 7 });

test('the same values give the same answer and evidence', () => {
  for (const r of sample) {
    const a = detect(r.series),
      b = detect(Float64Array.from(r.series));
    assert.equal(a.intervals, b.intervals);
    assert.is(a.type, b.type);
    assert.equal(
      JSON.stringify(a.evidence, (_k, v) => (v instanceof Float64Array ? Array.from(v) : v)),
      JSON.stringify(b.evidence, (_k, v) => (v instanceof Float64Array ? Array.from(v) : v)),
    );
  }
});

test('detect does not modify its input', () => {
  const x = sample[0].series.slice();
  detect(x);
  assert.equal(Array.from(x), Array.from(sample[0].series));
});

test('answers are valid records: sorted, disjoint, inside the series, normal iff no interval', () => {
  for (const r of sample) {
    const d = detect(r.series);
    validateRecord({ id: r.id, series: r.series, intervals: d.intervals, type: d.type }, 'detect');
    assert.is(d.evidence.intervals.length, d.intervals.length);
    d.evidence.intervals.forEach((ev, i) => assert.equal([ev.start, ev.end], [...d.intervals[i]]));
    assert.is(d.evidence.length, r.series.length);
  }
});

test('the evidence names the detector the family chose, and only that one', () => {
  for (const r of sample) {
    const ev = detect(r.series).evidence;
    const present = [ev.level, ev.trend, ev.periodic].map((e) => e !== undefined);
    assert.equal(present, [ev.family.family === 'level', ev.family.family === 'trending', ev.family.family === 'periodic']);
  }
});

test(`series shorter than ${MIN_DETECT_LENGTH} points are normal, and the empty series too`, () => {
  assert.is(detect(new Float64Array(0)).type, 'normal');
  assert.is(detect(Float64Array.from([0, 0, 9, 0, 0])).type, 'normal');
});

test('a constant series is normal', () => {
  const d = detect(new Float64Array(500).fill(3));
  assert.is(d.type, 'normal');
});

test('a non-finite value is a ShapeError naming its index', () => {
  const x = noise(1, 1, 50);
  x[17] = NaN;
  assert.throws(
    () => detect(x),
    (e: unknown) => e instanceof ShapeError && /value 17 is NaN/.test((e as Error).message),
  );
});

test('threshold overrides change the answer; unknown names and bad values are ConfigErrors', () => {
  const x = shift(noise(2, 0.1), [400, 420], 0.45);
  assert.is(detect(x).type, 'global point');
  assert.is(detect(x, { thresholds: { levelCoreZ: 50 } }).type, 'normal');
  assert.throws(
    () => detect(x, { thresholds: { nope: 1 } as never }),
    (e: unknown) => e instanceof ConfigError && /thresholds\.nope.*valid names/.test((e as Error).message),
  );
  assert.throws(
    () => detect(x, { thresholds: { levelCoreZ: NaN } }),
    (e: unknown) => e instanceof ConfigError && /levelCoreZ/.test((e as Error).message),
  );
  assert.is(resolveThresholds(undefined), BASELINE_THRESHOLDS);
});

test.run();
