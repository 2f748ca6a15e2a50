/**
 * The coordinator's control plane under a fleet of simulated workers: the real coordinator
 * (coordinator/main.ts runCoordinator, its own process, memory or Redis store, real token,
 * 127.0.0.1) and 100 / 1,000 / 5,000 lightweight workers spread over FLEET_PROCS processes, each
 * worker doing register → loop(LeasePrompts k → SubmitGroups k valid groups → Heartbeat when
 * due). Workers are paced so the fleet offers OFFERED leases/s (a worker's "sampling time" is
 * the rest of its period), the load a real fleet of that size would bring at that rate; latency
 * is measured per call by the workers, coordinator CPU (user + system, from its own
 * process.cpuUsage) over the measured window, so CPU per call is the number that scales when the
 * fleet has its own machines. In the same run: the floor of one unary call through the same
 * server (GetVersion, token checked), a saturation run (no sampling time), the learner intake
 * draining what was accepted, and the validation cost of one group.
 *
 *   node --import tsx bench/control-plane.ts            (about 4 minutes; needs redis-server)
 *
 * Bounded: every loop stops at its own deadline; only 127.0.0.1; every process it starts is
 * stopped at the end.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as grpc from '@grpc/grpc-js';
import { bearerInterceptor } from '../proto/auth.js';
import { chunkWeights } from '../proto/chunks.js';
import { unary } from '../proto/call.js';
import { GroupChecker } from '../proto/group-check.js';
import { createClient } from '../proto/load.js';
import { channelOptions } from '../proto/options.js';
import type { CoordinatorClient, Rollout, SubmitGroupRequest, WeightsClient } from '../proto/types.js';
import { applyOverrides, loadJobFile, parseSetFlags } from '../shared/config/load.js';
import type { JobConfig } from '../shared/config/job.js';
import { loadDataSpec } from '../shared/datasets/spec.js';
import { PromptCache } from '../shared/policy/prompt-cache.js';
import { policySpecFromJob, tokenizerOf } from '../shared/policy/spec.js';
import { writeBenchSection } from './bench-doc.js';

const TOKEN = 'bench-control-plane-token-0123456789';
const JOB_FILE = 'examples/smoke.yaml';
const FLEET_PROCS = 4;
const OFFERED = 20_000; // leases/s the paced fleet asks for
const WARM_MS = 2_000;
const MEASURE_MS = 6_000;
const FLEETS = [100, 1000, 5000] as const;
/** Leases per LeasePrompts call for each fleet size (k·N/OFFERED = a worker's period). */
const K: Record<number, number> = { 100: 64, 1000: 16, 5000: 4 };

function jobSets(prompts: number): string[] {
  return ['name=bench-cp', 'train.steps=1', `rollout.promptsPerStep=${prompts}`, 'cluster.leaseTimeout=60s', 'cluster.heartbeatInterval=5s'];
}
function benchJob(prompts: number): JobConfig {
  return applyOverrides(loadJobFile(JOB_FILE), parseSetFlags(jobSets(prompts)));
}

function clientsOf(address: string, channels = 1): { coords: CoordinatorClient[]; weights: WeightsClient; close(): void } {
  const opts = { ...channelOptions(), interceptors: [bearerInterceptor(TOKEN)] };
  // Distinct channels: grpc-js shares a subchannel between clients with the same options.
  const coords = Array.from({ length: channels }, (_, i) =>
    createClient('Coordinator', address, grpc.credentials.createInsecure(), { ...opts, 'grpc.channel_id': i } as grpc.ClientOptions),
  );
  const weights = createClient('Weights', address, grpc.credentials.createInsecure(), opts);
  return {
    coords,
    weights,
    close: () => {
      for (const c of coords) c.close();
      weights.close();
    },
  };
}

/** G valid rollouts for a 256-point series: a short complete trace the job's grammar accepts. */
function benchRollouts(job: JobConfig, n: number): Rollout[] {
  const tok = tokenizerOf(policySpecFromJob(job));
  const ids = tok.encodeTrace('<think> the series </think>\n<answer>[]</answer>\n<class>normal</class>', n);
  return Array.from({ length: job.rollout.groupSize }, (_, i) => ({
    index: i,
    token_ids: ids,
    logprobs: ids.map((_t, j) => -0.1 * ((i + j) % 4)),
    text: tok.decodeTrace(ids, n),
    truncated: false,
  }));
}

// ---------------------------------------------------------------------------------------------
// Child: the coordinator
// ---------------------------------------------------------------------------------------------

async function coordinatorChild(redis: string, prompts: number): Promise<void> {
  const { runCoordinator } = await import('../coordinator/main.js');
  const dir = mkdtempSync(join(tmpdir(), 'anomseer-bench-cp-'));
  const c = await runCoordinator({
    jobFile: JOB_FILE,
    set: [...jobSets(prompts), `outputDir=${dir}`],
    redis: redis === 'memory' ? undefined : redis,
    listen: '127.0.0.1:0',
    dashboard: false,
    env: { ANOMSEER_TOKEN: TOKEN },
    log: (l) => {
      if (l.includes('listening on')) console.log(`address ${l.slice(l.lastIndexOf(' ') + 1)}`);
    },
  });
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'cpu') {
      const u = process.cpuUsage();
      console.log(`cpu ${u.user + u.system}`);
    } else if (line === 'quit') break;
  }
  await c.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// Child: a fleet of simulated workers
// ---------------------------------------------------------------------------------------------

interface FleetResult {
  /** CPU of this fleet process over the whole run, µs. */
  cpuUs?: number;
  registerMs: number;
  leases: number;
  accepted: number;
  calls: number;
  lat: number[];
  errors: Record<string, number>;
}

async function fleetChild(address: string, workers: number, first: number, k: number, periodMs: number, mode: string): Promise<void> {
  const job = benchJob(1);
  const rollouts = benchRollouts(job, 256);
  const channels = Math.max(1, Math.ceil(workers / 250));
  const { coords, weights, close } = clientsOf(address, channels);
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const next = async () => (await lines.next()).value as string;
  const errors: Record<string, number> = {};
  const fail = (err: unknown) => {
    const key = (err as Error).message.slice(0, 80);
    errors[key] = (errors[key] ?? 0) + 1;
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  console.log('ready'); // started (module loading under a loaded machine takes seconds)

  if (mode === 'ping') {
    const [, startAt] = (await next()).split(' ');
    const t0 = Number(startAt);
    const from = t0 + WARM_MS,
      to = from + MEASURE_MS;
    let calls = 0;
    const lat: number[] = [];
    await sleep(Math.max(0, t0 - Date.now()));
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (Date.now() < to) {
          const s = performance.now();
          await unary(weights, weights.GetVersion, {}).catch(fail);
          const now = Date.now();
          if (now >= from && now < to) {
            calls += 1;
            lat.push(performance.now() - s);
          }
        }
      }),
    );
    close();
    return report({ registerMs: 0, leases: 0, accepted: 0, calls, lat, errors });
  }

  await next(); // "register"
  const ids: string[] = [];
  const r0 = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, i) => {
      const c = coords[i % coords.length]!;
      const r = await unary(c, c.RegisterWorker, { worker_id: '', host: `bench-${first}`, device: 'cpu', capabilities: null });
      ids[i] = r.worker_id;
    }),
  );
  const registerMs = performance.now() - r0;
  console.log(`registered ${registerMs}`);
  const [, startAt] = (await next()).split(' ');
  const t0 = Number(startAt);
  const from = t0 + WARM_MS,
    to = from + MEASURE_MS;
  let leases = 0,
    accepted = 0,
    calls = 0;
  const lat: number[] = [];
  const timed = async <T>(p: () => Promise<T>): Promise<T> => {
    const s = performance.now();
    const r = await p();
    const now = Date.now();
    if (now >= from && now < to) {
      calls += 1;
      lat.push(performance.now() - s);
    }
    return r;
  };
  const hbMs = job.cluster.heartbeatInterval;
  await Promise.all(
    ids.map(async (id, i) => {
      const c = coords[i % coords.length]!;
      let due = t0 + ((i * 7919) % Math.max(1, periodMs)); // staggered starts
      let lastBeat = Date.now() - ((i * 104_729) % hbMs);
      let req = 0;
      while (Date.now() < to) {
        if (periodMs > 0) {
          const wait = due - Date.now();
          if (wait > 0) await sleep(wait);
          due += periodMs;
          if (Date.now() >= to) break;
        }
        try {
          const res = await timed(() => unary(c, c.LeasePrompts, { worker_id: id, max_prompts: k, weight_version: 1, request_id: `${id}-${++req}` }));
          const inWindow = Date.now() >= from && Date.now() < to;
          if (inWindow) leases += res.leases.length;
          if (res.leases.length > 0) {
            const groups: SubmitGroupRequest[] = res.leases.map((l) => ({
              worker_id: '',
              lease_id: l.lease_id,
              prompt_id: l.prompt_id,
              weight_version: 1,
              rollouts,
              timing: null,
            }));
            const r = await timed(() => unary(c, c.SubmitGroups, { worker_id: id, groups }));
            if (Date.now() >= from && Date.now() < to) accepted += r.results.filter((x) => x.accepted).length;
          } else if (periodMs === 0) await sleep(res.retry_after_ms || 100);
          if (Date.now() - lastBeat >= hbMs) {
            lastBeat = Date.now();
            await timed(() =>
              unary(c, c.Heartbeat, {
                worker_id: id,
                state: 'WORKER_STATE_ROLLING_OUT',
                weight_version: 1,
                rollouts_per_second: 0,
                lease_ids: [],
                sent_at_ms: lastBeat,
                cpu_cores: 0,
                rss_bytes: 0,
              }),
            );
          }
        } catch (err) {
          fail(err);
          await sleep(100);
        }
      }
    }),
  );
  close();
  report({ registerMs, leases, accepted, calls, lat, errors });
}

/** The fleet's result as one JSON line; exit once it is written (a pipe may take a while). */
function report(r: FleetResult): void {
  const u = process.cpuUsage();
  r.cpuUs = u.user + u.system;
  process.stdout.write(`${JSON.stringify(r)}\n`, () => process.exit(0));
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

interface Proc {
  child: ChildProcess;
  line(prefix: string): Promise<string>;
  send(s: string): void;
}

function start(args: string[]): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/control-plane.ts', ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting: { prefix: string; resolve: (s: string) => void }[] = [];
  const seen: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => {
    const i = waiting.findIndex((w) => l.startsWith(w.prefix));
    if (i >= 0) waiting.splice(i, 1)[0]!.resolve(l);
    else seen.push(l);
  });
  return {
    child,
    line: (prefix) =>
      new Promise((resolve, reject) => {
        const j = seen.findIndex((l) => l.startsWith(prefix));
        if (j >= 0) return resolve(seen.splice(j, 1)[0]!);
        waiting.push({ prefix, resolve });
        child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code} before "${prefix}"`)));
      }),
    send: (s) => child.stdin!.write(`${s}\n`),
  };
}

async function cpuOf(p: Proc): Promise<number> {
  p.send('cpu');
  return Number((await p.line('cpu ')).slice(4)); // µs
}

const pct = (xs: number[], q: number) => {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

interface Row {
  store: string;
  workers: number;
  k: number;
  offered: number;
  leasesPerS: number;
  submitsPerS: number;
  callsPerS: number;
  p50: number;
  p99: number;
  cpuPerCallUs: number;
  cpuPerLeaseUs: number;
  cpuShare: number;
  registerS: number;
  errors: number;
  drainGroupsPerS?: number;
  drainCpuPerGroupUs?: number;
}

async function publishV1(weights: WeightsClient): Promise<void> {
  await new Promise((resolve, reject) => {
    const call = weights.PublishWeights((err, res) => (err ? reject(err) : resolve(res)));
    for (const ch of chunkWeights(Buffer.from('bench weights: the coordinator checks only the sha256'), { version: 1, step: 0 })) call.write(ch);
    call.end();
  });
}

async function runFleet(store: string, workers: number, opts: { k: number; periodMs: number; mode?: string; drain?: boolean }): Promise<Row> {
  const prompts = opts.mode === 'ping' ? 16 : Math.ceil((OFFERED * 1.6 * (WARM_MS + MEASURE_MS)) / 1000) + workers * opts.k;
  const coordinator = start(['coordinator', store, String(prompts)]);
  const address = (await coordinator.line('address ')).slice(8);
  const cl = clientsOf(address);
  await publishV1(cl.weights);
  // Version 1 releases step 1: wait until all its prompts are in the queue (Redis takes them in
  // chunks), so the window measures leasing, not enqueueing.
  for (;;) {
    const st = await unary(cl.coords[0]!, cl.coords[0]!.GetStatus, {}, { deadlineMs: 60_000 });
    if ((st.prompts?.queued ?? 0) >= prompts) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const per = Math.ceil(workers / FLEET_PROCS);
  const fleet = Array.from({ length: FLEET_PROCS }, (_, i) =>
    start(['fleet', address, String(Math.min(per, workers - i * per)), String(i * per), String(opts.k), String(opts.periodMs), opts.mode ?? 'work']),
  );
  await Promise.all(fleet.map((f) => f.line('ready')));
  let registerMs = 0;
  if (opts.mode !== 'ping') {
    for (const f of fleet) f.send('register');
    registerMs = Math.max(...(await Promise.all(fleet.map(async (f) => Number((await f.line('registered ')).slice(11))))));
  }
  const t0 = Date.now() + 500;
  for (const f of fleet) f.send(`run ${t0}`);
  await new Promise((r) => setTimeout(r, t0 + WARM_MS - Date.now()));
  const cpu0 = await cpuOf(coordinator);
  const w0 = performance.now();
  await new Promise((r) => setTimeout(r, MEASURE_MS));
  const cpu1 = await cpuOf(coordinator);
  const wall = (performance.now() - w0) / 1000;
  const results = (await Promise.all(fleet.map(async (f) => JSON.parse(await f.line('{')) as FleetResult))) as FleetResult[];
  const sum = (f: (r: FleetResult) => number) => results.reduce((a, r) => a + f(r), 0);
  const lat = results.flatMap((r) => r.lat);
  const errors = sum((r) => Object.values(r.errors).reduce((a, b) => a + b, 0));
  if (errors > 0)
    console.error(
      `${store} ${workers}: errors`,
      results.map((r) => r.errors),
    );
  console.error(`fleet CPU s: ${results.map((r) => ((r.cpuUs ?? 0) / 1e6).toFixed(1)).join(' ')}`);
  const calls = sum((r) => r.calls);
  const leases = sum((r) => r.leases);
  const cpuUs = cpu1 - cpu0;
  const row: Row = {
    store: store === 'memory' ? 'memory' : 'redis',
    workers,
    k: opts.k,
    offered: opts.periodMs > 0 ? OFFERED : 0,
    leasesPerS: leases / (MEASURE_MS / 1000),
    submitsPerS: sum((r) => r.accepted) / (MEASURE_MS / 1000),
    callsPerS: calls / (MEASURE_MS / 1000),
    p50: pct(lat, 0.5),
    p99: pct(lat, 0.99),
    cpuPerCallUs: cpuUs / Math.max(1, calls),
    cpuPerLeaseUs: leases > 0 ? cpuUs / leases : NaN,
    cpuShare: cpuUs / 1e6 / wall,
    registerS: registerMs / 1000,
    errors,
  };
  if (opts.drain === true) {
    // The learner intake: take what the run accepted, 1024 groups a call, acknowledging each batch.
    const c = cl.coords[0]!;
    const d0 = await cpuOf(coordinator);
    const s0 = performance.now();
    let ack = 0,
      taken = 0;
    for (;;) {
      const r = await unary(c, c.TakeGroups, { learner_id: 'bench', max_groups: 1024, min_groups: 0, wait_ms: 0, ack_batch_id: ack }, { deadlineMs: 60_000 });
      ack = r.batch_id;
      taken += r.groups.length;
      if (r.groups.length === 0) break;
    }
    const secs = (performance.now() - s0) / 1000;
    row.drainGroupsPerS = taken / secs;
    row.drainCpuPerGroupUs = ((await cpuOf(coordinator)) - d0) / Math.max(1, taken);
  }
  cl.close();
  coordinator.send('quit');
  await Promise.all([coordinator, ...fleet].map((p) => new Promise((r) => (p.child.exitCode !== null ? r(null) : p.child.once('exit', r)))));
  console.error(JSON.stringify(row));
  return row;
}

/** CPU of GroupChecker.check per group: the bench's short traces and the policy's real response traces. */
async function validationCost(): Promise<{ name: string; tokens: number; coldUs: number; warmUs: number }[]> {
  const job = benchJob(1);
  const spec = policySpecFromJob(job);
  const tok = tokenizerOf(spec);
  const make = () => new GroupChecker({ tokenizer: tok, spec, groupSize: job.rollout.groupSize, maxNewTokens: job.rollout.maxNewTokens });
  const records = (await loadDataSpec(job.data.train)).filter((r) => r.type !== 'unknown');
  const cache = new PromptCache(spec, tok);
  const real = records
    .map((r) => ({ r, ids: cache.get(r).targetIds }))
    .filter((x) => x.ids !== undefined)
    .slice(0, 8)
    .map(({ r, ids }) => ({
      id: r.id,
      series: r.series,
      rollouts: Array.from({ length: job.rollout.groupSize }, (_, i) => ({
        index: i,
        token_ids: [...ids!],
        logprobs: ids!.map(() => -0.5),
        text: tok.decodeTrace(ids!, r.series.length),
        truncated: false,
      })),
    }));
  const short = [{ id: 'bench', series: new Float64Array(256), rollouts: benchRollouts(job, 256) }];
  const out: { name: string; tokens: number; coldUs: number; warmUs: number }[] = [];
  for (const [name, groups] of [
    ['bench group (4 × 12-token trace)', short],
    ['response traces of the smoke data (4 × target trace)', real],
  ] as const) {
    const tokens = groups.reduce((a, g) => a + g.rollouts.reduce((b, r) => b + r.token_ids.length, 0), 0) / groups.length;
    // CPU time of this process (user + system), not wall time: other work on the machine does not count.
    const cpu = () => {
      const u = process.cpuUsage();
      return u.user + u.system;
    };
    let cold = 0;
    for (let i = 0; i < 5; i++) {
      const c = make();
      const s = cpu();
      for (const g of groups) c.check(g, g.id, g.series);
      cold += (cpu() - s) / groups.length;
    }
    const c = make();
    for (const g of groups) c.check(g, g.id, g.series);
    const reps = 5000;
    const s = cpu();
    for (let i = 0; i < reps; i++) for (const g of groups) c.check(g, g.id, g.series);
    out.push({ name, tokens, coldUs: cold / 5, warmUs: (cpu() - s) / (reps * groups.length) });
  }
  return out;
}

async function main(): Promise<void> {
  const { startRedis } = await import('../tests/helpers/redis.js');
  const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '–');
  const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
  const rows: Row[] = [];
  // CP_ONLY=memory:1000 runs that one paced row (for trying changes); the document is not written.
  const only = process.env.CP_ONLY?.split(':');
  if (only !== undefined) {
    const n = Number(only[1]);
    const redis = only[0] === 'redis' ? await startRedis() : undefined;
    try {
      await runFleet(redis === undefined ? 'memory' : `redis://${redis.host}:${redis.port}`, n, {
        k: K[n] ?? 16,
        periodMs: Number(process.env.CP_PERIOD ?? ((K[n] ?? 16) * n * 1000) / OFFERED),
      });
    } finally {
      await redis?.stop();
    }
    return;
  }
  const ping = await runFleet('memory', 64, { k: 0, periodMs: 0, mode: 'ping' });
  for (const store of ['memory', 'redis'] as const) {
    for (const n of FLEETS) {
      const redis = store === 'redis' ? await startRedis() : undefined;
      try {
        rows.push(
          await runFleet(redis === undefined ? 'memory' : `redis://${redis.host}:${redis.port}`, n, {
            k: K[n]!,
            periodMs: (K[n]! * n * 1000) / OFFERED,
            drain: n === 1000,
          }),
        );
      } finally {
        await redis?.stop();
      }
    }
  }
  const sat: Row[] = [];
  for (const store of ['memory', 'redis'] as const) {
    const redis = store === 'redis' ? await startRedis() : undefined;
    try {
      sat.push(await runFleet(redis === undefined ? 'memory' : `redis://${redis.host}:${redis.port}`, 1000, { k: 32, periodMs: 0 }));
    } finally {
      await redis?.stop();
    }
  }
  const val = await validationCost();

  const m1000 = rows.find((r) => r.store === 'memory' && r.workers === 1000)!;
  const r1000 = rows.find((r) => r.store === 'redis' && r.workers === 1000)!;
  const table = (rs: Row[]) => [
    '| store | workers | leases/call | offered leases/s | leases/s | groups accepted/s | calls/s | p50 ms | p99 ms | coordinator CPU/call µs | CPU/lease µs | leases/s per coordinator core | coordinator CPU (cores) | register all s | errors |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rs.map(
      (r) =>
        `| ${r.store} | ${r.workers} | ${r.k} | ${r.offered > 0 ? r.offered : 'unpaced'} | ${f0(r.leasesPerS)} | ${f0(r.submitsPerS)} | ${f0(r.callsPerS)} | ${f1(r.p50)} | ${f1(r.p99)} | ${f0(r.cpuPerCallUs)} | ${f1(r.cpuPerLeaseUs)} | ${f0(1e6 / r.cpuPerLeaseUs)} | ${r.cpuShare.toFixed(2)} | ${r.registerS > 0 ? r.registerS.toFixed(2) : '–'} | ${r.errors} |`,
    ),
  ];
  const verdict = (r: Row, goalLeases: number, goalP99?: number) =>
    `${f0(r.leasesPerS)} leases/s (goal ≥ ${goalLeases}: ${r.leasesPerS >= goalLeases ? 'met' : `${((100 * r.leasesPerS) / goalLeases).toFixed(0)} % of it`})` +
    (goalP99 === undefined ? '' : `, p99 ${f1(r.p99)} ms (goal < ${goalP99} ms: ${r.p99 < goalP99 ? 'met' : `${(r.p99 / goalP99).toFixed(1)}× over`})`);
  const body = [
    '## control-plane — leases and submissions for 100 / 1,000 / 5,000 simulated workers, memory vs Redis',
    '',
    `Command: \`node --import tsx bench/control-plane.ts\` (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? '?'}, load average at the end of the run ${loadavg()[0].toFixed(1)}).`,
    `The real coordinator (\`runCoordinator\`, own process, ${JOB_FILE} with 1 step of enough prompts, G = 4, 256-point series, heartbeat 5 s) on 127.0.0.1 with the cluster token; the workers are ${FLEET_PROCS} processes of async loops on the same 2 cores: register → loop(LeasePrompts k → SubmitGroups k valid groups (each a complete 12-token trace per rollout, replayed through the grammar by the coordinator) → Heartbeat every 5 s). Paced rows: each worker starts a round every k·N/${OFFERED} s (its "sampling time" is the rest), so the fleet offers ${OFFERED} leases/s; unpaced rows: no sampling time (saturation). Measured over ${MEASURE_MS / 1000} s after ${WARM_MS / 1000} s of warm-up; latency is every call (lease, submit, heartbeat) as the worker saw it; coordinator CPU is user + system of its process over the window (the fleet's CPU is not in it), so CPU per call is what scales when workers have their own machines.`,
    '',
    ...table(rows),
    '',
    'Saturation (1,000 workers, no sampling time, 32 leases a call):',
    '',
    ...table(sat),
    '',
    `Goal (issue 12 row 1), 1,000 workers: memory ${verdict(m1000, 20_000, 20)}; Redis ${verdict(r1000, 10_000)} (goal: ≥ 50 % of memory's 20k).`,
    `Coordinator CPU per lease (one lease + its group's submission + the heartbeats) at 1,000 workers: memory ${f1(m1000.cpuPerLeaseUs)} µs, Redis ${f1(r1000.cpuPerLeaseUs)} µs (Redis server CPU not included) — one coordinator core would carry ${f0(1e6 / m1000.cpuPerLeaseUs)} and ${f0(1e6 / r1000.cpuPerLeaseUs)} leases/s. The throughput and latency columns are what this machine gave under its load average (${loadavg()[0].toFixed(1)} after the run, 2 cores shared with the fleet and with other jobs): with the coordinator getting ${(m1000.cpuShare * 100).toFixed(0)} % of a core, they measure the contention, not the coordinator.`,
    '',
    `Reference in the same run: one unary call through the same server (Weights.GetVersion, token checked, 64 concurrent callers in ${FLEET_PROCS} processes): ${f0(ping.callsPerS)} calls/s, p50 ${f1(ping.p50)} ms, p99 ${f1(ping.p99)} ms, coordinator CPU ${f0(ping.cpuPerCallUs)} µs a call.`,
    '',
    `Learner intake after the 1,000-worker runs (TakeGroups, 1,024 groups a call, each group with its series and label): memory ${f0(m1000.drainGroupsPerS ?? NaN)} groups/s at ${f1(m1000.drainCpuPerGroupUs ?? NaN)} µs coordinator CPU a group; Redis ${f0(r1000.drainGroupsPerS ?? NaN)} groups/s at ${f1(r1000.drainCpuPerGroupUs ?? NaN)} µs.`,
    '',
    'Validation of one submitted group (proto/group-check.ts, in this process): cold = a new checker (first replay of each path through TraceGrammar), warm = transitions memoized:',
    '',
    '| group | tokens | cold µs/group | warm µs/group |',
    '|---|---|---|---|',
    ...val.map((v) => `| ${v.name} | ${f0(v.tokens)} | ${f0(v.coldUs)} | ${f1(v.warmUs)} |`),
  ].join('\n');
  console.log(body);
  writeBenchSection('control-plane', body);
}

const [role, ...args] = process.argv.slice(2);
if (role === 'coordinator') await coordinatorChild(args[0]!, Number(args[1]));
else if (role === 'fleet') await fleetChild(args[0]!, Number(args[1]), Number(args[2]), Number(args[3]), Number(args[4]), args[5]!);
else await main();
