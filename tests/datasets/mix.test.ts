// `mix:` data specs (shared/datasets/mix.ts) and the training prompts they give a job
// (shared/job/records.ts): parsed and refused with the field named, deterministic byte for byte,
// synth series made into valid model-length windows, protocol-only jobs unchanged.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { parseJobYaml } from '../../shared/config/load.js';
import { fitToLength } from '../../shared/datasets/fit-length.js';
import { mixCounts } from '../../shared/datasets/mix.js';
import { formatDataSpec, loadDataSpec, parseDataSpec } from '../../shared/datasets/spec.js';
import { clipToWindow, parseWindowId } from '../../shared/datasets/window.js';
import { ConfigError } from '../../shared/errors.js';
import { trainingRecords } from '../../shared/job/records.js';
import { generateSynthSplit } from '../../shared/synth/generate.js';
import { isSynthTask } from '../../shared/series/labels.js';
import { dominantType, recordToJson } from '../../shared/series/record.js';
import type { SeriesRecord } from '../../shared/series/record.js';

const MIX = 'mix:1@anomllm:train?count=3|1@synth:train?count=2';
const job = (train: string, extra = '') => parseJobYaml(`name: m\nseed: 5\ndata:\n  train: "${train}"\n  eval: anomllm:eval?count=1\n${extra}`);
const digest = (records: readonly SeriesRecord[]) =>
  createHash('sha256')
    .update(JSON.stringify(records.map(recordToJson)))
    .digest('hex');

test('a mix parses into weighted parts and formats back', () => {
  const s = parseDataSpec('mix:2@anomllm:train?count=3|synth:eval');
  assert.equal(s, {
    kind: 'mix',
    parts: [
      { weight: 2, spec: { kind: 'anomllm', split: 'train', count: 3 } },
      { weight: 1, spec: { kind: 'synth', split: 'eval' } },
    ],
  });
  assert.equal(parseDataSpec(formatDataSpec(s)), s);
});

// [sizes, weights, counts]: the largest mix that takes no record twice, shares kept.
const COUNTS: [number[], number[], number[]][] = [
  [
    [3200, 5910],
    [1, 1],
    [3200, 3200],
  ],
  [
    [3200, 1180],
    [1, 1],
    [1180, 1180],
  ],
  [
    [100, 100],
    [3, 1],
    [100, 33],
  ],
  [
    [10, 10, 10],
    [1, 1, 2],
    [5, 5, 10],
  ],
];
for (const [sizes, weights, want] of COUNTS) {
  test(`mixCounts(${JSON.stringify(weights)} over ${JSON.stringify(sizes)}) = ${JSON.stringify(want)}`, () => assert.equal(mixCounts(weights, sizes), want));
}

// [what, data.train, message pattern]
const BAD: [string, string, RegExp][] = [
  ['one part', 'mix:anomllm:train', /at least two parts/],
  ['a zero weight', 'mix:0@anomllm:train|synth:train', /weight must be > 0|a weight is a number > 0/],
  ['a word for a weight', 'mix:half@anomllm:train|synth:train', /weight "half"/],
  ['an empty part', 'mix:1@anomllm:train|', /part 2 is empty/],
  ['a nested mix', 'mix:anomllm:train|mix:synth:train|synth:eval', /itself a mix/],
  ['a bad part', 'mix:anomllm:train|synth:test', /split "test"/],
];
for (const [what, train, pattern] of BAD) {
  test(`a mix with ${what} is a ConfigError naming data.train`, () => {
    assert.throws(
      () => job(train),
      (e: unknown) => e instanceof ConfigError && e.field === 'data.train' && pattern.test(e.message),
    );
  });
}

test('two parts holding the same records are refused when loaded', async () => {
  const err = await loadDataSpec('mix:anomllm:train?count=2|anomllm:train?count=3').then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof ConfigError && /both hold record/.test(err.message), String(err));
});

test('the same mix gives the same prompts, byte for byte, and the shares asked for', async () => {
  const a = await trainingRecords(job(MIX));
  const b = await trainingRecords(job(MIX));
  assert.is(digest(a), digest(b));
  assert.ok(a.length >= 16);
  assert.is(new Set(a.map((r) => r.id)).size, a.length, 'prompt ids are unique');
  const synth = a.filter((r) => isSynthTask(r.task ?? ''));
  assert.is(synth.length * 2, a.length, 'half the prompts are synth windows, half protocol records');
  assert.ok(a.filter((r) => !isSynthTask(r.task ?? '')).every((r) => r.series.length === 1000 && parseWindowId(r.id) === undefined));
});

test('synth series become windows of at most the model length, intervals clipped and re-based, classes from their own points', async () => {
  const prompts = await trainingRecords(job('synth:train?count=3'));
  const parents = new Map(generateSynthSplit('train', { count: 3 }).map((r) => [r.id, r] as const));
  let windows = 0;
  for (const p of prompts) {
    const n = p.series.length;
    assert.ok(n <= 1000, `${p.id} has ${n} points`);
    for (const [s, e] of p.intervals) assert.ok(Number.isInteger(s) && Number.isInteger(e) && s >= 0 && s < e && e <= n, `${p.id}: [${s}, ${e})`);
    p.intervals.forEach(([, e], k) => k + 1 < p.intervals.length && assert.ok(e <= p.intervals[k + 1]![0], `${p.id}: intervals overlap`));
    assert.is(p.type === 'normal', p.intervals.length === 0, `${p.id}: normal iff no intervals`);
    const w = parseWindowId(p.id);
    if (w === undefined) {
      assert.equal(p, parents.get(p.id), 'a short series is its own prompt, unchanged');
      continue;
    }
    windows++;
    const parent = parents.get(w.parent)!;
    assert.equal(Array.from(p.series), Array.from(parent.series.subarray(w.start, w.start + 1000)));
    assert.equal(p.intervals, clipToWindow(parent.intervals, w.start, 1000));
    if (p.intervalTypes !== undefined) assert.is(p.type, dominantType(p.intervals, p.intervalTypes));
  }
  assert.ok(windows > 0, 'some series are longer than the model and are windowed');
});

test('a protocol-only job trains the records it trained before the mix existed', async () => {
  const j = job('anomllm:train?count=2');
  const before = (await loadDataSpec('anomllm:train?count=2')).flatMap((r) => fitToLength(r, { length: 1000, mode: 'window' }));
  assert.is(digest(await trainingRecords(j)), digest(before));
});

test.run();
