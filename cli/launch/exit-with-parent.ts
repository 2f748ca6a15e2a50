/**
 * How a role started by a launcher (`train --workers N`, cli/launch/local-cluster.ts) dies with
 * it: the launcher keeps a pipe on each child's stdin and sets ANOMSEER_EXIT_WITH_PARENT=1.
 */
/** Env flag the launcher sets on its children: exit when the launcher's stdin pipe closes. */
export const EXIT_WITH_PARENT_ENV = 'ANOMSEER_EXIT_WITH_PARENT';

/**
 * In a launched role: when the launcher dies (even by SIGKILL) its end of our stdin closes;
 * then SIGTERM ourselves (workers release their leases, the coordinator closes) and exit
 * for good after `graceMs`. Without the env flag this does nothing.
 */
export function exitWithParent(env: Readonly<Record<string, string | undefined>>, log: (line: string) => void, graceMs = 10_000): void {
  if (env[EXIT_WITH_PARENT_ENV] !== '1') return;
  process.stdin.on('error', () => {});
  process.stdin.on('close', () => {
    log('launcher is gone; stopping');
    process.kill(process.pid, 'SIGTERM');
    setTimeout(() => process.exit(1), graceMs).unref();
  });
  process.stdin.resume();
  // stdin must not keep the process alive on its own
  (process.stdin as unknown as { unref?: () => void }).unref?.();
}
