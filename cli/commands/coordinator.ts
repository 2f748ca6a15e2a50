/**
 * `anomseer coordinator <job.yaml> [--redis URL] [--listen HOST:PORT]`: serve a job's
 * Coordinator and Weights services until SIGTERM/SIGINT (docs/CLUSTER.md).
 */
import type { Command } from 'commander';
import { exitWithParent } from '../../coordinator/service/local-cluster.js';
import { runCoordinator } from '../../coordinator/main.js';

interface Flags {
  set: string[];
  redis?: string;
  listen?: string;
  tokenFile?: string;
}

export function registerCoordinator(program: Command): void {
  program
    .command('coordinator')
    .description('Serve a training job to rollout workers and a learner over gRPC (prints the bound address; token from ANOMSEER_TOKEN or generated).')
    .argument('<job.yaml>', 'job file (docs/CONFIG.md)')
    .option('--set <key=value>', 'override a config key (repeatable); the learner must use the same', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--redis <url>', 'keep the job state in Redis (redis://host:port) instead of in this process')
    .option('--listen <host:port>', 'address to serve on (default: the job\'s cluster.listen, 127.0.0.1:0)')
    .option('--token-file <file>', 'where a generated token is written (default <outputDir>/cluster.token)')
    .action(async (file: string, flags: Flags) => {
      exitWithParent(process.env, (line) => process.stderr.write(`coordinator: ${line}\n`));
      const log = (line: string) => process.stdout.write(`${line}\n`);
      const c = await runCoordinator({ jobFile: file, set: flags.set, redis: flags.redis, listen: flags.listen, tokenFile: flags.tokenFile, env: process.env, log });
      await new Promise<void>((resolve) => {
        const stop = (sig: string) => {
          log(`coordinator: ${sig}; shutting down`);
          void c.close().then(resolve, resolve);
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
    });
}
