/**
 * `anomseer stop --coordinator ADDR [--reason TEXT] [--wait [--timeout S]]`: end a running job
 * cleanly from anywhere that reaches the coordinator (Coordinator.StopJob, token-authenticated).
 * Workers finish their batch and exit 0, the learner saves a checkpoint and exits 0, the
 * coordinator reports the job stopped (and keeps serving `status`). A job already done is left
 * alone. `--wait` prints a line each time the state changes until it reads stopped (or done).
 */
import type { Command } from 'commander';
import type { JobState } from '../../proto/types.js';
import { AnomseerError, ConfigError } from '../../shared/errors.js';
import { addTlsOptions } from './flags.js';
import type { TlsFlagValues } from './flags.js';
import { connectCoordinator } from './remote.js';
import { stateText } from './status.js';

interface Flags extends TlsFlagValues {
  coordinator: string;
  tokenFile?: string;
  reason: string;
  wait?: boolean;
  timeout: string;
}

/** One line per state: `stop: job smoke-…: stopping (2 workers active, learner not told yet)`. */
export function stopLine(j: JobState): string {
  const tail =
    j.state === 'done'
      ? ': the job is already done; nothing to stop'
      : j.state === 'stopped'
        ? ': stopped; every worker and the learner are gone (the learner saved a checkpoint)'
        : `: ${stateText(j)}`;
  return `stop: job ${j.job_id}${tail}`;
}

export function registerStop(program: Command): void {
  addTlsOptions(program.command('stop'), 'client')
    .description('Stop a running job: workers drain and exit, the learner checkpoints and exits (token from ANOMSEER_TOKEN or --token-file).')
    .requiredOption('--coordinator <host:port>', 'address the coordinator printed')
    .option('--reason <text>', 'why, for the logs and `status` (at most 200 characters)', '')
    .option('--wait', 'wait until the job reads stopped, printing each change of state')
    .option('--timeout <seconds>', 'with --wait: give up after this many seconds', '600')
    .option('--token-file <file>', 'read the cluster token from this file')
    .action(async (flags: Flags) => {
      const timeout = Number(flags.timeout);
      if (flags.timeout.trim() === '' || !Number.isFinite(timeout) || timeout <= 0)
        throw new ConfigError('--timeout', `must be a positive number of seconds, got "${flags.timeout}"`);
      const coord = await connectCoordinator(flags);
      const { unary } = await import('./grpc-client.js');
      const out = (line: string) => process.stdout.write(`${line}\n`);
      try {
        let j = await unary(coord, coord.StopJob, { reason: flags.reason }, { deadlineMs: 10_000 });
        out(stopLine(j));
        if (flags.wait !== true || j.state === 'done' || j.state === 'stopped') return;
        const until = Date.now() + timeout * 1000;
        let last = stopLine(j);
        while (j.state === 'stopping') {
          if (Date.now() > until)
            throw new AnomseerError(
              'E_TIMEOUT',
              `job ${j.job_id} is still ${stateText(j)} after ${timeout}s; see \`anomseer status --coordinator ${flags.coordinator}\``,
            );
          await new Promise((r) => setTimeout(r, 500));
          j = await unary(coord, coord.GetJobState, {}, { deadlineMs: 10_000 });
          const line = stopLine(j);
          if (line !== last) out(line);
          last = line;
        }
      } finally {
        coord.close();
      }
    });
}
