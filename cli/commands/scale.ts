/**
 * `anomseer scale --coordinator ADDR --workers N`: bring the number of live rollout workers ON
 * THIS MACHINE to N. Up: start the missing workers as detached processes (output appended to
 * `--log-dir`/worker-<pid>.log). Down: SIGTERM the newest local workers (each releases its
 * leases and exits). A worker is local when its GetStatus `host` is `<this hostname>:<pid>`
 * (what `anomseer worker` registers) and live when it is not stopped and has sent a heartbeat
 * within `--live-within`. Workers on other machines are counted in the output, never touched.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { addTlsOptions, tlsArgs, tlsFromFlags } from './flags.js';
import type { TlsFlagValues } from './flags.js';
import type { GetStatusResponse, WorkerStatus } from '../../proto/types.js';
import { ConfigError } from '../../shared/errors.js';

interface Flags extends TlsFlagValues {
  coordinator: string;
  workers: string;
  device: string;
  tokenFile?: string;
  logDir: string;
  liveWithin: string;
}

/** Local live workers of a status snapshot, oldest first, with their pids. */
export function localLiveWorkers(s: GetStatusResponse, host: string, liveWithinMs: number): { worker: WorkerStatus; pid: number }[] {
  return s.workers
    .filter((w) => w.state !== 'WORKER_STATE_STOPPED' && w.last_heartbeat_at_ms >= s.now_ms - liveWithinMs && w.host.startsWith(`${host}:`))
    .map((w) => ({ worker: w, pid: Number(w.host.slice(host.length + 1)) }))
    .filter((x) => Number.isInteger(x.pid) && x.pid > 0)
    .sort((a, b) => a.worker.registered_at_ms - b.worker.registered_at_ms);
}

export function registerScale(program: Command): void {
  addTlsOptions(program.command('scale'), 'client')
    .description('Start or stop rollout workers on this machine until N of them serve the coordinator.')
    .requiredOption('--coordinator <host:port>', 'address the coordinator printed')
    .requiredOption('--workers <n>', 'live workers wanted on this machine')
    .option('--device <device>', 'device of the workers started', 'cpu')
    .option('--token-file <file>', 'read the cluster token from this file (default ANOMSEER_TOKEN)')
    .option('--log-dir <dir>', 'where started workers write their output', 'runs/workers')
    .option('--live-within <ms>', 'a worker is live when its last heartbeat is this recent, ms', '15000')
    .action(async (flags: Flags) => {
      const want = Number(flags.workers);
      const liveWithin = Number(flags.liveWithin);
      if (!Number.isInteger(want) || want < 0 || want > 256) throw new ConfigError('--workers', `must be an integer in [0, 256], got "${flags.workers}"`);
      if (!Number.isInteger(liveWithin) || liveWithin < 1) throw new ConfigError('--live-within', `must be a positive integer (ms), got "${flags.liveWithin}"`);
      const { bearerInterceptor, tokenFrom, unary, connectClient, channelOptions } = await import('./grpc-client.js');
      const token = tokenFrom(process.env, flags.tokenFile);
      const tls = tlsFromFlags(flags, 'client');
      const coord = connectClient('Coordinator', flags.coordinator, tls, {
        ...channelOptions(),
        interceptors: [bearerInterceptor(token)],
      });
      let s: GetStatusResponse;
      try {
        s = await unary(coord, coord.GetStatus, {}, { deadlineMs: 10_000 });
      } finally {
        coord.close();
      }
      const host = hostname();
      const local = localLiveWorkers(s, host, liveWithin);
      const out = (line: string) => process.stdout.write(`${line}\n`);
      out(`scale: ${local.length} live worker(s) on ${host}, ${s.workers.length - local.length} elsewhere or not live; want ${want}`);
      for (const { worker, pid } of local.slice(want).reverse()) {
        try {
          process.kill(pid, 'SIGTERM');
          out(`scale: stopping ${worker.worker_id} (pid ${pid})`);
        } catch (err) {
          out(`scale: could not signal ${worker.worker_id} (pid ${pid}): ${(err as Error).message}`);
        }
      }
      if (local.length < want) {
        mkdirSync(flags.logDir, { recursive: true });
        const bin = new URL('../../bin/anomseer.mjs', import.meta.url).pathname;
        for (let i = local.length; i < want; i++) {
          const log = openSync(join(flags.logDir, `worker-${Date.now()}-${i}.log`), 'a');
          const child = spawn(process.execPath, [bin, 'worker', '--coordinator', flags.coordinator, '--device', flags.device, ...tlsArgs(flags)], {
            detached: true,
            stdio: ['ignore', log, log],
            env: { ...process.env, ANOMSEER_TOKEN: token },
          });
          child.unref();
          out(`scale: started a worker (pid ${child.pid})`);
        }
      }
    });
}
