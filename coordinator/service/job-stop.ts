/**
 * Ending a job by hand (`anomseer stop`, Coordinator.StopJob) and telling where a job is in its
 * lifecycle (GetJobState). Wraps the Coordinator handler table, so the service itself only
 * gains two methods:
 *
 *   after StopJob   LeasePrompts  → no lease, job_done: workers finish their batch and exit 0
 *                   Heartbeat     → + a `drain` command (a worker mid-batch stops after it)
 *                   TakeGroups    → JobStoppedError (FAILED_PRECONDITION): the learner saves a
 *                                   checkpoint and exits 0; an acknowledgement-only call
 *                                   (min_groups 0, wait 0) still goes through
 *
 * States (proto JobState): running → stopping → stopped, or running → done. "stopped" is read,
 * not timed: StopJob was called, the learner was told, no lease is held, and no worker that is
 * not stopped has sent a heartbeat within two heartbeat intervals. A job whose every planned
 * prompt is trained and taken is "done", and StopJob leaves it alone. The stop is kept in the
 * state store (StateStore.saveStop) before StopJob answers, and so is "the learner was told": a
 * coordinator restarted on Redis reads it back (`load`) and serves the job as stopped.
 */
import type * as grpc from '@grpc/grpc-js';
import { JobStoppedError } from '../../proto/errors.js';
import { toStatus } from '../../proto/status.js';
import type {
  CoordinatorHandlers,
  GetStatusResponse,
  HeartbeatResponse,
  JobState,
  LeasePromptsResponse,
  StopJobRequest,
  TakeGroupsRequest,
} from '../../proto/types.js';
import { InvalidArgumentError } from '../../shared/errors.js';
import type { StateStore } from '../state/store.js';

/** The service's own handlers (CoordinatorService.handlers): everything but the two added here. */
export type ServiceHandlers = Omit<CoordinatorHandlers, 'StopJob' | 'GetJobState'>;

export interface JobStopDeps {
  readonly jobId: string;
  /** ms since epoch. */
  readonly clock: () => number;
  readonly heartbeatIntervalMs: number;
  readonly retryAfterMs: number;
  /** The service's snapshot (CoordinatorService.getStatus). */
  readonly status: () => Promise<GetStatusResponse>;
  readonly logger: (line: string) => void;
  /** Where the stop is kept across coordinator restarts. */
  readonly store: Pick<StateStore, 'getStop' | 'saveStop'>;
}

/** Longest StopJob reason accepted, characters. */
export const STOP_REASON_MAX_CHARS = 200;

export class JobStop {
  readonly #d: JobStopDeps;
  #requestedAtMs = 0;
  #reason = '';
  #learnerTold = false;

  constructor(deps: JobStopDeps) {
    this.#d = deps;
  }

  /** Read back a stop kept in the store (a coordinator restarted after `anomseer stop`); before serving. */
  async load(): Promise<void> {
    const kept = await this.#d.store.getStop();
    if (kept === null) return;
    this.#requestedAtMs = kept.atMs;
    this.#reason = kept.reason;
    this.#learnerTold = kept.learnerTold;
    const reason = kept.reason === '' ? '' : ` (${kept.reason})`;
    this.#d.logger(`coordinator: job ${this.#d.jobId} was stopped at ${new Date(kept.atMs).toISOString()}${reason}; it stays stopped`);
  }

  /** True once StopJob has been called (and the job was not done). */
  get stopped(): boolean {
    return this.#requestedAtMs > 0;
  }

  async stop(req: StopJobRequest): Promise<JobState> {
    if (req.reason.length > STOP_REASON_MAX_CHARS)
      throw new InvalidArgumentError('reason', `has ${req.reason.length} characters; at most ${STOP_REASON_MAX_CHARS}`);
    const s = await this.#d.status();
    if (!this.stopped && !isDone(s)) {
      const atMs = this.#d.clock();
      // Kept first: a stop the store did not take is not answered as accepted (the caller sees the error).
      await this.#d.store.saveStop({ atMs, reason: req.reason, learnerTold: false });
      this.#requestedAtMs = atMs;
      this.#reason = req.reason;
      this.#d.logger(`coordinator: job ${this.#d.jobId} stopped${req.reason === '' ? '' : ` (${req.reason})`}; workers drain, the learner checkpoints`);
    }
    return this.#state(s);
  }

  async state(): Promise<JobState> {
    return this.#state(await this.#d.status());
  }

  #state(s: GetStatusResponse): JobState {
    const recent = s.now_ms - 2 * this.#d.heartbeatIntervalMs;
    const active = s.workers.filter((w) => w.state !== 'WORKER_STATE_STOPPED' && w.last_heartbeat_at_ms >= recent).length;
    const quiet = active === 0 && s.leases.length === 0 && this.#learnerTold;
    return {
      job_id: this.#d.jobId,
      state: this.stopped ? (quiet ? 'stopped' : 'stopping') : isDone(s) ? 'done' : 'running',
      stop_requested_at_ms: this.#requestedAtMs,
      stop_reason: this.#reason,
      learner_told: this.#learnerTold,
      workers_active: active,
      leases_held: s.leases.length,
    };
  }

  /** The handler table with the stop applied, plus StopJob and GetJobState. */
  wrap(h: ServiceHandlers): CoordinatorHandlers {
    const answer =
      <Req, Res>(fn: (req: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> =>
      (call, callback) => {
        fn(call.request).then(
          (res) => callback(null, res),
          (err: unknown) => callback(toStatus(err), null),
        );
      };
    return {
      ...h,
      LeasePrompts: (call, callback) => {
        if (!this.stopped) return h.LeasePrompts(call, callback);
        const res: LeasePromptsResponse = { leases: [], retry_after_ms: this.#d.retryAfterMs, job_done: true };
        callback(null, res);
      },
      Heartbeat: (call, callback) => {
        if (!this.stopped) return h.Heartbeat(call, callback);
        h.Heartbeat(call, (err, res) => {
          if (err !== null || res === undefined || res === null) return callback(err, res);
          const withDrain: HeartbeatResponse = { ...res, commands: [...res.commands, { drain: {}, action: 'drain', reason: 'the job was stopped' }] };
          callback(null, withDrain);
        });
      },
      TakeGroups: (call, callback) => {
        const req: TakeGroupsRequest = call.request;
        if (!this.stopped || (req.min_groups === 0 && req.wait_ms === 0)) return h.TakeGroups(call, callback);
        const told = () => {
          this.#learnerTold = true;
          callback(toStatus(new JobStoppedError(this.#d.jobId, this.#requestedAtMs, this.#reason)), null);
        };
        if (this.#learnerTold) return told();
        // Kept before the learner hears it, so a restarted coordinator can still read the job as stopped.
        this.#d.store
          .saveStop({ atMs: this.#requestedAtMs, reason: this.#reason, learnerTold: true })
          .then(told, (err: unknown) => callback(toStatus(err), null));
      },
      StopJob: answer((r: StopJobRequest) => this.stop(r)),
      GetJobState: answer(() => this.state()),
    };
  }
}

/** Every planned prompt trained, and nothing left for the learner to take. */
function isDone(s: GetStatusResponse): boolean {
  const p = s.prompts;
  return p !== null && p.total > 0 && p.done >= p.total && p.groups_ready === 0;
}
