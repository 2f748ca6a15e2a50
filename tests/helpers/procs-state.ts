// The scheduler state of a process, from /proc (Linux).
import { readFileSync } from 'node:fs';

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

/** `node --import` this for ANOMSEER_TEST_STOP_AFTER (./stop-after-line.mjs). */
export const STOP_AFTER_LINE = new URL('./stop-after-line.mjs', import.meta.url).href;
