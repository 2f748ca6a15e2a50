// `anomseer train examples/smoke.yaml` runs end to end and writes its summary.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

test('the smoke job trains, evaluates, checkpoints and writes the summary', () => {
  const dir = mkdtempSync(join(tmpdir(), 'anomseer-smoke-'));
  try {
    const summaryFile = join(dir, 'summary.json');
    const r = spawnSync(
      process.execPath,
      ['bin/anomseer.mjs', 'train', 'examples/smoke.yaml', '--set', `outputDir=${join(dir, 'run')}`, '--summary', summaryFile],
      { encoding: 'utf8' },
    );
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, /warm-start 3\/3/);
    assert.match(r.stdout, /step 3\/3 v4/);
    const s = JSON.parse(readFileSync(summaryFile, 'utf8'));
    for (const k of ['steps', 'weightVersion', 'promptsTrained', 'promptsRequeued', 'duplicatesDropped', 'workers']) assert.ok(k in s, `summary lacks ${k}`);
    assert.is(s.steps, 3);
    assert.is(s.promptsTrained, 12);
    assert.ok(existsSync(join(s.checkpoint, 'model.safetensors')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unknown config key fails before any work, naming the key', () => {
  const r = spawnSync(process.execPath, ['bin/anomseer.mjs', 'train', 'examples/smoke.yaml', '--set', 'train.stepz=3'], { encoding: 'utf8' });
  assert.is(r.status, 2);
  assert.match(r.stderr, /train\.stepz/);
  assert.match(r.stderr, /steps/);
});

test.run();
