/**
 * `anomseer train <job.yaml> --workers N`: the whole cluster on this machine, each role in its
 * own process on loopback with embedded state — a coordinator (`--listen 127.0.0.1:0`, its
 * printed address parsed from stdout), a learner and N rollout workers, all sharing one token
 * through ANOMSEER_TOKEN (the caller's, or a generated one). Children's output is forwarded
 * line by line with a `[role]` prefix. The coordinator serves the dashboard; the launcher
 * prints its link once, like single-process `train`:
 *   dashboard: http://127.0.0.1:<port>/?token=<the token in FILE>  (token abcd…wxyz (64 chars) generated; …)
 * or `?token=<ANOMSEER_TOKEN>`; the token itself is never printed (FILE is the run's 0600 token
 * file, dashboard/token.ts). When the learner exits, the workers and then the coordinator get SIGTERM
 * (SIGKILL after `graceMs`); any early failure stops everything. Returns the learner's exit code.
 *
 * `resume`: the learner continues the run in outputDir (or `dir`) from its latest checkpoint
 * (`learner --resume`), and the coordinator — a new process with a new embedded state — rebuilds
 * the job's state from it (`coordinator --rebuild-state`). SIGINT/SIGTERM to the launcher reach
 * the learner, which saves a checkpoint at the next step boundary (exit 130).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dashboardLinkLine, resolveDashboardToken } from '../../dashboard/token.js';
import { AnomseerError } from '../../shared/errors.js';
import { EXIT_WITH_PARENT_ENV } from './exit-with-parent.js';

export interface LocalClusterOptions {
  readonly jobFile: string;
  readonly set: readonly string[];
  readonly workers: number;
  /** Continue the run from its latest checkpoint (in `dir`, default the job's outputDir). */
  readonly resume?: { readonly dir?: string };
  readonly summary?: string;
  readonly device: string;
  readonly threads: number;
  /** Node executable and the anomseer entry script (bin/anomseer.mjs). */
  readonly node: string;
  readonly bin: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where the generated token is kept (0600) when ANOMSEER_TOKEN is not set: `<outputDir>/dashboard.token`. */
  readonly tokenFile: string;
  readonly log: (line: string) => void;
  /** Serve the dashboard from the coordinator (default true). */
  readonly dashboard?: boolean;
  /** Its port (default the job's cluster.dashboardPort; 0 = any free port). */
  readonly dashboardPort?: number;
  /** How long a child may take to exit after SIGTERM, ms (default 10 s). */
  readonly graceMs?: number;
  /** Give up when the coordinator has not printed its address within this, ms (default 60 s). */
  readonly startTimeoutMs?: number;
}

interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly exited: Promise<number>;
}

export async function runLocalCluster(o: LocalClusterOptions): Promise<number> {
  const t = resolveDashboardToken(o.env, o.tokenFile);
  if (t.warning !== undefined) o.log(`dashboard: ${t.warning}`);
  const token = t.token;
  const dashboardArgs = o.dashboard === false ? ['--no-dashboard'] : o.dashboardPort === undefined ? [] : ['--dashboard-port', String(o.dashboardPort)];
  const env = { ...o.env, ANOMSEER_TOKEN: token, [EXIT_WITH_PARENT_ENV]: '1' };
  const sets = o.set.flatMap((s) => ['--set', s]);
  const children: Child[] = [];
  const start = (name: string, args: string[], onLine?: (line: string) => void): Child => {
    // Own process groups: a Ctrl-C in the terminal reaches the launcher only, which hands it to
    // the learner (below); the roles still die with the launcher (exit-with-parent.ts).
    const proc = spawn(o.node, [o.bin, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    for (const stream of [proc.stdout!, proc.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        o.log(`[${name}] ${line}`);
        onLine?.(line);
      });
    }
    const exited = new Promise<number>((resolve) => proc.on('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128))));
    const child = { name, proc, exited };
    children.push(child);
    return child;
  };
  const stop = async (c: Child) => {
    if (c.proc.exitCode !== null || c.proc.signalCode !== null) return;
    c.proc.kill('SIGTERM');
    const timer = setTimeout(() => c.proc.kill('SIGKILL'), o.graceMs ?? 10_000);
    await c.exited;
    clearTimeout(timer);
  };

  try {
    let address: string | undefined;
    const rebuild = o.resume === undefined ? [] : ['--rebuild-state'];
    const coordinator = start('coordinator', ['coordinator', o.jobFile, ...sets, '--listen', '127.0.0.1:0', ...dashboardArgs, ...rebuild], (line) => {
      address ??= /listening on (\S+)/.exec(line)?.[1];
      const dashboard = /^coordinator: dashboard (http:\/\/\S+\/)\?/.exec(line)?.[1];
      if (dashboard !== undefined) {
        o.log(dashboardLinkLine(dashboard, t, o.tokenFile));
      }
    });
    const startedAt = Date.now();
    while (address === undefined) {
      if (coordinator.proc.exitCode !== null)
        throw new AnomseerError('E_CLUSTER', `the coordinator exited with code ${coordinator.proc.exitCode} before serving`);
      if (Date.now() - startedAt > (o.startTimeoutMs ?? 60_000))
        throw new AnomseerError('E_CLUSTER', 'the coordinator printed no address within the start timeout');
      await new Promise((r) => setTimeout(r, 50));
    }
    o.log(`train: local cluster on ${address}: 1 learner, ${o.workers} worker(s)`);
    const learner = start('learner', [
      'learner',
      o.jobFile,
      ...sets,
      '--coordinator',
      address,
      '--device',
      o.device,
      '--threads',
      String(o.threads),
      ...(o.summary === undefined ? [] : ['--summary', o.summary]),
      ...(o.resume === undefined ? [] : ['--resume', ...(o.resume.dir === undefined ? [] : ['--set', `outputDir=${o.resume.dir}`])]),
    ]);
    for (let i = 1; i <= o.workers; i++) start(`worker ${i}`, ['worker', '--coordinator', address, '--device', o.device, '--threads', String(o.threads)]);
    // SIGINT/SIGTERM: the learner finishes its step and saves a checkpoint (a second one: at once).
    const forward = (sig: NodeJS.Signals) => {
      o.log(`train: ${sig}; the learner saves a checkpoint at the next step boundary (${sig} again stops it at once)`);
      learner.proc.kill(sig);
    };
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    try {
      return await Promise.race([learner.exited, coordinator.exited.then((c) => (learner.proc.exitCode === null ? Math.max(1, c) : c))]);
    } finally {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
    }
  } finally {
    // Workers first (they release leases to a live coordinator), then the coordinator.
    await Promise.all(children.filter((c) => c.name !== 'coordinator').map(stop));
    await Promise.all(children.filter((c) => c.name === 'coordinator').map(stop));
  }
}
