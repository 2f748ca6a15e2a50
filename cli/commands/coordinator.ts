/**
 * `anomseer coordinator <job.yaml> [--redis URL] [--listen HOST:PORT]`: serve a job's
 * Coordinator and Weights services until SIGTERM/SIGINT (docs/CLUSTER.md), and the live
 * dashboard (`--dashboard-port`, `--dashboard-host`, `--no-dashboard`; docs/DASHBOARD.md).
 */
import type { Command } from 'commander';
import { exitWithParent } from '../launch/exit-with-parent.js';
import { addTlsOptions, parsePortFlag, tlsFromFlags } from './flags.js';
import type { TlsFlagValues } from './flags.js';
import { ConfigError } from '../../shared/errors.js';
import { addMetricsOptions, metricsFromFlags } from '../../telemetry/cli-flags.js';
import type { MetricsFlags } from '../../telemetry/cli-flags.js';

interface Flags extends MetricsFlags, TlsFlagValues {
  set: string[];
  redis?: string;
  redisPasswordFile?: string;
  rebuildState?: boolean;
  listen?: string;
  tokenFile?: string;
  dashboard: boolean;
  dashboardPort?: string;
  dashboardHost?: string;
}

export function registerCoordinator(program: Command): void {
  addTlsOptions(addMetricsOptions(program.command('coordinator')), 'server')
    .description('Serve a training job to rollout workers and a learner over gRPC (prints the bound address; token from ANOMSEER_TOKEN or generated).')
    .argument('<job.yaml>', 'job file (docs/CONFIG.md)')
    .option('--set <key=value>', 'override a config key (repeatable); the learner must use the same', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--redis <url>', 'keep the job state in Redis (redis://[:password@]host:port[/db]) instead of in this process')
    .option('--redis-password-file <file>', "the Redis password, from a file (e.g. a mounted Secret); else the URL's, else REDIS_PASSWORD")
    .option(
      '--rebuild-state',
      'when the job\'s state is gone (Redis lost it), let a learner started with --resume rebuild it from its checkpoint (docs/CLUSTER.md "What survives what")',
    )
    .option('--listen <host:port>', "address to serve on (default: the job's cluster.listen, 127.0.0.1:0)")
    .option('--token-file <file>', 'where a generated token is written (default <outputDir>/cluster.token)')
    .option('--dashboard-port <port>', 'port of the live dashboard (docs/DASHBOARD.md); default cluster.dashboardPort, 0 = any free port')
    .option('--dashboard-host <host>', 'interface of the dashboard (default 127.0.0.1; 0.0.0.0 serves every interface over plain HTTP)')
    .option('--no-dashboard', 'do not serve the live dashboard')
    .action(async (file: string, flags: Flags) => {
      exitWithParent(process.env, (line) => process.stderr.write(`coordinator: ${line}\n`));
      const log = (line: string) => process.stdout.write(`${line}\n`);
      const tls = tlsFromFlags(flags, 'server');
      const { runCoordinator } = await import('../../coordinator/main.js');
      const c = await runCoordinator({
        jobFile: file,
        set: flags.set,
        redis: flags.redis,
        redisPasswordFile: flags.redisPasswordFile,
        rebuildState: flags.rebuildState === true,
        tls,
        listen: flags.listen,
        tokenFile: flags.tokenFile,
        metrics: metricsFromFlags(flags),
        dashboard: dashboardOf(flags),
        env: process.env,
        log,
      });
      await new Promise<void>((resolve) => {
        const stop = (line: string) => {
          log(line);
          void c.close().then(resolve, resolve);
        };
        process.once('SIGTERM', () => stop('coordinator: SIGTERM; shutting down'));
        process.once('SIGINT', () => stop('coordinator: SIGINT; shutting down'));
        // The job's state is gone (Redis restarted without persistence, keys deleted): one line, exit 2.
        void c.stopped.then((why) => {
          process.exitCode = 2;
          stop(why);
        });
      });
    });
}

/** --no-dashboard, --dashboard-port, --dashboard-host → runCoordinator's `dashboard` option. */
function dashboardOf(flags: Flags): false | { host?: string; port?: number } {
  if (!flags.dashboard) return false;
  const port = flags.dashboardPort === undefined ? undefined : parsePortFlag('--dashboard-port', flags.dashboardPort);
  if (flags.dashboardHost !== undefined && flags.dashboardHost.trim() === '')
    throw new ConfigError('--dashboard-host', 'is empty; give an interface address such as 127.0.0.1 or 0.0.0.0');
  return { host: flags.dashboardHost, port };
}
