// The learner and the workers wait out a coordinator that is away (cluster.coordinatorWait,
// default 5 minutes; docs/CLUSTER.md "What survives what"):
//   - real processes on Redis: the coordinator SIGKILLed and kept down for 20 s (the learner used
//     to exit 2 after 17 s), then started again: each of them says "unreachable" once and
//     "reachable again" once, and the job finishes with every prompt trained once;
//   - in this process, with a manual clock (no real waiting): a coordinator that never comes back
//     stops a worker and a learner after exactly cluster.coordinatorWait, each with one line.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnavailableError } from '../../proto/errors.js';
import { runRemoteTraining } from '../../learner/remote-loop.js';
import { RolloutWorker, onnxSamplerFactory } from '../../rollout-worker/worker-loop.js';
import { freePort } from '../helpers/ports.js';
import { startRedis } from '../helpers/redis.js';
import { within } from '../helpers/wait.js';
import { clients, manualClock, smokeJob } from './helpers.js';
import { killAll, readSummary, startCoordinator, startRole } from './procs.js';

const root = mkdtempSync(join(tmpdir(), 'anomseer-outage-'));
test.after(async () => {
  await killAll();
  rmSync(root, { recursive: true, force: true });
});

test('the coordinator down for 20 s: the learner and the workers wait, say so once each, and the job finishes', async () => {
  const redis = await startRedis();
  try {
    const sets = [
      'train.steps=4',
      'train.warmStart.enabled=false',
      'data.eval=anomllm:eval?count=1&length=64',
      'cluster.heartbeatInterval=500ms',
      `outputDir=${join(root, 'down')}`,
    ];
    const listen = `127.0.0.1:${await freePort()}`;
    const extra = ['--redis', `redis://127.0.0.1:${redis.port}`];
    const first = await startCoordinator('examples/smoke.yaml', sets, { extra, listen });
    const workers = [1, 2].map((i) => startRole(`worker ${i}`, ['worker', '--coordinator', listen, '--max-prompts', '1']));
    const summary = join(root, 'down', 'summary.json');
    const learner = startRole('learner', [
      'learner',
      'examples/smoke.yaml',
      ...sets.flatMap((s) => ['--set', s]),
      '--coordinator',
      listen,
      '--summary',
      summary,
    ]);
    await learner.waitFor(/^step 2\/4 /);
    first.proc.child.kill('SIGKILL');
    await first.proc.exited;
    await within(learner.waitFor(/unreachable/), 'the learner notices');
    await new Promise((r) => setTimeout(r, 20_000)); // the outage itself: deliberately long
    await startCoordinator('examples/smoke.yaml', sets, { extra, listen, name: 'coordinator again' });
    assert.is(await within(learner.exited, 'the learner finishes'), 0, learner.lines.slice(-15).join('\n'));
    const s = readSummary(summary);
    assert.equal([s.steps, s.cluster.groupsTrained, s.cluster.untrainedItems, s.cluster.extraGroups], [4, 16, 0, 0]);
    for (const w of workers) assert.is(await within(w.exited, `${w.name} hears the job is done`), 0, w.lines.slice(-10).join('\n'));
    for (const p of [learner, ...workers]) {
      const down = p.lines.filter((l) => / unreachable \(/.test(l));
      const up = p.lines.filter((l) => /reachable again after \d+\.\d s$/.test(l));
      assert.is(down.length, 1, `${p.name}:\n${p.lines.join('\n')}`);
      assert.match(down[0]!, /retrying for up to 5m \(cluster\.coordinatorWait\)$/);
      assert.is(up.length, 1, `${p.name}:\n${p.lines.join('\n')}`);
      assert.ok(Number(/after (\d+\.\d) s$/.exec(up[0]!)![1]) >= 20, up[0]);
    }
  } finally {
    await killAll();
    await redis.stop();
  }
});

/** A manual clock whose sleep moves it (a wait of any length costs nothing). */
function fastTime() {
  const clock = manualClock();
  return { clock, sleep: async (ms: number) => clock.advance(ms) };
}

test('a coordinator that never comes back: a worker stops after cluster.coordinatorWait with one line', async () => {
  const { clock, sleep } = fastTime();
  const dead = clients(`127.0.0.1:${await freePort()}`);
  const log: string[] = [];
  try {
    const w = new RolloutWorker({
      coord: dead.coord,
      weights: dead.weights,
      buildSampler: onnxSamplerFactory({ device: 'cpu', threads: 1 }),
      clock: clock.now,
      sleep,
      logger: (l) => log.push(l),
      host: 'h',
      device: 'cpu',
      coordinatorWaitMs: 120_000,
    });
    const started = clock.now();
    const err = await w.run().catch((e: unknown) => e);
    assert.instance(err, UnavailableError);
    assert.match((err as Error).message, /coordinator was unreachable for 2m \(cluster\.coordinatorWait; last error: .*UNAVAILABLE.*\); stopping$/);
    const waited = clock.now() - started;
    assert.ok(waited > 100_000 && waited <= 120_000, `waited ${waited} ms`);
    assert.is(log.length, 1, log.join('\n'));
    assert.match(log[0]!, /^worker \(unregistered\): coordinator unreachable \(.*\); retrying for up to 2m \(cluster\.coordinatorWait\)$/);
  } finally {
    dead.close();
  }
});

test('a coordinator that never comes back: the learner stops after cluster.coordinatorWait with one line', async () => {
  const { clock, sleep } = fastTime();
  const address = `127.0.0.1:${await freePort()}`;
  const dead = clients(address);
  const log: string[] = [];
  try {
    const job = smokeJob({ 'cluster.coordinatorWait': '3m', outputDir: join(root, 'never') });
    const started = clock.now();
    const err = await runRemoteTraining(job, {
      coord: dead.coord,
      weights: dead.weights,
      rpcDeadlineMs: 1000,
      sleep,
      clock: () => new Date(clock.now()),
      log: (l) => log.push(l),
      coordinatorName: address,
    }).catch((e: unknown) => e);
    assert.instance(err, UnavailableError);
    assert.match(
      (err as Error).message,
      new RegExp(`^learner: coordinator ${address} was unreachable for 3m \\(cluster\\.coordinatorWait; last error: .*\\); stopping$`),
    );
    const waited = clock.now() - started;
    assert.ok(waited > 170_000 && waited <= 185_000, `waited ${waited} ms`);
    assert.is(log.length, 1, log.join('\n'));
    assert.match(log[0]!, new RegExp(`^learner: coordinator ${address} unreachable \\(.*\\); retrying for up to 3m \\(cluster\\.coordinatorWait\\)$`));
  } finally {
    dead.close();
  }
});

test.run();
