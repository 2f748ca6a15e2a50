/**
 * `anomseer status --coordinator ADDR [--json] [--watch [--interval S]]`: the job as the
 * coordinator sees it (GetStatus + GetJobState), as a table or JSON.
 *
 * `--watch` asks again every `--interval` seconds until the job is done or stopped:
 * - on a terminal, the table is redrawn in place with the time and the job's ETA on top;
 * - anywhere else (a log, a pipe, CI) one line is printed each time something changes (step,
 *   version, prompts, workers, state; not the clock or the rates), and with --json one JSON
 *   object per line instead;
 * - a coordinator that stops answering is reported once per outage and asked again; the first
 *   call failing is an error like without --watch (a wrong address, a wrong token).
 */
import type { Command } from 'commander';
import { addTlsOptions } from './flags.js';
import type { TlsFlagValues } from './flags.js';
import type { CoordinatorClient, GetStatusResponse, JobState } from '../../proto/types.js';
import { ConfigError } from '../../shared/errors.js';
import { formatDuration } from './progress.js';
import { connectCoordinator } from './remote.js';

interface Flags extends TlsFlagValues {
  coordinator: string;
  json?: boolean;
  tokenFile?: string;
  watch?: boolean;
  interval: string;
}

export function formatStatus(s: GetStatusResponse, state?: JobState): string {
  const p = s.prompts;
  const lines = [
    `job ${s.job_id}: ${state === undefined ? '' : `${stateText(state)}, `}step ${s.step}, weight version ${s.weight_version}, up ${((s.now_ms - s.started_at_ms) / 1000).toFixed(0)}s${eta(s) === undefined ? '' : `, ETA ${eta(s)}`}`,
    p === null
      ? 'prompts: n/a'
      : `prompts: ${p.done}/${p.total} done, ${p.in_flight} in flight, ${p.queued} queued, ${p.groups_ready} ready for the learner; ${p.requeued} requeued, ${p.duplicates_dropped} duplicates dropped, ${p.stale_dropped} stale dropped`,
    s.throughput === null
      ? ''
      : `throughput (last minute): ${s.throughput.rollouts_per_second.toFixed(2)} rollouts/s, ${s.throughput.tokens_per_second.toFixed(0)} tokens/s`,
    `workers (${s.workers.length}):`,
    ...s.workers.map(
      (w) =>
        `  ${w.worker_id.padEnd(8)} ${w.state.replace('WORKER_STATE_', '').toLowerCase().padEnd(16)} v${String(w.weight_version).padEnd(5)} ${String(w.leases_held).padStart(3)} leases ${String(w.groups_submitted).padStart(6)} groups  ${w.device} ${w.host}`,
    ),
  ];
  return lines.filter((l) => l !== '').join('\n');
}

/** `running`, `stopping (2 workers active, 1 lease held, learner not told yet)`, `stopped`, `done`. */
export function stateText(j: JobState): string {
  if (j.state !== 'stopping') return j.state;
  const waits = [
    j.workers_active > 0 ? `${j.workers_active} worker${j.workers_active === 1 ? '' : 's'} active` : '',
    j.leases_held > 0 ? `${j.leases_held} lease${j.leases_held === 1 ? '' : 's'} held` : '',
    j.learner_told ? '' : 'learner not told yet',
  ].filter((w) => w !== '');
  return `stopping (${waits.join(', ')})`;
}

/** The job's time left at the last minute's rate: prompts left / groups per second. */
export function eta(s: GetStatusResponse): string | undefined {
  const p = s.prompts;
  const gps = s.throughput?.groups_per_second ?? 0;
  if (p === null || p.total === 0 || p.done >= p.total || gps <= 0) return undefined;
  return formatDuration(((p.total - p.done) / gps) * 1000);
}

/**
 * One line of `status --watch` without a terminal: what changed is what is printed. The part
 * before the clock is compared between snapshots (`key`), so rates and uptime alone print nothing.
 */
export function watchLine(s: GetStatusResponse, state: JobState | undefined): { key: string; line: string } {
  const p = s.prompts;
  const busy = s.workers.filter((w) => w.state !== 'WORKER_STATE_STOPPED').length;
  const key = [
    `job ${s.job_id}`,
    state === undefined ? '' : stateText(state),
    `step ${s.step}`,
    `v${s.weight_version}`,
    p === null ? 'prompts n/a' : `prompts ${p.done}/${p.total} done, ${p.in_flight} in flight, ${p.queued} queued`,
    `workers ${s.workers.length} (${busy} not stopped)`,
  ]
    .filter((x) => x !== '')
    .join(', ');
  const time = new Date(s.now_ms).toISOString().slice(11, 19);
  const left = eta(s);
  return { key, line: `${time} ${key}${left === undefined ? '' : `, ETA ${left}`}` };
}

/** GetJobState, or undefined from a coordinator that predates it. */
async function jobState(coord: CoordinatorClient): Promise<JobState | undefined> {
  const { unary } = await import('./grpc-client.js');
  try {
    return await unary(coord, coord.GetJobState, {}, { deadlineMs: 10_000 });
  } catch (err) {
    if ((err as { grpcCode?: number }).grpcCode === 12) return undefined; // UNIMPLEMENTED
    throw err;
  }
}

async function snapshot(coord: CoordinatorClient): Promise<{ s: GetStatusResponse; state: JobState | undefined }> {
  const { unary } = await import('./grpc-client.js');
  const [s, state] = await Promise.all([unary(coord, coord.GetStatus, {}, { deadlineMs: 10_000 }), jobState(coord)]);
  return { s, state };
}

const ended = (state: JobState | undefined) => state?.state === 'done' || state?.state === 'stopped';

async function watch(coord: CoordinatorClient, flags: Flags, intervalMs: number): Promise<void> {
  const out = process.stdout;
  const tty = out.isTTY === true && flags.json !== true;
  let lastKey = '';
  let outage = false;
  let first = true;
  for (;;) {
    let snap: Awaited<ReturnType<typeof snapshot>>;
    try {
      snap = await snapshot(coord);
      if (outage) out.write(`status: the coordinator answers again\n`);
      outage = false;
    } catch (err) {
      if (first) throw err;
      if (!outage) out.write(`status: ${(err as Error).message}; asking again every ${intervalMs / 1000}s\n`);
      outage = true;
      await new Promise((r) => setTimeout(r, intervalMs));
      continue;
    }
    first = false;
    const { s, state } = snap;
    if (tty) {
      const now = new Date(s.now_ms).toISOString().slice(11, 19);
      out.write(`\x1b[H\x1b[2J${now}  (every ${intervalMs / 1000}s; Ctrl-C to stop watching)\n${formatStatus(s, state)}\n`);
    } else {
      const { key, line } = watchLine(s, state);
      if (key !== lastKey) out.write(flags.json === true ? `${JSON.stringify({ ...s, job_state: state ?? null })}\n` : `${line}\n`);
      lastKey = key;
    }
    if (ended(state)) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function registerStatus(program: Command): void {
  addTlsOptions(program.command('status'), 'client')
    .description('Show a running job: state, prompts, workers, leases, throughput, ETA (token from ANOMSEER_TOKEN or --token-file).')
    .requiredOption('--coordinator <host:port>', 'address the coordinator printed')
    .option('--json', 'print the GetStatus answer (with job_state) as JSON; with --watch one object per line')
    .option('--token-file <file>', 'read the cluster token from this file')
    .option('--watch', 'ask again every --interval until the job is done or stopped; a line per change when not on a terminal')
    .option('--interval <seconds>', 'with --watch: seconds between two snapshots (0.1–3600)', '2')
    .action(async (flags: Flags) => {
      const interval = Number(flags.interval);
      if (flags.interval.trim() === '' || !Number.isFinite(interval) || interval < 0.1 || interval > 3600)
        throw new ConfigError('--interval', `must be a number of seconds in [0.1, 3600], got "${flags.interval}"`);
      const coord = await connectCoordinator(flags);
      try {
        if (flags.watch === true) return await watch(coord, flags, Math.round(interval * 1000));
        const { s, state } = await snapshot(coord);
        process.stdout.write(flags.json === true ? `${JSON.stringify({ ...s, job_state: state ?? null }, null, 2)}\n` : `${formatStatus(s, state)}\n`);
      } finally {
        coord.close();
      }
    });
}
