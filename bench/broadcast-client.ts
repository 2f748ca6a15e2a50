/**
 * One fetch client of bench/broadcast.ts, in its own process: the worker's real transfer path
 * (rollout-worker/ HeldWeights + PeerWeights server + WeightFetcher, the same clients and
 * options as rollout-worker/main.ts) without the ONNX engine, plus a raw TCP receiver/relay for
 * the baseline. Driven over the IPC channel by the parent:
 *
 *   env   BENCH_COORDINATOR, BENCH_TOKEN, BENCH_ID, BENCH_EGRESS (bytes/s, 0 = no cap)
 *   → {ready, peerAddress, rawPort}
 *   {cmd: 'fetch', version, relay}      fetch through the coordinator's ResolveSource (relay:
 *                                       false → this client announces no address, so the
 *                                       coordinator serves it directly: a star)
 *   {cmd: 'raw', port, size, rep}       read `size` bytes of repetition `rep` from 127.0.0.1:port
 *                                       over plain TCP, relaying them to whoever asks rawPort for it
 *   {cmd: 'cpu'}                        → {cpuMs}: this process's CPU time so far (user + system)
 *   → {done, ms, sources}
 */
import { createServer, connect } from 'node:net';
import type { Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { bearerInterceptor } from '../proto/auth.js';
import { EgressPacer } from '../proto/chunk-stream.js';
import { createClient } from '../proto/load.js';
import { channelOptions } from '../proto/options.js';
import { exponentialBackoff } from '../proto/retry.js';
import type { PeerWeightsClient } from '../proto/types.js';
import { HeldWeights } from '../rollout-worker/held-weights.js';
import { PeerAnnouncer } from '../rollout-worker/peer-announcer.js';
import { servePeerWeights } from '../rollout-worker/peer-server.js';
import { WeightFetcher } from '../rollout-worker/weight-fetcher.js';

const env = (k: string): string => {
  const v = process.env[k];
  if (v === undefined) throw new Error(`${k} is not set`);
  return v;
};
const token = env('BENCH_TOKEN');
const id = env('BENCH_ID');
const egress = Number(process.env.BENCH_EGRESS ?? 0);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const pacer = () => (egress > 0 ? new EgressPacer({ bytesPerSecond: egress, clock: () => performance.now(), sleep }) : undefined);
const send = (m: unknown) => process.send!(m);

// The same channel options as rollout-worker/main.ts.
const opts = { ...channelOptions(), interceptors: [bearerInterceptor(token)] };
const weights = createClient('Weights', env('BENCH_COORDINATOR'), grpc.credentials.createInsecure(), opts);
const held = new HeldWeights();
const server = await servePeerWeights({ held, listen: '127.0.0.1:0', token, pacer: pacer() });
const peers = new Map<string, PeerWeightsClient>();
let relay = true;
const fetcher = new WeightFetcher({
  weights,
  peer: (address) => {
    let c = peers.get(address);
    if (c === undefined) peers.set(address, (c = createClient('PeerWeights', address, grpc.credentials.createInsecure(), opts)));
    return c;
  },
  held,
  peerAddress: () => (relay ? server.address : ''),
  clock: Date.now,
  sleep,
  logger: (line) => process.stderr.write(`[${id}] ${line}\n`),
  retry: exponentialBackoff({ baseMs: 50, maxMs: 1000, maxAttempts: 10, rng: Math.random }),
});

// Raw TCP: receive into one buffer, relay every piece to the sockets that connect here (a chain).
// A downstream socket first sends the repetition it wants (uint32): it is served that
// repetition's bytes — caught up on what was already forwarded (`sent`), everything when the
// repetition is over, or from the start when it has not begun here yet.
const raw = { rep: -1, buf: Buffer.alloc(0), got: 0, sent: 0, done: false, kids: [] as Socket[], waiting: new Map<number, Socket[]>() };
const rawPacer = pacer();
const rawServer = createServer((s) => {
  s.once('data', (d: Buffer) => {
    const rep = d.readUInt32LE(0);
    if (rep === raw.rep && raw.done) s.end(raw.buf);
    else if (rep === raw.rep) {
      if (raw.sent > 0) s.write(raw.buf.subarray(0, raw.sent));
      raw.kids.push(s);
    } else raw.waiting.set(rep, [...(raw.waiting.get(rep) ?? []), s]);
  });
});
await new Promise<void>((r) => rawServer.listen(0, '127.0.0.1', r));
const rawPort = (rawServer.address() as { port: number }).port;

async function rawFetch(port: number, size: number, rep: number): Promise<void> {
  Object.assign(raw, { rep, buf: Buffer.allocUnsafe(size), got: 0, sent: 0, done: false, kids: raw.waiting.get(rep) ?? [] });
  raw.waiting.delete(rep);
  let queue = Promise.resolve();
  const forward = (from: number, to: number) => {
    for (const k of raw.kids) k.write(raw.buf.subarray(from, to));
    raw.sent = to;
  };
  await new Promise<void>((resolve, reject) => {
    const c = connect(port, '127.0.0.1', () => {
      const id = Buffer.alloc(4);
      id.writeUInt32LE(rep);
      c.write(id);
    });
    c.on('data', (d: Buffer) => {
      d.copy(raw.buf, raw.got);
      const from = raw.got;
      raw.got += d.length;
      const to = raw.got;
      if (rawPacer === undefined) forward(from, to);
      else
        queue = queue.then(async () => {
          await rawPacer.take(to - from);
          forward(from, to);
        });
    });
    c.on('end', () => (raw.got === size ? resolve() : reject(new Error(`raw: ${raw.got} of ${size} bytes`))));
    c.on('error', reject);
  });
  await queue;
  raw.done = true;
  for (const k of raw.kids) k.end();
  raw.kids = [];
}

process.on('disconnect', () => process.exit(0)); // the bench is gone
process.on('message', (m: { cmd: string; version?: number; relay?: boolean; port?: number; size?: number; rep?: number }) => {
  const t0 = performance.now();
  if (m.cmd === 'fetch') {
    relay = m.relay ?? true;
    fetcher.fetch(m.version!, id).then(
      (f) => send({ done: true, ms: performance.now() - t0, sources: f.sources }),
      (err: unknown) => send({ done: false, error: String(err) }),
    );
  } else if (m.cmd === 'raw') {
    rawFetch(m.port!, m.size!, m.rep!).then(
      () => send({ done: true, ms: performance.now() - t0, sources: [] }),
      (err: unknown) => send({ done: false, error: String(err) }),
    );
  } else if (m.cmd === 'cpu') {
    const u = process.cpuUsage();
    send({ cpuMs: (u.user + u.system) / 1000 });
  } else if (m.cmd === 'exit') {
    process.exit(0);
  }
});
new PeerAnnouncer({ weights, held, peerAddress: () => (relay ? server.address : ''), workerId: () => id, logger: () => {} }).start();
send({ ready: true, peerAddress: server.address, rawPort });
