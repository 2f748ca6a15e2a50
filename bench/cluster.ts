/**
 * Rollouts per second of `anomseer train --workers N` (coordinator, learner and N worker
 * processes on loopback) for N = 1, 2, 4, and synchronous (max_staleness 0) vs
 * asynchronous (max_staleness 2) wall time for the same steps, side by side in one run.
 * Wall time includes process start-up and the final eval, the same for every row.
 *
 *   node --import tsx bench/cluster.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBenchSection } from './bench-doc.js';

const STEPS = 6,
  PROMPTS = 8,
  G = 4;
const dir = mkdtempSync(join(tmpdir(), 'anomseer-bench-cluster-'));
const base = [
  'name=bench',
  `train.steps=${STEPS}`,
  `rollout.promptsPerStep=${PROMPTS}`,
  `rollout.groupSize=${G}`,
  'train.warmStart.enabled=false',
  'train.evalEvery=0',
  'train.checkpointEvery=0',
];

function run(workers: number, staleness: number): { seconds: number; summary: Record<string, unknown> } {
  const summary = join(dir, `s-${workers}-${staleness}.json`);
  const sets = [...base, `cluster.maxStaleness=${staleness}`, `outputDir=${join(dir, `run-${workers}-${staleness}`)}`].flatMap((s) => ['--set', s]);
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    ['bin/anomseer.mjs', 'train', 'examples/smoke.yaml', '--workers', String(workers), '--no-dashboard', '--summary', summary, ...sets],
    { encoding: 'utf8' },
  );
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`workers=${workers} staleness=${staleness} failed:\n${r.stdout}\n${r.stderr}`);
  return { seconds, summary: JSON.parse(readFileSync(summary, 'utf8')) };
}

const rows: string[] = [];
const rollouts = STEPS * PROMPTS * G;
const one = run(1, 0);
for (const [w, s] of [
  [1, 0],
  [2, 0],
  [4, 0],
  [2, 2],
] as const) {
  const r = w === 1 && s === 0 ? one : run(w, s);
  rows.push(
    `| ${w} | ${s} | ${r.seconds.toFixed(1)} | ${(rollouts / r.seconds).toFixed(1)} | ${(one.seconds / r.seconds).toFixed(2)}× | ${String(r.summary.promptsTrained)} | ${String(r.summary.promptsRequeued)} | ${String(r.summary.duplicatesDropped)} |`,
  );
}
rmSync(dir, { recursive: true, force: true });
const body = [
  '## cluster — rollouts/s by worker count, synchronous vs asynchronous',
  '',
  `Command: \`node --import tsx bench/cluster.ts\` (${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)}).`,
  `Job: examples/smoke.yaml (tiny model, 256-point series) with ${STEPS} steps × ${PROMPTS} prompts × G = ${G} = ${rollouts} rollouts, no warm start; wall time of the whole command (start-up and final eval included).`,
  '',
  '| workers | max_staleness | wall s | rollouts/s | vs 1 worker | prompts trained | requeued | duplicates |',
  '|---|---|---|---|---|---|---|---|',
  ...rows,
  '',
  'On this 2-core machine the coordinator, learner and workers share two cores, so more than 2 workers cannot add throughput; on GPU nodes each worker has its own device.',
].join('\n');
console.log(body);
writeBenchSection('cluster', body);
