// Real anomseer processes for the CLI tests: start one, keep its lines, wait for a line or its
// exit (with the event limit, never a fixed margin), kill what a test started, each by its pid.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { within } from '../helpers/wait.js';

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
    line: (re) =>
      within(
        new Promise<RegExpExecArray>((resolve, reject) => {
          for (const l of lines) {
            const m = re.exec(l);
            if (m !== null) return resolve(m);
          }
          waiters.add({ re, resolve });
          void exited.then((c) => reject(new Error(`${name} exited (${c}) before a line matching ${re}; last lines:\n${lines.slice(-15).join('\n')}`)));
        }),
        `${name}: a line matching ${re}`,
      ),
  };
  started.push(role);
  return role;
}

/** The exit of `role`, with the event limit. */
export const exitOf = (role: Role): Promise<number | string> => within(role.exited, `${role.name} exits`);

/** SIGKILL every role still running (each by its pid) and wait for them. */
export async function killAll(): Promise<void> {
  for (const r of started) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
  await Promise.all(started.map((r) => r.exited));
  started.length = 0;
}
