/**
 * The dashboard of a single-process `anomseer train`: the server, fed by the trainer's
 * events, with the one in-process worker in the cluster table, and trace plots drawn from
 * the job's training records.
 *
 * The records are loaded a second time here, in the background (the trainer does not hand
 * out its own): until they are in, traces show without a plot. Once TrainEvent samples carry
 * the series and true intervals, this lookup can go.
 */
import type { JobConfig } from '../../shared/config/job.js';
import { loadDataSpec } from '../../shared/datasets/spec.js';
import { ConfigError } from '../../shared/errors.js';
import type { SeriesRecord } from '../../shared/series/record.js';
import type { TrainEvent } from '../../learner/trainer.js';
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
  /** Settles when the training records (for trace plots) are loaded, or failed to load. */
  readonly recordsLoaded: Promise<void>;
  /** Pass to runTraining's `onEvent`. */
  readonly onEvent: (e: TrainEvent) => void;
  /** The run ended: the worker reads "done"; then close. */
  close(): Promise<void>;
}

export async function startLocalDashboard(job: JobConfig, opts: LocalDashboardOptions): Promise<LocalDashboard> {
  const local = new LocalStatus({ clock: opts.now, host: opts.hostname, device: opts.device, promptsPerStep: job.rollout.promptsPerStep });
  let records: Map<string, SeriesRecord> | undefined;
  const recordsLoaded = loadDataSpec(job.data.train).then(
    (rs) => {
      records = new Map(rs.map((r) => [r.id, r]));
    },
    (err: unknown) => opts.log(`dashboard: trace plots off, could not load ${job.data.train}: ${(err as Error).message}`),
  );
  const dash = await startDashboard({
    token: opts.token,
    host: opts.host,
    port: opts.port,
    job: { name: job.name, steps: job.train.steps, warmStartSteps: job.train.warmStart.enabled ? job.train.warmStart.steps : 0, estimator: job.timerpo.estimator },
    status: local.status,
    lookupRecord: (id) => records?.get(id),
    log: opts.log,
  }).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new ConfigError('--dashboard-port', `port ${opts.port} is in use; pick another, or 0 for any free port`);
    }
    throw err;
  });
  return {
    url: dash.url,
    recordsLoaded,
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
