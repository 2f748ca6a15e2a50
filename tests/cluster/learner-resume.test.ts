// A cluster job survives its learner (real processes; docs/CLUSTER.md "Learner resume"):
//   - SIGKILLed after a checkpoint and a later publish (coordinator on a real Redis), started
//     again with the same args, `--auto-resume` (a fresh start the first time, a resume the
//     second; `--resume` is the two-learners case's): the coordinator's job is set back to the checkpoint, the versions
//     published after it are dropped, the steps after it are sampled and trained again; the job
//     finishes with every planned prompt trained exactly once and the weights of a run that
//     never failed, bit for bit;
//   - SIGINT to `train --workers 2`: the learner saves a checkpoint and exits 130; `train
//     --workers 2 --resume` (a new coordinator: its state rebuilt from the checkpoint) finishes
//     with the same weights;
//   - two learners: the one that claimed the job first is refused at its next call and stops.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { unary } from '../../proto/call.js';
import { startRedis } from '../helpers/redis.js';
import type { RedisServer } from '../helpers/redis.js';
import { within } from '../helpers/wait.js';
import { TOKEN, clients } from './helpers.js';
import { killAll, readSummary, startCoordinator, startRole } from './procs.js';

const root = mkdtempSync(join(tmpdir(), 'anomseer-learner-resume-'));
const JOB = 'examples/smoke.yaml';
/** 6 steps of 4 prompts, a checkpoint every 3 steps; no warm start, a tiny eval. */
const SETS = [
  'train.steps=6',
  'train.checkpointEvery=3',
  'train.warmStart.enabled=false',
  'data.eval=anomllm:eval?count=1&length=64',
  'cluster.leaseTimeout=6s',
  'cluster.heartbeatInterval=500ms',
];
const sets = (dir: string) => [...SETS, `outputDir=${join(root, dir)}`];
const flags = (dir: string) => sets(dir).flatMap((s) => ['--set', s]);
const checkpoints = (dir: string) =>
  readdirSync(join(root, dir))
    .filter((n) => /^step-\d+$/.test(n))
    .sort();

let reference: ReturnType<typeof readSummary>;

/** Coordinator (memory, or Redis with `redis`), two workers and a learner; resolves with them once the learner runs. */
async function cluster(dir: string, opts: { redis?: RedisServer } = {}) {
  const extra = opts.redis === undefined ? [] : ['--redis', `redis://127.0.0.1:${opts.redis.port}`];
  const { proc: coordinator, address } = await startCoordinator(JOB, sets(dir), { extra });
  const workers = [1, 2].map((i) => startRole(`worker ${i}`, ['worker', '--coordinator', address, '--max-prompts', '1']));
  const learner = (name: string, more: string[] = []) =>
    startRole(name, ['learner', JOB, ...flags(dir), '--coordinator', address, '--summary', join(root, dir, `${name}.json`), ...more]);
  return { coordinator, address, workers, learner };
}

test.after(async () => {
  await killAll();
  rmSync(root, { recursive: true, force: true });
});

test('a run that never fails, for reference', async () => {
  const c = await cluster('reference');
  const l = c.learner('learner');
  assert.is(await within(l.exited, 'reference learner'), 0, l.lines.slice(-20).join('\n'));
  reference = readSummary(join(root, 'reference', 'learner.json'));
  assert.equal([reference.steps, reference.cluster.groupsTrained, reference.cluster.untrainedItems, reference.cluster.extraGroups], [6, 24, 0, 0]);
  await killAll();
});

test('learner SIGKILLed after a checkpoint and a later publish, started again with the same --auto-resume args (as its Kubernetes Job does): the job finishes, each prompt trained once, the same weights', async () => {
  const redis = await startRedis();
  try {
    const c = await cluster('killed', { redis });
    // --auto-resume on an empty directory starts the run; the same args again resume it.
    const first = c.learner('first', ['--auto-resume']);
    // "step 5/6" is printed after version 6 is published; the last checkpoint is step 3's.
    await first.waitFor(/^step 5\/6 v6:/);
    first.child.kill('SIGSTOP'); // freeze it where it is, then read what it left
    const ck = checkpoints('killed');
    const cl = clients(c.address);
    const published = (await unary(cl.coord, cl.coord.GetStatus, {})).weight_version;
    cl.close();
    first.child.kill('SIGKILL');
    assert.is(await first.exited, 'SIGKILL');
    const last = Number(ck[ck.length - 1]!.slice(5));
    assert.ok(published >= last + 1, `published ${published}, checkpoint ${last}`);

    const second = c.learner('second', ['--auto-resume']);
    assert.is(await within(second.exited, 'resumed learner'), 0, second.lines.slice(-20).join('\n'));
    const s = readSummary(join(root, 'killed', 'second.json'));
    assert.is(s.resumedFrom, join(root, 'killed', ck[ck.length - 1]!));
    assert.equal(s.cluster.claim.reset, 'rolled-back');
    assert.equal([s.cluster.claim.learnerEpoch, s.cluster.claim.previousVersion], [2, published]);
    assert.match(
      second.lines.join('\n'),
      new RegExp(`resuming .* from .*step-0*${last} \\(rl step ${last}, version ${last + 1}; learner epoch 2\\): coordinator state rolled-back`),
    );
    if (published > last + 1)
      assert.ok(
        second.lines.some((l) => l.includes(`versions ${last + 2}..${published} dropped`)),
        second.lines.join('\n'),
      );
    // The steps after the checkpoint were trained again: their groups from the first learner discarded.
    assert.ok(s.cluster.groupsDiscarded >= (published - last - 1) * 4, `discarded ${s.cluster.groupsDiscarded}`);
    assert.equal([s.steps, s.weightVersion, s.promptsTrained], [6, 7, 24]);
    assert.equal([s.cluster.groupsTrained, s.cluster.untrainedItems, s.cluster.extraGroups], [24, 0, 0], 'every planned prompt trained exactly once');
    assert.is(s.cluster.finalWeightsSha256, reference.cluster.finalWeightsSha256, 'the weights of the run that never failed');
    assert.equal(s.history, reference.history);
    assert.ok(
      c.workers.some((w) => w.lines.some((l) => /the coordinator's latest version is below the \d+ held \(a learner resumed\); loading its latest/.test(l))),
      'a worker ahead of the set-back job loads its latest again',
    );
    await killAll();
  } finally {
    await killAll();
    await redis.stop();
  }
});

test('SIGINT to `train --workers 2`: a checkpoint and exit 130; `train --workers 2 --resume` rebuilds the state from it and ends with the same weights', async () => {
  const dir = join(root, 'interrupted');
  const summary = join(dir, 'summary.json');
  const run = (more: string[]) => {
    const child = spawn(
      process.execPath,
      ['bin/anomseer.mjs', 'train', JOB, ...flags('interrupted'), '--workers', '2', '--no-dashboard', '--summary', summary, ...more],
      {
        env: { ...process.env, ANOMSEER_TOKEN: TOKEN },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const lines: string[] = [];
    const seen = new Set<(l: string) => void>();
    for (const s of [child.stdout, child.stderr]) createInterface({ input: s }).on('line', (l) => (lines.push(l), [...seen].forEach((f) => f(l))));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const line = (re: RegExp) => new Promise<void>((resolve) => (lines.some((l) => re.test(l)) ? resolve() : seen.add((l) => re.test(l) && resolve())));
    return { child, lines, exited, line };
  };
  const a = run([]);
  try {
    await within(a.line(/\[learner\] step 2\/6 v3:/), 'step 2 of the first run');
    a.child.kill('SIGINT');
    assert.is(await within(a.exited, 'the interrupted run'), 130, a.lines.slice(-20).join('\n'));
    const stop = a.lines.find((l) =>
      /\[learner\] learner: stopped in the RL after step \d+; checkpoint .*step-\d+; continue with: anomseer learner .* --resume/.test(l),
    );
    assert.ok(stop, a.lines.slice(-20).join('\n'));
    const at = Number(/after step (\d+)/.exec(stop!)![1]);
    assert.ok(at >= 2 && at < 6, `stopped after step ${at}`);
  } finally {
    if (a.child.exitCode === null) a.child.kill('SIGKILL');
  }
  const b = run(['--resume']);
  try {
    assert.is(await within(b.exited, 'the resumed run'), 0, b.lines.slice(-20).join('\n'));
  } finally {
    if (b.child.exitCode === null) b.child.kill('SIGKILL');
  }
  assert.ok(b.lines.some((l) => /\[coordinator\] .*--rebuild-state: a resumed learner may rebuild the job state/.test(l)));
  assert.ok(
    b.lines.some((l) => /\[coordinator\] coordinator: learner \S+ rebuilt the job state from its checkpoint at version \d+/.test(l)),
    b.lines.join('\n'),
  );
  const s = readSummary(summary);
  assert.equal(s.cluster.claim.reset, 'rebuilt');
  assert.equal([s.cluster.groupsTrained, s.cluster.untrainedItems, s.cluster.extraGroups, s.promptsTrained], [24, 0, 0, 24]);
  assert.is(s.cluster.finalWeightsSha256, reference.cluster.finalWeightsSha256);
  assert.equal(s.history, reference.history);
});

test('two learners: the first is refused once the second claims the job, and stops with one line; the second finishes', async () => {
  const c = await cluster('two');
  const first = c.learner('first');
  await first.waitFor(/^step 3\/6 v4:/); // its checkpoint at step 3 is written right after this line
  const second = c.learner('second', ['--resume']);
  // (From its step-3 checkpoint, or from the start if it came before that checkpoint was written.)
  await second.waitFor(/learner epoch 2\b/);
  assert.is(await within(first.exited, 'the first learner stops'), 2, first.lines.slice(-10).join('\n'));
  const said = first.lines.filter((l) => l.startsWith('anomseer: '));
  assert.equal(said.length, 1, first.lines.slice(-10).join('\n'));
  assert.match(said[0]!, /^anomseer: learner epoch 1 was replaced: learner epoch 2 has claimed the job since; this learner stops/);
  assert.is(await within(second.exited, 'the second learner'), 0, second.lines.slice(-20).join('\n'));
  const s = readSummary(join(root, 'two', 'second.json'));
  assert.equal([s.cluster.groupsTrained, s.cluster.untrainedItems, s.cluster.extraGroups], [24, 0, 0]);
  assert.is(s.cluster.finalWeightsSha256, reference.cluster.finalWeightsSha256);
  await killAll();
});

test.run();
