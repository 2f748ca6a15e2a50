/**
 * `anomseer train <job.yaml>`: the whole job on this machine. Without `--workers` (or with
 * 0) learner and rollouts run in this one process; `--workers N` starts a local cluster —
 * coordinator, learner and N rollout workers as separate processes on loopback
 * (docs/CLUSTER.md). `--summary FILE` writes the run's accounting as JSON.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { parseDeviceFlag, parseIntFlag, parsePortFlag, parseThreads, stopOnSignals } from './flags.js';
import type { runTraining } from '../../learner/main.js';
import { hostname } from 'node:os';

interface TrainFlags {
  set: string[];
  summary?: string;
  threads: string;
  device: string;
  dashboard: boolean;
  dashboardPort?: string;
  workers?: string;
  resume?: boolean | string;
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
    .option('--dashboard-port <port>', 'port of the live dashboard (docs/DASHBOARD.md); default cluster.dashboardPort, 0 = any free port')
    .option('--no-dashboard', 'do not start the live dashboard')
    .option(
      '--workers <n>',
      'run as a local cluster: coordinator, learner and N rollout workers as separate processes on loopback (absent or 0: everything in this process; docs/CLUSTER.md)',
    )
    .option(
      '--resume [dir]',
      "continue the run in the job's outputDir (or DIR) from its latest checkpoint (Ctrl-C saves one); with --workers the learner resumes and the coordinator rebuilds its state from the checkpoint",
    )
    .action(async (file: string, flags: TrainFlags) => {
      const threads = parseThreads(flags.threads);
      const device = await parseDeviceFlag(flags.device);
      const workers = flags.workers === undefined ? 0 : parseIntFlag('--workers', flags.workers, 0, 64);
      if (workers > 0) {
        const { runLocalCluster } = await import('../launch/local-cluster.js');
        process.exitCode = await runLocalCluster({
          jobFile: file,
          set: flags.set,
          resume: flags.resume === undefined ? undefined : typeof flags.resume === 'string' ? { dir: flags.resume } : {},
          workers,
          summary: flags.summary,
          device,
          threads,
          dashboard: flags.dashboard,
          dashboardPort: flags.dashboardPort === undefined ? undefined : parsePortFlag('--dashboard-port', flags.dashboardPort),
          node: process.execPath,
          bin: new URL('../../bin/anomseer.mjs', import.meta.url).pathname,
          tokenFile: await runTokenFile(file, typeof flags.resume === 'string' ? [...flags.set, `outputDir=${flags.resume}`] : flags.set),
          env: process.env,
          log: (line) => process.stdout.write(`${line}\n`),
        });
        return;
      }
      const [{ default: sharp }, { applyOverrides, loadJobFile, parseSetFlags }, { runTraining }] = await Promise.all([
        import('sharp'),
        import('../../shared/config/load.js'),
        import('../../learner/main.js'),
      ]);
      const loaded = applyOverrides(loadJobFile(file), parseSetFlags(flags.set));
      const job = typeof flags.resume === 'string' ? { ...loaded, outputDir: flags.resume } : loaded;
      sharp.cache(false);
      const log = (line: string) => process.stdout.write(`${line}\n`);
      const stop = stopOnSignals('train', log);
      const dashboard = flags.dashboard ? await startTrainDashboard(job, flags, log) : undefined;
      const summary = await runTraining(job, {
        clock: () => new Date(),
        log,
        onEvent: dashboard?.onEvent,
        device,
        threads,
        signal: stop.signal,
        resume: flags.resume !== undefined,
      }).finally(() => {
        stop.dispose();
        return dashboard?.close();
      });
      if (summary.interrupted !== undefined) {
        const i = summary.interrupted;
        const again = [
          'anomseer train',
          file,
          ...flags.set.map((x) => `--set ${x}`),
          '--resume',
          ...(typeof flags.resume === 'string' ? [flags.resume] : []),
        ].join(' ');
        log(`train: stopped in the ${i.stage === 'rl' ? 'RL' : 'warm start'} after step ${i.step}; checkpoint ${i.checkpoint}; continue with: ${again}`);
        process.exitCode = 130;
      } else process.stdout.write(`train: done in ${summary.wallSeconds.toFixed(1)}s; checkpoint ${summary.checkpoint}\n`);
      if (flags.summary !== undefined) {
        mkdirSync(dirname(flags.summary), { recursive: true });
        writeFileSync(flags.summary, JSON.stringify(summary, null, 2) + '\n');
      }
    });
}

/** The live dashboard of this run; its token is ANOMSEER_TOKEN, or the run's token file (made 0600 on first use). */
async function startTrainDashboard(job: Parameters<typeof runTraining>[0], flags: TrainFlags, log: (line: string) => void) {
  const port = flags.dashboardPort === undefined ? job.cluster.dashboardPort : parsePortFlag('--dashboard-port', flags.dashboardPort);
  const [{ dashboardLinkLine, resolveDashboardToken, RUN_TOKEN_FILE }, { startLocalDashboard }] = await Promise.all([
    import('../../dashboard/token.js'),
    import('../../dashboard/local.js'),
  ]);
  const tokenFile = join(job.outputDir, RUN_TOKEN_FILE);
  const t = resolveDashboardToken(process.env, tokenFile);
  if (t.warning !== undefined) log(`dashboard: ${t.warning}`);
  const dash = await startLocalDashboard(job, { token: t.token, port, hostname: hostname(), device: flags.device, now: () => Date.now(), log });
  log(dashboardLinkLine(dash.url, t, tokenFile));
  return dash;
}

/** `<outputDir>/dashboard.token` of the job file with its overrides (the launcher's token file). */
async function runTokenFile(file: string, set: readonly string[]): Promise<string> {
  const [{ applyOverrides, loadJobFile, parseSetFlags }, { RUN_TOKEN_FILE }] = await Promise.all([
    import('../../shared/config/load.js'),
    import('../../dashboard/token.js'),
  ]);
  return join(applyOverrides(loadJobFile(file), parseSetFlags([...set])).outputDir, RUN_TOKEN_FILE);
}
