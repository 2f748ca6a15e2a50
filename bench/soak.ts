/**
 * Soak: the chaos suite's faults (tests/cluster/chaos.ts) over many seeds — for each role
 * (worker, learner, coordinator, coordinator + workers, Redis with AOF, Redis wiped) one seeded
 * SIGKILL per run of a small Redis-backed job with real processes, then the run to its end —
 * and the counts: runs finished, prompts lost (planned but never trained), prompts trained
 * twice, runs whose final weights differ from the fault-free run's, and lines that must never
 * appear (an unhandled Redis client error, a stack trace). Writes the `soak` section of
 * docs/BENCHMARKS.md.
 *
 *   node --import tsx bench/soak.ts [--seeds N] [--roles worker,learner,...]
 *
 * N seeds per role (default 5: seeds 1..N); the runs go one at a time (each is 5 processes).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHAOS_PROMPTS, CHAOS_ROLES, FORBIDDEN_LINES, chaosMoment, runChaos } from '../tests/cluster/chaos.js';
import type { ChaosRole } from '../tests/cluster/chaos.js';
import { writeBenchSection } from './bench-doc.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : fallback;
}
const SEEDS = Number(arg('--seeds', '5'));
if (!Number.isInteger(SEEDS) || SEEDS < 1) throw new Error(`--seeds must be an integer >= 1, got ${arg('--seeds', '')}`);
const ROLES = arg('--roles', CHAOS_ROLES.join(',')).split(',') as ChaosRole[];
for (const r of ROLES) if (!CHAOS_ROLES.includes(r)) throw new Error(`--roles: "${r}" is not one of ${CHAOS_ROLES.join(', ')}`);

interface Row {
  runs: number;
  finished: number;
  afterPublish: number;
  lost: number;
  twice: number;
  otherWeights: number;
  forbidden: number;
  /** Runs in which a learner published a version again because a restarted coordinator lacked its bytes. */
  resent: number;
  readBack: number;
  seconds: number[];
  failures: string[];
}

const root = mkdtempSync(join(tmpdir(), 'anomseer-soak-'));
// Interrupted: exit through 'exit' so Redis servers are killed (tests/helpers/redis.ts) and the
// roles see their stdin close (tests/cluster/procs.ts); the temp directory goes too.
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    rmSync(root, { recursive: true, force: true });
    process.exit(130);
  });
const load0 = loadavg()[0];
const t0 = performance.now();
try {
  const reference = await runChaos({ role: 'none', seed: 0, dir: join(root, 'reference') });
  const refSha = reference.summary.cluster.finalWeightsSha256;
  console.log(`reference: ${reference.seconds.toFixed(1)} s, weights ${refSha.slice(0, 12)}…`);
  const rows = new Map<ChaosRole, Row>();
  for (const role of ROLES) {
    const row: Row = {
      runs: 0,
      finished: 0,
      afterPublish: 0,
      lost: 0,
      twice: 0,
      otherWeights: 0,
      forbidden: 0,
      resent: 0,
      readBack: 0,
      seconds: [],
      failures: [],
    };
    rows.set(role, row);
    for (let seed = 1; seed <= SEEDS; seed++) {
      row.runs += 1;
      if (chaosMoment(role, seed).afterPublish) row.afterPublish += 1;
      const dir = join(root, `${role}-${seed}`);
      try {
        const run = await runChaos({ role, seed, dir });
        const c = run.summary.cluster;
        row.finished += 1;
        if (/after the learner's last step/.test(run.fault))
          row.failures.push(`seed ${seed}: the fault came after the learner's last step (counted as finished; it tested only the summary)`);
        row.lost += c.untrainedItems;
        row.twice += c.extraGroups;
        if (c.finalWeightsSha256 !== refSha) row.otherWeights += 1;
        row.forbidden += run.procs.reduce((n, p) => n + p.lines.filter((l) => FORBIDDEN_LINES.test(l)).length, 0);
        if (run.procs.some((p) => p.lines.some((l) => /^learner: published version \d+ again \(the coordinator holds no bytes/.test(l)))) row.resent += 1;
        if (run.procs.some((p) => p.lines.some((l) => /weights: version \d+ \(\d+ bytes\) read back from the blob store/.test(l)))) row.readBack += 1;
        row.seconds.push(run.seconds);
        console.log(
          `${role} seed ${seed}: ${run.fault}; ${run.seconds.toFixed(1)} s, trained ${c.groupsTrained}/${CHAOS_PROMPTS}, lost ${c.untrainedItems}, twice ${c.extraGroups}, ${c.finalWeightsSha256 === refSha ? 'same weights' : 'OTHER WEIGHTS'}`,
        );
      } catch (err) {
        const first = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
        row.failures.push(`seed ${seed}: ${first}`);
        console.log(`${role} seed ${seed}: FAILED ${err instanceof Error ? err.message : String(err)}`);
      }
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const median = (xs: number[]) => {
    if (xs.length === 0) return NaN;
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)]!;
  };
  const total = [...rows.values()].reduce(
    (a, r) => ({ runs: a.runs + r.runs, finished: a.finished + r.finished, lost: a.lost + r.lost, twice: a.twice + r.twice }),
    { runs: 0, finished: 0, lost: 0, twice: 0 },
  );
  const minutes = (performance.now() - t0) / 60_000;
  const body = [
    '## soak — seeded kills per role, nothing lost, nothing trained twice',
    '',
    `Command: \`node --import tsx bench/soak.ts --seeds ${SEEDS}${ROLES.length === CHAOS_ROLES.length ? '' : ` --roles ${ROLES.join(',')}`}\` (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length}× ${cpus()[0]?.model.trim() ?? '?'}; 1-minute load average ${load0.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end; ${minutes.toFixed(1)} min).`,
    `Each run: examples/smoke.yaml as a cluster on Redis — 6 steps × 4 prompts × G = 4 (${CHAOS_PROMPTS} planned prompts), a checkpoint every 2 steps, max staleness 0, a coordinator, 2 workers and a learner as processes — with one SIGKILL chosen by the seed (tests/cluster/chaos.ts: a step 1..5, then right after that step's weights were published or 0–0.5 s after the learner finished the step), the killed part started again, and the run to its end. "Lost" counts planned prompts the finishing learner never trained (its \`untrainedItems\`), "twice" prompts trained more than once (\`extraGroups\`); "other weights" counts runs whose final weights differ from the fault-free run's (sha256 ${refSha.slice(0, 12)}…; with max staleness 0 a correct run cannot differ); "forbidden lines" counts \`[ioredis] Unhandled error event\` lines and stack traces in any process's output; "read back" counts runs in which a restarted coordinator served weight bytes it read back from the blob store in Redis (the durable-weights path, docs/STATE.md "Weight blobs"), "re-sent" runs in which a coordinator asked the learner for the latest bytes because no blob held them (\`weights_wanted\`, the fallback).`,
    '',
    '| fault | runs | right after a publish | finished | prompts lost | trained twice | other weights | forbidden lines | weights read back from the blob store | weights re-sent by the learner (fallback) | median s a run |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...[...rows.entries()].map(
      ([role, r]) =>
        `| ${role} | ${r.runs} | ${r.afterPublish} | ${r.finished} | ${r.lost} | ${r.twice} | ${r.otherWeights} | ${r.forbidden} | ${r.readBack} | ${r.resent} | ${median(r.seconds).toFixed(1)} |`,
    ),
    `| **all** | ${total.runs} | | ${total.finished} | ${total.lost} | ${total.twice} | | | | | |`,
    '',
    ...[...rows.entries()].flatMap(([role, r]) => r.failures.map((f) => `- ${role} ${f}`)),
    `Fault-free run: ${reference.seconds.toFixed(1)} s. What each fault means and what survives it: docs/CLUSTER.md "What survives what".`,
  ].join('\n');
  console.log(body);
  writeBenchSection('soak', body);
} finally {
  rmSync(root, { recursive: true, force: true });
}
