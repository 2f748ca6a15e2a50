import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'anomseer-eval-'));
const run = (...args: string[]) => spawnSync(process.execPath, [join(root, 'bin/anomseer.mjs'), 'eval', ...args], { cwd: dir, encoding: 'utf8' });

const zeros = JSON.stringify(Array(20).fill(0));
writeFileSync(
  join(dir, 'data.jsonl'),
  [
    `{"id": "r", "series": ${zeros}, "intervals": [[5, 10]], "type": "global point", "task": "range"}`,
    `{"id": "t", "series": ${zeros}, "intervals": [[2, 8]], "type": "trend", "task": "trend"}`,
    `{"id": "n", "series": ${zeros}, "intervals": [], "type": "normal", "task": "freq"}`,
  ].join('\n') + '\n',
);
// r: exact (text form); t: exact intervals, wrong class; n: no prediction (missing).
writeFileSync(
  join(dir, 'preds.jsonl'),
  [
    JSON.stringify({ id: 'r', text: '<think> Observation: a jump. </think>\n<answer>[[5, 10]]</answer>\n<class>global</class>' }),
    JSON.stringify({ id: 't', intervals: [[2, 8]], type: 'seasonal' }),
  ].join('\n') + '\n',
);

test('eval prints the table, warns about missing predictions and writes the JSON report', () => {
  const res = run('--predictions', 'preds.jsonl', '--data', 'jsonl:data.jsonl', '--json', 'out/report.json');
  assert.is(res.status, 0, res.stderr);
  assert.match(res.stderr, /1 of 3 series have no prediction/);
  const ours = res.stdout.split('\n').find((l) => l.startsWith('anomseer (this run)'));
  // class: only r right of 3; affiliation F1 freq 0 (missing), trend 100, range 100, point absent; average of 3 = 66.7.
  assert.equal(ours?.slice('anomseer (this run)'.length).trim().split(/\s+/), ['33.3', '0.0', '100.0', '100.0', '—', '66.7']);
  assert.match(res.stdout, /AnomSeer-7B \(TimerPO\)\s+65\.0\s+60\.8/);
  const json = JSON.parse(readFileSync(join(dir, 'out/report.json'), 'utf8'));
  assert.is(json.count, 3);
  assert.is(json.missing, 1);
  assert.ok(Math.abs(json.classAccuracy - 100 / 3) < 1e-9);
  assert.equal(json.affiliationF1, { freq: 0, trend: 100, range: 100, average: 200 / 3 });
  assert.ok(Math.abs(json.pointF1 - 200 / 3) < 1e-9);
});

test('a bad predictions line exits 2 with file:line and field in one message line', () => {
  writeFileSync(join(dir, 'bad.jsonl'), '{"id": "r", "intervals": [], "type": "normal"}\n{"id": "t", "intervals": [[1, 2, 3]]}\n');
  const res = run('--predictions', 'bad.jsonl', '--data', 'jsonl:data.jsonl');
  assert.is(res.status, 2);
  assert.match(res.stderr, /^anomseer: bad\.jsonl, line 2, field "intervals": /);
  assert.not.match(res.stderr, /\n\s+at /, 'no stack trace');
});

test('a missing predictions file exits 2 naming it', () => {
  const res = run('--predictions', 'nope.jsonl', '--data', 'jsonl:data.jsonl');
  assert.is(res.status, 2);
  assert.match(res.stderr, /nope\.jsonl.*does not exist/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
