// The synth tasks from the command line: `generate --task synth|<names>` writes them as
// JSONL with their own seeds and lengths, and `baseline --data synth:…` scores them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SPLIT_SEEDS, generateTask } from '../../shared/anomllm/generate.js';
import { parseJsonl } from '../../shared/datasets/jsonl.js';
import { SYNTH_TASKS } from '../../shared/series/labels.js';
import { recordToJson } from '../../shared/series/record.js';
import { SYNTH_SPLIT_SEEDS, generateSynthTask } from '../../shared/synth/generate.js';

const BIN = new URL('../../bin/anomseer.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'anomseer-synth-cli-'));
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

test('generate --task synth writes the nine synth tasks with the synth split seed, intervalTypes included', () => {
  const out = join(dir, 'synth.jsonl');
  const r = run('generate', '--task', 'synth', '--split', 'eval', '--count', '2', '--out', out);
  assert.is(r.status, 0, r.stderr);
  const text = readFileSync(out, 'utf8');
  const want = SYNTH_TASKS.flatMap((t) => generateSynthTask(t, { seed: SYNTH_SPLIT_SEEDS.eval, count: 2, split: 'eval' }));
  assert.equal(
    text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
    want.map(recordToJson),
  );
  assert.ok(parseJsonl(text).every((x) => x.intervalTypes !== undefined));
  assert.match(r.stdout, /^generate: wrote 18 records \(split eval, seed 3141, length 250–4000\) to /);
});

test('a mix of families uses each family’s default seed and length, and says so', () => {
  const out = join(dir, 'mix.jsonl');
  const r = run('generate', '--task', 'range,pattern', '--split', 'train', '--count', '2', '--out', out);
  assert.is(r.status, 0, r.stderr);
  const recs = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(recs, [
    ...generateTask('range', { seed: SPLIT_SEEDS.train, count: 2, split: 'train' }).map(recordToJson),
    ...generateSynthTask('pattern', { seed: SYNTH_SPLIT_SEEDS.train, count: 2, split: 'train' }).map(recordToJson),
  ]);
  assert.match(r.stdout, /\(split train, seed 3407 \(AnomLLM\), 2718 \(synth\), length 1000 \(AnomLLM\), 250–4000 \(synth\)\)/);
});

test('--seed and --length apply to both families', () => {
  const out = join(dir, 'fixed.jsonl');
  const r = run('generate', '--task', 'point,multi-type', '--split', 'eval', '--seed', '5', '--length', '300', '--count', '1', '--out', out);
  assert.is(r.status, 0, r.stderr);
  const recs = parseJsonl(readFileSync(out, 'utf8'));
  assert.equal(recs.map(recordToJson), [
    ...generateTask('point', { seed: 5, count: 1, length: 300, split: 'eval' }).map(recordToJson),
    ...generateSynthTask('multi-type', { seed: 5, count: 1, length: 300, split: 'eval' }).map(recordToJson),
  ]);
  assert.match(r.stdout, /\(split eval, seed 5, length 300\)/);
});

test('an unknown task lists the synth names too', () => {
  const r = run('generate', '--task', 'spikes', '--split', 'eval', '--out', join(dir, 'bad.jsonl'));
  assert.is(r.status, 2);
  assert.match(r.stderr, /^anomseer: --task: unknown task "spikes"; valid: all, synth, range, /);
  for (const t of SYNTH_TASKS) assert.ok(r.stderr.includes(t), t);
});

test('baseline --data synth:eval scores the synth tasks in their table columns', () => {
  const json = join(dir, 'baseline.json');
  const r = run('baseline', '--data', 'synth:eval?count=2&tasks=global-spikes,pattern,multi-type', '--json', json);
  assert.is(r.status, 0, r.stderr);
  const report = JSON.parse(readFileSync(json, 'utf8'));
  assert.is(report.count, 6);
  assert.equal(report.counts, { range: 2, 'multi-type': 2, pattern: 2 });
  assert.match(r.stdout, /baseline: 6 series in /);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
