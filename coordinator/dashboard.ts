/**
 * The dashboard of a cluster run, served by the coordinator (`anomseer coordinator`, and so
 * `train --workers N`): the same server and DashboardState as a single-process run, with the
 * cluster table read from the coordinator's own state (cluster-status.ts) and the learning
 * and reasoning panels fed by the learner's ReportProgress events (shared/training/progress-codec.ts) —
 * `createCoordinator(job, { onProgress: (e) => dashboard.publish(e) })`.
 *
 * When the coordinator closes after the learner reported the job's last RL step, the page is
 * told the job finished (it shows so and stops reconnecting; the workers read "done"). A
 * coordinator stopped mid-job says nothing: it may come back (on Redis) and the page reconnects.
 */
import type { JobConfig } from '../shared/config/job.js';
import type { Coordinator } from './service/server.js';
import { coordinatorStatus } from '../dashboard/cluster-status.js';
import { jobHeader, portInUse } from '../dashboard/job-header.js';
import { startDashboard } from '../dashboard/server.js';
import type { Dashboard } from '../dashboard/server.js';

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

export async function startCoordinatorDashboard(c: Coordinator, job: JobConfig, o: CoordinatorDashboardOptions): Promise<Dashboard> {
  const dash = await startDashboard({
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
  let lastStep = 0;
  return {
    ...dash,
    publish(event) {
      if (event.kind === 'step') lastStep = Math.max(lastStep, event.step);
      dash.publish(event);
    },
    async close() {
      if (lastStep >= job.train.steps) {
        await dash.refreshStatus();
        dash.end({ state: 'finished', message: `finished: the learner trained all ${job.train.steps} RL steps` });
      }
      await dash.close();
    },
  };
}
