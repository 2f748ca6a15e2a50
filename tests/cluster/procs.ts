// Real anomseer processes for the cluster tests: spawn a role, read its lines, wait for one,
// and kill every child a test started (each by its own pid).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { TOKEN } from './helpers.js';

export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<number | string>;
  /** Resolves with the first line matching `re` (already seen lines count). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

const started: Proc[] = [];

export function startRole(name: string, args: string[], env: Record<string, string> = {}): Proc {
  // stdin is a pipe and ANOMSEER_EXIT_WITH_PARENT is set: if this test process dies, the role does too.
  const child = spawn(process.execPath, ['bin/anomseer.mjs', ...args], {
    env: { ...process.env, ANOMSEER_TOKEN: TOKEN, ANOMSEER_EXIT_WITH_PARENT: '1', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  for (const s of [child.stdout!, child.stderr!]) {
    createInterface({ input: s }).on('line', (line) => {
      lines.push(line);
      if (process.env.CLUSTER_TEST_VERBOSE) console.log(`[${name}] ${line}`);
      for (const w of [...waiters]) {
        const m = w.re.exec(line);
        if (m !== null) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    });
  }
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const proc: Proc = {
    name,
    child,
    lines,
    exited,
    waitFor: (re, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        for (const l of lines) {
          const m = re.exec(l);
          if (m !== null) return resolve(m);
        }
        const timer = setTimeout(
          () => reject(new Error(`${name}: no line matching ${re} within ${timeoutMs} ms; last lines:\n${lines.slice(-15).join('\n')}`)),
          timeoutMs,
        );
        waiters.push({
          re,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`${name} exited (${code}) before printing ${re}; last lines:\n${lines.slice(-15).join('\n')}`));
        });
      }),
  };
  started.push(proc);
  return proc;
}

/** SIGKILL every child still running (each by its pid) and wait for them. */
export async function killAll(): Promise<void> {
  for (const p of started) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await Promise.all(started.map((p) => p.exited));
  started.length = 0;
}

/**
 * Start a coordinator for `job` with `sets` (and `extra` arguments, e.g. `--redis URL`) on
 * `listen` (default 127.0.0.1:0) and return it with its address.
 */
export async function startCoordinator(
  job: string,
  sets: string[],
  opts: { extra?: string[]; listen?: string; env?: Record<string, string>; name?: string } = {},
): Promise<{ proc: Proc; address: string }> {
  const proc = startRole(
    opts.name ?? 'coordinator',
    ['coordinator', job, ...sets.flatMap((s) => ['--set', s]), '--listen', opts.listen ?? '127.0.0.1:0', '--no-dashboard', ...(opts.extra ?? [])],
    opts.env,
  );
  const m = await proc.waitFor(/listening on (\S+)/);
  return { proc, address: m[1]! };
}

/** The summary a learner wrote with --summary. */
export function readSummary(file: string): {
  steps: number;
  weightVersion: number;
  promptsTrained: number;
  resumedFrom?: string;
  history: { step: number; reward: number; grounded: number }[];
  cluster: {
    groupsTrained: number;
    untrainedItems: number;
    extraGroups: number;
    groupsSkipped: number;
    groupsDiscarded: number;
    finalWeightsSha256: string;
    claim: { learnerEpoch: number; reset: string; previousVersion: number; groupsDiscarded: number; groupsKept: number };
  };
} {
  return JSON.parse(readFileSync(file, 'utf8'));
}
