/**
 * Load test of `anomseer serve` (docs/SERVE.md): the real server as its own process (the
 * shipped policy, HTTP on loopback), N concurrent clients (1, 4, 16) each sending 1000-point
 * series (AnomLLM eval series, one window each) back to back for a fixed time; requests/s and
 * p50/p99 latency per concurrency, with batching across requests on and off (`--no-batching`:
 * each decode holds one request). Writes its section of docs/BENCHMARKS.md.
 *
 *   node --import tsx bench/serve.ts [seconds per row, default 20]
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSplit } from '../shared/anomllm/generate.js';
import { writeBenchSection } from './bench-doc.js';

const SECONDS = Number(process.argv[2] ?? 20);
const CONCURRENCY = [1, 4, 16];
/** Server set-ups compared: batching across requests with two batch caps, and off. */
const SETUPS = [
  { name: 'on, --max-batch 16', batching: true, maxBatch: 16 },
  { name: 'on, --max-batch 4', batching: true, maxBatch: 4 },
  { name: 'off (--no-batching)', batching: false, maxBatch: 16 },
] as const;
type Setup = (typeof SETUPS)[number];
const MAX_WAIT_MS = 5;
const token = randomBytes(24).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'anomseer-bench-serve-'));
const bodies = generateSplit('eval', { seed: 42, count: 4 }).map((r) => JSON.stringify({ series: Array.from(r.series) }));

interface Server {
  readonly child: ChildProcess;
  readonly port: number;
}

async function start(setup: Setup): Promise<Server> {
  const args = [
    'bin/anomseer.mjs',
    'serve',
    '--port',
    '0',
    '--no-grpc',
    '--token-file',
    join(dir, 'token'),
    '--max-batch',
    String(setup.maxBatch),
    '--max-wait-ms',
    String(MAX_WAIT_MS),
  ];
  const child = spawn(process.execPath, setup.batching ? args : [...args, '--no-batching'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ANOMSEER_TOKEN: token },
  });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /serve: http http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m !== null && out.includes('serve: limits:')) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}:\n${out}`)));
  });
  return { child, port };
}

function post(agent: Agent, port: number, body: string): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/v1/detect', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`status ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function metric(port: number, name: string): Promise<number> {
  const text = await new Promise<string>((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/metrics', headers: { authorization: `Bearer ${token}` } }, (res) => {
      let s = '';
      res.on('data', (d) => (s += d));
      res.on('end', () => resolve(s));
    })
      .on('error', reject)
      .end();
  });
  return Number(new RegExp(`\\n${name}\\{role="serve"\\} ([0-9.e+]+)\\n`).exec(text)?.[1] ?? NaN);
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

interface Row {
  readonly setup: Setup;
  readonly clients: number;
  readonly requests: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly windowsPerDecode: number;
}

async function measure(s: Server, setup: Setup, clients: number): Promise<Row> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  await Promise.all(Array.from({ length: clients }, (_, c) => post(agent, s.port, bodies[c % bodies.length]!))); // warm-up
  const [w0, d0] = [await metric(s.port, 'anomseer_serve_decode_batch_windows_sum'), await metric(s.port, 'anomseer_serve_decode_batch_windows_count')];
  const latencies: number[] = [];
  const t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  let last = t0;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = c; performance.now() < end; i += clients) {
        latencies.push(await post(agent, s.port, bodies[i % bodies.length]!));
        last = performance.now();
      }
    }),
  );
  const [w1, d1] = [await metric(s.port, 'anomseer_serve_decode_batch_windows_sum'), await metric(s.port, 'anomseer_serve_decode_batch_windows_count')];
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    setup,
    clients,
    requests: latencies.length,
    perSecond: latencies.length / ((last - t0) / 1000),
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    windowsPerDecode: (w1 - w0) / (d1 - d0),
  };
}

const rows: Row[] = [];
for (const setup of SETUPS) {
  const s = await start(setup);
  try {
    for (const clients of CONCURRENCY) {
      const r = await measure(s, setup, clients);
      rows.push(r);
      console.log(
        `batching ${setup.name.padEnd(20)} clients ${String(clients).padStart(2)}: ${r.perSecond.toFixed(2)} req/s, p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms, ${r.windowsPerDecode.toFixed(1)} windows/decode (${r.requests} requests)`,
      );
    }
  } finally {
    s.child.kill('SIGTERM');
    await new Promise((r) => s.child.on('close', r));
  }
}
rmSync(dir, { recursive: true, force: true });

const at = (setup: Setup, c: number) => rows.find((r) => r.setup === setup && r.clients === c)!;
const [big, small, off] = SETUPS;
const ratio = (a: Setup, b: Setup) =>
  CONCURRENCY.map((c) => `${c} client${c > 1 ? 's' : ''} ${(at(a, c).perSecond / at(b, c).perSecond).toFixed(2)}×`).join(', ');
const body = [
  '## serve — `anomseer serve` under load: requests/s and latency by concurrency, batching on vs off',
  '',
  `Command: \`node --import tsx bench/serve.ts ${SECONDS}\` (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}; 1-minute load average ${loadavg()[0]!.toFixed(1)} at the end).`,
  `The server is its own process (\`serve\` without --checkpoint: the shipped checkpoints/broad, 1 ORT thread, HTTP on 127.0.0.1, --max-wait-ms ${MAX_WAIT_MS}); N clients in the bench process each POST a 1000-point AnomLLM eval series (one window; ${bodies.length} different ones in turn) to /v1/detect and send the next as soon as the answer arrives, for ${SECONDS} s per row after one warm-up round. Latency is request to full answer. "off" = \`--no-batching\`: each decode holds one request's windows and requests queue for it.`,
  '',
  '| batching | clients | requests | req/s | p50 ms | p99 ms | windows per decode |',
  '|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.setup.name} | ${r.clients} | ${r.requests} | ${r.perSecond.toFixed(2)} | ${r.p50.toFixed(0)} | ${r.p99.toFixed(0)} | ${r.windowsPerDecode.toFixed(1)} |`,
  ),
  '',
  `req/s, batching on (--max-batch 16) / off: ${ratio(big, off)}; on (--max-batch 4) / off: ${ratio(small, off)}.`,
  'At 1 client batching on and off do the same work, so the gap between those rows is this run’s noise. The machine is shared with other engineers’ jobs (see the load average): compare rows of one run, not runs.',
].join('\n');
writeBenchSection('serve', body);
console.log('wrote the serve section of docs/BENCHMARKS.md');
