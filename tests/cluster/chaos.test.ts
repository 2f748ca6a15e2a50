// Chaos, seeded (tests/cluster/chaos.ts; docs/CLUSTER.md "What survives what"): a small
// Redis-backed job with real processes, one fault per run — a worker, the learner, the
// coordinator, the coordinator with every worker, Redis with AOF, Redis losing everything —
// each SIGKILLed at a seeded point (some right after a weight publish) and started again. Every
// run must finish with every planned prompt trained exactly once and the fault-free run's
// weights, bit for bit; no process may print an unhandled Redis error or a stack trace.
// bench/soak.ts runs the same faults over many seeds.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHAOS_PROMPTS, CHAOS_ROLES, CHAOS_STEPS, FORBIDDEN_LINES, chaosMoment, runChaos } from './chaos.js';
import type { ChaosRole, ChaosRun } from './chaos.js';

const root = mkdtempSync(join(tmpdir(), 'anomseer-chaos-'));
let reference: ChaosRun;

test.after(() => rmSync(root, { recursive: true, force: true }));

/** The first seed from 1 whose fault of `role` comes right after a publish (or not). */
function seedFor(role: ChaosRole, afterPublish: boolean): number {
  for (let seed = 1; ; seed++) if (chaosMoment(role, seed).afterPublish === afterPublish) return seed;
}

/** Each role once; the coordinator, the whole control plane and wiped Redis right after a publish. */
const CASES: readonly { role: ChaosRole; afterPublish: boolean }[] = [
  { role: 'worker', afterPublish: false },
  { role: 'learner', afterPublish: false },
  { role: 'coordinator', afterPublish: true },
  { role: 'coordinator+workers', afterPublish: true },
  { role: 'redis', afterPublish: false },
  { role: 'redis-wiped', afterPublish: true },
];

function clean(run: ChaosRun): void {
  for (const p of run.procs) {
    const bad = p.lines.filter((l) => FORBIDDEN_LINES.test(l));
    assert.equal(bad, [], `${p.name} printed ${bad.length} forbidden line(s)`);
  }
}

test('the fault-free run, for reference: every prompt trained once', async () => {
  reference = await runChaos({ role: 'none', seed: 0, dir: join(root, 'reference') });
  const c = reference.summary.cluster;
  assert.equal([reference.summary.steps, c.groupsTrained, c.untrainedItems, c.extraGroups], [CHAOS_STEPS, CHAOS_PROMPTS, 0, 0]);
  clean(reference);
});

assert.equal(
  CASES.map((c) => c.role),
  [...CHAOS_ROLES],
);
for (const { role, afterPublish } of CASES) {
  const seed = seedFor(role, afterPublish);
  const at = chaosMoment(role, seed);
  const when = at.afterPublish ? `right after version ${at.step + 1} is published` : `${at.delayMs} ms after step ${at.step}`;
  test(`${role} SIGKILLed ${when} (seed ${seed}), restarted: the job finishes, every prompt trained once, the reference weights`, async () => {
    const run = await runChaos({ role, seed, dir: join(root, `${role}-${seed}`) });
    const s = run.summary;
    assert.equal(
      [s.steps, s.cluster.groupsTrained, s.cluster.untrainedItems, s.cluster.extraGroups],
      [CHAOS_STEPS, CHAOS_PROMPTS, 0, 0],
      `${run.fault}: every planned prompt trained exactly once`,
    );
    assert.is(s.cluster.finalWeightsSha256, reference.summary.cluster.finalWeightsSha256, `${run.fault}: the weights of the fault-free run`);
    assert.equal(s.history, reference.summary.history);
    clean(run);
    if (role === 'redis-wiped') {
      const coord = run.procs.find((p) => p.name === 'coordinator')!;
      const said = coord.lines.filter((l) => /state of job .* is gone/.test(l));
      assert.equal(said.length, 1, coord.lines.slice(-10).join('\n'));
      assert.match(
        said[0]!,
        /^coordinator: the state of job \S+ is gone from redis 127\.0\.0\.1:\d+ .*; stopping \(to go on: restart the coordinator with --rebuild-state and the learner with --resume/,
      );
      const learner = run.procs.find((p) => p.name === 'learner')!;
      const told = learner.lines.filter((l) => l.startsWith('anomseer: '));
      assert.equal(told.length, 1, learner.lines.slice(-10).join('\n'));
      assert.match(told[0]!, /--rebuild-state|--resume/);
      assert.equal(s.cluster.claim.reset, 'rebuilt');
    }
    if (role === 'learner') assert.equal(s.cluster.claim.reset, 'rolled-back');
  });
}

test.run();
