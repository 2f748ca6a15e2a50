// The shipped policy (checkpoints/default) is what `eval` uses without --checkpoint, so a
// new user can evaluate without training; on a small slice of the eval split it must keep
// the quality it shipped with (see checkpoints/default/README.md for the full-split table).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

test('eval without --checkpoint runs the shipped policy and beats AnomSeer-7B on 40 eval series', () => {
  const dir = mkdtempSync(join(tmpdir(), 'anomseer-default-'));
  try {
    const out = join(dir, 'eval.json');
    const r = spawnSync(process.execPath, ['bin/anomseer.mjs', 'eval', '--data', 'anomllm:eval?count=5', '--json', out], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, /eval of checkpoint .*checkpoints\/default/);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    assert.is(j.count, 40);
    // AnomSeer-7B, docs/METHOD.md §7: class acc 65.0, avg affiliation F1 84.4
    assert.ok(j.classAccuracy > 65.0, `class acc ${j.classAccuracy}`);
    assert.ok(j.affiliationF1.average > 84.4, `avg F1 ${j.affiliationF1.average}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
