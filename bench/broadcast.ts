/**
 * How long one weight version takes to reach N workers (N = 1, 2, 4, 8, 16), side by side in one
 * run: raw TCP of the same bytes (one sender → N receivers, and a chain of N receivers that each
 * forward what they get), the coordinator serving every worker itself (a star), and the relayed
 * broadcast (ResolveSource → a chain of workers, each forwarding chunks as they arrive). Each
 * worker is its own process running the real transfer path (bench/broadcast-client.ts: HeldWeights,
 * the PeerWeights server, WeightFetcher); the coordinator is the real one (createCoordinator +
 * serveCoordinator, memory store), in this process. Time = from telling the N clients to fetch a
 * freshly published version until the last one holds it with its sha256 checked; median of the
 * repetitions. Sizes: the ~4 MB policy of examples/anomllm.yaml and a 256 MiB synthetic version.
 *
 * A second table gives every process a link of its own (an egress cap, `--link` MB/s, on the
 * coordinator, each relay and each raw TCP sender), as separate hosts would have: on one machine
 * every process shares the same cores, so without it the total bytes moved — N copies whatever
 * the topology — set the time.
 *
 *   node --import tsx bench/broadcast.ts [--reps 7] [--big-reps 2] [--link 5] [--max-n 16] [--no-big]
 *     [--no-link] [--big-max-n 8] [--ends (only N = 1 and the largest)] [--chunk BYTES (default: the coordinator's)]
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { cpus, loadavg, totalmem } from 'node:os';
import { EgressPacer } from '../proto/chunk-stream.js';
import { chunkWeights } from '../proto/chunks.js';
import { MemoryStore } from '../coordinator/state/memory-store.js';
import { MemoryWeightBlobs } from '../coordinator/state/weight-blobs.js';
import { createCoordinator, serveCoordinator } from '../coordinator/service/server.js';
import type { Coordinator, RunningServer } from '../coordinator/service/server.js';
import { applyOverrides, loadJobFile } from '../shared/config/load.js';
import { encodeSafetensors } from '../shared/checkpoint/safetensors.js';
import { initParams } from '../shared/policy/model-config.js';
import { encodePublishedWeights } from '../shared/policy/published-weights.js';
import { policySpecFromJob } from '../shared/policy/spec.js';
import { Rng } from '../shared/rng.js';
import { writeBenchSection } from './bench-doc.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const REPS = arg('reps', 7);
const BIG_REPS = arg('big-reps', 2);
const LINK_MBPS = arg('link', 5);
const MAX_N = arg('max-n', 16);
/** Largest N for the 256 MiB version: each worker process holds up to three copies (two versions and the raw TCP buffer). */
const BIG_MAX_N = arg('big-max-n', 8);
const nsUpTo = (max: number) => [1, 2, 4, 8, 16].filter((n) => n <= max && (!process.argv.includes('--ends') || n === 1 || n === max));
/** Chunk size of the broadcast, bytes (0 = the coordinator's default, broadcastChunkBytes). */
const CHUNK = arg('chunk', 0);
const TOKEN = 'bench-token-0123456789abcdef';
const MB = 1e6;

/** A synthetic version: one F32 tensor of `n` values ~ N(0, 0.02²). */
function weightFile(n: number): Buffer {
  const rng = new Rng(7);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.normal() * 0.02;
  return Buffer.from(encodeSafetensors({ w: { dtype: 'F32', shape: [n], data } }));
}

interface Client {
  readonly child: ChildProcess;
  readonly rawPort: number;
}

function startClient(address: string, id: string, egress: number): Promise<Client> {
  const child = fork(new URL('./broadcast-client.ts', import.meta.url).pathname, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_COORDINATOR: address, BENCH_TOKEN: TOKEN, BENCH_ID: id, BENCH_EGRESS: String(egress) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { rawPort: number }) => resolve({ child, rawPort: m.rawPort }));
    child.once('exit', (code) => reject(new Error(`client ${id} exited with ${code}`)));
  });
}

/** Send each client its command; resolves with the time until the last one is done, ms. */
function round(clients: readonly Client[], command: (i: number) => object): Promise<number> {
  const t0 = performance.now();
  return Promise.all(
    clients.map(
      (c, i) =>
        new Promise<void>((resolve, reject) => {
          c.child.once('message', (m: { done: boolean; error?: string }) => (m.done ? resolve() : reject(new Error(m.error))));
          c.child.send(command(i));
        }),
    ),
  ).then(() => performance.now() - t0);
}

/** CPU time of the clients and of this process (the coordinator and the raw sender) so far, ms. */
async function cpuNow(clients: readonly Client[]): Promise<{ clients: number; self: number }> {
  const each = await Promise.all(
    clients.map((c) => new Promise<number>((resolve) => (c.child.once('message', (m: { cpuMs: number }) => resolve(m.cpuMs)), c.child.send({ cmd: 'cpu' })))),
  );
  const u = process.cpuUsage();
  return { clients: each.reduce((a, b) => a + b, 0), self: (u.user + u.system) / 1000 };
}

/** A round's wall time and the CPU it cost: per worker (mean over the N clients) and in this process. */
async function measured(clients: readonly Client[], command: (i: number) => object): Promise<{ ms: number; cpuPerWorker: number; cpuSelf: number }> {
  const before = await cpuNow(clients);
  const ms = await round(clients, command);
  // Relays may still be serving their children after their own fetch is done: wait for the last done, then read.
  const after = await cpuNow(clients);
  return { ms, cpuPerWorker: (after.clients - before.clients) / clients.length, cpuSelf: after.self - before.self };
}

/** A copy of `xs` in an order drawn from `rng` (Fisher–Yates). */
function shuffled<T>(xs: readonly T[], rng: Rng): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

interface Setup {
  readonly coordinator: Coordinator;
  readonly server: RunningServer;
  readonly clients: Client[];
  readonly rawPort: number;
  close(): Promise<void>;
}

async function setup(bytes: Buffer, egress: number, clientsN: number): Promise<Setup> {
  const job = applyOverrides(loadJobFile('examples/smoke.yaml'), { 'cluster.heartbeatInterval': '1s' });
  const records = [{ id: 'r0', series: Float64Array.from([0, 1, 0]), intervals: [], type: 'normal' as const }];
  const clock = () => performance.now();
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  const coordinator = createCoordinator(job, {
    store: new MemoryStore({ jobId: 'bench' }),
    blobs: new MemoryWeightBlobs({ keep: 2 }),
    clock: Date.now,
    logger: () => {},
    records,
    chunkBytes: CHUNK > 0 ? CHUNK : undefined,
    weightEgress: egress > 0 ? new EgressPacer({ bytesPerSecond: egress, clock, sleep }) : undefined,
  });
  const server = await serveCoordinator(coordinator, { listen: '127.0.0.1:0', token: TOKEN, logger: () => {} });
  const clients: Client[] = [];
  for (let i = 0; i < clientsN; i++) clients.push(await startClient(server.address, `c${i}`, egress));
  // Raw TCP sender: the same bytes to every connection, through one egress cap (one link).
  const pacer = egress > 0 ? new EgressPacer({ bytesPerSecond: egress, clock, sleep }) : undefined;
  // The receiver first sends its repetition number (4 bytes; read, so closing never resets the connection).
  const raw = createServer((s) =>
    s.once('data', () => {
      if (pacer === undefined) s.end(bytes);
      else
        void (async () => {
          for (let off = 0; off < bytes.length; off += 65536) {
            await pacer.take(Math.min(65536, bytes.length - off));
            s.write(bytes.subarray(off, off + 65536));
          }
          s.end();
        })();
    }),
  );
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
  return {
    coordinator,
    server,
    clients,
    rawPort: (raw.address() as { port: number }).port,
    close: async () => {
      for (const c of clients) c.child.send({ cmd: 'exit' });
      await Promise.all(clients.map((c) => new Promise((r) => (c.child.exitCode === null ? c.child.once('exit', r) : r(null)))));
      raw.close();
      await server.close();
    },
  };
}

/** Publish the next version (latest + 1) of `bytes`; returns its number. */
async function publish(c: Coordinator, bytes: Buffer): Promise<number> {
  const version = c.registry.latest + 1;
  await c.registry.publish([...chunkWeights(bytes, { version, step: version })]);
  return version;
}

type Mode = 'rawStar' | 'rawChain' | 'star' | 'relay';
const MODES: readonly Mode[] = ['rawStar', 'rawChain', 'star', 'relay'];
interface Row {
  n: number;
  /** Median wall time per mode, ms. */
  ms: Record<Mode, number>;
  /** All samples of the mode (N = 1: the two raw modes are the same transfer and are pooled). */
  samples: Record<Mode, number[]>;
  /** Median CPU per worker process and in the bench process (coordinator, raw sender), ms. */
  cpu: Record<Mode, { worker: number; self: number }>;
  coordBytes: number;
  relayedBytes: number;
}

async function measure(s: Setup, bytes: Buffer, reps: number, ns: readonly number[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of ns) {
    const group = s.clients.slice(0, n);
    const samples = Object.fromEntries(MODES.map((m) => [m, [] as { ms: number; cpuPerWorker: number; cpuSelf: number }[]])) as Record<
      Mode,
      { ms: number; cpuPerWorker: number; cpuSelf: number }[]
    >;
    let coordBytes = 0,
      relayedBytes = 0;
    for (let r = 0; r < reps; r++) {
      const rep = 2 * (n * 1000 + r);
      let relayVersion = 0;
      const round: Record<Mode, () => Promise<void>> = {
        rawStar: async () => void samples.rawStar.push(await measured(group, () => ({ cmd: 'raw', port: s.rawPort, size: bytes.length, rep }))),
        rawChain: async () =>
          void samples.rawChain.push(
            await measured(group, (i) => ({ cmd: 'raw', port: i === 0 ? s.rawPort : group[i - 1]!.rawPort, size: bytes.length, rep: rep + 1 })),
          ),
        star: async () => {
          const v = await publish(s.coordinator, bytes);
          samples.star.push(await measured(group, () => ({ cmd: 'fetch', version: v, relay: false })));
        },
        relay: async () => {
          const v = (relayVersion = await publish(s.coordinator, bytes));
          samples.relay.push(await measured(group, () => ({ cmd: 'fetch', version: v, relay: true })));
        },
      };
      // The modes run in a new order each repetition (seeded shuffle): whichever runs right after
      // the raw rounds pays for their garbage (measured: about 2 × the wall time of the same fetch
      // run later), so no mode may always come first or always follow the same one.
      for (const m of shuffled(MODES, new Rng(1000 * n + r))) await round[m]();
      const v = relayVersion;
      // ReportFetch is sent after a fetch completes: give the reports a moment to land.
      for (let t = 0; t < 50; t++) {
        const e = s.coordinator.registry.broadcasts.list().find((b) => b.version === v)!;
        coordBytes = e.bytesSent;
        relayedBytes = e.bytesRelayed;
        if (e.received.length === n) break;
        await new Promise((res) => setTimeout(res, 20));
      }
    }
    const pick = <K extends 'ms' | 'cpuPerWorker' | 'cpuSelf'>(m: Mode, k: K) => samples[m].map((x) => x[k]);
    const ms = Object.fromEntries(MODES.map((m) => [m, median(pick(m, 'ms'))])) as Record<Mode, number>;
    const cpu = Object.fromEntries(MODES.map((m) => [m, { worker: median(pick(m, 'cpuPerWorker')), self: median(pick(m, 'cpuSelf')) }])) as Row['cpu'];
    rows.push({ n, ms, samples: Object.fromEntries(MODES.map((m) => [m, pick(m, 'ms')])) as Record<Mode, number[]>, cpu, coordBytes, relayedBytes });
    console.log(
      `  N=${n}: ${MODES.map((m) => `${m} ${ms[m].toFixed(1)} ms (cpu ${cpu[m].worker.toFixed(1)}/worker, ${cpu[m].self.toFixed(1)} here)`).join(', ')}; coordinator sent ${(coordBytes / MB).toFixed(1)} MB, peers ${(relayedBytes / MB).toFixed(1)} MB`,
    );
  }
  return rows;
}

function table(title: string, bytes: number, rows: Row[], egress: number): string[] {
  const one = rows[0]!;
  const raw1 = median([...one.samples.rawStar, ...one.samples.rawChain]);
  const mbps = (ms: number) => ((bytes / MB) * 1000) / ms;
  const f = (x: number) => x.toFixed(1);
  const out = [
    `### ${title}`,
    '',
    '| N | raw TCP 1→N ms | raw TCP chain ms | coordinator → N (star) ms | relay chain ms | relay MB/s | relay ÷ raw TCP chain | relay N ÷ 1 | raw chain N ÷ 1 | star N ÷ 1 | coordinator sent (relay) | relayed by workers |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    out.push(
      `| ${r.n} | ${f(r.ms.rawStar)} | ${f(r.ms.rawChain)} | ${f(r.ms.star)} | ${f(r.ms.relay)} | ${mbps(r.ms.relay).toFixed(0)} | ` +
        `${(r.ms.relay / r.ms.rawChain).toFixed(2)} | ${(r.ms.relay / one.ms.relay).toFixed(2)} | ${(r.ms.rawChain / one.ms.rawChain).toFixed(2)} | ${(r.ms.star / one.ms.star).toFixed(2)} | ` +
        `${(r.coordBytes / MB).toFixed(1)} MB | ${(r.relayedBytes / MB).toFixed(1)} MB |`,
    );
  }
  out.push(
    '',
    'CPU per version (user + system, median): per worker process, and in the bench process (the coordinator for star and relay, the raw sender for raw TCP), ms.',
    '',
    '| N | raw 1→N: worker / sender | raw chain: worker / sender | star: worker / coordinator | relay: worker / coordinator |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.n} | ${MODES.map((m) => `${f(r.cpu[m].worker)} / ${f(r.cpu[m].self)}`).join(' | ')} |`),
  );
  const last = rows.at(-1)!;
  // What bounds a relay round: the link (each process sends at most one copy: size ÷ link) or
  // the CPU (the round's CPU time over every process, spread over this machine's cores).
  const cores = cpus().length;
  const cpuFloor = (r: Row) => (r.n * r.cpu.relay.worker + r.cpu.relay.self) / cores;
  const linkFloor = egress > 0 ? (bytes * 1000) / egress : 0;
  // The CPU floor assumes both cores to the bench; the machine's other load takes part of them,
  // so a round is called link-bound only when its CPU floor is under half the link floor.
  const boundBy = (r: Row) => (egress === 0 || cpuFloor(r) >= linkFloor ? 'CPU' : cpuFloor(r) <= linkFloor / 2 ? 'link' : 'both');
  const linkBound = (r: Row) => boundBy(r) === 'link';
  out.push(
    '',
    `What bounds the relay rounds: the CPU floor is the round's CPU (N × worker + coordinator, table above) ÷ ${cores} cores` +
      (egress > 0
        ? `; the link floor is size ÷ link = ${f(linkFloor)} ms (each process sends at most one copy). "link": CPU floor ≤ half the link floor; "both": between (the machine's other load takes part of the cores); "CPU": CPU floor ≥ link floor.`
        : '; no link cap: every round is CPU-bound.'),
    '',
    `| N | relay ms | CPU floor ms | bound by |`,
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.n} | ${f(r.ms.relay)} | ${f(cpuFloor(r))} | ${boundBy(r)} |`),
  );
  const bound = rows.filter(linkBound).at(-1);
  const met = (ok: boolean) => (ok ? 'met' : 'not met');
  const pct = (100 * raw1) / one.ms.relay;
  goals.push(
    `- ${title}: one worker at ${pct.toFixed(0)} % of raw TCP (${egress === 0 ? met(pct >= 50) : 'both at the link: read this goal from the uncapped tables'}); N = ${last.n} at ${(last.ms.relay / one.ms.relay).toFixed(2)} × one worker (${met(last.ms.relay <= 1.5 * one.ms.relay)}; star ${(last.ms.star / one.ms.star).toFixed(2)} ×)` +
      (bound !== undefined && bound.n > 1 && bound !== last
        ? `; N = ${bound.n}, the largest round bound by the link: ${(bound.ms.relay / one.ms.relay).toFixed(2)} × (${met(bound.ms.relay <= 1.5 * one.ms.relay)}; star ${(bound.ms.star / one.ms.star).toFixed(2)} ×)`
        : '') +
      (egress === 0 ? ' — every process on the same two cores' : ' — a link per process'),
  );
  out.push(
    '',
    `Goals. One worker at ≥ 50 % of raw TCP: measured ${((100 * raw1) / one.ms.relay).toFixed(0)} % (${mbps(one.ms.relay).toFixed(0)} vs ${mbps(raw1).toFixed(0)} MB/s, raw TCP = median of both raw modes at N = 1). ` +
      `N = ${last.n} at ≤ 1.5 × one worker: measured ${(last.ms.relay / one.ms.relay).toFixed(2)} × (raw TCP chain on the same processes: ${(last.ms.rawChain / one.ms.rawChain).toFixed(2)} ×; star: ${(last.ms.star / one.ms.star).toFixed(2)} ×)` +
      (egress === 0
        ? '.'
        : bound === undefined || bound.n === 1
          ? '; no round with N > 1 was link-bound, so this run does not isolate the topology.'
          : `; at N = ${bound.n}, the largest link-bound round: ${(bound.ms.relay / one.ms.relay).toFixed(2)} × (raw TCP chain ${(bound.ms.rawChain / one.ms.rawChain).toFixed(2)} ×, star ${(bound.ms.star / one.ms.star).toFixed(2)} ×).`),
  );
  return out;
}

// The ~4 MB version: the initial policy of examples/anomllm.yaml, as the learner publishes it.
const anomllm = policySpecFromJob(loadJobFile('examples/anomllm.yaml'));
const small = Buffer.from(encodePublishedWeights(anomllm, initParams(anomllm.model, new Rng(1)), 1));
const sections: string[] = [];
/** One line per table: the two goals of issue 12, met or not, with the measured distance. */
const goals: string[] = [];
/** Rows of the first table (the ~4 MB version, no cap), for the reading notes. */
let firstRows: Row[] = [];
/** Worker CPU of `mode` over a bare-socket receiver's, at N = 1 of the first table. */
const cpuRatio = (mode: Mode) => {
  const r = firstRows[0];
  return r === undefined ? '?' : (r.cpu[mode].worker / Math.min(r.cpu.rawStar.worker, r.cpu.rawChain.worker)).toFixed(1);
};
const run = async (title: string, bytes: Buffer, egress: number, reps: number, maxN = MAX_N) => {
  console.log(`${title} (${bytes.length} bytes, ${reps} reps)`);
  const ns = nsUpTo(maxN);
  const s = await setup(bytes, egress, ns.at(-1)!);
  try {
    const rows = await measure(s, bytes, reps, ns);
    if (firstRows.length === 0) firstRows = rows;
    sections.push(...table(title, bytes.length, rows, egress), '');
  } finally {
    await s.close();
  }
};
await run(`${(small.length / MB).toFixed(1)} MB version, shared cores (no link cap)`, small, 0, REPS);
if (!process.argv.includes('--no-link'))
  await run(`${(small.length / MB).toFixed(1)} MB version, a ${LINK_MBPS} MB/s link per process`, small, LINK_MBPS * MB, Math.max(3, Math.ceil(REPS / 2)));
if (!process.argv.includes('--no-big')) await run('256 MiB version, shared cores (no link cap)', weightFile(64 * 1024 * 1024), 0, BIG_REPS, BIG_MAX_N);

const body = [
  '## broadcast — one weight version to N workers: relay chain vs coordinator star vs raw TCP',
  '',
  `Command: \`node --import tsx bench/broadcast.ts${process.argv.slice(2).length > 0 ? ` ${process.argv.slice(2).join(' ')}` : ''}\` (${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, load average ${loadavg()[0]!.toFixed(1)}).`,
  'Each worker is a process running the real transfer path (bench/broadcast-client.ts); the coordinator is the real service in the bench process. Time: from telling the N workers to fetch a new version until the last holds it, sha256 checked; median of the repetitions. "raw TCP 1→N": the same bytes from one socket server to N receivers; "raw TCP chain": receiver i reads from receiver i − 1, forwarding as it reads (the floor for any chain on these processes). "relay ÷ raw TCP chain" is the cost of gRPC, chunking and hashing over the bare socket; "N ÷ 1" how the time grows with N.',
  '',
  'Goals of issue 12 in this run (one worker ≥ 50 % of raw TCP throughput; N workers ≤ 1.5 × one worker):',
  '',
  ...goals,
  '',
  ...sections,
  `The 256 MiB version runs up to N = ${BIG_MAX_N} (\`--big-max-n\`): each worker process holds up to three copies (two versions and the raw TCP buffer), so 16 would need about 13 GB.`,
  '',
  `Reading it. Without a link cap every time here is CPU-bound: the N + 1 processes share ${cpus().length} cores (with whatever else the machine runs — see the load average above), so a transfer takes about its CPU time divided by the share each process gets. The CPU tables give that cost: in the first table, at N = 1, a worker spent ${cpuRatio('star')} × the CPU of a bare-socket receiver to receive the version over gRPC (star) and ${cpuRatio('relay')} × through the relay path; at N > 1 a relay worker also sends the version on. A broadcast to N workers makes N copies whatever the topology, so on one machine the time grows with N for raw TCP too. What the relay changes is who makes the copies: the coordinator sends one copy per version ("coordinator sent"), and its CPU per version grows only with N small control calls (ResolveSource, ReportFetch) instead of N copies — on separate hosts, each with its own link and cores, that is what keeps the time from growing with N. The link-capped table gives every process a link of its own to show the topology; only its rows bound by the link (the "bound by" column) show it.`,
].join('\n');
console.log(body);
writeBenchSection('broadcast', body);
