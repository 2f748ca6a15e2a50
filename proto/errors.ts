/**
 * Error classes of the wire: conditions a coordinator reports to a worker or a learner.
 * Each travels as one gRPC status (table in proto/status.ts) and is revived on the client
 * with its typed fields, so `err instanceof LeaseExpiredError` works on both sides.
 */
import { AnomseerError } from '../shared/errors.js';

/** A worker, lease, prompt or weight version the server does not know (never existed or forgotten). */
export class NotFoundError extends AnomseerError {
  /** What was looked up: 'worker', 'lease', 'prompt', 'weight version', ... */
  readonly kind: string;
  readonly id: string;
  constructor(kind: string, id: string, hint = '') {
    super('E_NOT_FOUND', `unknown ${kind} "${id}"${hint === '' ? '' : `; ${hint}`}`);
    this.kind = kind;
    this.id = id;
  }
}

/**
 * The lease existed but expired (or was released) before the submission, and its prompt went
 * back to the queue. Do not retry: drop the group and lease again.
 */
export class LeaseExpiredError extends AnomseerError {
  readonly leaseId: string;
  /** Expiry, ms since epoch. */
  readonly deadlineMs: number;
  constructor(leaseId: string, deadlineMs: number) {
    super(
      'E_LEASE_EXPIRED',
      `lease "${leaseId}" expired at ${new Date(deadlineMs).toISOString()} and its prompt was requeued; drop the group and lease again (heartbeats renew leases)`,
    );
    this.leaseId = leaseId;
    this.deadlineMs = deadlineMs;
  }
}

/** Rollouts were sampled with weights older than the lease allows (bounded staleness). */
export class StaleWeightsError extends AnomseerError {
  readonly used: number;
  readonly min: number;
  constructor(used: number, min: number) {
    super('E_STALE_WEIGHTS', `weight version ${used} is older than the minimum ${min} this lease accepts; fetch version >= ${min} before sampling`);
    this.used = used;
    this.min = min;
  }
}

/** Weight bytes do not hash to the announced sha256 (a chunk was lost, reordered or corrupted). */
export class ChecksumMismatchError extends AnomseerError {
  readonly version: number;
  readonly expected: string;
  readonly actual: string;
  constructor(version: number, expected: string, actual: string) {
    super('E_CHECKSUM', `weight version ${version}: sha256 is ${actual}, expected ${expected}; fetch the version again`);
    this.version = version;
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * A field of a request is larger than the server accepts for it (e.g. ReportProgress's
 * event_json over 1 MiB). Travels as RESOURCE_EXHAUSTED, like a message over the transport
 * limit: sending the same thing again fails the same way, so send less.
 */
export class MessageTooLargeError extends AnomseerError {
  readonly field: string;
  /** Size sent and the limit, bytes. */
  readonly bytes: number;
  readonly limit: number;
  constructor(field: string, bytes: number, limit: number) {
    super('E_TOO_LARGE', `${field} is ${bytes} bytes; the limit is ${limit} bytes: send less (fewer traces, a shorter report)`);
    this.field = field;
    this.bytes = bytes;
    this.limit = limit;
  }
}

/**
 * Why the coordinator's job state and a learner (or the coordinator itself) disagree about which
 * state this is (docs/STATE.md "Fingerprint", docs/CLUSTER.md "Learner resume"):
 *   lost        the state the caller knew (its fingerprint) is gone: Redis restarted without
 *               persistence, or the keys were deleted
 *   incomplete  the job record is missing but other state of the job exists
 *   started     a fresh learner, but the job already has weight versions: resume instead
 *   behind      the checkpoint is newer than the state's latest version
 *   mismatch    the checkpoint's weights are not the state's version of that number
 * Do not retry: the message says what to run.
 */
export type JobStateReason = 'lost' | 'incomplete' | 'started' | 'behind' | 'mismatch';

export class JobStateError extends AnomseerError {
  readonly reason: JobStateReason;
  constructor(reason: JobStateReason, message: string) {
    super('E_JOB_STATE', message);
    this.reason = reason;
  }
}

/**
 * An operator stopped the job (`anomseer stop`, Coordinator.StopJob): nothing more is handed out.
 * The learner's TakeGroups gets it; the learner saves a checkpoint and exits. Do not retry.
 */
export class JobStoppedError extends AnomseerError {
  readonly jobId: string;
  /** When the stop was asked for, ms since epoch (coordinator clock). */
  readonly stoppedAtMs: number;
  readonly reason: string;
  constructor(jobId: string, stoppedAtMs: number, reason: string) {
    super(
      'E_JOB_STOPPED',
      `job "${jobId}" was stopped at ${new Date(stoppedAtMs).toISOString()}${reason === '' ? '' : ` (${reason})`}; nothing more will be handed out: save a checkpoint and exit`,
    );
    this.jobId = jobId;
    this.stoppedAtMs = stoppedAtMs;
    this.reason = reason;
  }
}

/**
 * Another learner has claimed the job since this one did (its learner epoch is older): two
 * learners must never both train a job. The older one stops; do not retry.
 */
export class LearnerFencedError extends AnomseerError {
  /** The caller's learner epoch (0 = it sent none) and the job's current one. */
  readonly epoch: number;
  readonly current: number;
  constructor(epoch: number, current: number, detail = '') {
    super(
      'E_LEARNER_FENCED',
      epoch === 0
        ? `this call carries no learner epoch, but learner epoch ${current} holds the job${detail === '' ? '' : ` (${detail})`}; a learner claims the job first (ClaimLearner)`
        : `learner epoch ${epoch} was replaced: learner epoch ${current} has claimed the job since${detail === '' ? '' : ` (${detail})`}; this learner stops (two learners never train one job)`,
    );
    this.epoch = epoch;
    this.current = current;
  }
}

/**
 * Something the server depends on is unreachable for now (the coordinator's Redis). Travels as
 * UNAVAILABLE, so clients retry with backoff, as for a coordinator that is down.
 */
export class UnavailableError extends AnomseerError {
  constructor(message: string) {
    super('E_UNAVAILABLE', message);
  }
}

/** The call carried no bearer token, or the wrong one. */
export class UnauthenticatedError extends AnomseerError {
  constructor(message: string) {
    super('E_UNAUTHENTICATED', message);
  }
}

/**
 * A gRPC failure without an anomseer error behind it (transport down, deadline, message too
 * large, a server bug). `grpcCode` decides whether to retry (proto/status.ts RETRYABLE_CODES).
 */
export class RpcError extends AnomseerError {
  readonly grpcCode: number;
  readonly details: string;
  constructor(grpcCode: number, codeName: string, details: string) {
    // One line: grpc-js details may hold OpenSSL's multi-line errors and an empty "Resolution note".
    super(
      'E_RPC',
      `gRPC ${codeName} (${grpcCode}): ${details
        .replace(/\s*\n\s*/g, ' ')
        .replace(/\s*Resolution note:\s*$/, '')
        .trim()}`,
    );
    this.grpcCode = grpcCode;
    this.details = details;
  }
}
