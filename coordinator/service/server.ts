/**
 * A coordinator from a job: the step plan, the weight registry, the Coordinator and Weights
 * services behind the bearer token, on one gRPC server. coordinator/main.ts wires the real
 * clock, store and logger into `createCoordinator`; tests wire manual ones.
 */
import * as grpc from '@grpc/grpc-js';
import { requireTokenAll } from '../../proto/auth.js';
import { addService } from '../../proto/load.js';
import { serverOptions } from '../../proto/options.js';
import { toStatus } from '../../proto/status.js';
import { serverCredentials } from '../../proto/tls.js';
import type { TlsMaterial } from '../../proto/tls.js';
import type { WeightsHandlers } from '../../proto/types.js';
import type { JobConfig } from '../../shared/config/job.js';
import type { SeriesRecord } from '../../shared/series/record.js';
import type { StateStore } from '../state/store.js';
import type { DashboardEvent } from '../../shared/training/events.js';
import { CoordinatorService } from './coordinator-service.js';
import type { CoordinatorSettings, Timers } from './coordinator-service.js';
import { configHashOf, jobIdOf, planSteps } from '../../shared/job/plan.js';
import { WeightRegistry } from './weight-registry.js';
import { WeightRelays } from './weight-relays.js';
import { GroupChecker } from '../../proto/group-check.js';
import { policySpecFromJob, tokenizerOf } from '../../shared/policy/spec.js';
import { weightsHandlers } from './weights-service.js';
import { JobStop } from './job-stop.js';
import type { WeightBlobStore } from '../state/weight-blobs.js';
import type { EgressPacer } from '../../proto/chunk-stream.js';

export interface CoordinatorDeps {
  readonly store: StateStore;
  /** ms since epoch. */
  readonly clock: () => number;
  readonly logger: (line: string) => void;
  /** The job's training records (type 'unknown' already removed), in data order. */
  readonly records: readonly SeriesRecord[];
  readonly timers?: Timers;
  /** Overrides of the compiled settings (tests shorten waits). */
  readonly settings?: Partial<CoordinatorSettings>;
  /** Chunk size of FetchWeights, bytes (default: 1/64 of each file, 64 KiB–1 MiB; proto/chunks.ts broadcastChunkBytes). */
  readonly chunkBytes?: number;
  /** Durable copy of the kept weight versions (coordinator/state/weight-blobs.ts); absent = memory only. */
  readonly blobs?: WeightBlobStore;
  /** Children one relay source feeds at once (1 = a chain, the default; weight-relays.ts). */
  readonly relayFanout?: number;
  /** Cap on the coordinator's weight egress (absent = none; the broadcast bench emulates links with it). */
  readonly weightEgress?: EgressPacer;
  /** Where the learner's ReportProgress events go (the dashboard); absent = checked and dropped. */
  readonly onProgress?: (event: DashboardEvent) => void;
  /** Fingerprint given to the job's state if this coordinator creates it (coordinator/main.ts: random). */
  readonly epochId?: string;
  /** --rebuild-state (CoordinatorServiceDeps.allowRebuild). */
  readonly allowRebuild?: boolean;
  /** The job's state is gone under this coordinator: it must stop. */
  readonly onStateLost?: (message: string) => void;
}

export interface Coordinator {
  readonly service: CoordinatorService;
  readonly registry: WeightRegistry;
  readonly relays: WeightRelays;
  readonly settings: CoordinatorSettings;
  /** StopJob / GetJobState (job-stop.ts). */
  readonly jobStop: JobStop;
  readonly weightEgress?: EgressPacer;
}

/** The settings a job implies (durations already ms in JobConfig). */
export function settingsOf(job: JobConfig): CoordinatorSettings {
  const c = job.cluster;
  return {
    jobId: jobIdOf(job),
    configHash: configHashOf(job),
    groupSize: job.rollout.groupSize,
    maxStaleness: c.maxStaleness,
    maxNewTokens: job.rollout.maxNewTokens,
    leaseTimeoutMs: c.leaseTimeout,
    heartbeatIntervalMs: c.heartbeatInterval,
    seedKey: `${job.seed}/rollout`,
    ackTimeoutMs: Math.max(600_000, 10 * c.rpcDeadline),
    retryAfterMs: Math.min(500, c.heartbeatInterval),
    expiryIntervalMs: Math.max(100, Math.min(c.heartbeatInterval, Math.floor(c.leaseTimeout / 4))),
    coordinatorWaitMs: c.coordinatorWait,
  };
}

/** The check every submitted group passes: the job's policy spec, vocabulary, grammar, G and max_new_tokens. */
export function groupCheckerOf(job: JobConfig): GroupChecker {
  const spec = policySpecFromJob(job);
  return new GroupChecker({ tokenizer: tokenizerOf(spec), spec, groupSize: job.rollout.groupSize, maxNewTokens: job.rollout.maxNewTokens });
}

export function createCoordinator(job: JobConfig, deps: CoordinatorDeps): Coordinator {
  const settings = { ...settingsOf(job), ...deps.settings };
  const plan = planSteps(
    job.seed,
    deps.records.map((r) => r.id),
    job.train.steps,
    job.rollout.promptsPerStep,
  );
  const registry = new WeightRegistry({
    store: deps.store,
    clock: deps.clock,
    keep: weightVersionsKept(settings.maxStaleness),
    chunkBytes: deps.chunkBytes,
    blobs: deps.blobs,
    f16: job.cluster.broadcastF16,
    logger: deps.logger,
  });
  const relays = new WeightRelays({ clock: deps.clock, announceIntervalMs: settings.heartbeatIntervalMs, fanout: deps.relayFanout });
  const service = new CoordinatorService({
    store: deps.store,
    clock: deps.clock,
    registry,
    plan,
    records: new Map(deps.records.map((r) => [r.id, r])),
    settings,
    checker: groupCheckerOf(job),
    logger: deps.logger,
    timers: deps.timers,
    onProgress: deps.onProgress,
    epochId: deps.epochId,
    allowRebuild: deps.allowRebuild,
    onStateLost: deps.onStateLost,
  });
  const jobStop = new JobStop({
    jobId: settings.jobId,
    clock: deps.clock,
    heartbeatIntervalMs: settings.heartbeatIntervalMs,
    retryAfterMs: settings.retryAfterMs,
    status: () => service.getStatus(),
    logger: deps.logger,
    store: deps.store,
  });
  return { service, registry, relays, settings, weightEgress: deps.weightEgress, jobStop };
}

/** Weight versions a coordinator keeps (memory and blob store): max(2, maxStaleness + 2). */
export function weightVersionsKept(maxStaleness: number): number {
  return Math.max(2, maxStaleness + 2);
}

export interface RunningServer {
  /** host:port actually bound (port 0 resolved). */
  readonly address: string;
  readonly port: number;
  /** Stop the service timers and the server (in-flight calls are cancelled after graceMs). */
  close(graceMs?: number): Promise<void>;
}

/**
 * PublishWeights only from the learner holding the job (CoordinatorService.checkLearner): a
 * replaced learner's publish is refused before its chunks are read.
 */
export function fencePublish(c: Coordinator, handlers: WeightsHandlers): WeightsHandlers {
  const publish = handlers.PublishWeights;
  return {
    ...handlers,
    PublishWeights: (call, callback) => {
      try {
        c.service.checkLearner(call.metadata);
      } catch (err) {
        callback(toStatus(err), null);
        return;
      }
      publish(call, callback);
    },
  };
}

/**
 * Serve both services on `listen` ("host:port", port 0 = any free port), every call behind
 * `token`; with `tls` over TLS (mTLS when it holds a CA: proto/tls.ts).
 */
export async function serveCoordinator(
  c: Coordinator,
  opts: {
    listen: string;
    token: string;
    maxMessageBytes?: number;
    logger: (line: string) => void;
    interceptors?: grpc.ServerInterceptor[];
    tls?: TlsMaterial;
  },
): Promise<RunningServer> {
  // interceptors: e.g. coordinator/metrics.ts's RPC timing (sees every call, refused ones too).
  const server = new grpc.Server({
    ...serverOptions(opts.maxMessageBytes === undefined ? undefined : { maxMessageBytes: opts.maxMessageBytes }),
    interceptors: opts.interceptors ?? [],
  });
  await c.jobStop.load();
  addService(server, 'Coordinator', requireTokenAll(c.jobStop.wrap(c.service.handlers()), opts.token));
  const weights = weightsHandlers({
    registry: c.registry,
    relays: c.relays,
    announceIntervalMs: c.settings.heartbeatIntervalMs,
    egress: c.weightEgress,
    logger: opts.logger,
  });
  addService(server, 'Weights', requireTokenAll(fencePublish(c, weights), opts.token));
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(opts.listen, serverCredentials(opts.tls), (err, p) => (err === null ? resolve(p) : reject(err)));
  });
  await c.service.start();
  const host = opts.listen.slice(0, opts.listen.lastIndexOf(':'));
  return {
    address: `${host}:${port}`,
    port,
    close: (graceMs = 2000) =>
      new Promise<void>((resolve) => {
        c.service.stop();
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
