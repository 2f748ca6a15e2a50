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

test('checkpoints/broad loads as documented (robust per window, D*, the slope-change scan, the seasonal residual) and answers a NAB file faithfully', () => {
  const dir = mkdtempSync(join(tmpdir(), 'anomseer-broad-'));
  try {
    const out = join(dir, 'detect');
    const csv = 'data/nab/data/artificialNoAnomaly/art_daily_no_noise.csv';
    const r = spawnSync(process.execPath, ['bin/anomseer.mjs', 'detect', csv, '--checkpoint', 'checkpoints/broad', '--out', out], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const res = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as { windows: { text: string }[]; normalize?: string };
    assert.ok(res.windows.length >= 4, `${res.windows.length} windows`);
    const ev = spawnSync(
      process.execPath,
      ['bin/anomseer.mjs', 'eval', '--checkpoint', 'checkpoints/broad', '--data', 'anomllm:eval?count=2', '--json', join(dir, 'e.json')],
      {
        encoding: 'utf8',
      },
    );
    assert.is(ev.status, 0, ev.stderr);
    const j = JSON.parse(readFileSync(join(dir, 'e.json'), 'utf8'));
    assert.equal([j.faithfulness.conclusionAgreement, j.faithfulness.statedNumberAccuracy, j.faithfulness.wellFormedIntervals], [100, 100, 100]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the spec each shipped checkpoint carries is the one its README and job file describe', async () => {
  const { loadPolicy } = await import('../../shared/policy/checkpoint.js');
  const broad = await loadPolicy('checkpoints/broad');
  assert.is(broad.spec.features.normalize, 'robust');
  assert.is(broad.spec.features.slopeChange, true);
  assert.is(broad.spec.features.seasonal, true);
  assert.is(broad.spec.copyRest, true);
  const main0 = await loadPolicy('checkpoints/default');
  assert.not.ok(main0.spec.features.seasonal === true, 'the protocol policy has no seasonal channels');
  assert.is(broad.spec.trace, 'faithful');
  const main = await loadPolicy('checkpoints/default');
  assert.is(main.spec.features.normalize, 'none');
  assert.is(main.spec.features.slopeChange, true);
  assert.is(main.spec.copyRest, true);
});

test.run();
