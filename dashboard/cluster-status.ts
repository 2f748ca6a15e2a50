/**
 * The cluster table of a coordinator's dashboard, from the coordinator's own state: the same
 * GetStatus snapshot `anomseer status` prints, plus the staleness histogram the service counts
 * as groups are accepted.
 *
 * A worker's state is what its last heartbeat said ("sampling", "idle", …), except that a
 * worker not heard from within `lostAfterMs` (the lease timeout: by then its leases have
 * expired and been requeued) reads "lost" — a SIGKILLed worker turns "lost" there, one that
 * exited on SIGTERM reads "stopped" at once.
 *
 * Once the job is done (every planned prompt's group accepted: workers are told `job_done` and
 * stop heartbeating), a worker reads "done" rather than its last word ("idle") or, a lease
 * timeout later, "lost"; one that was already silent for a lease timeout when the cluster last
 * heard from any worker stays "lost" (it died before the end).
 *
 * The "weights" table (one row per version, newest first) comes from the Weights service's
 * broadcast log (dashboard/broadcast-log.ts): bytes sent and workers updated are counted as
 * FetchWeights streams; "x/y" divides by the workers alive now, so a version fetched by a
 * worker since lost can read 3/2.
 */
import type { GetStatusResponse, WorkerState } from '../proto/types.js';
import type { BroadcastEntry } from './broadcast-log.js';
import type { ClusterStatus, StatusProvider, WorkerStatus } from './status.js';

/** Wire state → the one-word state the table shows (and styles as `state-<word>`). */
export const STATE_WORDS: Readonly<Record<WorkerState, string>> = Object.freeze({
  WORKER_STATE_UNSPECIFIED: 'unknown',
  WORKER_STATE_STARTING: 'starting',
  WORKER_STATE_IDLE: 'idle',
  WORKER_STATE_ROLLING_OUT: 'sampling',
  WORKER_STATE_FETCHING_WEIGHTS: 'fetching',
  WORKER_STATE_DRAINING: 'draining',
  WORKER_STATE_STOPPED: 'stopped',
});

export interface ClusterStatusOptions {
  /** Accepted groups by staleness: counts[k] = groups sampled k versions before the one that trains them. */
  readonly staleness: readonly number[];
  /** A worker silent for longer than this (ms) is "lost" (use the lease timeout). */
  readonly lostAfterMs: number;
  /** The Weights service's broadcast log, newest first (absent = no rows). */
  readonly broadcasts?: readonly BroadcastEntry[];
}

const running = (state: string): boolean => state !== 'lost' && state !== 'stopped' && state !== 'done';

/** One GetStatus snapshot as the dashboard's cluster table. */
export function clusterStatusOf(s: GetStatusResponse, o: ClusterStatusOptions): ClusterStatus {
  const p = s.prompts;
  const jobDone = p !== null && p.total > 0 && p.done >= p.total;
  // After the end nobody heartbeats: "lost" is judged at the last time anyone did.
  const lastHeard = jobDone ? Math.max(0, ...s.workers.map((w) => w.last_heartbeat_at_ms)) : s.now_ms;
  const workers: WorkerStatus[] = s.workers.map((w) => {
    let state = STATE_WORDS[w.state] ?? 'unknown';
    const silent = lastHeard - w.last_heartbeat_at_ms > o.lostAfterMs;
    if (jobDone) state = silent ? 'lost' : 'done';
    else if (state !== 'stopped' && silent) state = 'lost';
    return {
      id: w.worker_id,
      host: w.host,
      device: w.device,
      state,
      weightVersion: w.weight_version === 0 ? null : w.weight_version,
      rolloutsPerSecond: running(state) ? w.rollouts_per_second : 0,
      leasesHeld: w.leases_held,
      lastHeartbeatMs: w.last_heartbeat_at_ms === 0 ? null : w.last_heartbeat_at_ms,
      // A worker that never reported (rss 0: an older worker) or no longer runs shows no usage.
      ...(w.rss_bytes > 0 && running(state) ? { cpuCores: w.cpu_cores, rssBytes: w.rss_bytes } : { cpuCores: null, rssBytes: null }),
    };
  });
  const active = workers.filter((w) => w.state !== 'lost' && w.state !== 'stopped');
  return {
    workers,
    prompts: { done: p?.done ?? 0, inFlight: p?.in_flight ?? 0, requeued: p?.requeued ?? 0 },
    queueDepth: p?.queued ?? 0,
    staleness: [...o.staleness],
    // The latest broadcast: how many of the workers still alive hold it.
    broadcast:
      s.weight_version === 0
        ? null
        : { version: s.weight_version, workersAt: active.filter((w) => (w.weightVersion ?? 0) >= s.weight_version).length, workersTotal: active.length },
    broadcasts: (o.broadcasts ?? []).map((b) => ({
      version: b.version,
      bytes: b.bytes,
      bytesSent: b.bytesSent,
      workersUpdated: b.workersUpdated,
      workersTotal: active.length,
      publishedAtMs: b.publishedAtMs,
      seconds: b.seconds,
    })),
    weightVersion: s.weight_version,
  };
}

/** A dashboard status provider reading a coordinator service (and its broadcast log, when given) in this process. */
export function coordinatorStatus(
  service: { getStatus(): Promise<GetStatusResponse>; stalenessCounts(): readonly number[] },
  lostAfterMs: number,
  broadcasts?: { list(): readonly BroadcastEntry[] },
): StatusProvider {
  return async () => clusterStatusOf(await service.getStatus(), { staleness: service.stalenessCounts(), lostAfterMs, broadcasts: broadcasts?.list() });
}
