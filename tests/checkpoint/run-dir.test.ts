// claimRunDir (shared/checkpoint/run-dir.ts): which run a directory holds decides whether a
// start, a resume or an automatic resume (a pod started again by its controller) may claim it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimRunDir } from '../../shared/checkpoint/run-dir.js';
import { ConfigError } from '../../shared/errors.js';

const root = mkdtempSync(join(tmpdir(), 'anomseer-run-dir-'));
const rec = { jobId: 'smoke-0123456789ab', configHash: 'c0ffee', createdAt: '2026-12-05T00:00:00.000Z' };
const refused = (f: () => unknown, re: RegExp) => {
  try {
    f();
  } catch (err) {
    assert.instance(err, ConfigError);
    assert.match((err as Error).message, re);
    return;
  }
  assert.unreachable('expected a ConfigError');
};

test.after(() => rmSync(root, { recursive: true, force: true }));

test("'auto' starts a run in an empty or absent directory, and claims it as a start would", () => {
  const dir = join(root, 'fresh');
  assert.is(claimRunDir(dir, rec, { resume: 'auto' }), 'new');
  assert.equal(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')), rec);
  const empty = join(root, 'empty');
  mkdirSync(empty);
  assert.is(claimRunDir(empty, rec, { resume: 'auto' }), 'new');
});

test("'auto' resumes the directory's own run, with or without checkpoints", () => {
  const dir = join(root, 'own');
  claimRunDir(dir, rec, { resume: false });
  assert.is(claimRunDir(dir, rec, { resume: 'auto' }), 'resumed', 'no checkpoint yet');
  mkdirSync(join(dir, 'step-000003'));
  assert.is(claimRunDir(dir, rec, { resume: 'auto' }), 'resumed');
  assert.is(claimRunDir(dir, rec, { resume: true }), 'resumed');
  refused(
    () => claimRunDir(dir, rec, { resume: false }),
    /already holds run smoke-0123456789ab \(1 checkpoint, latest step-000003\); continue it with --resume/,
  );
});

test("'auto' refuses what a resume refuses: another job's run, checkpoints without a run record", () => {
  const dir = join(root, 'other');
  claimRunDir(dir, { ...rec, jobId: 'paper-ffffffffffff' }, { resume: false });
  refused(() => claimRunDir(dir, rec, { resume: 'auto' }), /holds run paper-ffffffffffff, but this job is smoke-0123456789ab/);
  const orphan = join(root, 'orphan');
  mkdirSync(join(orphan, 'warm-start-000010'), { recursive: true });
  refused(() => claimRunDir(orphan, rec, { resume: 'auto' }), /holds no run to resume \(no run\.json\)/);
  refused(() => claimRunDir(join(root, 'absent'), rec, { resume: true }), /holds no run to resume/);
});

test.run();
