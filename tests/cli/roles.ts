// Real anomseer processes for the CLI tests: start one, keep its lines, wait for a line or its
// exit (with the event limit on its silence, never a fixed margin: its lines are its progress),
// kill what a test started, each by its pid; run a command to its end, and ask `status --json`.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { eventually, withinProgress } from '../helpers/wait.js';

export interface Role {
  readonly name: string;
  readonly child: ChildProcess;
  /** stdout and stderr lines, in arrival order. */
  readonly lines: string[];
  readonly stdout: string[];
  /** Exit code, or the signal's name; resolves once both streams are read to the end. */
  readonly exited: Promise<number | string>;
  /** The first line matching `re` (lines already seen count); fails if the process exits first. */
  line(re: RegExp): Promise<RegExpExecArray>;
  /** When it last printed a line (or started), ms since the epoch. */
  readonly lastLineAt: () => number;
}

const started: Role[] = [];
const root = new URL('../..', import.meta.url).pathname;

/** `anomseer <args>` with `env` on top of this process's environment, in `cwd` (default the repository). */
export function startRole(name: string, args: string[], env: Record<string, string>, cwd = root): Role {
  const child = spawn(process.execPath, [join(root, 'bin/anomseer.mjs'), ...args], {
    cwd,
    env: { ...process.env, ANOMSEER_EXIT_WITH_PARENT: '1', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const stdout: string[] = [];
  let lastLineAt = Date.now();
  const waiters = new Set<{ re: RegExp; resolve: (m: RegExpExecArray) => void }>();
  let open = 2;
  let closed: () => void = () => {};
  const bothRead = new Promise<void>((r) => (closed = r));
  for (const [s, out] of [
    [child.stdout!, true],
    [child.stderr!, false],
  ] as const) {
    const rl = createInterface({ input: s });
    rl.on('line', (l) => {
      lines.push(l);
      lastLineAt = Date.now();
      if (out) stdout.push(l);
      if (process.env.CLUSTER_TEST_VERBOSE) console.log(`[${name}] ${l}`);
      for (const w of [...waiters]) {
        const m = w.re.exec(l);
        if (m !== null) {
          waiters.delete(w);
          w.resolve(m);
        }
      }
    });
    rl.on('close', () => {
      if (--open === 0) closed();
    });
  }
  const code = new Promise<number | string>((resolve) => child.on('exit', (c, sig) => resolve(c ?? sig ?? -1)));
  const exited = Promise.all([code, bothRead]).then(([c]) => c);
  const role: Role = {
    name,
    child,
    lines,
    stdout,
    exited,
    lastLineAt: () => lastLineAt,
    line: (re) =>
      withinProgress(
        new Promise<RegExpExecArray>((resolve, reject) => {
          for (const l of lines) {
            const m = re.exec(l);
            if (m !== null) return resolve(m);
          }
          waiters.add({ re, resolve });
          void exited.then((c) => reject(new Error(`${name} exited (${c}) before a line matching ${re}; last lines:\n${lines.slice(-15).join('\n')}`)));
        }),
        `${name}: a line matching ${re}`,
        () => lastLineAt,
      ),
  };
  started.push(role);
  return role;
}

/** The exit of `role`, with the event limit on its silence. */
export const exitOf = (role: Role): Promise<number | string> => withinProgress(role.exited, `${role.name} exits`, role.lastLineAt);

/** `anomseer <args>` with `env` on top of this process's environment, run to its exit. */
export function runCli(args: string[], env: Record<string, string>, cwd = root): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'bin/anomseer.mjs'), ...args], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * `anomseer status --coordinator <address> --json`, the way an operator asks. Its call has the
 * command's own 10 s deadline, which a loaded machine can pass: then it is asked again (any other
 * answer, an error included, is returned as it is).
 */
export function statusJson(address: string, env: Record<string, string>, cwd = root): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return eventually(`anomseer status --coordinator ${address} --json`, async () => {
    const r = await runCli(['status', '--coordinator', address, '--json'], env, cwd);
    if (r.status !== 0 && /DEADLINE_EXCEEDED|UNAVAILABLE/.test(r.stderr)) throw new Error(r.stderr.trim());
    return r;
  });
}

/** SIGKILL every role still running (each by its pid) and wait for them. */
export async function killAll(): Promise<void> {
  for (const r of started) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
  await Promise.all(started.map((r) => r.exited));
  started.length = 0;
}
