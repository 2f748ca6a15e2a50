import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SPLIT_SEEDS, generateSplit, generateTask } from '../../shared/anomllm/generate.js';
import { detect } from '../../shared/baseline/detect.js';
import { DataError } from '../../shared/errors.js';
import { blindExpCot, buildExpCot, parsePhrase, splitSentences } from '../../shared/expcot/index.js';
import { parseTrace } from '../../shared/trace/parse.js';

// 40 eval series per task (320) plus 40 held-out shapelets.
const records = [...generateSplit('eval', { count: 40 }), ...generateTask('shapelet', { seed: SPLIT_SEEDS.eval, count: 40, split: 'eval' })];
const built = records.map((r) => ({ r, e: buildExpCot(r) }));

test('every ExpCoT parses back to the true intervals and type, well formed', () => {
  for (const { r, e } of built) {
    const p = parseTrace(e.text, r.series.length);
    assert.ok(p.formatOk, r.id);
    assert.equal(
      p.intervals,
      r.intervals.map(([s, t]) => [s, t]),
      r.id,
    );
    assert.is(p.type, r.type, r.id);
  }
});

test('every sentence is one of the templates, and the three parts come in order', () => {
  for (const { r, e } of built) {
    const ids = splitSentences(e.think).map((s) => {
      const p = parsePhrase(s);
      assert.ok(p, `${r.id}: "${s}" is not a template`);
      return p!.id;
    });
    assert.is(ids[0], 'obs.summary', r.id);
    const rsn = ids.indexOf('rsn.family');
    assert.ok(rsn > 0 && ids.slice(0, rsn).every((id) => id.startsWith('obs.')), r.id);
    assert.ok(
      ids.slice(rsn, -1).every((id) => id.startsWith('rsn.')),
      r.id,
    );
    assert.is(ids[ids.length - 1], r.type === 'normal' ? 'con.normal' : 'con.anomaly', r.id);
  }
});

test('the parsed phrases are the evidence the builder reports', () => {
  for (const { e } of built.slice(0, 40)) {
    const parsed = splitSentences(e.think).map((s) => parsePhrase(s)!.id);
    assert.equal(
      parsed,
      e.evidence.phrases.map((p) => p.id),
    );
  }
});

test('the conclusion restates the true intervals', () => {
  for (const { r, e } of built) {
    const last = parsePhrase(splitSentences(e.think).at(-1)!)!;
    if (r.type === 'normal') continue;
    assert.equal(
      last.values.intervals,
      r.intervals.map(([s, t]) => [s, t]),
      r.id,
    );
    assert.is(last.values.type, r.type, r.id);
  }
});

test('the same record gives the same bytes', () => {
  for (const { r, e } of built.filter((_, i) => i % 37 === 0)) {
    assert.is(buildExpCot({ ...r, series: Float64Array.from(r.series) }).text, e.text, r.id);
  }
});

test('the blind ExpCoT argues for the detector answer and parses back to it', () => {
  for (const { r } of built.filter((_, i) => i % 9 === 0)) {
    const d = detect(r.series);
    const b = blindExpCot(r.series);
    const p = parseTrace(b.text, r.series.length);
    assert.equal(
      p.intervals,
      d.intervals.map(([s, t]) => [s, t]),
      r.id,
    );
    assert.is(p.type, d.type, r.id);
    assert.is(b.text, blindExpCot(r.series, { detection: d }).text);
  }
});

test('a record of unknown type, or too short, is a DataError naming it', () => {
  const r = records[0];
  assert.throws(
    () => buildExpCot({ ...r, type: 'unknown' }),
    (e: unknown) => e instanceof DataError && /eval\/range\/0000.*"unknown"/.test((e as Error).message),
  );
  assert.throws(
    () => buildExpCot({ id: 'tiny', series: new Float64Array(8), intervals: [], type: 'normal' }),
    (e: unknown) => e instanceof DataError && /tiny.*8 points/.test((e as Error).message),
  );
});

test('a blind ExpCoT of a very short series is its conclusion alone', () => {
  const b = blindExpCot(Float64Array.from([1, 2, 3]));
  assert.is(b.think, 'Conclusion: nothing stands out, the series is normal.');
  assert.equal(parseTrace(b.text, 3).intervals, []);
});

test.run();
