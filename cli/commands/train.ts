/**
 * `anomseer train <job.yaml>`: the whole job on this machine. Until the cluster roles
 * land, learner and rollouts run in this one process (same step functions the cluster
 * will run across processes); `--summary FILE` writes the run's accounting as JSON.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import sharp from 'sharp';
import { applyOverrides, loadJobFile, parseSetFlags } from '../../shared/config/load.js';
import { ConfigError } from '../../shared/errors.js';
import { runTraining } from '../../learner/trainer.js';

interface TrainFlags {
  set: string[];
  summary?: string;
  threads: string;
  device: string;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('Train a policy with TimerPO on one machine: warm start (optional), RL steps, periodic eval, checkpoints.')
    .argument('<job.yaml>', 'job file (docs/CONFIG.md); e.g. examples/anomllm.yaml or examples/smoke.yaml')
    .option('--set <key=value>', 'override a config key (repeatable), e.g. --set train.steps=10', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--summary <file>', 'write the run summary (steps, weightVersion, promptsTrained, …) as JSON')
    .option('--threads <n>', 'ONNX Runtime intra-op threads per session', '1')
    .option('--device <device>', 'cpu or cuda:N', 'cpu')
    .action(async (file: string, flags: TrainFlags) => {
      const threads = Number(flags.threads);
      if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new ConfigError('--threads', `must be an integer in [1, 64], got "${flags.threads}"`);
      const job = applyOverrides(loadJobFile(file), parseSetFlags(flags.set));
      sharp.cache(false);
      const summary = await runTraining(job, {
        clock: () => new Date(),
        log: (line) => process.stdout.write(`${line}\n`),
        device: flags.device,
        threads,
      });
      process.stdout.write(`train: done in ${summary.wallSeconds.toFixed(1)}s; checkpoint ${summary.checkpoint}\n`);
      if (flags.summary !== undefined) {
        mkdirSync(dirname(flags.summary), { recursive: true });
        writeFileSync(flags.summary, JSON.stringify(summary, null, 2) + '\n');
      }
    });
}
