// The fault of issue 11 ("coordinator SIGKILLed right after `weights: version 6 … published`,
// restarted: workers get NOT_FOUND forever, the learner waits forever"), with every role a real
// process and the state in a real Redis: a coordinator, the learner and workers run an 8-step
// job; the coordinator is SIGKILLed right after version 6 is published and restarted on the same
// Redis and address. The job finishes and every planned prompt was trained exactly once.
//
// Two cases:
//   - "learner answered": killed once the learner has its answer and logged step 5, while the
//     workers that will train step 6 are frozen without version 6 (the third worker dies with
//     the coordinator). Nobody publishes version 6 again, so its bytes can only come from Redis.
//   - "published line": killed on the coordinator's own "published" line. The learner may or may
//     not have its answer; without it, it publishes the same bytes again (a no-op). Either way
//     version 6 is served after the restart.
//
// The learner is frozen (SIGSTOP) across the outage and resumed once the new coordinator
// listens: how long a learner waits out an unreachable coordinator is a separate question (its
// retry budget), and this test must not depend on how fast a loaded machine restarts a process.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/ports.js';
import { startRedis } from '../helpers/redis.js';
import type { RedisServer } from '../helpers/redis.js';
import { EVENT_LIMIT_MS, within } from '../helpers/wait.js';
import { killAll, startRole } from './procs.js';
import type { Proc } from './procs.js';

let redis: RedisServer;
test.before(async () => {
  redis = await startRedis();
});
test.after(async () => {
  await killAll();
  await redis.stop();
});

const LIMIT = EVENT_LIMIT_MS;
const STEPS = 8;
const PROMPTS_PER_STEP = 4; // examples/smoke.yaml

interface Run {
  readonly coordinator: (listen: string) => Proc;
  readonly address: string;
  readonly first: Proc;
  readonly learner: Proc;
  readonly worker: (id: string) => Proc;
  readonly summaryFile: string;
}

interface Case {
  readonly name: string;
  readonly workers: readonly string[];
  /** Bring the run to the kill; returns the workers it froze (resumed after the restart) and the processes to SIGKILL with the coordinator. */
  readonly beforeKill: (run: Run, workers: Proc[]) => Promise<{ frozen: Proc[]; dieWithCoordinator: Proc[] }>;
  /** What the restarted coordinator must have logged about version 6. */
  readonly served: RegExp;
}

/** Weight versions `w` loaded, in order. */
const loaded = (w: Proc): number[] => w.lines.flatMap((l) => /loaded weight version (\d+) /.exec(l)?.slice(1).map(Number) ?? []);

const CASES: readonly Case[] = [
  {
    name: 'learner answered: version 6 reaches the frozen workers only from Redis',
    workers: ['a', 'b', 'c'],
    beforeKill: async (run, [a, b, c]) => {
      // a and b freeze as soon as they hold version 5; c trains step 5 alone (a's and b's leases expire).
      const freezeOn5 = async (w: Proc) => {
        await w.waitFor(/loaded weight version 5 /, LIMIT);
        w.child.kill('SIGSTOP');
      };
      await Promise.all([freezeOn5(a!), freezeOn5(b!)]);
      await run.learner.waitFor(/^step 5\/8 v6:/, LIMIT);
      assert.ok(Math.max(...loaded(a!), ...loaded(b!)) < 6, 'a and b were frozen before version 6 existed');
      return { frozen: [a!, b!], dieWithCoordinator: [c!] };
    },
    served: /weights: version 6 \(\d+ bytes\) read back from the blob store/,
  },
  {
    name: 'published line: killed on the coordinator\'s "version 6 … published"',
    workers: ['a', 'b'],
    beforeKill: async (run) => {
      await run.first.waitFor(/weights: version 6 \(.*\) published/, LIMIT);
      return { frozen: [], dieWithCoordinator: [] };
    },
    // From Redis, or the learner's second publish of the same bytes (it did not get the answer).
    served: /weights: version 6 (\(\d+ bytes\) read back from the blob store|\(step 5, .*\) published)/,
  },
];

for (const c of CASES) {
  test(`coordinator SIGKILLed after version 6 is published, restarted on the same Redis (${c.name}): workers and learner go on, the job finishes, every prompt trained once`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'anomseer-weights-restart-job-'));
    const sets = [
      'name=restart-job',
      `outputDir=${join(dir, 'run')}`,
      `train.steps=${STEPS}`,
      'train.warmStart.enabled=false',
      'cluster.heartbeatInterval=500ms',
      'cluster.leaseTimeout=5s',
      'data.eval=anomllm:eval?count=1&length=64',
    ];
    const setFlags = sets.flatMap((s) => ['--set', s]);
    const coordinator = (listen: string): Proc =>
      startRole('coordinator', [
        'coordinator',
        'examples/smoke.yaml',
        ...setFlags,
        '--redis',
        `redis://${redis.host}:${redis.port}`,
        '--listen',
        listen,
        '--no-dashboard',
      ]);
    try {
      await redis.connect().flushall();
      const first = coordinator(`127.0.0.1:${await freePort()}`); // outside the ephemeral range: the second gets it back
      const address = (await first.waitFor(/listening on (\S+)/, LIMIT))[1]!;
      const summaryFile = join(dir, 'summary.json');
      const learner = startRole('learner', ['learner', 'examples/smoke.yaml', ...setFlags, '--coordinator', address, '--summary', summaryFile]);
      // Workers fetch from the coordinator only (--peer-listen off): a worker frozen on version 5
      // must not be the relay another worker is reading version 5 from (relays and their
      // fail-over are tests/cluster/weight-relay.test.ts's subject).
      const worker = (id: string) => startRole(`worker ${id}`, ['worker', '--coordinator', address, '--id', id, '--max-prompts', '1', '--peer-listen', 'off']);
      const run: Run = { coordinator, address, first, learner, worker, summaryFile };
      const workers = c.workers.map(worker);

      const { frozen, dieWithCoordinator } = await c.beforeKill(run, workers);
      learner.child.kill('SIGSTOP');
      for (const p of [first, ...dieWithCoordinator]) p.child.kill('SIGKILL');
      assert.is(await within(first.exited, 'the first coordinator dies'), 'SIGKILL');

      const second = coordinator(address);
      await second.waitFor(/listening on/, LIMIT);
      learner.child.kill('SIGCONT');
      for (const w of frozen) w.child.kill('SIGCONT');

      assert.is(await within(learner.exited, 'the learner finishes the job', LIMIT), 0, learner.lines.slice(-30).join('\n'));
      const survivors = workers.filter((w) => !dieWithCoordinator.includes(w));
      for (const w of survivors) assert.is(await within(w.exited, `${w.name} stops when the job is done`, LIMIT), 0, w.lines.slice(-20).join('\n'));
      // Version 6 reached a worker after the restart (step 6 trains only on it: max staleness 0), and every worker moved past 5.
      const afterRestart = survivors.flatMap((w) => loaded(w).filter((v) => v >= 6));
      assert.ok(afterRestart.includes(6), survivors.map((w) => w.lines.join('\n')).join('\n\n'));
      for (const w of survivors) assert.ok(Math.max(...loaded(w)) >= 6, `${w.name} moved past version 5:\n${w.lines.join('\n')}`);
      assert.ok(
        second.lines.some((l) => c.served.test(l)),
        second.lines.join('\n'),
      );
      // Nobody was told that a version's bytes were gone.
      for (const p of [learner, ...survivors, second])
        assert.not.ok(
          p.lines.some((l) => /bytes are gone/.test(l)),
          `${p.name}:\n${p.lines.join('\n')}`,
        );

      const s = JSON.parse(readFileSync(summaryFile, 'utf8'));
      assert.is(s.steps, STEPS);
      assert.is(s.weightVersion, STEPS + 1);
      assert.is(s.cluster.groupsTrained, STEPS * PROMPTS_PER_STEP);
      assert.is(s.cluster.untrainedItems, 0, 'every planned prompt was trained');
      assert.is(s.cluster.extraGroups, 0, 'no prompt was trained twice');
      assert.is(s.cluster.groupsSkipped, 0);
    } finally {
      await killAll();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
