/**
 * The dashboard of a cluster run, served by the coordinator (`anomseer coordinator`, and so
 * `train --workers N`): the same server and DashboardState as a single-process run, with the
 * cluster table read from the coordinator's own state (cluster-status.ts) and the learning
 * and reasoning panels fed by the learner's ReportProgress events (progress.ts) —
 * `createCoordinator(job, { onProgress: (e) => dashboard.publish(e) })`.
 */
import type { JobConfig } from '../../shared/config/job.js';
import { ConfigError } from '../../shared/errors.js';
import type { Coordinator } from '../service/server.js';
import { coordinatorStatus } from './cluster-status.js';
import { startDashboard } from './server.js';
import type { Dashboard } from './server.js';

export interface CoordinatorDashboardOptions {
  /** The cluster token (the same every gRPC call carries). */
  readonly token: string;
  /** Interface (default 127.0.0.1: this machine only). */
  readonly host?: string;
  /** Port; 0 = any free port. */
  readonly port: number;
  /** Cluster status poll period while anyone watches, ms (default 1000). */
  readonly statusIntervalMs?: number;
  readonly log: (line: string) => void;
}

/** The header fields the page shows for a job. */
export function jobHeader(job: JobConfig): Record<string, unknown> {
  return { name: job.name, steps: job.train.steps, warmStartSteps: job.train.warmStart.enabled ? job.train.warmStart.steps : 0, estimator: job.timerpo.estimator };
}

/** A port in use becomes a ConfigError naming the flag that chose it. */
export function portInUse(err: unknown, port: number, flag = '--dashboard-port'): unknown {
  return (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? new ConfigError(flag, `port ${port} is in use; pick another, or 0 for any free port`) : err;
}

export async function startCoordinatorDashboard(c: Coordinator, job: JobConfig, o: CoordinatorDashboardOptions): Promise<Dashboard> {
  return startDashboard({
    token: o.token,
    host: o.host,
    port: o.port,
    job: { ...jobHeader(job), cluster: true },
    // A worker silent for a lease timeout has lost its leases: the table says "lost".
    status: coordinatorStatus(c.service, c.settings.leaseTimeoutMs, c.registry.broadcasts),
    statusIntervalMs: o.statusIntervalMs,
    log: o.log,
  }).catch((err: unknown) => {
    throw portInUse(err, o.port);
  });
}
