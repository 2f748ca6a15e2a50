/**
 * Start-up of the `anomseer` CLI: the TypeScript sources through tsx (what bin/anomseer.mjs ran
 * before dist/; now `ANOMSEER_RUN_SOURCES=1`) beside the compiled dist/ (what it runs now),
 * beside bare `node -e 0`, all in one run, rounds interleaved so load on the shared machine
 * hits every variant alike. Then the smoke cluster (`train examples/smoke.yaml --workers 2`)
 * both ways, its wall time split into start-up (launch → every role ready), work (→ the
 * learner's "done" line) and shutdown (→ the launcher's exit).
 *
 *   node --import tsx bench/startup.ts [--rounds 7] [--cluster-rounds 3]
 *
 * A role is ready when it prints: the coordinator "listening on", a worker "registered with
 * job", the learner its "training series … coordinator job" line (it has the job from the
 * coordinator). Figures are medians; the ratio column compares the two builds run side by side.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { buildStatus } from '../bin/build-status.mjs';
import { writeBenchSection } from './bench-doc.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROUNDS = arg('rounds', 7);
const CLUSTER_ROUNDS = arg('cluster-rounds', 3);
const GOAL_MS = 500;
const root = new URL('..', import.meta.url).pathname;
const BIN = join(root, 'bin/anomseer.mjs');
const TOKEN = 'b'.repeat(64);
const tmp = mkdtempSync(join(tmpdir(), 'anomseer-bench-startup-'));

const status = buildStatus(root);
if (!status.current) throw new Error(`dist/ is not current (${status.reason}): run npm run build first`);

type Variant = 'tsx' | 'compiled';
const VARIANTS: readonly Variant[] = ['tsx', 'compiled'];
const envOf = (v: Variant) => ({ ...process.env, ANOMSEER_TOKEN: TOKEN, ANOMSEER_RUN_SOURCES: v === 'tsx' ? '1' : '' });

interface Timed {
  /** ms from spawn to the line matching `until` (or to exit when `until` is absent). */
  readonly ms: number;
  /** CPU ms (user + system, all threads) the child spent until then; undefined without /proc. */
  readonly cpuMs?: number;
}

/**
 * CPU time from /proc (Linux; clock ticks of 10 ms): a running child's own, or the bench's
 * reaped children's total (a child that exited is counted there once it is waited for). On a
 * loaded machine this moves much less than wall time, so it shows what a start costs.
 */
const TICK_MS = 10;
function procTimes(pid: number | 'self'): number[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
  } catch {
    return undefined;
  }
}
/** utime + stime of a running process, ms (fields 14 and 15 of /proc/<pid>/stat). */
const cpuOf = (pid: number) =>
  procTimes(pid)
    ?.slice(11, 13)
    .reduce((a, b) => a + b * TICK_MS, 0);
/** cutime + cstime of this process, ms: the CPU of its children that have exited (fields 16, 17). */
const reapedCpu = () =>
  procTimes('self')
    ?.slice(13, 15)
    .reduce((a, b) => a + b * TICK_MS, 0);

/**
 * Spawn `node args…`, resolve with the time until a line matches `until` (then SIGTERM it and
 * wait for its exit) or, without `until`, until it exits with code 0.
 */
function timeRun(args: string[], env: NodeJS.ProcessEnv, until?: RegExp): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const reaped0 = reapedCpu();
    const child = spawn(process.execPath, args, { env, cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let result: Timed | undefined;
    for (const s of [child.stdout, child.stderr]) {
      createInterface({ input: s }).on('line', (line) => {
        lines.push(line);
        const m = until?.exec(line);
        if (m && result === undefined) {
          result = { ms: performance.now() - t0, cpuMs: cpuOf(child.pid!) };
          child.kill('SIGTERM');
        }
      });
    }
    child.on('exit', (code) => {
      if (until === undefined && code === 0) {
        const ms = performance.now() - t0;
        // 'exit' comes after libuv reaped the child, so its CPU is in this process's cutime now
        const reaped1 = reapedCpu();
        resolve({ ms, cpuMs: reaped0 === undefined || reaped1 === undefined ? undefined : reaped1 - reaped0 });
      } else if (result !== undefined) resolve(result);
      else reject(new Error(`node ${args.join(' ')} exited ${code} before ${String(until)}:\n${lines.slice(-10).join('\n')}`));
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmt = (ms: number) => (Number.isNaN(ms) ? '—' : (ms / 1000).toFixed(2));

const load0 = loadavg()[0]!;
console.log(`startup bench: ${ROUNDS} rounds, ${CLUSTER_ROUNDS} cluster rounds; load average ${load0.toFixed(1)}`);

interface Coordinator {
  readonly address: string;
  /** Its outputDir: a learner joining it must use the same `--set` (the job id covers the config). */
  readonly dir: string;
  readonly stop: () => Promise<unknown>;
}

/** A compiled coordinator of the smoke job for a worker or learner to join (not what is timed). */
async function startCoordinator(dir: string): Promise<Coordinator> {
  const child = spawn(process.execPath, [BIN, 'coordinator', 'examples/smoke.yaml', '--listen', '127.0.0.1:0', '--no-dashboard', '--set', `outputDir=${dir}`], {
    env: envOf('compiled'),
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const address = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /listening on (\S+)/.exec(line);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`the coordinator exited with ${code}`)));
  });
  const exited = new Promise((r) => child.once('exit', r));
  return { address, dir, stop: () => (child.kill('SIGTERM'), exited) };
}
// The workers all join one coordinator; each learner gets a fresh one (a job has one learner).
const shared = await startCoordinator(`${tmp}/c`);

interface Case {
  readonly name: string;
  /** The command line; `coord` is the coordinator to join (a fresh one when `fresh`). */
  readonly args: (v: Variant, round: number, coord: Coordinator) => string[];
  readonly until?: RegExp;
  readonly role?: boolean;
  readonly fresh?: boolean;
}
const CASES: Case[] = [
  { name: '`anomseer --help`', args: () => [BIN, '--help'] },
  { name: '`anomseer --version`', args: () => [BIN, '--version'] },
  { name: '`anomseer worker --help`', args: () => [BIN, 'worker', '--help'] },
  {
    name: 'coordinator → "listening on" (smoke job, port 0)',
    args: (v, r) => [BIN, 'coordinator', 'examples/smoke.yaml', '--listen', '127.0.0.1:0', '--no-dashboard', '--set', `outputDir=${tmp}/${v}-${r}`],
    until: /listening on /,
    role: true,
  },
  {
    name: 'worker → "registered with job"',
    args: (_v, _r, coord) => [BIN, 'worker', '--coordinator', coord.address],
    until: /registered with job/,
    role: true,
  },
  {
    name: 'learner → "training series … coordinator job"',
    args: (_v, _r, coord) => [BIN, 'learner', 'examples/smoke.yaml', '--set', `outputDir=${coord.dir}`, '--coordinator', coord.address],
    until: /learner: \d+ training series/,
    role: true,
    fresh: true,
  },
];

/** One timed start of a case; a `fresh` case gets its own coordinator, started before the clock. */
async function timeCase(c: Case, v: Variant, round: number): Promise<Timed> {
  if (c.fresh !== true) return timeRun(c.args(v, round, shared), envOf(v), c.until);
  const own = await startCoordinator(`${tmp}/fresh-${v}-${round}`);
  try {
    return await timeRun(c.args(v, round, own), envOf(v), c.until);
  } finally {
    await own.stop();
  }
}

const times = new Map<string, Timed[]>();
const record = (key: string, t: Timed) => times.set(key, [...(times.get(key) ?? []), t]);
/** Median wall (or CPU) ms of a key; NaN when CPU time was not available. */
const wall = (key: string) => median(times.get(key)!.map((t) => t.ms));
const cpu = (key: string) => median(times.get(key)!.map((t) => t.cpuMs ?? NaN));
// warm-up (tsx's transpile cache, the OS file cache), not counted
for (const c of CASES) for (const v of VARIANTS) await timeCase(c, v, -1);
for (let r = 0; r < ROUNDS; r++) {
  record('bare', await timeRun(['-e', '0'], process.env));
  record('check', await timeRun([join(root, 'bin/build-status.mjs')], process.env));
  for (const c of CASES) for (const v of r % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) record(`${c.name}|${v}`, await timeCase(c, v, r));
  process.stdout.write(`round ${r + 1}/${ROUNDS}\r`);
}
await shared.stop();

// The smoke cluster, both ways: wall time split by the launcher's forwarded lines.
interface Split {
  startup: number;
  work: number;
  shutdown: number;
  wall: number;
}
function clusterRun(v: Variant, round: number): Promise<Split> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const args = [BIN, 'train', 'examples/smoke.yaml', '--workers', '2', '--no-dashboard', '--set', `outputDir=${tmp}/cluster-${v}-${round}`];
    const child = spawn(process.execPath, args, { env: envOf(v), cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const ready = new Map<string, number>();
    let done: number | undefined;
    const tail: string[] = [];
    for (const s of [child.stdout, child.stderr]) {
      createInterface({ input: s }).on('line', (line) => {
        tail.push(line);
        const now = performance.now() - t0;
        if (/^\[learner\] learner: \d+ training series/.test(line)) ready.set('learner', now);
        const w = /^\[(worker \d+)\] worker \S+: registered with job/.exec(line);
        if (w) ready.set(w[1]!, now);
        if (/^\[learner\] learner: done in/.test(line)) done = now;
      });
    }
    child.on('exit', (code) => {
      const wall = performance.now() - t0;
      if (code !== 0 || ready.size !== 3 || done === undefined) return reject(new Error(`cluster (${v}) exit ${code}:\n${tail.slice(-15).join('\n')}`));
      const startup = Math.max(...ready.values());
      resolve({ startup, work: done - startup, shutdown: wall - done, wall });
    });
  });
}
const splits: Record<Variant, Split[]> = { tsx: [], compiled: [] };
for (let r = 0; r < CLUSTER_ROUNDS; r++) {
  for (const v of r % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) splits[v].push(await clusterRun(v, r));
  process.stdout.write(`cluster round ${r + 1}/${CLUSTER_ROUNDS}\r`);
}
rmSync(tmp, { recursive: true, force: true });
const load1 = loadavg()[0]!;

const bare = wall('bare');
const rows = CASES.map((c) => {
  const [tsx, compiled] = [wall(`${c.name}|tsx`), wall(`${c.name}|compiled`)];
  const goal = c.role ? (compiled < GOAL_MS ? `yes (${fmt(GOAL_MS - compiled)} s under)` : `no, ${fmt(compiled - GOAL_MS)} s over`) : '';
  const cpuCells = `${fmt(cpu(`${c.name}|tsx`))} | ${fmt(cpu(`${c.name}|compiled`))}`;
  return `| ${c.name} | ${fmt(tsx)} | ${fmt(compiled)} | ${(tsx / compiled).toFixed(1)}× | ${fmt(compiled - bare)} | ${cpuCells} | ${goal} |`;
});
const med = (v: Variant, k: keyof Split) => median(splits[v].map((s) => s[k]));
const clusterRows = VARIANTS.map(
  (v) =>
    `| ${v === 'tsx' ? 'sources through tsx' : 'compiled dist/'} | ${fmt(med(v, 'wall'))} | ${fmt(med(v, 'startup'))} (${((100 * med(v, 'startup')) / med(v, 'wall')).toFixed(0)} %) | ${fmt(med(v, 'work'))} | ${fmt(med(v, 'shutdown'))} |`,
);
const body = [
  '## startup — CLI and role start-up: sources through tsx vs compiled dist/',
  '',
  `Command: \`node --import tsx bench/startup.ts --rounds ${ROUNDS} --cluster-rounds ${CLUSTER_ROUNDS}\` (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length}× ${cpus()[0]?.model.trim()}; 1-minute load average ${load0.toFixed(1)} at the start, ${load1.toFixed(1)} at the end).`,
  `"tsx" is \`ANOMSEER_RUN_SOURCES=1 node bin/anomseer.mjs …\` (the TypeScript sources through tsx, warm transpile cache: what every start cost before dist/); "compiled" is \`node bin/anomseer.mjs …\` with dist/ current (the staleness check included). Medians of ${ROUNDS} interleaved rounds after a warm-up; seconds from spawn to exit, or to the line that says the role is ready. Bare \`node -e 0\`: ${fmt(bare)} s; \`node bin/build-status.mjs\` (the staleness check alone: one stat per source and output): ${fmt(wall('check'))} s. CPU is user + system time of the process (all its threads) until then, from /proc: on a loaded machine it moves much less than wall time (bare node: ${fmt(cpu('bare'))} s CPU).`,
  '',
  '| start | tsx s | compiled s | tsx / compiled | compiled − bare node s | tsx CPU s | compiled CPU s | role ready < 0.5 s (wall)? |',
  '|---|---|---|---|---|---|---|---|',
  ...rows,
  '',
  `Smoke cluster, \`anomseer train examples/smoke.yaml --workers 2 --no-dashboard\` (coordinator, learner, 2 workers), medians of ${CLUSTER_ROUNDS} runs each way: start-up is launch → every role ready (the coordinator starts first, then the learner and workers together), work is → the learner's "done" line (warm start, 3 steps, the final eval), shutdown is → the launcher's exit.`,
  '',
  '| smoke cluster | wall s | start-up s (share) | work s | shutdown s |',
  '|---|---|---|---|---|',
  ...clusterRows,
].join('\n');
console.log(`\n${body}`);
writeBenchSection('startup', body);
