/**
 * What the coordinator persists, as a set of atomic operations (never a generic get/set), so that
 * the embedded store (memory-store.ts) and the Redis store (redis-store.ts) can both keep the
 * same invariants. One store holds ONE job. Rules, tested by tests/coordinator/store-contract.ts
 * and explained in docs/STATE.md:
 *
 * - Time is an argument (`now`, ms since epoch, from the injected clock); a store never reads the
 *   wall clock. A lease with deadline d is live while now < d and expired from now >= d.
 * - A unit of work is an ITEM: one prompt id in one epoch (`itemKey(epoch, promptId)`).
 * - First complete submission wins: the first group submitted for an item (from any lease of it,
 *   even one that expired or was released) is accepted; every later one is a duplicate, counted
 *   and dropped. Accepting an item also takes it out of the queue or cancels its other live lease.
 * - The outbox hands each accepted group to the learner in exactly one batch; a batch not
 *   acknowledged within its `ackTimeoutMs` is handed out again (same id, same groups), and never
 *   after its acknowledgement.
 */

/** The job's record: what a restarted coordinator checks and resumes from. */
export interface JobRecord {
  readonly jobId: string;
  /** Hash of the resolved job config; a restart with another config is refused. */
  readonly configHash: string;
  /** Learner optimizer step of the latest published weight version (0 before any). */
  readonly step: number;
  /** Latest published weight version (0 = none yet). */
  readonly weightVersion: number;
  /** sha256 of the latest version's model.safetensors, lowercase hex ('' before any). */
  readonly weightSha256: string;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  /**
   * The state's fingerprint: a random id given when the record was created (docs/STATE.md
   * "Fingerprint"). A coordinator that reconnects and finds another id (or none) knows the state
   * it was serving is gone; a learner's calls carry the id it trained against.
   */
  readonly epochId: string;
  /** Learner claims so far; the learner holding the job is the one that claimed this number (0 = none yet). */
  readonly learnerEpoch: number;
}

/**
 * Where a resumed learner's checkpoint stands (docs/CLUSTER.md "Learner resume"): the weight
 * version its weights are, and the items whose groups its lineage consumed (trained, or skipped
 * as unusable). The state is reset to exactly that point.
 */
export interface ResumePoint {
  /** Weight version of the checkpoint's weights (0 = no checkpoint: the job starts over). */
  readonly version: number;
  /** Learner step of that version. */
  readonly step: number;
  /** sha256 of that version's published file ('' with version 0). */
  readonly sha256: string;
  /** epochId of the state the checkpoint trained against ('' = unknown). */
  readonly epochId: string;
  /** Item keys (`itemKey(epoch, promptId)`) whose groups the checkpoint's lineage consumed. */
  readonly trained: readonly string[];
}

/**
 * A job ended by hand (`anomseer stop`, coordinator/service/job-stop.ts), kept in the store so a
 * restarted coordinator still serves the job as stopped.
 */
export interface StopRecord {
  /** When StopJob was first accepted, ms since epoch (> 0). */
  readonly atMs: number;
  /** The operator's reason ('' = none given). */
  readonly reason: string;
  /** The learner was answered JobStoppedError (it checkpoints and exits). */
  readonly learnerTold: boolean;
}

export type ClaimInput =
  /** A learner starting the job from the beginning: refused once a version exists. */
  | { readonly mode: 'fresh'; readonly now: number }
  /**
   * A learner resuming from its checkpoint. The state is reset to the checkpoint (rule 9 of
   * docs/STATE.md). When the state does not hold the checkpoint's history (another epochId, a
   * latest version below the checkpoint's, another sha256 for its version) the claim is refused,
   * unless `rebuild` allows the checkpoint to replace the state.
   */
  | { readonly mode: 'resume'; readonly now: number; readonly point: ResumePoint; readonly rebuild: boolean };

export interface ClaimResult {
  /** The job record after the claim (learnerEpoch is the claimer's). */
  readonly job: JobRecord;
  /** 'none' for a fresh claim; 'rolled-back' when the state held the checkpoint; 'rebuilt' when the checkpoint replaced it. */
  readonly reset: 'none' | 'rolled-back' | 'rebuilt';
  /** The latest version before the claim. */
  readonly previousVersion: number;
  /** Accepted groups the checkpoint had not consumed that were dropped (their prompts are sampled again). */
  readonly discarded: number;
  /** Accepted groups the checkpoint had not consumed that were kept (sampled with a version <= the checkpoint's). */
  readonly kept: number;
}

/** One prompt leased to one worker. */
export interface Lease {
  readonly leaseId: string;
  readonly epoch: number;
  readonly promptId: string;
  readonly workerId: string;
  /** Expires at this time, ms since epoch (live while now < deadlineMs). */
  readonly deadlineMs: number;
  /** Lowest weight version whose rollouts the lease accepts (bounded staleness). */
  readonly minWeightVersion: number;
  readonly takenAtMs: number;
}

/** What a worker hands back for a lease: G rollouts, already validated by the caller. */
export interface GroupSubmission {
  readonly leaseId: string;
  /** The submitting worker: must be the lease's worker (else InvalidArgumentError on lease_id). */
  readonly workerId: string;
  /** Must be the lease's prompt (else InvalidArgumentError on prompt_id). */
  readonly promptId: string;
  /** Weight version that sampled the rollouts. */
  readonly weightVersion: number;
  /**
   * The group, opaque to the store: the memory store keeps the value as given (no copy, no
   * encoding), the Redis store keeps its JSON. Hand back as given (Redis: JSON round trip).
   */
  readonly payload: unknown;
  readonly now: number;
}

/** An accepted group waiting for (or handed to) the learner. */
export interface StoredGroup {
  readonly epoch: number;
  readonly promptId: string;
  readonly leaseId: string;
  readonly workerId: string;
  readonly weightVersion: number;
  readonly submittedAtMs: number;
  readonly payload: unknown;
}

export type SubmitResult =
  | { readonly status: 'accepted'; readonly group: StoredGroup }
  /**
   * Dropped: this lease was already accepted, or another lease of the item won, or the lease was
   * taken before the last learner resume (its rollouts may come from discarded weights).
   */
  | { readonly status: 'duplicate'; readonly reason: 'lease-already-accepted' | 'prompt-already-done' | 'lease-void' };

/** A batch of groups for the learner. */
export interface Batch {
  /** Positive integer, unique in the job; acknowledge it with ackBatch. */
  readonly batchId: number;
  readonly groups: readonly StoredGroup[];
  /** Redelivered after this time unless acknowledged, ms since epoch. */
  readonly ackDeadlineMs: number;
  /** 1 on the first hand-out, then 2, 3, … on redeliveries. */
  readonly delivery: number;
}

export interface WorkerInfo {
  readonly host: string;
  readonly device: string;
}

export interface WorkerRecord extends WorkerInfo {
  readonly workerId: string;
  readonly registeredAtMs: number;
  readonly lastSeenMs: number;
  /** Groups accepted from this worker. */
  readonly groupsAccepted: number;
}

/** Counters since the job started (all counts; inFlight, queued, groupsReady are gauges). */
export interface Counters {
  /** Items enqueued over all epochs. */
  readonly promptsTotal: number;
  /** Items whose group was accepted (each at most once; every accepted group is trained once). */
  readonly promptsDone: number;
  /** Live leases now. */
  readonly inFlight: number;
  /** Items waiting in the queue now. */
  readonly queued: number;
  /** Times an item went back to the queue (= expired + released). */
  readonly requeued: number;
  /** Leases that expired. */
  readonly expired: number;
  /** Leases released by their worker (shutdown, drain, deregistration). */
  readonly released: number;
  /** Submissions dropped because the lease or its item was already accepted. */
  readonly duplicatesDropped: number;
  /** Submissions refused as older than the lease's minWeightVersion. */
  readonly staleDropped: number;
  /** Accepted groups not yet put in a batch. */
  readonly groupsReady: number;
  /** Groups put in a batch (first hand-out only; a redelivery does not count again). */
  readonly groupsTaken: number;
  /** Groups in acknowledged batches. */
  readonly groupsAcked: number;
  /** Accepted groups thrown away by learner resumes (claimLearner), their prompts sampled again. */
  readonly groupsDiscarded: number;
}

export interface TakeLeasesInput {
  readonly workerId: string;
  /** At most this many leases (>= 1). */
  readonly max: number;
  readonly now: number;
  /** Lease lifetime, ms; deadline = now + leaseTimeoutMs. */
  readonly leaseTimeoutMs: number;
  /** From scheduling/staleness.ts minWeightVersion(latest, maxStaleness). */
  readonly minWeightVersion: number;
  /**
   * A retry with the worker's last request id returns the same leases and takes nothing new
   * ('' = no dedup). Only the last request of each worker is remembered (a worker retries its
   * latest call, never an older one), so the memory this takes is bounded by the workers.
   */
  readonly requestId: string;
}

export interface HeartbeatInput {
  readonly workerId: string;
  readonly now: number;
  /** Leases the worker holds; each live one is renewed to now + leaseTimeoutMs. */
  readonly leaseIds: readonly string[];
  readonly leaseTimeoutMs: number;
}

export interface ReleaseResult {
  /** Leases released now; their items are at the queue front. */
  readonly released: readonly string[];
  /** Leases not live for this worker (unknown, expired, already released or accepted). */
  readonly unknown: readonly string[];
}

export interface TakeBatchInput {
  /** At most this many groups in a new batch (>= 1). */
  readonly max: number;
  readonly now: number;
  /** A batch not acknowledged within this, ms, is handed out again. */
  readonly ackTimeoutMs: number;
  /**
   * Only an open batch: the oldest unacknowledged one whatever its deadline, never a new batch
   * (null when none is open). The coordinator's first take after it started: the answer that
   * carried an open batch may have died with the previous process, and its groups must not
   * wait out ackTimeoutMs.
   */
  readonly redeliverOpen?: boolean;
}

export interface PublishInput {
  readonly version: number;
  readonly step: number;
  readonly sha256: string;
  readonly now: number;
}

/**
 * The coordinator's persistent state of one job. Every method is atomic: it either applies
 * whole or not at all, and concurrent callers see one order. Errors are typed (errors.ts).
 */
export interface StateStore {
  readonly jobId: string;

  /**
   * Create the job record (fingerprint `epochId`), or return the existing one. StateConflictError
   * when configHash differs; JobStateError ('incomplete') when the record is missing but other
   * state of the job exists (lost or evicted: never silently started over) — unless
   * `replaceIncomplete` (coordinator --rebuild-state): then those remains are deleted first.
   */
  initJob(configHash: string, now: number, epochId?: string, replaceIncomplete?: boolean): Promise<JobRecord>;
  /** The job record, or null before initJob. */
  getJob(): Promise<JobRecord | null>;
  /**
   * Record version `version` (must be latest + 1). Publishing the latest version again with the
   * same sha256 is a no-op; another sha256 or a gap is a StateConflictError.
   */
  publishVersion(input: PublishInput): Promise<JobRecord>;

  /**
   * A learner takes the job: learnerEpoch + 1, and for a resume the state is reset to the
   * checkpoint (see ClaimInput). JobStateError when refused.
   */
  claimLearner(input: ClaimInput): Promise<ClaimResult>;

  /**
   * Append the items of `epoch` to the queue, in order, except items already done (a learner
   * resume keeps the items its checkpoint trained). Idempotent by epoch: returns false (and
   * changes nothing) when the epoch was enqueued before.
   */
  enqueueEpoch(epoch: number, promptIds: readonly string[], now: number): Promise<boolean>;
  /** Expire the leases whose deadline <= now, requeue their items at the front; returns them. */
  expireLeases(now: number): Promise<Lease[]>;
  /** Expire due leases, then lease up to `max` items from the queue front. NotFoundError for an unknown worker. */
  takeLeases(input: TakeLeasesInput): Promise<Lease[]>;
  /**
   * Expire due leases, then renew the listed live leases of the worker; returns the ids it no
   * longer holds (lost). Any number of ids (Redis: applied in chunks of REDIS_CHUNK ids).
   */
  heartbeat(input: HeartbeatInput): Promise<{ lost: string[] }>;
  /** Hand leases back (SIGTERM); `'all'` releases every live lease of the worker. */
  releaseLeases(workerId: string, leaseIds: readonly string[] | 'all', now: number): Promise<ReleaseResult>;
  /**
   * Submit a lease's group. First complete submission wins (see the file comment).
   * NotFoundError for a lease never issued; InvalidArgumentError when the lease belongs to
   * another worker or another prompt; StaleWeightsError when weightVersion < minWeightVersion.
   */
  submitGroup(input: GroupSubmission): Promise<SubmitResult>;
  /**
   * Submit several groups in one atomic step: every group is checked first (the errors of
   * submitGroup, for the first group that fails; nothing is applied then), then each is judged
   * in order (a lease listed twice: the second is a duplicate). One result per input.
   */
  submitGroups(inputs: readonly GroupSubmission[]): Promise<SubmitResult[]>;
  /** The live leases (for status), ordered by deadline. */
  listLeases(): Promise<Lease[]>;

  /**
   * The next batch for the learner: an unacknowledged batch whose ack deadline passed (redelivery,
   * oldest first), else a new batch of up to `max` ready groups, else null.
   */
  takeBatch(input: TakeBatchInput): Promise<Batch | null>;
  /**
   * Acknowledge a batch: its groups are trained and never handed out again. Returns false when it
   * was acknowledged before (retry-safe); NotFoundError for an id never issued.
   */
  ackBatch(batchId: number, now: number): Promise<boolean>;

  /**
   * Add a worker or refresh its info; keeps registeredAtMs of a known worker. An empty
   * `workerId` registers a new worker under the next free id `w<n>` (n from a durable counter).
   */
  registerWorker(workerId: string, info: WorkerInfo, now: number): Promise<WorkerRecord>;
  /** Release the worker's leases (requeued at the front) and forget it. Returns false when unknown. */
  deregisterWorker(workerId: string, now: number): Promise<boolean>;
  listWorkers(): Promise<WorkerRecord[]>;

  counters(): Promise<Counters>;

  /** The job's stop, or null while nobody stopped it. */
  getStop(): Promise<StopRecord | null>;
  /**
   * Record the stop. The first stop's time and reason stay (a second stop changes nothing);
   * `learnerTold` only goes from false to true.
   */
  saveStop(stop: StopRecord): Promise<void>;

  /** Release connections (Redis); the state stays. */
  close(): Promise<void>;
}

/** Key of one unit of work: `"<epoch>:<promptId>"` (prompt ids may hold ':'; the epoch never does). */
export function itemKey(epoch: number, promptId: string): string {
  return `${epoch}:${promptId}`;
}
