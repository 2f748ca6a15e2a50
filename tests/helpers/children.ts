// For the anomseer commands tests start as child processes: the preloads that tie them to the
// test (`node --import <preload> bin/anomseer.mjs …`) and their scheduler state from /proc.
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
