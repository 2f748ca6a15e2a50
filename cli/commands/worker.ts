/** `anomseer worker --coordinator ADDR [--device cpu|cuda:N]`: one rollout worker (docs/CLUSTER.md). */
import type { Command } from 'commander';
import { addTlsOptions, parseDeviceFlag, parseIntFlag, parseThreads, tlsFromFlags } from './flags.js';
import type { TlsFlagValues } from './flags.js';
import { exitWithParent } from '../launch/exit-with-parent.js';
import { ConfigError } from '../../shared/errors.js';
import { addMetricsOptions, metricsFromFlags } from '../../telemetry/cli-flags.js';
import type { MetricsFlags } from '../../telemetry/cli-flags.js';

interface Flags extends MetricsFlags, TlsFlagValues {
  coordinator: string;
  device: string;
  threads: string;
  tokenFile?: string;
  maxPrompts: string;
  id?: string;
  whenDone: string;
}

export function registerWorker(program: Command): void {
  addTlsOptions(addMetricsOptions(program.command('worker')), 'client')
    .description('Run a rollout worker: lease prompts, sample G traces each with the latest weights, submit (token from ANOMSEER_TOKEN or --token-file).')
    .requiredOption('--coordinator <host:port>', 'address the coordinator printed')
    .option('--device <device>', 'cpu or cuda:N', 'cpu')
    .option('--threads <n>', 'ONNX Runtime intra-op threads', '1')
    .option('--token-file <file>', 'read the cluster token from this file')
    .option('--max-prompts <n>', 'prompts leased per request', '2')
    .option('--id <worker-id>', 'worker id to register with (default: the coordinator picks)')
    .option('--when-done <exit|wait>', 'when the job is done: exit 0, or stay up (healthy) until SIGTERM — what a Kubernetes Deployment needs', 'exit')
    .action(async (flags: Flags) => {
      exitWithParent(process.env, (line) => process.stderr.write(`worker: ${line}\n`));
      const threads = parseThreads(flags.threads);
      const maxPrompts = parseIntFlag('--max-prompts', flags.maxPrompts, 1, 1024);
      if (flags.whenDone !== 'exit' && flags.whenDone !== 'wait') throw new ConfigError('--when-done', `must be exit or wait, got "${flags.whenDone}"`);
      const { runWorker } = await import('../../rollout-worker/main.js');
      await runWorker({
        coordinator: flags.coordinator,
        device: await parseDeviceFlag(flags.device),
        threads,
        tokenFile: flags.tokenFile,
        maxPrompts,
        workerId: flags.id,
        metrics: metricsFromFlags(flags),
        whenDone: flags.whenDone,
        tls: tlsFromFlags(flags, 'client'),
        env: process.env,
        log: (line) => process.stdout.write(`${line}\n`),
      });
    });
}
