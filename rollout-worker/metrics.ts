/**
 * A rollout worker's Prometheus series (docs/DEPLOY.md "Metrics"): the WorkerHooks the loop
 * calls (rollouts, tokens, groups, weight fetches, sampling time), the worker's own state read
 * at scrape time (leases held, weight version, state), and client-side RPC latency and errors
 * (telemetry/rpc-metrics.ts, as a client interceptor next to the bearer token).
 */
import type * as grpc from '@grpc/grpc-js';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { WorkerState } from '../proto/types.js';
import { createRoleRegistry } from '../telemetry/metrics-server.js';
import type { Health } from '../telemetry/metrics-server.js';
import { clientMetricsInterceptor, createRpcMetrics } from '../telemetry/rpc-metrics.js';
import type { WorkerHooks } from './worker-loop.js';

/** What the metrics read from the running worker (RolloutWorker has these getters). */
export interface WorkerView {
  readonly id: string;
  readonly state: WorkerState;
  readonly leasesHeld: number;
  readonly weightVersion: number;
  /** The job is done: a worker kept alive by `--when-done wait` is healthy while it waits. */
  readonly jobDone: boolean;
}

export interface WorkerMetrics {
  readonly registry: Registry;
  readonly hooks: WorkerHooks;
  /** Add to the clients' interceptors. */
  readonly interceptor: grpc.Interceptor;
  /** Point the scrape-time gauges and /healthz at the worker (it is built after the clients). */
  attach(worker: WorkerView): void;
  /** /healthz: registered with the coordinator and not stopped (or stopped because the job is done). */
  health(): Health;
}

/** Seconds: a batch of G traces per prompt on CPU takes seconds to minutes. */
const SAMPLE_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** Seconds: a weight fetch is milliseconds on loopback, seconds for big models over a network. */
const FETCH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function createWorkerMetrics(opts: { registry?: Registry } = {}): WorkerMetrics {
  const registry = opts.registry ?? createRoleRegistry('worker');
  const registers = [registry];
  const rpc = createRpcMetrics(registry, 'client');
  let worker: WorkerView | undefined;

  const rollouts = new Counter({ name: 'anomseer_worker_rollouts_total', help: 'Rollouts (traces) submitted to the coordinator', registers });
  const tokens = new Counter({ name: 'anomseer_worker_tokens_total', help: 'Generated tokens submitted to the coordinator', registers });
  const groups = new Counter({
    name: 'anomseer_worker_groups_submitted_total',
    help: "Groups submitted, by the coordinator's answer (accepted or duplicate)",
    labelNames: ['result'],
    registers,
  });
  const leases = new Counter({ name: 'anomseer_worker_leases_received_total', help: 'Leases received from LeasePrompts', registers });
  const sample = new Histogram({
    name: 'anomseer_worker_sample_seconds',
    help: 'Time to sample one leased batch (G traces per prompt), seconds',
    buckets: SAMPLE_BUCKETS,
    registers,
  });
  const fetch = new Histogram({
    name: 'anomseer_worker_weight_fetch_seconds',
    help: 'Time to fetch one weight version (FetchWeights, all chunks), seconds',
    buckets: FETCH_BUCKETS,
    registers,
  });
  const build = new Histogram({
    name: 'anomseer_worker_weight_load_seconds',
    help: 'Time to build the sampler (ONNX sessions) from fetched weights, seconds',
    buckets: FETCH_BUCKETS,
    registers,
  });
  const fetchBytes = new Counter({ name: 'anomseer_worker_weight_fetch_bytes_total', help: 'Weight file bytes fetched', registers });
  new Gauge({
    name: 'anomseer_worker_leases_held',
    help: 'Leases this worker holds now',
    registers,
    collect() {
      this.set(worker?.leasesHeld ?? 0);
    },
  });
  new Gauge({
    name: 'anomseer_worker_weight_version',
    help: 'Weight version this worker samples with (0 before the first)',
    registers,
    collect() {
      this.set(worker?.weightVersion ?? 0);
    },
  });
  new Gauge({
    name: 'anomseer_worker_state',
    help: "The worker's state as it reports it in heartbeats (1 for the current state)",
    labelNames: ['state'],
    registers,
    collect() {
      this.reset();
      this.set({ state: (worker?.state ?? 'WORKER_STATE_STARTING').replace(/^WORKER_STATE_/, '').toLowerCase() }, 1);
    },
  });

  return {
    registry,
    interceptor: clientMetricsInterceptor(rpc),
    attach: (w) => {
      worker = w;
    },
    hooks: {
      weightsLoaded(_version, bytes, fetchSeconds, buildSeconds) {
        fetch.observe(fetchSeconds);
        build.observe(buildSeconds);
        fetchBytes.inc(bytes);
      },
      leased: (n) => leases.inc(n),
      sampled: (_prompts, seconds) => sample.observe(seconds),
      submitted(n, t, result) {
        rollouts.inc(n);
        tokens.inc(t);
        groups.inc({ result });
      },
    },
    health() {
      const registered = worker !== undefined && worker.id !== '';
      const jobDone = worker !== undefined && worker.jobDone;
      const running = worker !== undefined && (worker.state !== 'WORKER_STATE_STOPPED' || jobDone);
      return { ok: registered && running, checks: { registered, running, jobDone } };
    },
  };
}
