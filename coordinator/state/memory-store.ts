/**
 * The embedded StateStore for a one-machine job: maps, a ring-buffer queue and a deadline heap.
 * Node runs one method body at a time and no method awaits before it has finished its change,
 * so each method is atomic. It mirrors the Lua scripts of redis-store.ts step by step (same
 * orders, same codes), so the contract suite can hold both to the same behaviour. State lives as
 * long as the object.
 *
 * Cost per call, for a control plane of thousands of workers (docs/STATE.md "Cost"): leasing k
 * items, renewing k leases and submitting k groups are O(k log L) (L live leases) with no copy
 * of the queue; a sweep with nothing due is O(1); releasing all of a worker's leases is
 * O(its leases). Rows are mutable inside the store; callers get copies.
 */
import { CODE, errorFromCode } from './errors.js';
import type { ErrorCode } from './errors.js';
import { DeadlineHeap } from './deadline-heap.js';
import { Deque } from './deque.js';
import { itemKey } from './store.js';
import type {
  Batch,
  ClaimInput,
  ClaimResult,
  Counters,
  GroupSubmission,
  HeartbeatInput,
  JobRecord,
  Lease,
  PublishInput,
  ReleaseResult,
  ResumePoint,
  StateStore,
  StopRecord,
  StoredGroup,
  SubmitResult,
  TakeBatchInput,
  TakeLeasesInput,
  WorkerInfo,
  WorkerRecord,
} from './store.js';

/** 'void': taken before a learner resume reset the state (claimLearner); its group is never accepted. */
type LeaseState = 'live' | 'expired' | 'released' | 'accepted' | 'cancelled' | 'void';

/** A lease as the store keeps it (mutable: heartbeats move the deadline, endings the state). */
interface LeaseRow {
  readonly leaseId: string;
  readonly epoch: number;
  readonly promptId: string;
  readonly workerId: string;
  deadlineMs: number;
  readonly minWeightVersion: number;
  readonly takenAtMs: number;
  readonly item: string;
  state: LeaseState;
  live: boolean;
}

interface WorkerRow {
  readonly workerId: string;
  host: string;
  device: string;
  readonly registeredAtMs: number;
  lastSeenMs: number;
  groupsAccepted: number;
  /** Its live leases, in the order they were taken. */
  readonly live: Set<LeaseRow>;
  /** Its last takeLeases request id and the leases that request got. */
  lastRequest: { readonly id: string; readonly leaseIds: readonly string[] } | undefined;
}

interface BatchRow {
  readonly batchId: number;
  readonly items: readonly string[];
  ackDeadlineMs: number;
  delivery: number;
}

type MutableCounters = { -readonly [K in keyof Counters]: Counters[K] };

const leaseOf = (r: LeaseRow): Lease => ({
  leaseId: r.leaseId,
  epoch: r.epoch,
  promptId: r.promptId,
  workerId: r.workerId,
  deadlineMs: r.deadlineMs,
  minWeightVersion: r.minWeightVersion,
  takenAtMs: r.takenAtMs,
});

const workerOf = (w: WorkerRow): WorkerRecord => ({
  workerId: w.workerId,
  host: w.host,
  device: w.device,
  registeredAtMs: w.registeredAtMs,
  lastSeenMs: w.lastSeenMs,
  groupsAccepted: w.groupsAccepted,
});

/** Live leases first by deadline, then by id as a string (the order of a Redis sorted set). */
function byDeadline(a: LeaseRow, b: LeaseRow): number {
  return a.deadlineMs - b.deadlineMs || (a.leaseId < b.leaseId ? -1 : a.leaseId > b.leaseId ? 1 : 0);
}

export class MemoryStore implements StateStore {
  readonly jobId: string;
  #job: JobRecord | null = null;
  readonly #epochs = new Set<number>();
  /** Item keys, front first. Items a late submission took out stay until popped (#unqueued). */
  #queue = new Deque<string>(1024);
  /** Items still in #queue although done (taken out by a late winner); skipped when popped. */
  #unqueued = 0;
  readonly #leases = new Map<string, LeaseRow>();
  readonly #deadlines = new DeadlineHeap<LeaseRow>();
  /** item → its live lease. */
  readonly #liveByItem = new Map<string, LeaseRow>();
  readonly #done = new Set<string>();
  readonly #groups = new Map<string, StoredGroup>();
  readonly #ready = new Deque<string>(1024);
  /** Batches not acknowledged yet. */
  readonly #batches = new Map<number, BatchRow>();
  readonly #acked = new Set<number>();
  readonly #workers = new Map<string, WorkerRow>();
  #nextLeaseId = 0;
  /** Leases numbered up to this were taken before the last reset: their groups are void. */
  #leaseFence = 0;
  /** version → its learner step and sha256 (the history a resume is checked against). */
  readonly #versions = new Map<number, { step: number; sha256: string }>();
  #nextBatchId = 0;
  #stop: StopRecord | null = null;
  #nextWorkerId = 0;
  readonly #c: MutableCounters = {
    promptsTotal: 0,
    promptsDone: 0,
    inFlight: 0,
    queued: 0,
    requeued: 0,
    expired: 0,
    released: 0,
    duplicatesDropped: 0,
    staleDropped: 0,
    groupsReady: 0,
    groupsTaken: 0,
    groupsAcked: 0,
    groupsDiscarded: 0,
  };

  constructor(opts: { jobId: string }) {
    this.jobId = opts.jobId;
  }

  #fail(code: ErrorCode, ctx: Omit<Parameters<typeof errorFromCode>[1], 'jobId'> = {}): never {
    throw errorFromCode(code, { jobId: this.jobId, ...ctx });
  }

  async initJob(configHash: string, now: number, epochId = ''): Promise<JobRecord> {
    if (this.#job !== null) {
      if (this.#job.configHash !== configHash) this.#fail(CODE.CONFIG_CONFLICT, { details: [this.#job.configHash, configHash] });
      return this.#job;
    }
    // (The memory store's state lives and dies with the object: it is never "incomplete".)
    this.#job = {
      jobId: this.jobId,
      configHash,
      step: 0,
      weightVersion: 0,
      weightSha256: '',
      createdAtMs: now,
      updatedAtMs: now,
      epochId,
      learnerEpoch: 0,
    };
    return this.#job;
  }

  async claimLearner(input: ClaimInput): Promise<ClaimResult> {
    const job = this.#job;
    if (job === null) return this.#fail(CODE.NO_JOB);
    if (input.mode === 'fresh') {
      if (job.weightVersion > 0) this.#fail(CODE.JOB_STARTED, { details: [job.weightVersion, job.learnerEpoch] });
      this.#job = { ...job, learnerEpoch: job.learnerEpoch + 1, updatedAtMs: input.now };
      return { job: this.#job, reset: 'none', previousVersion: job.weightVersion, discarded: 0, kept: 0 };
    }
    const p = input.point;
    const recorded = this.#versions.get(p.version);
    let refusal: ErrorCode | undefined;
    let details: (string | number)[] = [];
    if (p.version > 0 && p.epochId !== '' && p.epochId !== job.epochId) {
      refusal = CODE.STATE_MISMATCH;
      details = [job.epochId, p.epochId, job.createdAtMs, job.weightVersion];
    } else if (p.version > job.weightVersion) {
      refusal = CODE.STATE_BEHIND;
      details = [job.weightVersion, p.version];
    } else if (p.version > 0 && recorded !== undefined && recorded.sha256 !== p.sha256) {
      refusal = CODE.CHECKPOINT_MISMATCH;
      details = [p.version, recorded.sha256, p.sha256];
    }
    if (refusal !== undefined && !input.rebuild) this.#fail(refusal, { details });
    const { discarded, kept } = this.#reset(p);
    for (const v of [...this.#versions.keys()]) if (v > p.version) this.#versions.delete(v);
    if (p.version > 0) this.#versions.set(p.version, { step: p.step, sha256: p.sha256 });
    this.#job = {
      ...job,
      weightVersion: p.version,
      step: p.version === 0 ? 0 : p.step,
      weightSha256: p.version === 0 ? '' : p.sha256,
      learnerEpoch: job.learnerEpoch + 1,
      updatedAtMs: input.now,
    };
    return { job: this.#job, reset: refusal === undefined ? 'rolled-back' : 'rebuilt', previousVersion: job.weightVersion, discarded, kept };
  }

  /**
   * Reset the state to a resume point (docs/STATE.md rule 9): the trained items are done and
   * acknowledged; a group still held (ready or in an unacknowledged batch) that the checkpoint did
   * not consume is kept when its weights are in the history (version <= the point's), else
   * discarded; every live lease becomes void (and every lease taken so far can never win an item
   * again); the queue and the enqueued epochs are emptied (the coordinator enqueues again,
   * skipping done items).
   */
  #reset(p: ResumePoint): { discarded: number; kept: number } {
    const trained = new Set(p.trained);
    const keep: string[] = [];
    const keptGroups = new Map<string, StoredGroup>();
    const consider = (item: string): void => {
      const g = this.#groups.get(item);
      if (g !== undefined && !trained.has(item) && g.weightVersion <= p.version) {
        keep.push(item);
        keptGroups.set(item, g);
      }
    };
    for (const row of [...this.#batches.values()].sort((a, b) => a.batchId - b.batchId)) {
      for (const item of row.items) consider(item);
      this.#acked.add(row.batchId);
    }
    this.#batches.clear();
    while (this.#ready.length > 0) consider(this.#ready.popFront()!);
    let discarded = 0;
    for (const item of this.#done) if (!trained.has(item) && !keptGroups.has(item)) discarded += 1;
    this.#groups.clear();
    for (const [item, g] of keptGroups) this.#groups.set(item, g);
    this.#done.clear();
    for (const item of trained) this.#done.add(item);
    for (const item of keep) {
      this.#done.add(item);
      this.#ready.pushBack(item);
    }
    for (const row of [...this.#liveByItem.values()]) this.#unlive(row, 'void');
    this.#leaseFence = this.#nextLeaseId;
    for (const w of this.#workers.values()) w.lastRequest = undefined;
    this.#queue = new Deque<string>(1024);
    this.#unqueued = 0;
    this.#epochs.clear();
    this.#c.promptsTotal = this.#done.size;
    this.#c.promptsDone = this.#done.size;
    this.#c.groupsTaken = trained.size;
    this.#c.groupsAcked = trained.size;
    this.#c.groupsDiscarded += discarded;
    return { discarded, kept: keep.length };
  }

  async getJob(): Promise<JobRecord | null> {
    return this.#job;
  }

  async publishVersion(input: PublishInput): Promise<JobRecord> {
    const job = this.#job;
    if (job === null) return this.#fail(CODE.NO_JOB);
    if (input.version === job.weightVersion && input.sha256 === job.weightSha256) return job;
    if (input.version !== job.weightVersion + 1) {
      this.#fail(CODE.VERSION_CONFLICT, { details: [job.weightVersion, job.weightSha256, input.version, input.sha256] });
    }
    this.#versions.set(input.version, { step: input.step, sha256: input.sha256 });
    this.#job = { ...job, weightVersion: input.version, step: input.step, weightSha256: input.sha256, updatedAtMs: input.now };
    return this.#job;
  }

  async enqueueEpoch(epoch: number, promptIds: readonly string[], _now: number): Promise<boolean> {
    if (this.#epochs.has(epoch)) return false;
    this.#epochs.add(epoch);
    let appended = 0;
    for (const id of promptIds) {
      const item = itemKey(epoch, id);
      if (this.#done.has(item)) continue; // trained before a learner resume: kept done
      this.#queue.pushBack(item);
      appended += 1;
    }
    this.#c.promptsTotal += appended;
    return true;
  }

  /** Put items back at the queue front, keeping their order (the first one ends up first). */
  #requeueFront(rows: readonly LeaseRow[]): void {
    for (let i = rows.length - 1; i >= 0; i--) this.#queue.pushFront(rows[i]!.item);
    this.#c.requeued += rows.length;
  }

  /** Take a live lease out of the live set (item index, worker index; the heap drops it lazily). */
  #unlive(row: LeaseRow, state: LeaseState): void {
    row.state = state;
    row.live = false;
    this.#liveByItem.delete(row.item);
    this.#workers.get(row.workerId)?.live.delete(row);
  }

  /** Expire due leases (O(1) when none is due); the expired rows, earliest deadline first. */
  #expire(now: number): LeaseRow[] {
    const due = this.#deadlines.popDue(now);
    if (due.length === 0) return due;
    for (const row of due) this.#unlive(row, 'expired');
    this.#requeueFront(due);
    this.#c.expired += due.length;
    return due;
  }

  async expireLeases(now: number): Promise<Lease[]> {
    return this.#expire(now).map(leaseOf);
  }

  #popItem(): string | undefined {
    for (;;) {
      const item = this.#queue.popFront();
      if (item === undefined || !this.#done.has(item)) return item;
      this.#unqueued -= 1;
    }
  }

  async takeLeases(input: TakeLeasesInput): Promise<Lease[]> {
    this.#expire(input.now);
    const w = this.#workers.get(input.workerId);
    if (w === undefined) return this.#fail(CODE.UNKNOWN_WORKER, { workerId: input.workerId });
    w.lastSeenMs = input.now;
    if (input.requestId !== '' && w.lastRequest?.id === input.requestId) return w.lastRequest.leaseIds.map((id) => leaseOf(this.#leases.get(id)!));
    const out: Lease[] = [];
    const deadlineMs = input.now + input.leaseTimeoutMs;
    while (out.length < input.max) {
      const item = this.#popItem();
      if (item === undefined) break;
      const colon = item.indexOf(':');
      this.#nextLeaseId += 1;
      const row: LeaseRow = {
        leaseId: `L${this.#nextLeaseId}`,
        epoch: Number(item.slice(0, colon)),
        promptId: item.slice(colon + 1),
        workerId: input.workerId,
        deadlineMs,
        minWeightVersion: input.minWeightVersion,
        takenAtMs: input.now,
        item,
        state: 'live',
        live: true,
      };
      this.#leases.set(row.leaseId, row);
      this.#liveByItem.set(item, row);
      this.#deadlines.push(row);
      w.live.add(row);
      out.push(leaseOf(row));
    }
    if (input.requestId !== '') w.lastRequest = { id: input.requestId, leaseIds: out.map((l) => l.leaseId) };
    return out;
  }

  async heartbeat(input: HeartbeatInput): Promise<{ lost: string[] }> {
    this.#expire(input.now);
    const w = this.#workers.get(input.workerId);
    if (w === undefined) return this.#fail(CODE.UNKNOWN_WORKER, { workerId: input.workerId });
    w.lastSeenMs = input.now;
    const lost: string[] = [];
    const deadlineMs = input.now + input.leaseTimeoutMs;
    for (const id of input.leaseIds) {
      const row = this.#leases.get(id);
      if (row === undefined || !row.live || row.workerId !== input.workerId) lost.push(id);
      else row.deadlineMs = deadlineMs;
    }
    return { lost };
  }

  async releaseLeases(workerId: string, leaseIds: readonly string[] | 'all', _now: number): Promise<ReleaseResult> {
    const w = this.#workers.get(workerId);
    const ids = leaseIds === 'all' ? (w === undefined ? [] : [...w.live].sort(byDeadline).map((r) => r.leaseId)) : leaseIds;
    const released: string[] = [];
    const rows: LeaseRow[] = [];
    const unknown: string[] = [];
    for (const id of ids) {
      const row = this.#leases.get(id);
      if (row === undefined || !row.live || row.workerId !== workerId) {
        unknown.push(id);
        continue;
      }
      this.#unlive(row, 'released');
      released.push(id);
      rows.push(row);
    }
    this.#requeueFront(rows);
    this.#c.released += rows.length;
    return { released, unknown };
  }

  /** The first failing check of a submission (nothing changes), or undefined. */
  #check(input: GroupSubmission): undefined {
    const row = this.#leases.get(input.leaseId);
    const ctx = { leaseId: input.leaseId, workerId: input.workerId };
    if (row === undefined) return this.#fail(CODE.UNKNOWN_LEASE, ctx);
    if (row.workerId !== input.workerId) return this.#fail(CODE.LEASE_NOT_OWNED, { ...ctx, details: [row.workerId] });
    if (row.promptId !== input.promptId) return this.#fail(CODE.PROMPT_MISMATCH, { ...ctx, details: [row.promptId, input.promptId] });
    if (row.state === 'accepted' || this.#done.has(row.item) || this.#isVoid(row)) return undefined; // a duplicate, judged in #apply
    if (input.weightVersion < row.minWeightVersion) {
      this.#c.staleDropped += 1;
      return this.#fail(CODE.STALE_WEIGHTS, { ...ctx, details: [input.weightVersion, row.minWeightVersion] });
    }
    return undefined;
  }

  /** Taken before the last reset: its rollouts may come from weights the reset discarded. */
  #isVoid(row: LeaseRow): boolean {
    return Number(row.leaseId.slice(1)) <= this.#leaseFence;
  }

  #apply(input: GroupSubmission): SubmitResult {
    const row = this.#leases.get(input.leaseId)!;
    const item = row.item;
    if (row.state === 'accepted') {
      this.#c.duplicatesDropped += 1;
      return { status: 'duplicate', reason: 'lease-already-accepted' };
    }
    if (this.#done.has(item)) {
      this.#c.duplicatesDropped += 1;
      return { status: 'duplicate', reason: 'prompt-already-done' };
    }
    if (this.#isVoid(row)) {
      this.#c.duplicatesDropped += 1;
      return { status: 'duplicate', reason: 'lease-void' };
    }
    if (row.live) {
      this.#unlive(row, 'accepted');
    } else {
      // A late submission wins over the item's requeued copy: cancel its live lease or unqueue it.
      row.state = 'accepted';
      const other = this.#liveByItem.get(item);
      if (other !== undefined) this.#unlive(other, 'cancelled');
      else this.#unqueued += 1; // still in #queue; #popItem skips it (it is in #done from now on)
    }
    const group: StoredGroup = {
      epoch: row.epoch,
      promptId: row.promptId,
      leaseId: row.leaseId,
      workerId: row.workerId,
      weightVersion: input.weightVersion,
      submittedAtMs: input.now,
      payload: input.payload,
    };
    this.#done.add(item);
    this.#groups.set(item, group);
    this.#ready.pushBack(item);
    this.#c.promptsDone += 1;
    const w = this.#workers.get(row.workerId);
    if (w !== undefined) w.groupsAccepted += 1;
    return { status: 'accepted', group };
  }

  async submitGroup(input: GroupSubmission): Promise<SubmitResult> {
    this.#check(input);
    return this.#apply(input);
  }

  async submitGroups(inputs: readonly GroupSubmission[]): Promise<SubmitResult[]> {
    for (const input of inputs) this.#check(input);
    return inputs.map((input) => this.#apply(input));
  }

  async listLeases(): Promise<Lease[]> {
    return [...this.#liveByItem.values()].sort(byDeadline).map(leaseOf);
  }

  #batch(row: BatchRow): Batch {
    return {
      batchId: row.batchId,
      groups: row.items.map((i) => this.#groups.get(i)!),
      ackDeadlineMs: row.ackDeadlineMs,
      delivery: row.delivery,
    };
  }

  async takeBatch(input: TakeBatchInput): Promise<Batch | null> {
    let due: BatchRow | undefined;
    for (const row of this.#batches.values()) {
      if ((input.redeliverOpen === true || row.ackDeadlineMs <= input.now) && (due === undefined || row.batchId < due.batchId)) due = row;
    }
    if (due !== undefined) {
      due.delivery += 1;
      due.ackDeadlineMs = input.now + input.ackTimeoutMs;
      return this.#batch(due);
    }
    if (this.#ready.length === 0 || input.redeliverOpen === true) return null;
    const items: string[] = [];
    while (items.length < input.max && this.#ready.length > 0) items.push(this.#ready.popFront()!);
    this.#nextBatchId += 1;
    const row: BatchRow = { batchId: this.#nextBatchId, items, ackDeadlineMs: input.now + input.ackTimeoutMs, delivery: 1 };
    this.#batches.set(row.batchId, row);
    this.#c.groupsTaken += items.length;
    return this.#batch(row);
  }

  async ackBatch(batchId: number, _now: number): Promise<boolean> {
    if (this.#acked.has(batchId)) return false;
    const row = this.#batches.get(batchId);
    if (row === undefined) return this.#fail(CODE.UNKNOWN_BATCH, { batchId });
    // An acknowledged batch is never handed out again: only its id is kept (a second ack answers false).
    this.#batches.delete(batchId);
    this.#acked.add(batchId);
    for (const i of row.items) this.#groups.delete(i);
    this.#c.groupsAcked += row.items.length;
    return true;
  }

  async registerWorker(workerId: string, info: WorkerInfo, now: number): Promise<WorkerRecord> {
    let id = workerId;
    if (id === '') {
      do id = `w${++this.#nextWorkerId}`;
      while (this.#workers.has(id));
    }
    const old = this.#workers.get(id);
    if (old !== undefined) {
      old.host = info.host;
      old.device = info.device;
      old.lastSeenMs = now;
      return workerOf(old);
    }
    const row: WorkerRow = {
      workerId: id,
      host: info.host,
      device: info.device,
      registeredAtMs: now,
      lastSeenMs: now,
      groupsAccepted: 0,
      live: new Set(),
      lastRequest: undefined,
    };
    this.#workers.set(id, row);
    return workerOf(row);
  }

  async deregisterWorker(workerId: string, now: number): Promise<boolean> {
    await this.releaseLeases(workerId, 'all', now);
    return this.#workers.delete(workerId);
  }

  async listWorkers(): Promise<WorkerRecord[]> {
    return [...this.#workers.values()].map(workerOf).sort((a, b) => (a.workerId < b.workerId ? -1 : a.workerId > b.workerId ? 1 : 0));
  }

  async counters(): Promise<Counters> {
    return { ...this.#c, inFlight: this.#liveByItem.size, queued: this.#queue.length - this.#unqueued, groupsReady: this.#ready.length };
  }

  async getStop(): Promise<StopRecord | null> {
    return this.#stop;
  }

  async saveStop(stop: StopRecord): Promise<void> {
    const was = this.#stop;
    this.#stop = was === null ? { ...stop } : { ...was, learnerTold: was.learnerTold || stop.learnerTold };
  }

  async close(): Promise<void> {}
}
