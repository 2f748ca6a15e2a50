// For the anomseer commands tests start as child processes: the preloads that tie them to the
// test (`node --import <preload> bin/anomseer.mjs …`), and their scheduler state and CPU time
// from /proc.
import { readFileSync } from 'node:fs';

/** Exits when the test process dies (its stdin must be a pipe the test holds): ./die-with-parent.mjs. */
export const DIE_WITH_PARENT = new URL('./die-with-parent.mjs', import.meta.url).href;

/** Stops itself after its first stdout line matching ANOMSEER_TEST_STOP_AFTER: ./stop-after-line.mjs. */
export const STOP_AFTER_LINE = new URL('./stop-after-line.mjs', import.meta.url).href;

/** True while `pid` is stopped (SIGSTOP: state T in /proc/<pid>/stat); false when running or gone. */
export function isStopped(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "<pid> (<comm>) <state> …": comm may hold spaces and parentheses, so read after the last ")".
    return stat.slice(stat.lastIndexOf(')') + 2)[0] === 'T';
  } catch {
    return false;
  }
}

/** CPU seconds `pid` has used (its own and that of its children it has waited for), or undefined once it is gone. */
function cpuSecondsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100; // utime stime cutime cstime, USER_HZ
  } catch {
    return undefined;
  }
}

/**
 * A progress clock for withinProgress (./wait.ts) of a command that works without printing: it
 * made progress when it has used at least `minCpuS` more CPU time since the progress before,
 * so a slow but working command is waited for however loaded the machine, and one that does
 * nothing is not. Each call reads /proc once; returns when the latest progress was seen, ms
 * since the epoch (0 before the first).
 */
export function cpuProgress(pid: number, minCpuS = 0.5): () => number {
  let at = 0;
  let mark = cpuSecondsOf(pid) ?? 0;
  return () => {
    const cpu = cpuSecondsOf(pid);
    if (cpu !== undefined && cpu - mark >= minCpuS) {
      mark = cpu;
      at = Date.now();
    }
    return at;
  };
}
