/**
 * The rollout worker process: token (ANOMSEER_TOKEN or a token file) → gRPC clients to the
 * coordinator (TLS when given: proto/tls.ts) → RolloutWorker with the ONNX sampler on `device`
 * → run until the job is done (or the coordinator stays unreachable for cluster.coordinatorWait).
 * SIGTERM/SIGINT: stop leasing, release held leases (they are requeued at once), exit 0.
 * The only place the worker's real dependencies are wired.
 */
import { hostname } from 'node:os';
import { bearerInterceptor, tokenFrom } from '../proto/auth.js';
import { createClient } from '../proto/load.js';
import { channelOptions } from '../proto/options.js';
import { channelCredentials } from '../proto/tls.js';
import type { TlsMaterial } from '../proto/tls.js';
import { parseDevice } from '../shared/onnx/runtime.js';
import { serveMetrics } from '../telemetry/metrics-server.js';
import type { MetricsListen, MetricsServer } from '../telemetry/metrics-server.js';
import { createWorkerMetrics } from './metrics.js';
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
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: (line: string) => void;
}

export async function runWorker(o: WorkerMainOptions): Promise<number> {
  const token = tokenFrom(o.env, o.tokenFile);
  const device = o.device;
  parseDevice(device, '--device');
  const metrics = o.metrics === undefined ? undefined : createWorkerMetrics();
  const opts = { ...channelOptions(), interceptors: [bearerInterceptor(token), ...(metrics === undefined ? [] : [metrics.interceptor])] };
  const creds = channelCredentials(o.tls);
  const coord = createClient('Coordinator', o.coordinator, creds, opts);
  const weights = createClient('Weights', o.coordinator, creds, opts);
  const worker = new RolloutWorker({
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
  const ran = worker.run().then(() => undefined);
  // A failed run must not leave the metrics server holding the process open.
  void ran.catch(() => metricsServer?.close());
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
  coord.close();
  weights.close();
  await metricsServer?.close();
  return 0;
}
