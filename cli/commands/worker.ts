/** `anomseer worker --coordinator ADDR [--device cpu|cuda:N] [--peer-listen HOST:PORT|off]`: one rollout worker (docs/CLUSTER.md). */
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
  signalExit: string;
  peerListen: string;
  peerAdvertise?: string;
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
    .option(
      '--signal-exit <code>',
      'exit code when SIGTERM/SIGINT ends the worker before the job is done; a Kubernetes Job of workers uses 143, so an evicted pod is replaced instead of counting as finished',
      '0',
    )
    .option(
      '--peer-listen <host:port|off>',
      'relay weight versions to other workers on this address (bearer token; 0.0.0.0:PORT to relay across machines, trusted network only); off = relay nothing',
      '127.0.0.1:0',
    )
    .option('--peer-advertise <host:port>', 'the address other workers dial for the relay (default: the bound address; the hostname when bound to 0.0.0.0)')
    .action(async (flags: Flags) => {
      exitWithParent(process.env, (line) => process.stderr.write(`worker: ${line}\n`));
      const threads = parseThreads(flags.threads);
      const maxPrompts = parseIntFlag('--max-prompts', flags.maxPrompts, 1, 1024);
      if (flags.whenDone !== 'exit' && flags.whenDone !== 'wait') throw new ConfigError('--when-done', `must be exit or wait, got "${flags.whenDone}"`);
      const signalExitCode = parseIntFlag('--signal-exit', flags.signalExit, 0, 255);
      for (const [flag, value] of [
        ['--peer-listen', flags.peerListen],
        ['--peer-advertise', flags.peerAdvertise],
      ] as const) {
        if (value !== undefined && value !== 'off' && !/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(value))
          throw new ConfigError(flag, `is "${value}"; expected host:port, e.g. 127.0.0.1:0${flag === '--peer-listen' ? ', or off' : ''}`);
      }
      if (flags.peerAdvertise === 'off') throw new ConfigError('--peer-advertise', 'is "off"; expected host:port (use --peer-listen off to relay nothing)');
      const { runWorker } = await import('../../rollout-worker/main.js');
      process.exitCode = await runWorker({
        coordinator: flags.coordinator,
        device: await parseDeviceFlag(flags.device),
        threads,
        tokenFile: flags.tokenFile,
        maxPrompts,
        workerId: flags.id,
        metrics: metricsFromFlags(flags),
        whenDone: flags.whenDone,
        tls: tlsFromFlags(flags, 'client'),
        signalExitCode,
        peerListen: flags.peerListen === 'off' ? false : flags.peerListen,
        peerAdvertise: flags.peerAdvertise,
        env: process.env,
        log: (line) => process.stdout.write(`${line}\n`),
      });
    });
}
