/** What the page's header says about a job, and the one error a port in use becomes. */
import type { JobConfig } from '../shared/config/job.js';
import { ConfigError } from '../shared/errors.js';

/** The header fields the page shows for a job. */
export function jobHeader(job: JobConfig): Record<string, unknown> {
  return {
    name: job.name,
    steps: job.train.steps,
    warmStartSteps: job.train.warmStart.enabled ? job.train.warmStart.steps : 0,
    estimator: job.timerpo.estimator,
  };
}

/** A port in use becomes a ConfigError naming the flag that chose it. */
export function portInUse(err: unknown, port: number, flag = '--dashboard-port'): unknown {
  return (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? new ConfigError(flag, `port ${port} is in use; pick another, or 0 for any free port`) : err;
}
