import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { recordToJson } from '../../shared/series/record.js';
import { generateSplit } from '../../shared/anomllm/generate.js';
import { writeJsonl } from '../../shared/datasets/jsonl.js';
import { type DataSpec, formatDataSpec, loadDataSpec, loadDataSpecSync, parseDataSpec } from '../../shared/datasets/spec.js';
import { fixtures, nabRoot, repoRoot } from './paths.js';

const parseCases: [string, DataSpec][] = [
  ['jsonl:data/train.jsonl', { kind: 'jsonl', path: 'data/train.jsonl' }],
  ['nab:/data/NAB', { kind: 'nab', path: '/data/NAB' }],
  ['ucr:archive/', { kind: 'ucr', path: 'archive/' }],
  ['tsb:TSB-AD-U', { kind: 'tsb', path: 'TSB-AD-U' }],
  ['tsb:m.csv#3', { kind: 'tsb', path: 'm.csv', column: '3' }],
  ['tsb:dir#1/m.csv#Data', { kind: 'tsb', path: 'dir#1/m.csv', column: 'Data' }],
  ['anomllm:train', { kind: 'anomllm', split: 'train' }],
  ['anomllm:eval?count=50&tasks=range,point&seed=7', { kind: 'anomllm', split: 'eval', count: 50, tasks: ['range', 'point'], seed: 7 }],
  ['anomllm:eval?length=2000&tasks=shapelet', { kind: 'anomllm', split: 'eval', length: 2000, tasks: ['shapelet'] }],
];
for (const [text, want] of parseCases) {
  test(`parseDataSpec(${JSON.stringify(text)})`, () => assert.equal(parseDataSpec(text), want));
  test(`format → parse round-trips ${JSON.stringify(text)}`, () => assert.equal(parseDataSpec(formatDataSpec(want)), want));
}

test('nab: loads the real NAB copy, with a path relative to baseDir', async () => {
  const recs = await loadDataSpec(`nab:${relative(repoRoot, nabRoot)}`, { baseDir: repoRoot });
  assert.is(recs.length, 7);
  assert.ok(recs.some((r) => r.id === 'realTraffic/TravelTime_387.csv'));
});

test('ucr and tsb: load the hand-made fixtures by absolute path, with a column for tsb', () => {
  assert.is(loadDataSpecSync(`ucr:${join(fixtures, 'ucr')}`).length, 2);
  const [r] = loadDataSpecSync(`tsb:${join(fixtures, 'tsb', '002_multi_lowercase_label.csv')}#2`);
  assert.equal(Array.from(r!.series), [100, 200, 300, 400]);
});

test('jsonl: reads back what writeJsonl wrote', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anomseer-spec-'));
  try {
    const recs = generateSplit('eval', { count: 2, tasks: ['range'] });
    writeJsonl(join(dir, 'x.jsonl'), recs);
    const back = await loadDataSpec('jsonl:x.jsonl', { baseDir: dir });
    assert.equal(back.map(recordToJson), recs.map(recordToJson));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('anomllm: passes split, seed, count and tasks to generateSplit and returns its records', async () => {
  const got = await loadDataSpec('anomllm:eval?count=3&tasks=range,point&seed=7');
  const want = generateSplit('eval', { seed: 7, count: 3, tasks: ['range', 'point'] });
  assert.equal(
    got.map((r) => r.id),
    ['eval/range/0000', 'eval/range/0001', 'eval/range/0002', 'eval/point/0000', 'eval/point/0001', 'eval/point/0002'],
  );
  assert.equal(got.map(recordToJson), want.map(recordToJson));
});

test("anomllm: the seed changes the values; the default seed is the split's", async () => {
  const a = await loadDataSpec('anomllm:train?count=1&tasks=range&seed=1');
  const b = await loadDataSpec('anomllm:train?count=1&tasks=range&seed=2');
  const d = await loadDataSpec('anomllm:train?count=1&tasks=range&length=200');
  assert.not.equal(Array.from(a[0]!.series), Array.from(b[0]!.series));
  assert.equal(recordToJson(d[0]!), recordToJson(generateSplit('train', { count: 1, tasks: ['range'], length: 200 })[0]!));
  assert.is(d[0]!.series.length, 200);
});

test.run();
