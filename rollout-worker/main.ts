/**
 * The rollout worker process: token (ANOMSEER_TOKEN or a token file) → gRPC clients to the
 * coordinator (TLS when given: proto/tls.ts) → the weight relay (a PeerWeights server on
 * `peerListen`, default 127.0.0.1:0, behind the same token; the fetcher; the announcer) →
 * RolloutWorker with the ONNX sampler on `device` → run until the job is done (or the
 * coordinator stays unreachable for cluster.coordinatorWait). Relays between workers run over
 * mutual TLS with the worker's own certificate when it has one (proto/tls.ts `relayTls`); a
 * plain-text relay bound beyond loopback of a worker on TLS says so, and why, in one line.
 * SIGTERM/SIGINT: stop leasing, release held leases (they are requeued at once), exit 0.
 * The only place the worker's real dependencies are wired.
 */
import { hostname } from 'node:os';
import { bearerInterceptor, tokenFrom } from '../proto/auth.js';
import { channelOptions } from '../proto/options.js';
import { connectClient, connectPeer, isLoopbackHost, relayTls } from '../proto/tls.js';
import type { TlsMaterial } from '../proto/tls.js';
import { parseDevice } from '../shared/onnx/runtime.js';
import { serveMetrics } from '../telemetry/metrics-server.js';
import type { MetricsListen, MetricsServer } from '../telemetry/metrics-server.js';
import { DEFAULT_BACKOFF, exponentialBackoff } from '../proto/retry.js';
import type { PeerWeightsClient } from '../proto/types.js';
import { Rng } from '../shared/rng.js';
import { createWorkerMetrics } from './metrics.js';
import { HeldWeights } from './held-weights.js';
import { PeerAnnouncer } from './peer-announcer.js';
import { servePeerWeights } from './peer-server.js';
import type { PeerServer } from './peer-server.js';
import { WeightFetcher } from './weight-fetcher.js';
import { RolloutWorker, onnxSamplerFactory } from './worker-loop.js';

export interface WorkerMainOptions {
  readonly coordinator: string;
  readonly device: string;
  readonly threads: number;
  readonly tokenFile?: string;
  readonly maxPrompts?: number;
  readonly workerId?: string;
  /** Serve /metrics (bearer token) and /healthz here; absent = no metrics (docs/DEPLOY.md "Metrics"). */
  readonly metrics?: MetricsListen;
  /** When the coordinator says the job is done: exit (default), or stay up until SIGTERM (for Deployments). */
  readonly whenDone?: 'exit' | 'wait';
  /** TLS to the coordinator; absent = plain text. */
  readonly tls?: TlsMaterial;
  /** What runWorker returns when a signal ended it before the job was done (default 0; 143 for a Kubernetes Job). */
  readonly signalExitCode?: number;
  /** Relay weights to other workers on this host:port (default 127.0.0.1:0); false = relay nothing. */
  readonly peerListen?: string | false;
  /** The host:port other workers reach the relay at (default: the bound address; the hostname when bound to a wildcard). */
  readonly peerAdvertise?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: (line: string) => void;
}

export async function runWorker(o: WorkerMainOptions): Promise<number> {
  const token = tokenFrom(o.env, o.tokenFile);
  const device = o.device;
  parseDevice(device, '--device');
  const metrics = o.metrics === undefined ? undefined : createWorkerMetrics();
  const opts = {
    ...channelOptions(),
    interceptors: [bearerInterceptor(token), ...(metrics === undefined ? [] : [metrics.interceptor])],
  };
  const coord = connectClient('Coordinator', o.coordinator, o.tls, opts);
  const weights = connectClient('Weights', o.coordinator, o.tls, opts);
  const held = new HeldWeights();
  let peerServer: PeerServer | undefined;
  // Relays over mTLS with the worker's own certificate when it has one that may serve TLS.
  const relay = relayTls(o.tls);
  if (o.peerListen !== false) {
    peerServer = await servePeerWeights({ held, listen: o.peerListen ?? '127.0.0.1:0', token, ...(relay.tls === undefined ? {} : { tls: relay.tls }) });
  }
  const peerAddress = peerServer === undefined ? '' : (o.peerAdvertise ?? advertisedAddress(peerServer.address));
  if (peerServer !== undefined) {
    o.log(
      `worker: relays weights on ${peerServer.address} (advertised as ${peerAddress}; ${relay.tls === undefined ? 'bearer token' : 'mutual TLS + bearer token'})`,
    );
    const host = peerServer.address.slice(0, peerServer.address.lastIndexOf(':'));
    if (o.tls !== undefined && relay.tls === undefined && !isLoopbackHost(host))
      o.log(
        `worker: the weight relay is served without TLS beyond this machine (the token travels in clear text between workers): ${'why' in relay ? relay.why : ''}; --peer-listen off relays nothing`,
      );
  }
  const peers = new Map<string, PeerWeightsClient>();
  const jitter = new Rng(0).fork(`retry/${hostname()}:${process.pid}`);
  const retry = exponentialBackoff({ ...DEFAULT_BACKOFF, maxAttempts: 20, rng: () => jitter.uniform() });
  const fetcher = new WeightFetcher({
    weights,
    peer: (address) => {
      let c = peers.get(address);
      if (c === undefined) {
        c = connectPeer(address, relay.tls, opts);
        peers.set(address, c);
      }
      return c;
    },
    held,
    peerAddress: () => peerAddress,
    clock: Date.now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    logger: o.log,
    retry,
  });
  const worker = new RolloutWorker({
    fetcher,
    retry,
    coord,
    weights,
    buildSampler: onnxSamplerFactory({ device, threads: o.threads }),
    clock: Date.now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    logger: o.log,
    host: `${hostname()}:${process.pid}`,
    device,
    maxPrompts: o.maxPrompts,
    workerId: o.workerId,
    hooks: metrics?.hooks,
  });
  const announcer = new PeerAnnouncer({ weights, held, peerAddress: () => peerAddress, workerId: () => worker.id, logger: o.log });
  let metricsServer: MetricsServer | undefined;
  if (metrics !== undefined && o.metrics !== undefined) {
    metrics.attach(worker);
    metricsServer = await serveMetrics({ ...o.metrics, role: 'worker', registry: metrics.registry, token, health: () => metrics.health() });
    o.log(`worker: metrics on http://${metricsServer.address}/metrics (bearer token), health on /healthz`);
  }
  let signalled: Promise<void> | undefined;
  const onSignal = (sig: string) => {
    o.log(`worker ${worker.id}: ${sig}; releasing leases and exiting`);
    signalled ??= worker.stop();
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
  announcer.start();
  const ran = worker.run().then(() => undefined);
  // A failed run must not leave the metrics server holding the process open.
  void ran.catch(() => {
    announcer.stop();
    void peerServer?.close();
    void metricsServer?.close();
  });
  // Exit as soon as a signal's release is done, without waiting for a batch in progress.
  await Promise.race([
    ran,
    new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (signalled !== undefined) {
          clearInterval(check);
          void signalled.then(resolve, resolve);
        }
      }, 50);
      void ran.finally(() => clearInterval(check));
    }),
  ]);
  if (worker.jobDone && o.whenDone === 'wait' && signalled === undefined) {
    // A Deployment restarts a container that exits, even with 0: stay up (healthy) until told to stop.
    o.log(`worker ${worker.id}: the job is done after ${worker.submitted} accepted group(s); waiting for SIGTERM (--when-done wait)`);
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (signalled !== undefined) {
          clearInterval(check);
          resolve();
        }
      }, 100);
    });
  }
  o.log(`worker ${worker.id}: stopped after ${worker.submitted} accepted group(s)`);
  announcer.stop();
  coord.close();
  weights.close();
  for (const c of peers.values()) c.close();
  await peerServer?.close();
  await metricsServer?.close();
  return signalled !== undefined && !worker.jobDone ? (o.signalExitCode ?? 0) : 0;
}

/** What other workers dial: the bound address, with this host's name instead of a wildcard host. */
export function advertisedAddress(bound: string, host = hostname()): string {
  const i = bound.lastIndexOf(':');
  const h = bound.slice(0, i);
  return ['0.0.0.0', '::', '[::]', ''].includes(h) ? `${host}:${bound.slice(i + 1)}` : bound;
}
