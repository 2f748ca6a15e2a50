/**
 * The dashboard of a single-process `anomseer train`: the server, fed by the trainer's
 * events, with the one in-process worker in the cluster table. Trace plots come from the
 * step events themselves (`records[p]` is the prompt of `samples[p]`), so nothing is loaded
 * twice.
 */
import type { JobConfig } from '../shared/config/job.js';
import type { TrainEvent } from '../shared/training/events.js';
import { jobHeader, portInUse } from './job-header.js';
import { startDashboard } from './server.js';
import { LocalStatus } from './status.js';

export interface LocalDashboardOptions {
  readonly token: string;
  /** Port; 0 = any free port. */
  readonly port: number;
  /** Interface (default 127.0.0.1). */
  readonly host?: string;
  readonly hostname: string;
  readonly device: string;
  /** Wall clock, ms since the epoch. */
  readonly now: () => number;
  readonly log: (line: string) => void;
}

export interface LocalDashboard {
  readonly url: string;
  /** Pass to runTraining's `onEvent`. */
  readonly onEvent: (e: TrainEvent) => void;
  /** The run ended: the worker reads "done"; then close. */
  close(): Promise<void>;
}

export async function startLocalDashboard(job: JobConfig, opts: LocalDashboardOptions): Promise<LocalDashboard> {
  const local = new LocalStatus({ clock: opts.now, host: opts.hostname, device: opts.device, promptsPerStep: job.rollout.promptsPerStep });
  const dash = await startDashboard({
    token: opts.token,
    host: opts.host,
    port: opts.port,
    job: jobHeader(job),
    status: local.status,
    log: opts.log,
  }).catch((err: unknown) => {
    throw portInUse(err, opts.port);
  });
  return {
    url: dash.url,
    onEvent: (e) => {
      local.observe(e);
      dash.publish(e);
    },
    async close() {
      local.finish();
      await dash.refreshStatus();
      await dash.close();
    },
  };
}
