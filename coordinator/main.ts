/**
 * The coordinator process: job file → config → store (embedded memory store, or Redis with
 * `redis`) → training records → gRPC server on `listen` (default the job's cluster.listen,
 * 127.0.0.1:0). The only place the coordinator's real dependencies (wall clock, environment,
 * stdout, Redis, timers) are wired.
 *
 * Prints, one line each, for launchers to parse:
 *   coordinator: job <jobId> listening on <host:port>
 *   coordinator: token <first 4>…<last 4> (N chars) [written to <file>]
 *   coordinator: dashboard http://<host:port>/?token=<…>   (unless the dashboard is off)
 * The full token never goes to a log: it comes from ANOMSEER_TOKEN, or is generated and
 * written (mode 0600) to `<outputDir>/cluster.token` (or `tokenFile`).
 *
 * Redis (coordinator/state/redis-connection.ts): password from --redis-password-file, the URL or
 * REDIS_PASSWORD, never logged. Unreachable at start: UnavailableError within `redisOpenTimeoutMs`
 * (the CLI prints one line, exit 2). While running: one line per outage, calls answer UNAVAILABLE
 * meanwhile; a state found gone or replaced after a reconnect (or at a TakeGroups) ends the
 * process: `stopped` resolves with the reason (the CLI exits 2). `rebuildState` lets a resumed
 * learner's checkpoint replace a lost state (docs/CLUSTER.md "What survives what").
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { validateToken } from '../proto/auth.js';
import { exponentialBackoff } from '../proto/retry.js';
import { isLoopbackHost } from '../proto/tls.js';
import type { TlsMaterial } from '../proto/tls.js';
import { parseRedisTarget, redisConnector } from './state/redis-connection.js';
import { applyOverrides, loadJobFile, parseSetFlags } from '../shared/config/load.js';
import type { JobConfig } from '../shared/config/job.js';
import { trainingRecords } from '../shared/job/records.js';
import { ConfigError } from '../shared/errors.js';
import { MemoryStore } from './state/memory-store.js';
import { RedisStore } from './state/redis-store.js';
import { MemoryWeightBlobs, RedisWeightBlobs } from './state/weight-blobs.js';
import type { WeightBlobStore } from './state/weight-blobs.js';
import type { StateStore } from './state/store.js';
import { jobIdOf } from '../shared/job/plan.js';
import { createCoordinator, serveCoordinator, weightVersionsKept } from './service/server.js';
import type { RunningServer } from './service/server.js';
import { startCoordinatorDashboard } from './dashboard.js';
import type { Dashboard } from '../dashboard/server.js';
import { createCoordinatorMetrics } from './metrics.js';
import { serveMetrics } from '../telemetry/metrics-server.js';
import type { MetricsListen, MetricsServer } from '../telemetry/metrics-server.js';

export interface CoordinatorMainOptions {
  readonly jobFile: string;
  /** `--set key=value` flags. */
  readonly set?: readonly string[];
  /** redis://[:password@]host:port; absent = embedded memory store. */
  readonly redis?: string;
  /** A file holding the Redis password (a mounted Secret); else the URL's, else REDIS_PASSWORD. */
  readonly redisPasswordFile?: string;
  /** How long to wait for Redis at start, ms (default 5 s). */
  readonly redisOpenTimeoutMs?: number;
  /** --rebuild-state: a resumed learner's checkpoint may replace a lost job state. */
  readonly rebuildState?: boolean;
  /** Serve gRPC over TLS (mTLS when it holds a CA): proto/tls.ts. */
  readonly tls?: TlsMaterial;
  /** host:port; absent = the job's cluster.listen. */
  readonly listen?: string;
  /** Where a generated token is written (default <outputDir>/cluster.token). */
  readonly tokenFile?: string;
  /** Serve /metrics (bearer token) and /healthz here; absent = no metrics (docs/DEPLOY.md "Metrics"). */
  readonly metrics?: MetricsListen;
  /**
   * The live dashboard (docs/DASHBOARD.md): `false` = off; otherwise host (default 127.0.0.1)
   * and port (default the job's cluster.dashboardPort; 0 = any free port).
   */
  readonly dashboard?: false | { readonly host?: string; readonly port?: number };
  /** The process environment (ANOMSEER_TOKEN, REDIS_PASSWORD). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: (line: string) => void;
}

export interface CoordinatorProcess {
  readonly address: string;
  readonly jobId: string;
  /** The dashboard's base URL (without the token); undefined when it is off. */
  readonly dashboardUrl?: string;
  /** Resolves when the coordinator must stop by itself (its job state is gone), with the line saying why. */
  readonly stopped: Promise<string>;
  close(): Promise<void>;
}

/** `abcd…wxyz (64 chars)`: enough to tell tokens apart, never enough to use one. */
export function maskToken(token: string): string {
  return `${token.slice(0, 4)}…${token.slice(-4)} (${token.length} chars)`;
}

export async function runCoordinator(o: CoordinatorMainOptions): Promise<CoordinatorProcess> {
  const job: JobConfig = applyOverrides(loadJobFile(o.jobFile), parseSetFlags([...(o.set ?? [])]));
  const records = await trainingRecords(job);
  if (records.length === 0) throw new ConfigError('data.train', `"${job.data.train}" has no labelled records`);

  let token = o.env.ANOMSEER_TOKEN;
  let tokenNote = '(from ANOMSEER_TOKEN)';
  let tokenWhere = '<ANOMSEER_TOKEN>';
  if (token === undefined || token === '') {
    token = randomBytes(32).toString('hex');
    const file = o.tokenFile ?? join(job.outputDir, 'cluster.token');
    tokenWhere = `<the token in ${file}>`;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    tokenNote = `(generated; written to ${file}: export ANOMSEER_TOKEN=$(cat ${file}))`;
  }
  validateToken(token, 'ANOMSEER_TOKEN');

  const dashboardPort = o.dashboard === false ? 0 : (o.dashboard?.port ?? job.cluster.dashboardPort);
  if (!Number.isInteger(dashboardPort) || dashboardPort < 0 || dashboardPort > 65535)
    throw new ConfigError('--dashboard-port', `must be an integer in [0, 65535], got "${dashboardPort}"`);
  const jobId = jobIdOf(job);
  let stop: (why: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => {
    let told = false;
    stop = (why) => {
      if (told) return;
      told = true;
      resolve(why);
    };
  });
  const lost = (message: string) =>
    stop(
      `coordinator: ${message}; stopping (to go on: restart the coordinator with --rebuild-state and the learner with --resume, which rebuilds the state from the learner's checkpoint)`,
    );
  // Weight bytes live where the job state lives: a restarted coordinator on Redis still serves them (docs/STATE.md "Weight blobs").
  const keep = weightVersionsKept(job.cluster.maxStaleness);
  let store: StateStore;
  let blobs: WeightBlobStore;
  if (o.redis === undefined) {
    store = new MemoryStore({ jobId });
    blobs = new MemoryWeightBlobs({ keep });
  } else {
    const target = parseRedisTarget(o.redis, { env: o.env, passwordFile: o.redisPasswordFile });
    // Reconnect forever (100 ms doubling to 2 s, jittered): the coordinator stops by itself only when the state is gone.
    const retry = exponentialBackoff({ baseMs: 100, maxMs: 2000, rng: Math.random });
    const redisStore = await RedisStore.open({
      jobId,
      connect: redisConnector(target, retry),
      openTimeoutMs: o.redisOpenTimeoutMs ?? 5000,
      events: {
        down: (m) => o.log(`coordinator: ${m}; calls answer UNAVAILABLE (clients retry) until it is back`),
        up: (ms) => o.log(`coordinator: ${target.where} reachable again after ${(ms / 1000).toFixed(1)} s`),
        lost,
      },
    });
    store = redisStore;
    try {
      blobs = await RedisWeightBlobs.open({
        jobId,
        connect: redisConnector(target, retry),
        keep,
        openTimeoutMs: o.redisOpenTimeoutMs ?? 5000,
        where: target.where,
      });
    } catch (err) {
      await redisStore.close();
      throw err;
    }
  }
  const closeState = async () => {
    await blobs.close();
    await store.close();
  };
  let dashboard: Dashboard | undefined;
  const coordinator = createCoordinator(job, {
    store,
    blobs,
    clock: Date.now,
    logger: o.log,
    records,
    onProgress: (e) => dashboard?.publish(e),
    epochId: randomBytes(8).toString('hex'),
    allowRebuild: o.rebuildState === true,
    onStateLost: lost,
  });
  if (o.dashboard !== false) {
    try {
      dashboard = await startCoordinatorDashboard(coordinator, job, { token, host: o.dashboard?.host ?? '127.0.0.1', port: dashboardPort, log: o.log });
    } catch (err) {
      await closeState();
      throw err;
    }
  }
  const metrics = o.metrics === undefined ? undefined : createCoordinatorMetrics({ store, service: coordinator.service, registry: coordinator.registry });
  let server: RunningServer;
  let metricsServer: MetricsServer | undefined;
  try {
    server = await serveCoordinator(coordinator, {
      listen: o.listen ?? job.cluster.listen,
      token,
      maxMessageBytes: job.cluster.maxMessageBytes,
      logger: o.log,
      interceptors: metrics === undefined ? [] : [metrics.interceptor],
      tls: o.tls,
    });
  } catch (err) {
    await dashboard?.close();
    await closeState();
    throw err;
  }
  if (metrics !== undefined && o.metrics !== undefined) {
    metrics.setServing(true);
    try {
      metricsServer = await serveMetrics({ ...o.metrics, role: 'coordinator', registry: metrics.registry, token, health: () => metrics.health() });
    } catch (err) {
      await server.close();
      await dashboard?.close();
      await closeState();
      throw err;
    }
    o.log(`coordinator: metrics on http://${metricsServer.address}/metrics (bearer token), health on /healthz`);
  }
  o.log(`coordinator: job ${jobId} listening on ${server.address}${o.tls === undefined ? '' : o.tls.ca === undefined ? ' (TLS)' : ' (mutual TLS)'}`);
  const host = server.address.slice(0, server.address.lastIndexOf(':'));
  if (o.tls === undefined && !isLoopbackHost(host)) {
    o.log(
      'coordinator: gRPC is served without TLS beyond this machine: the token travels in clear text (use --tls-cert/--tls-key/--tls-ca: docs/DEPLOY.md "mTLS")',
    );
  }
  o.log(`coordinator: token ${maskToken(token)} ${tokenNote}`);
  if (dashboard !== undefined) {
    // The token is never printed here: it is ANOMSEER_TOKEN's, or in the 0600 token file.
    o.log(`coordinator: dashboard ${dashboard.url}?token=${tokenWhere}`);
    if (!/^(127\.|\[::1\]|localhost)/.test(new URL(dashboard.url).host)) {
      o.log('coordinator: the dashboard is reachable from other machines over plain HTTP: its token travels unencrypted (docs/DASHBOARD.md)');
    }
  }
  o.log(
    `coordinator: ${records.length} training records, ${job.train.steps} steps × ${job.rollout.promptsPerStep} prompts, G = ${job.rollout.groupSize}, max staleness ${job.cluster.maxStaleness}, store ${store instanceof RedisStore ? store.where : 'memory'}${o.rebuildState === true ? '; --rebuild-state: a resumed learner may rebuild the job state' : ''}`,
  );
  return {
    address: server.address,
    jobId,
    dashboardUrl: dashboard?.url,
    stopped,
    close: async () => {
      metrics?.setServing(false);
      await metricsServer?.close();
      await dashboard?.close();
      await server.close();
      await closeState();
    },
  };
}
