/**
 * `anomseer learner <job.yaml> --coordinator ADDR [--resume]`: the learner of a cluster run
 * (docs/CLUSTER.md). SIGINT/SIGTERM: save a checkpoint at the next step boundary (at once while
 * waiting for groups), exit 130 (again: at once); `anomseer stop`: the same checkpoint, exit 0.
 */
import type { Command } from 'commander';
import { addTlsOptions, parseDeviceFlag, parseThreads, tlsFromFlags } from './flags.js';
import type { TlsFlagValues } from './flags.js';
import { exitWithParent } from '../launch/exit-with-parent.js';
import { addMetricsOptions, metricsFromFlags } from '../../telemetry/cli-flags.js';
import type { MetricsFlags } from '../../telemetry/cli-flags.js';
import { ConfigError } from '../../shared/errors.js';

interface Flags extends MetricsFlags, TlsFlagValues {
  coordinator: string;
  set: string[];
  summary?: string;
  device: string;
  threads: string;
  tokenFile?: string;
  resume?: boolean;
  autoResume?: boolean;
}

export function registerLearner(program: Command): void {
  addTlsOptions(addMetricsOptions(program.command('learner')), 'client')
    .description('Run the learner: take complete groups from the coordinator, TimerPO updates, publish weights, checkpoints, final eval.')
    .argument('<job.yaml>', 'the job file the coordinator was started with (with the same --set flags)')
    .requiredOption('--coordinator <host:port>', 'address the coordinator printed')
    .option('--set <key=value>', 'override a config key (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--summary <file>', 'write the run summary (with cluster accounting) as JSON')
    .option('--device <device>', 'cpu or cuda:N', 'cpu')
    .option('--threads <n>', 'ONNX Runtime intra-op threads per session', '1')
    .option('--token-file <file>', 'read the cluster token from this file')
    .option('--resume', "continue the run in the job's outputDir from its latest checkpoint; the coordinator's job state is reset to it (Ctrl-C saves one)")
    .option(
      '--auto-resume',
      "continue the run in the job's outputDir when it holds one, else start it: for a pod its controller starts again after a failure (the Kubernetes learner Job)",
    )
    .action(async (file: string, flags: Flags) => {
      exitWithParent(process.env, (line) => process.stderr.write(`learner: ${line}\n`));
      if (flags.resume === true && flags.autoResume === true)
        throw new ConfigError('--auto-resume', 'give --resume (the run must exist) or --auto-resume (resume it when it exists), not both');
      const threads = parseThreads(flags.threads);
      const tls = tlsFromFlags(flags, 'client');
      const log = (line: string) => process.stdout.write(`${line}\n`);
      const { runLearner } = await import('../../learner/main.js');
      // SIGTERM (a Kubernetes Job deleted, a pod evicted) or SIGINT: checkpoint and exit 130;
      // a second one exits at once. Without a handler, node as PID 1 ignores SIGTERM.
      const stop = new AbortController();
      const onSignal = (sig: NodeJS.Signals) => {
        if (stop.signal.aborted) process.exit(130);
        process.stdout.write(`learner: ${sig}; saving a checkpoint, then exiting (${sig} again stops at once)\n`);
        stop.abort();
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      try {
        const summary = await runLearner({
          jobFile: file,
          set: flags.set,
          coordinator: flags.coordinator,
          summary: flags.summary,
          device: await parseDeviceFlag(flags.device),
          threads,
          tokenFile: flags.tokenFile,
          metrics: metricsFromFlags(flags),
          resume: flags.autoResume === true ? 'auto' : flags.resume === true,
          tls,
          signal: stop.signal,
          env: process.env,
          log,
        });
        // Stopped by a signal: 130, as `train` (the run is not finished; --resume continues it). Stopped by `anomseer stop`: 0.
        if (summary.interrupted !== undefined && stop.signal.aborted) process.exitCode = 130;
      } finally {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      }
    });
}
