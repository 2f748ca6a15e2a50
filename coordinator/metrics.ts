/**
 * The coordinator's Prometheus series (docs/DEPLOY.md "Metrics"). Three sources, none of which
 * needs a change in the service code:
 *
 * - the store and the service, read at scrape time (one GetStatus + counters snapshot per
 *   scrape): queue depth, leases held, prompts done / requeued, expired and released leases,
 *   duplicate and stale groups, workers by state, step and weight version. The store's counters
 *   are durable (Redis), so these counters continue across a coordinator restart;
 * - what crosses the wire, seen by the server interceptor: leases granted, rollouts and tokens
 *   of accepted groups, staleness of accepted groups, weight bytes received and served;
 * - RPC latency and errors by method and code (telemetry/rpc-metrics.ts).
 */
import type * as grpc from '@grpc/grpc-js';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type {
  GetStatusResponse,
  LeasePromptsResponse,
  SubmitGroupRequest,
  SubmitGroupResponse,
  SubmitGroupsRequest,
  SubmitGroupsResponse,
  WeightChunk,
} from '../proto/types.js';
import { createRoleRegistry } from '../telemetry/metrics-server.js';
import type { Health } from '../telemetry/metrics-server.js';
import { createRpcMetrics, serverMetricsInterceptor } from '../telemetry/rpc-metrics.js';
import type { CallObserver } from '../telemetry/rpc-metrics.js';
import type { Counters, StateStore } from './state/store.js';

/** What the metrics read; createCoordinator's result and the store satisfy it. */
export interface CoordinatorMetricsDeps {
  readonly store: Pick<StateStore, 'counters'>;
  readonly service: { getStatus(): Promise<GetStatusResponse>; rejections(): ReadonlyMap<string, number> };
  readonly registry: { readonly latest: number; latestInfo(): { total_bytes: number } };
  /** A fresh registry when absent. */
  readonly metricsRegistry?: Registry;
}

export interface CoordinatorMetrics {
  readonly registry: Registry;
  /** Give to serveCoordinator's `interceptors`. */
  readonly interceptor: grpc.ServerInterceptor;
  /** Set by the process once the gRPC server is up, cleared when it closes. */
  setServing(serving: boolean): void;
  /** /healthz: serving and the store answers. */
  health(): Promise<Health>;
}

/** Versions between a group's sampling weights and the latest at acceptance. */
export const STALENESS_BUCKETS: readonly number[] = Object.freeze([0, 1, 2, 3, 4, 6, 8, 16]);

type Snapshot = { status: GetStatusResponse; counters: Counters };

export function createCoordinatorMetrics(d: CoordinatorMetricsDeps): CoordinatorMetrics {
  const registry = d.metricsRegistry ?? createRoleRegistry('coordinator');
  const rpc = createRpcMetrics(registry, 'server');
  const registers = [registry];

  // One snapshot per scrape: prom-client collects every metric concurrently, so the first
  // collect starts the read and the others share its promise.
  let snap: { at: number; p: Promise<Snapshot> } | undefined;
  const snapshot = (): Promise<Snapshot> => {
    const now = performance.now();
    if (snap === undefined || now - snap.at > 500) {
      snap = { at: now, p: Promise.all([d.service.getStatus(), d.store.counters()]).then(([status, counters]) => ({ status, counters })) };
    }
    return snap.p;
  };
  /** A counter that mirrors a durable store counter at scrape time. */
  const storeCounter = (name: string, help: string, read: (s: Snapshot) => number) =>
    new Counter({
      name,
      help,
      registers,
      async collect() {
        const v = read(await snapshot());
        this.reset();
        this.inc(v);
      },
    });
  const storeGauge = (name: string, help: string, read: (s: Snapshot) => number) =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        this.set(read(await snapshot()));
      },
    });

  storeGauge('anomseer_coordinator_step', 'Learner step of the latest published weight version', (s) => s.status.step);
  storeGauge('anomseer_coordinator_weight_version', 'Latest published weight version (0 before the first)', (s) => s.status.weight_version);
  storeGauge('anomseer_coordinator_prompts_planned', 'Prompts the job plans over all steps (steps × promptsPerStep)', (s) => s.status.prompts?.total ?? 0);
  storeGauge('anomseer_coordinator_queue_depth', 'Prompts waiting in the queue for a worker now (the autoscaling signal)', (s) => s.counters.queued);
  storeGauge('anomseer_coordinator_leases_held', 'Live leases held by workers now (prompts in flight)', (s) => s.counters.inFlight);
  storeGauge('anomseer_coordinator_groups_ready', 'Accepted groups not yet taken by the learner', (s) => s.counters.groupsReady);
  storeCounter('anomseer_coordinator_prompts_enqueued_total', 'Prompts (items) enqueued over all released steps', (s) => s.counters.promptsTotal);
  storeCounter('anomseer_coordinator_prompts_done_total', 'Prompts whose group was accepted (each at most once)', (s) => s.counters.promptsDone);
  storeCounter('anomseer_coordinator_prompts_requeued_total', 'Times a prompt went back to the queue (expired + released leases)', (s) => s.counters.requeued);
  storeCounter(
    'anomseer_coordinator_leases_expired_total',
    'Leases that expired (worker died or stalled past cluster.leaseTimeout)',
    (s) => s.counters.expired,
  );
  storeCounter('anomseer_coordinator_leases_released_total', 'Leases released by their worker (SIGTERM, drain)', (s) => s.counters.released);
  storeCounter('anomseer_coordinator_groups_duplicate_total', 'Submitted groups dropped as duplicates', (s) => s.counters.duplicatesDropped);
  storeCounter('anomseer_coordinator_groups_stale_total', 'Submitted groups refused as older than their lease allows', (s) => s.counters.staleDropped);
  storeCounter('anomseer_coordinator_groups_acked_total', 'Groups the learner acknowledged', (s) => s.counters.groupsAcked);
  new Gauge({
    name: 'anomseer_coordinator_workers',
    help: 'Registered workers by their last reported state',
    labelNames: ['state'],
    registers,
    async collect() {
      const { status } = await snapshot();
      this.reset();
      for (const w of status.workers) this.inc({ state: w.state.replace(/^WORKER_STATE_/, '').toLowerCase() });
    },
  });
  new Counter({
    name: 'anomseer_coordinator_submissions_rejected_total',
    help: 'Submitted groups refused as malformed (INVALID_ARGUMENT), by reason: the field that failed, indices dropped (since this process started)',
    labelNames: ['reason'],
    registers,
    collect() {
      this.reset();
      for (const [reason, n] of d.service.rejections()) this.inc({ reason }, n);
    },
  });
  new Gauge({
    name: 'anomseer_coordinator_weight_bytes',
    help: 'Size of the latest weight version held for FetchWeights, bytes (0 when only its record survived a restart)',
    registers,
    collect() {
      this.set(d.registry.latestInfo().total_bytes);
    },
  });

  const granted = new Counter({
    name: 'anomseer_coordinator_leases_granted_total',
    help: 'Leases handed out by LeasePrompts (since this process started)',
    registers,
  });
  const rollouts = new Counter({
    name: 'anomseer_coordinator_rollouts_total',
    help: 'Rollouts in accepted groups (G per group; since this process started)',
    registers,
  });
  const tokens = new Counter({
    name: 'anomseer_coordinator_tokens_total',
    help: 'Generated tokens in accepted groups (since this process started)',
    registers,
  });
  const staleness = new Histogram({
    name: 'anomseer_coordinator_staleness_versions',
    help: 'Weight versions between the policy that sampled an accepted group and the latest published one at acceptance',
    buckets: [...STALENESS_BUCKETS],
    registers,
  });
  const weightBytes = new Counter({
    name: 'anomseer_coordinator_weight_bytes_total',
    help: 'Weight file bytes moved through the coordinator, by direction (received = PublishWeights, sent = FetchWeights)',
    labelNames: ['direction'],
    registers,
  });

  const acceptedGroup = (req: SubmitGroupRequest) => {
    rollouts.inc(req.rollouts.length);
    let n = 0;
    for (const r of req.rollouts) n += r.token_ids.length;
    tokens.inc(n);
    staleness.observe(Math.max(0, d.registry.latest - req.weight_version));
  };
  const observe = (method: string): CallObserver | undefined => {
    switch (method) {
      case 'LeasePrompts':
        return { onResponse: (m) => granted.inc((m as LeasePromptsResponse).leases.length) };
      case 'SubmitGroup': {
        let req: SubmitGroupRequest | undefined;
        return {
          onRequest: (m) => {
            req = m as SubmitGroupRequest;
          },
          onResponse: (m) => {
            if (req !== undefined && (m as SubmitGroupResponse).accepted) acceptedGroup(req);
          },
        };
      }
      case 'SubmitGroups': {
        let req: SubmitGroupsRequest | undefined;
        return {
          onRequest: (m) => {
            req = m as SubmitGroupsRequest;
          },
          onResponse: (m) => {
            (m as SubmitGroupsResponse).results.forEach((r, i) => {
              const g = req?.groups[i];
              if (g !== undefined && r.accepted) acceptedGroup(g);
            });
          },
        };
      }
      case 'PublishWeights':
        return { onRequest: (m) => weightBytes.inc({ direction: 'received' }, (m as WeightChunk).data.length) };
      case 'FetchWeights':
        return { onResponse: (m) => weightBytes.inc({ direction: 'sent' }, (m as WeightChunk).data.length) };
      default:
        return undefined;
    }
  };

  let serving = false;
  return {
    registry,
    interceptor: serverMetricsInterceptor(rpc, observe),
    setServing: (s) => {
      serving = s;
    },
    async health() {
      let store = false;
      try {
        await d.store.counters();
        store = true;
      } catch {
        store = false;
      }
      return { ok: serving && store, checks: { serving, store } };
    },
  };
}
