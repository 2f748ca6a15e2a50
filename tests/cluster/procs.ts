// Real anomseer processes for the cluster tests: spawn a role, read its lines, wait for one,
// and kill every child a test started (each by its own pid). Waits are on events (a line, an
// exit) with the generous outer limit of tests/helpers/wait.ts, never on a wall-clock margin;
// a process's own lines count as progress, so the limit is on its silence, not its run time.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { DIE_WITH_PARENT } from '../helpers/children.js';
import { EVENT_LIMIT_MS, withinProgress } from '../helpers/wait.js';
import { TOKEN } from './helpers.js';

export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly lines: string[];
  /** Exit code or signal name, once the process has exited and all its output is read. */
  readonly exited: Promise<number | string>;
  /** Resolves with the first line matching `re` (already seen lines count); rejects if the process exits first, or once it has printed nothing for `limitMs` (default EVENT_LIMIT_MS). */
  waitFor(re: RegExp, limitMs?: number): Promise<RegExpExecArray>;
  /** Resolves with the exit code (or signal name) once its output is read; rejects once it has printed nothing for `limitMs` (default EVENT_LIMIT_MS). */
  exit(limitMs?: number): Promise<number | string>;
}

const started: Proc[] = [];

export function startRole(name: string, args: string[], env: Record<string, string> = {}): Proc {
  // stdin is a pipe and ANOMSEER_EXIT_WITH_PARENT is set: if this test process dies, the role does
  // too; the preload does the same for the commands that are not roles (train, scale, status).
  const child = spawn(process.execPath, ['--import', DIE_WITH_PARENT, 'bin/anomseer.mjs', ...args], {
    env: { ...process.env, ANOMSEER_TOKEN: TOKEN, ANOMSEER_EXIT_WITH_PARENT: '1', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let lastLineAt = Date.now();
  const waiters: { re: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  for (const s of [child.stdout!, child.stderr!]) {
    createInterface({ input: s }).on('line', (line) => {
      lines.push(line);
      lastLineAt = Date.now();
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
  // 'close', not 'exit': by then every line the process wrote has been read, so a test that
  // awaits `exited` and then looks at `lines` sees them all however late the pipes drain.
  const exited = new Promise<number | string>((resolve) => child.on('close', (code, signal) => resolve(code ?? signal ?? -1)));
  const proc: Proc = {
    name,
    child,
    lines,
    exited,
    waitFor: (re, limitMs = EVENT_LIMIT_MS) => {
      const seen = new Promise<RegExpExecArray>((resolve, reject) => {
        for (const l of lines) {
          const m = re.exec(l);
          if (m !== null) return resolve(m);
        }
        waiters.push({ re, resolve });
        void exited.then((code) => reject(new Error(`${name} exited (${code}) before printing ${re}`)));
      });
      return withinProgress(seen, `${name}: a line matching ${re}`, () => lastLineAt, limitMs).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}; last lines:\n${lines.slice(-15).join('\n')}`);
      });
    },
    exit: (limitMs = EVENT_LIMIT_MS) =>
      withinProgress(exited, `${name} exits`, () => lastLineAt, limitMs).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}; last lines:\n${lines.slice(-15).join('\n')}`);
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
