/**
 * The dashboard of a single-process `anomseer train`: the server, fed by the trainer's
 * events, with the one in-process worker in the cluster table. Trace plots come from the
 * step events themselves (`records[p]` is the prompt of `samples[p]`), so nothing is loaded
 * twice.
 *
 * When training returns, `close()` tells the page how the run ended — from the run's own
 * record (summary.json in job.outputDir, docs/RUNS.md): finished, interrupted (where, and the
 * command that continues it) or stopped (no summary: the process failed) — so the page says
 * so instead of retrying, and the worker reads "done" (or "stopped").
 */
import { join } from 'node:path';
import type { JobConfig } from '../shared/config/job.js';
import type { TrainEvent } from '../shared/training/events.js';
import { RUN_FILES, interruptionOf, readJson, runStateOf } from '../shared/training/run-files.js';
import { jobHeader, portInUse } from './job-header.js';
import { resumeCommand } from './run-data.js';
import { startDashboard } from './server.js';
import type { RunEnd } from './state.js';
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
  /** The run ended: tell the page how (from the run directory), the worker reads "done"; then close. */
  close(): Promise<void>;
}

/** How a single-process run ended, from its summary.json and the last steps it reported. */
export function localRunEnd(outputDir: string, last: { rl: number; warmStart: number }): RunEnd {
  const summary = readJson(join(outputDir, RUN_FILES.summary)) as Record<string, unknown> | undefined;
  const state = runStateOf(summary, last);
  if (state === 'finished') {
    const steps = typeof summary?.steps === 'number' ? summary.steps : last.rl;
    const wall = typeof summary?.wallSeconds === 'number' ? ` in ${summary.wallSeconds.toFixed(1)} s` : '';
    return { state, message: `finished: ${steps} RL step${steps === 1 ? '' : 's'}${wall}`, outputDir };
  }
  const i = interruptionOf(summary);
  if (state === 'interrupted' && i !== undefined) {
    const where = i.stage === 'rl' ? `the RL after step ${i.step}` : `the warm start after step ${i.step}`;
    return { state, message: `interrupted in ${where}; checkpoint ${i.checkpoint}`, outputDir, resume: resumeCommand(outputDir) };
  }
  const at = last.rl > 0 ? `after RL step ${last.rl}` : last.warmStart > 0 ? `after warm-start step ${last.warmStart}` : 'before the first step';
  return { state: 'stopped', message: `the training process stopped ${at} without finishing the run (see its output)`, outputDir };
}

export async function startLocalDashboard(job: JobConfig, opts: LocalDashboardOptions): Promise<LocalDashboard> {
  const local = new LocalStatus({
    clock: opts.now,
    host: opts.hostname,
    device: opts.device,
    promptsPerStep: job.rollout.promptsPerStep,
    // The in-process worker is this process.
    usage: () => {
      const u = process.cpuUsage();
      return { cpuSeconds: (u.user + u.system) / 1e6, rssBytes: process.memoryUsage.rss() };
    },
  });
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
  const last = { rl: 0, warmStart: 0 };
  return {
    url: dash.url,
    onEvent: (e) => {
      if (e.kind === 'step') last.rl = Math.max(last.rl, e.step);
      if (e.kind === 'warm-start') last.warmStart = Math.max(last.warmStart, e.step);
      local.observe(e);
      dash.publish(e);
    },
    async close() {
      const end = localRunEnd(job.outputDir, last);
      local.finish(end.state === 'finished' ? 'done' : 'stopped');
      await dash.refreshStatus();
      dash.end(end);
      await dash.close();
    },
  };
}
