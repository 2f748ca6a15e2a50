/**
 * The learner process of a cluster run: job file (+ --set flags; must match the coordinator's:
 * the job ids are compared) → token (+ TLS) → gRPC clients → runRemoteTraining → summary JSON.
 * The only place the learner's real dependencies are wired. Every training event also goes
 * to the coordinator's dashboard (ReportProgress, in the background; it never stops training).
 * `resume` continues the run in job.outputDir from its latest checkpoint. An aborted `signal`
 * (SIGTERM, SIGINT: the CLI wires them) ends the run early with a checkpoint and a line saying how
 * to continue it; `anomseer stop` ends it the same way, and remote-loop.ts says so (nothing to
 * continue: the job is over). The summary then has `interrupted` set.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import sharp from 'sharp';
import { bearerInterceptor, tokenFrom } from '../proto/auth.js';
import { unary } from '../proto/call.js';
import { learnerMetadata } from '../proto/learner-fence.js';
import type { LearnerFence } from '../proto/learner-fence.js';
import { connectClient } from '../proto/tls.js';
import type { TlsMaterial } from '../proto/tls.js';
import { ProgressReporter } from './progress-reporter.js';
import { channelOptions } from '../proto/options.js';
import { applyOverrides, loadJobFile, parseSetFlags } from '../shared/config/load.js';
import { serveMetrics } from '../telemetry/metrics-server.js';
import type { MetricsListen, MetricsServer } from '../telemetry/metrics-server.js';
import { createLearnerMetrics } from './metrics.js';
import { runRemoteTraining } from './remote-loop.js';

/** The single-process trainer (`anomseer train` without --workers): the CLI wires its dashboard. */
export { runTraining } from './trainer.js';
export type { TrainDeps, TrainSummary } from './trainer.js';
import type { RemoteTrainSummary } from './remote-loop.js';
import type { ResumeMode } from '../shared/checkpoint/run-dir.js';

export interface LearnerMainOptions {
  readonly jobFile: string;
  readonly set?: readonly string[];
  readonly coordinator: string;
  readonly tokenFile?: string;
  readonly summary?: string;
  readonly device: string;
  readonly threads: number;
  /** Serve /metrics (bearer token) and /healthz here; absent = no metrics (docs/DEPLOY.md "Metrics"). */
  readonly metrics?: MetricsListen;
  /** Continue the run in the job's outputDir from its latest checkpoint ('auto': when it holds a run, else start it). */
  readonly resume?: ResumeMode;
  /** TLS to the coordinator (proto/tls.ts); absent = plain text. */
  readonly tls?: TlsMaterial;
  /** Aborted: stop at the next step boundary with a checkpoint (the CLI wires SIGINT/SIGTERM). */
  readonly signal?: AbortSignal;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: (line: string) => void;
}

export async function runLearner(o: LearnerMainOptions): Promise<RemoteTrainSummary> {
  const job = applyOverrides(loadJobFile(o.jobFile), parseSetFlags([...(o.set ?? [])]));
  const token = tokenFrom(o.env, o.tokenFile);
  const metrics = o.metrics === undefined ? undefined : createLearnerMetrics();
  const opts = {
    ...channelOptions({ maxMessageBytes: job.cluster.maxMessageBytes }),
    interceptors: [bearerInterceptor(token), ...(metrics === undefined ? [] : [metrics.interceptor])],
  };
  const coord = connectClient('Coordinator', o.coordinator, o.tls, opts);
  const weights = connectClient('Weights', o.coordinator, o.tls, opts);
  sharp.cache(false);
  const learnerId = `learner-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  let fence: LearnerFence | undefined;
  const progress = new ProgressReporter({
    learnerId,
    send: (req) =>
      unary(coord, coord.ReportProgress, req, {
        deadlineMs: Math.min(job.cluster.rpcDeadline, 10_000),
        ...(fence === undefined ? {} : { metadata: learnerMetadata(fence) }),
      }),
    log: o.log,
  });
  let metricsServer: MetricsServer | undefined;
  if (metrics !== undefined && o.metrics !== undefined) {
    metricsServer = await serveMetrics({ ...o.metrics, role: 'learner', registry: metrics.registry, token, health: () => metrics.health() });
    o.log(`learner: metrics on http://${metricsServer.address}/metrics (bearer token), health on /healthz`);
  }
  try {
    const summary = await runRemoteTraining(job, {
      coord,
      weights,
      rpcDeadlineMs: job.cluster.rpcDeadline,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      clock: () => new Date(),
      log: o.log,
      device: o.device,
      threads: o.threads,
      resume: o.resume,
      signal: o.signal,
      coordinatorName: o.coordinator,
      learnerId,
      onClaimed: (f) => {
        fence = f;
      },
      onEvent:
        metrics === undefined
          ? progress.report
          : (e) => {
              metrics.onEvent(e);
              progress.report(e);
            },
    });
    await progress.flush(job.cluster.rpcDeadline);
    if (summary.interrupted !== undefined) {
      const i = summary.interrupted;
      if (o.signal?.aborted === true) {
        const again = ['anomseer learner', o.jobFile, ...(o.set ?? []).map((x) => `--set ${x}`), '--coordinator', o.coordinator, '--resume'].join(' ');
        o.log(`learner: stopped in the ${i.stage === 'rl' ? 'RL' : 'warm start'} after step ${i.step}; checkpoint ${i.checkpoint}; continue with: ${again}`);
      }
    } else {
      o.log(
        `learner: done in ${summary.wallSeconds.toFixed(1)}s; checkpoint ${summary.checkpoint}; ${summary.promptsTrained} prompts trained, ${summary.promptsRequeued} requeued, ${summary.duplicatesDropped} duplicates dropped, ${summary.workers} workers`,
      );
    }
    if (o.summary !== undefined) {
      mkdirSync(dirname(o.summary), { recursive: true });
      writeFileSync(o.summary, JSON.stringify(summary, null, 2) + '\n');
    }
    return summary;
  } finally {
    coord.close();
    weights.close();
    await metricsServer?.close();
  }
}
