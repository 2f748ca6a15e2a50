import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SPLIT_SEEDS, generateTask } from '../../shared/anomllm/generate.js';
import { ANOMLLM_TASKS, TASKS } from '../../shared/series/labels.js';
import { recordToJson } from '../../shared/series/record.js';

const BIN = new URL('../../bin/anomseer.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'anomseer-generate-'));

function run(...args: string[]) {
  return spawnSync(process.execPath, [BIN, 'generate', ...args], { encoding: 'utf8' });
}

test('generate writes one JSON record per line, equal to generateTask, and prints a one-line summary', () => {
  const out = join(dir, 'sub', 'small.jsonl');
  const r = run('--task', 'range,shapelet', '--split', 'eval', '--seed', '5', '--count', '3', '--length', '100', '--out', out);
  assert.is(r.status, 0, r.stderr);
  const lines = readFileSync(out, 'utf8').split('\n');
  assert.is(lines.pop(), '', 'file ends with a newline');
  const want = [
    ...generateTask('range', { seed: 5, count: 3, length: 100, split: 'eval' }),
    ...generateTask('shapelet', { seed: 5, count: 3, length: 100, split: 'eval' }),
  ];
  assert.equal(
    lines.map((l) => JSON.parse(l)),
    want.map(recordToJson),
  );
  assert.is(r.stdout.trim().split('\n').length, 1);
  assert.match(r.stdout, /wrote 6 records/);
  for (const task of ['range', 'shapelet']) {
    const mine = want.filter((x) => x.task === task);
    const normal = mine.filter((x) => x.type === 'normal').length;
    assert.ok(r.stdout.includes(`${task} ${mine.length - normal}/${normal}`), r.stdout);
  }
});

test('--task all writes the 8 AnomLLM tasks with the split seed by default', () => {
  const out = join(dir, 'all.jsonl');
  const r = run('--task', 'all', '--split', 'train', '--count', '2', '--length', '50', '--out', out);
  assert.is(r.status, 0, r.stderr);
  const recs = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(
    recs.map((x) => x.task),
    ANOMLLM_TASKS.flatMap((t) => [t, t]),
  );
  const trend = generateTask('trend', { seed: SPLIT_SEEDS.train, count: 2, length: 50, split: 'train' }).map(recordToJson);
  assert.equal(
    recs.filter((x) => x.task === 'trend'),
    trend,
  );
});

test('an unknown task exits 2 with a message listing the valid names, and writes nothing', () => {
  const out = join(dir, 'bad.jsonl');
  const r = run('--task', 'sawtooth', '--split', 'eval', '--out', out);
  assert.is(r.status, 2);
  assert.match(r.stderr, /^anomseer: --task: unknown task "sawtooth"; valid: all, /);
  for (const t of TASKS) assert.ok(r.stderr.includes(t), `lists ${t}`);
  assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
  assert.not.ok(existsSync(out));
});

test('bad numbers and splits exit 2 naming the flag and the allowed range', () => {
  const out = join(dir, 'bad2.jsonl');
  const cases: [string[], RegExp][] = [
    [['--count', '0'], /--count: must be an integer in \[1, 1000000\], got "0"/],
    [['--length', '12x'], /--length: must be an integer in \[1, 1000000\], got "12x"/],
    [['--seed', '-3'], /--seed: must be an integer in \[0, 4294967295\], got "-3"/],
  ];
  for (const [flags, re] of cases) {
    const r = run('--task', 'range', '--split', 'eval', ...flags, '--out', out);
    assert.is(r.status, 2, flags.join(' '));
    assert.match(r.stderr, re);
  }
  const r = run('--task', 'range', '--split', 'test', '--out', out);
  assert.is(r.status, 2);
  assert.match(r.stderr, /--split: must be "train" or "eval", got "test"/);
  assert.not.ok(existsSync(out));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
