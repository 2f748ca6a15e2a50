import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrace } from '../../shared/trace/parse.js';

const root = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'anomseer-baseline-'));
const run = (cmd: string, ...args: string[]) => spawnSync(process.execPath, [join(root, 'bin/anomseer.mjs'), cmd, ...args], { cwd: dir, encoding: 'utf8' });
const spec = 'anomllm:eval?count=2';
const ourRow = (stdout: string, label: string) =>
  stdout
    .split('\n')
    .find((l) => l.startsWith(label))
    ?.slice(label.length)
    .trim()
    .split(/\s+/);

const res = run('baseline', '--data', spec, '--json', 'out/report.json', '--save-predictions', 'out/preds.jsonl');

test('baseline prints the titled table with the paper rows and its own row', () => {
  assert.is(res.status, 0, res.stderr);
  assert.match(res.stdout, /^classical baseline: 16 series/);
  assert.match(res.stdout, /AnomSeer-7B \(TimerPO\)\s+65\.0/);
  const row = ourRow(res.stdout, 'classical baseline (blind)');
  assert.ok(row !== undefined && row.length === 6, res.stdout);
  assert.match(res.stdout, /baseline: 16 series in \d+\.\d\d s/);
});

test('--json writes the report of the 16 series', () => {
  const json = JSON.parse(readFileSync(join(dir, 'out/report.json'), 'utf8'));
  assert.is(json.count, 16);
  assert.is(json.missing, 0);
  assert.equal(Object.keys(json.affiliationF1), ['freq', 'trend', 'range', 'point', 'average']);
});

test('--save-predictions writes one line per series whose trace parses to its own intervals and type', () => {
  const lines = readFileSync(join(dir, 'out/preds.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.is(lines.length, 16);
  for (const l of lines) {
    assert.equal(Object.keys(l), ['id', 'text', 'intervals', 'type']);
    const p = parseTrace(l.text, 1000);
    assert.ok(p.formatOk, l.id);
    assert.equal(p.intervals, l.intervals, l.id);
    assert.is(p.type, l.type, l.id);
    assert.match(l.text, /^<think> Observation: /);
  }
});

test('anomseer eval scores the saved predictions exactly as baseline did', () => {
  const ev = run('eval', '--predictions', 'out/preds.jsonl', '--data', spec);
  assert.is(ev.status, 0, ev.stderr);
  assert.equal(ourRow(ev.stdout, 'anomseer (this run)'), ourRow(res.stdout, 'classical baseline (blind)'));
});

test('bad input exits 2 with one line and no stack trace', () => {
  for (const args of [
    ['--data', 'anomllm:nope'],
    ['--data', spec, '--json', ' '],
  ]) {
    const bad = run('baseline', ...args);
    assert.is(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /^anomseer: /);
    assert.not.match(bad.stderr, /\n\s+at /);
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
