// The relayed broadcast over real gRPC on 127.0.0.1 (coordinator, relays and fetchers in this
// process; tests/cluster/relay-kill.test.ts kills a real relay process): a version reaches four
// relaying workers with the coordinator sending one copy; relays check the token; a stalled or
// lying relay is dropped and the fetch resumes at the first missing chunk; F16 on the wire.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { bearerInterceptor } from '../../proto/auth.js';
import { collect } from '../../proto/call.js';
import { chunkWeights, describeWeights } from '../../proto/chunks.js';
import { NotFoundError, UnauthenticatedError } from '../../proto/errors.js';
import { addService, createClient } from '../../proto/load.js';
import { channelOptions, serverOptions } from '../../proto/options.js';
import { exponentialBackoff } from '../../proto/retry.js';
import type { FetchWeightsRequest, PeerWeightsClient, WeightChunk } from '../../proto/types.js';
import { MemoryStore } from '../../coordinator/state/memory-store.js';
import { createCoordinator, serveCoordinator } from '../../coordinator/service/server.js';
import type { Coordinator, RunningServer } from '../../coordinator/service/server.js';
import { HeldWeights } from '../../rollout-worker/held-weights.js';
import { servePeerWeights } from '../../rollout-worker/peer-server.js';
import type { PeerServer } from '../../rollout-worker/peer-server.js';
import { WeightFetcher } from '../../rollout-worker/weight-fetcher.js';
import { decodePublishedWeights, encodePublishedWeights } from '../../shared/policy/published-weights.js';
import { initParams } from '../../shared/policy/model-config.js';
import { policySpecFromJob } from '../../shared/policy/spec.js';
import { Rng } from '../../shared/rng.js';
import { rpc } from '../helpers/rpc.js';
import { eventually, within } from '../helpers/wait.js';
import { TOKEN, clients, fakeRecords, smokeJob } from './helpers.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const CHUNK = 64 * 1024;

function file(size: number, salt = ''): Buffer {
  const out = Buffer.alloc(size);
  for (let off = 0, i = 0; off < size; off += 32, i++) createHash('sha256').update(`${salt}${i}`).digest().copy(out, off);
  return out;
}

interface Cluster {
  c: Coordinator;
  srv: RunningServer;
  publish(bytes: Buffer): Promise<number>;
  close(): Promise<void>;
}

async function cluster(overrides: Record<string, string> = {}): Promise<Cluster> {
  const job = smokeJob({ 'cluster.heartbeatInterval': '500ms', ...overrides });
  const c = createCoordinator(job, {
    store: new MemoryStore({ jobId: 'relay' }),
    clock: Date.now,
    logger: () => {},
    records: fakeRecords(4),
    chunkBytes: CHUNK,
  });
  const srv = await serveCoordinator(c, { listen: '127.0.0.1:0', token: TOKEN, logger: () => {} });
  let version = 0;
  return {
    c,
    srv,
    publish: async (bytes) => {
      version += 1;
      await c.registry.publish([...chunkWeights(bytes, { version, step: version })]);
      return version;
    },
    close: () => srv.close(),
  };
}

interface Node {
  id: string;
  held: HeldWeights;
  server?: PeerServer;
  fetcher: WeightFetcher;
  lines: string[];
  close(): Promise<void>;
}

async function node(address: string, id: string, o: { relay?: boolean; stallMs?: number } = {}): Promise<Node> {
  const held = new HeldWeights();
  const server = o.relay === false ? undefined : await servePeerWeights({ held, listen: '127.0.0.1:0', token: TOKEN });
  const cl = clients(address);
  const peers = new Map<string, PeerWeightsClient>();
  const lines: string[] = [];
  const fetcher = new WeightFetcher({
    weights: cl.weights,
    peer: (a) => {
      let p = peers.get(a);
      if (p === undefined)
        peers.set(
          a,
          (p = createClient('PeerWeights', a, grpc.credentials.createInsecure(), { ...channelOptions(), interceptors: [bearerInterceptor(TOKEN)] })),
        );
      return p;
    },
    held,
    peerAddress: () => server?.address ?? '',
    clock: Date.now,
    sleep,
    logger: (l) => lines.push(l),
    retry: exponentialBackoff({ baseMs: 10, maxMs: 100, maxAttempts: 5, rng: () => 0.5 }),
    stallMs: o.stallMs,
  });
  return {
    id,
    held,
    server,
    fetcher,
    lines,
    close: async () => {
      cl.close();
      for (const p of peers.values()) p.close();
      await server?.close();
    },
  };
}

test('a version reaches four relaying workers; the coordinator sends one copy, the workers relay the rest in a chain', async () => {
  const k = await cluster();
  const nodes = await Promise.all(['w1', 'w2', 'w3', 'w4'].map((id) => node(k.srv.address, id)));
  try {
    const bytes = file(1_000_000);
    const v = await k.publish(bytes);
    const got = await within(Promise.all(nodes.map((n) => n.fetcher.fetch(v, n.id))), 'four fetches');
    for (const g of got) assert.ok(g.bytes.equals(bytes), 'every worker holds the published bytes');
    const entry = await eventually('four fetch reports', () => {
      const e = k.c.registry.broadcasts.list().find((b) => b.version === v)!;
      return e.received.length === 4 ? e : undefined;
    });
    assert.is(entry.bytesSent, bytes.length, 'the coordinator sent exactly one copy');
    assert.is(entry.bytesRelayed, 3 * bytes.length, 'the workers relayed three');
    assert.is(entry.workersUpdated, 4);
    // A chain: one worker fed by the coordinator, every worker feeding at most one other.
    const sourceOf = new Map(entry.received.map((r) => [r.workerId, Object.keys(r.from)]));
    assert.equal([...sourceOf.values()].filter((s) => s.length === 1 && s[0] === '').length, 1);
    const fed = [...sourceOf.values()].flat().filter((s) => s !== '');
    assert.is(new Set(fed).size, fed.length, 'no worker feeds two');
    assert.is(fed.length, 3);
  } finally {
    for (const n of nodes) await n.close();
    await k.close();
  }
});

test('a relay refuses calls without the cluster token or with another one, and answers NOT_FOUND for a version it does not hold', async () => {
  const n = await node('127.0.0.1:1', 'lonely');
  try {
    n.held.begin(describeWeights(file(1000), { version: 4, step: 4, chunkBytes: CHUNK })); // 3 is older than what it holds: no wait
    const req: FetchWeightsRequest = { version: 3, start_index: 0, worker_id: 'x' };
    for (const [what, interceptors] of [
      ['no token', []],
      ['another token', [bearerInterceptor('another-token-0123456789')]],
    ] as const) {
      const c = createClient('PeerWeights', n.server!.address, grpc.credentials.createInsecure(), { ...channelOptions(), interceptors: [...interceptors] });
      const err = await collect(c.FetchWeights(req)).catch((e: unknown) => e);
      assert.instance(err, UnauthenticatedError, what);
      c.close();
    }
    const c = createClient('PeerWeights', n.server!.address, grpc.credentials.createInsecure(), {
      ...channelOptions(),
      interceptors: [bearerInterceptor(TOKEN)],
    });
    const err = await collect(c.FetchWeights(req)).catch((e: unknown) => e);
    assert.instance(err, NotFoundError);
    assert.match((err as Error).message, 'does not hold it');
    c.close();
  } finally {
    await n.close();
  }
});

test('a relay called for a version its own fetch has not begun yet (named a source a moment early) waits for it, then streams it', async () => {
  const n = await node('127.0.0.1:1', 'early');
  const c = createClient('PeerWeights', n.server!.address, grpc.credentials.createInsecure(), {
    ...channelOptions(),
    interceptors: [bearerInterceptor(TOKEN)],
  });
  try {
    const bytes = file(200_000);
    // Seen the moment the relay starts waiting for the version (a spy on the real HeldWeights).
    const whenBegun = n.held.whenBegun.bind(n.held);
    let waiting!: () => void;
    const relayWaits = new Promise<void>((r) => (waiting = r));
    n.held.whenBegun = (version, waitMs) => {
      waiting();
      return whenBegun(version, waitMs);
    };
    const call = collect(c.FetchWeights({ version: 1, start_index: 0, worker_id: 'child' }));
    await within(relayWaits, "the child's call waits in the relay, nothing held yet");
    assert.is(n.held.get(1), undefined);
    const v = n.held.begin(describeWeights(bytes, { version: 1, step: 1, chunkBytes: CHUNK }));
    for (const chunk of chunkWeights(bytes, { version: 1, step: 1, chunkBytes: CHUNK })) v.accept(chunk);
    const got = await within(call, 'the relayed chunks');
    assert.is(got.length, v.total);
    assert.ok(Buffer.concat(got.map((x) => x.data)).equals(bytes));
  } finally {
    c.close();
    await n.close();
  }
});

/** A "relay" that announces a version complete, sends its first `k` chunks (`lie`: a wrong one), then hangs. */
async function badRelay(k: Cluster, v: number, bytes: Buffer, sendChunks: number, lie = false): Promise<{ address: string; close(): void }> {
  const server = new grpc.Server(serverOptions());
  const info = (await k.c.registry.get(v)).info;
  addService(server, 'PeerWeights', {
    FetchWeights: (call: grpc.ServerWritableStream<FetchWeightsRequest, WeightChunk>) => {
      let sent = 0;
      for (const ch of chunkWeights(bytes, { version: v, step: v, chunkBytes: info.chunk_bytes, startIndex: call.request.start_index })) {
        if (sent === sendChunks) return; // hang: never end the stream
        call.write(lie && sent === sendChunks - 1 ? { ...ch, data: Buffer.alloc(ch.data.length), index: ch.index + 1 } : ch);
        sent += 1;
      }
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  const address = `127.0.0.1:${port}`;
  const cl = clients(k.srv.address);
  await rpc(cl.weights, cl.weights.AnnouncePeer, {
    worker_id: 'bad',
    peer_address: address,
    held: [{ version: v, chunks: info.chunk_count, complete: true }],
  });
  cl.close();
  return { address, close: () => server.forceShutdown() };
}

// A stall is no chunk for stallMs on the fetcher's clock: on a loaded machine it can be seen
// before all 4 chunks the stalling relay sent were read, so what counts is what the fetch kept
// from it (at most 4), and that the rest came from the coordinator, from the first missing chunk.
for (const [what, lie, stallMs] of [
  ['stops sending (stalls)', false, 300],
  ['sends a chunk out of order', true, 60_000],
] as const) {
  test(`a relay that ${what} is dropped: the worker resumes at its first missing chunk from the coordinator`, async () => {
    const k = await cluster();
    const bytes = file(640 * 1024); // 10 chunks
    const v = await k.publish(bytes);
    const bad = await badRelay(k, v, bytes, 4, lie);
    const n = await node(k.srv.address, 'w1', { stallMs });
    try {
      const got = await within(n.fetcher.fetch(v, 'w1'), 'the fetch');
      assert.ok(got.bytes.equals(bytes));
      const kept = lie ? 3 : (got.sources.find((x) => x.worker_id === 'bad')?.chunks ?? 0);
      assert.ok(kept <= 4, `kept ${kept} chunks from a relay that sent 4`);
      assert.equal(got.sources, [
        ...(kept > 0 ? [{ worker_id: 'bad', bytes: kept * CHUNK, chunks: kept }] : []),
        { worker_id: '', bytes: bytes.length - kept * CHUNK, chunks: 10 - kept },
      ]);
      assert.is(k.c.registry.broadcasts.list()[0]!.bytesSent, bytes.length - kept * CHUNK, 'the coordinator sent only the missing chunks');
      assert.ok(
        n.lines.some((l) => l.includes(`peer bad (${bad.address}) failed after ${kept} of 10 chunks`)),
        n.lines.join('\n'),
      );
    } finally {
      bad.close();
      await n.close();
      await k.close();
    }
  });
}

test('NOT_FOUND from the coordinator (an evicted version) reaches the caller, which resolves the latest instead', async () => {
  const k = await cluster();
  const n = await node(k.srv.address, 'w1', { relay: false });
  try {
    for (let i = 0; i < 3; i++) await k.publish(file(1000, `v${i}`)); // keeps 2: version 1 is gone
    const err = await n.fetcher.fetch(1, 'w1').catch((e: unknown) => e);
    assert.instance(err, NotFoundError);
    assert.match((err as Error).message, 'keeps versions 2..3');
    const latest = await n.fetcher.fetch(0, 'w1');
    assert.is(latest.info.version, 3);
    assert.ok(latest.bytes.equals(file(1000, 'v2')));
  } finally {
    await n.close();
    await k.close();
  }
});

test('cluster.broadcastF16: the workers get half the bytes, relayed, and a policy within the F16 bound of the published one', async () => {
  const job = smokeJob({ 'cluster.broadcastF16': 'true' });
  const spec = policySpecFromJob(job);
  const params = initParams(spec.model, new Rng(5));
  const published = Buffer.from(encodePublishedWeights(spec, params, 0.7));
  const k = await cluster({ 'cluster.broadcastF16': 'true' });
  const nodes = await Promise.all(['w1', 'w2'].map((id) => node(k.srv.address, id)));
  try {
    const v = await k.publish(published);
    const got = await Promise.all(nodes.map((n) => n.fetcher.fetch(v, n.id)));
    const info = got[0]!.info;
    assert.is(info.encoding, 'f16');
    assert.is(info.sha256, createHash('sha256').update(published).digest('hex'), 'the version keeps the sha256 of the published file');
    assert.ok(info.wire_bytes < 0.6 * published.length, `${info.wire_bytes} of ${published.length} bytes`);
    assert.ok(got[1]!.bytes.equals(got[0]!.bytes));
    const policy = decodePublishedWeights(got[1]!.bytes, v);
    assert.is(policy.temperature, 0.7);
    let n = 0;
    for (const [name, want] of Object.entries(params)) {
      const have = policy.params[name]!;
      for (let i = 0; i < want.length; i++, n++) {
        const x = want[i]!;
        assert.ok(Math.abs(have[i]! - x) <= (Math.abs(x) >= 2 ** -14 ? 2 ** -11 * Math.abs(x) : 2 ** -25), `${name}[${i}]: ${have[i]} vs ${x}`);
      }
    }
    assert.ok(n > 1000, `${n} weights checked`);
  } finally {
    for (const nd of nodes) await nd.close();
    await k.close();
  }
});

test('ResolveSource refuses a malformed relay address and a relay without a worker id', async () => {
  const k = await cluster();
  const cl = clients(k.srv.address);
  try {
    await k.publish(file(100));
    for (const [req, field] of [
      [{ worker_id: 'w', version: 0, peer_address: 'no-port', exclude_worker_ids: [] }, 'peer_address'],
      [{ worker_id: '', version: 0, peer_address: '127.0.0.1:5', exclude_worker_ids: [] }, 'worker_id'],
    ] as const) {
      const err = await rpc(cl.weights, cl.weights.ResolveSource, { ...req, exclude_worker_ids: [] }).catch((e: unknown) => e);
      assert.is((err as { field?: string }).field, field);
    }
  } finally {
    cl.close();
    await k.close();
  }
});

test('the weights stream honours the token like every RPC', async () => {
  const k = await cluster();
  try {
    await k.publish(file(100));
    const c = createClient('Weights', k.srv.address, grpc.credentials.createInsecure(), channelOptions());
    const err = await rpc(c, c.ResolveSource, { worker_id: 'w', version: 0, peer_address: '', exclude_worker_ids: [] }).catch((e: unknown) => e);
    assert.instance(err, UnauthenticatedError);
    c.close();
  } finally {
    await k.close();
  }
});

test.run();
