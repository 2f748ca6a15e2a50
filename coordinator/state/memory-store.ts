/**
 * The embedded StateStore for a one-machine job: plain maps and arrays. Node runs one method body
 * at a time and no method awaits before it has finished its change, so each method is atomic.
 * It mirrors the Lua scripts of redis-store.ts step by step (same orders, same codes), so the
 * contract suite can hold both to the same behaviour. State lives as long as the object.
 */
import { CODE, errorFromCode } from './errors.js';
import type { ErrorCode } from './errors.js';
import { itemKey } from './store.js';
import type {
  Batch,
  Counters,
  GroupSubmission,
  HeartbeatInput,
  JobRecord,
  Lease,
  PublishInput,
  ReleaseResult,
  StateStore,
  StoredGroup,
  SubmitResult,
  TakeBatchInput,
  TakeLeasesInput,
  WorkerInfo,
  WorkerRecord,
} from './store.js';

type LeaseState = 'live' | 'expired' | 'released' | 'accepted' | 'cancelled';

interface LeaseRow {
  lease: Lease;
  state: LeaseState;
}

interface BatchRow {
  readonly batchId: number;
  readonly items: readonly string[];
  ackDeadlineMs: number;
  delivery: number;
  acked: boolean;
}

type MutableCounters = { -readonly [K in keyof Counters]: Counters[K] };

/** Live leases first by deadline, then by id as a string (the order of a Redis sorted set). */
function byDeadline(a: Lease, b: Lease): number {
  return a.deadlineMs - b.deadlineMs || (a.leaseId < b.leaseId ? -1 : a.leaseId > b.leaseId ? 1 : 0);
}

export class MemoryStore implements StateStore {
  readonly jobId: string;
  #job: JobRecord | null = null;
  readonly #epochs = new Set<number>();
  /** Item keys; index 0 is the front. */
  #queue: string[] = [];
  readonly #leases = new Map<string, LeaseRow>();
  /** item → its live lease id. */
  readonly #liveByItem = new Map<string, string>();
  readonly #done = new Set<string>();
  readonly #groups = new Map<string, StoredGroup>();
  #ready: string[] = [];
  readonly #batches = new Map<number, BatchRow>();
  readonly #requests = new Map<string, readonly string[]>();
  readonly #workers = new Map<string, WorkerRecord>();
  #nextLeaseId = 0;
  #nextBatchId = 0;
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
  };

  constructor(opts: { jobId: string }) {
    this.jobId = opts.jobId;
  }

  #fail(code: ErrorCode, ctx: Omit<Parameters<typeof errorFromCode>[1], 'jobId'> = {}): never {
    throw errorFromCode(code, { jobId: this.jobId, ...ctx });
  }

  async initJob(configHash: string, now: number): Promise<JobRecord> {
    if (this.#job !== null) {
      if (this.#job.configHash !== configHash) this.#fail(CODE.CONFIG_CONFLICT, { details: [this.#job.configHash, configHash] });
      return this.#job;
    }
    this.#job = { jobId: this.jobId, configHash, step: 0, weightVersion: 0, weightSha256: '', createdAtMs: now, updatedAtMs: now };
    return this.#job;
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
    this.#job = { ...job, weightVersion: input.version, step: input.step, weightSha256: input.sha256, updatedAtMs: input.now };
    return this.#job;
  }

  async enqueueEpoch(epoch: number, promptIds: readonly string[], _now: number): Promise<boolean> {
    if (this.#epochs.has(epoch)) return false;
    this.#epochs.add(epoch);
    for (const id of promptIds) this.#queue.push(itemKey(epoch, id));
    this.#c.promptsTotal += promptIds.length;
    return true;
  }

  /** Put items back at the queue front, keeping their order (the first one ends up first). */
  #requeueFront(items: readonly string[]): void {
    this.#queue = [...items, ...this.#queue];
    this.#c.requeued += items.length;
  }

  /** Take a live lease out of the live set (deadline index and item index). */
  #unlive(row: LeaseRow, state: LeaseState): void {
    row.state = state;
    this.#liveByItem.delete(itemKey(row.lease.epoch, row.lease.promptId));
  }

  #liveLeases(): Lease[] {
    return [...this.#liveByItem.values()].map((id) => this.#leases.get(id)!.lease).sort(byDeadline);
  }

  async expireLeases(now: number): Promise<Lease[]> {
    const due = this.#liveLeases().filter((l) => l.deadlineMs <= now);
    for (const l of due) this.#unlive(this.#leases.get(l.leaseId)!, 'expired');
    this.#requeueFront(due.map((l) => itemKey(l.epoch, l.promptId)));
    this.#c.expired += due.length;
    return due;
  }

  #touch(workerId: string, now: number): boolean {
    const w = this.#workers.get(workerId);
    if (w === undefined) return false;
    this.#workers.set(workerId, { ...w, lastSeenMs: now });
    return true;
  }

  async takeLeases(input: TakeLeasesInput): Promise<Lease[]> {
    await this.expireLeases(input.now);
    if (!this.#touch(input.workerId, input.now)) this.#fail(CODE.UNKNOWN_WORKER, { workerId: input.workerId });
    if (input.requestId !== '') {
      const seen = this.#requests.get(input.requestId);
      if (seen !== undefined) return seen.map((id) => this.#leases.get(id)!.lease);
    }
    const out: Lease[] = [];
    while (out.length < input.max && this.#queue.length > 0) {
      const item = this.#queue.shift()!;
      const colon = item.indexOf(':');
      this.#nextLeaseId += 1;
      const lease: Lease = {
        leaseId: `L${this.#nextLeaseId}`,
        epoch: Number(item.slice(0, colon)),
        promptId: item.slice(colon + 1),
        workerId: input.workerId,
        deadlineMs: input.now + input.leaseTimeoutMs,
        minWeightVersion: input.minWeightVersion,
        takenAtMs: input.now,
      };
      this.#leases.set(lease.leaseId, { lease, state: 'live' });
      this.#liveByItem.set(item, lease.leaseId);
      out.push(lease);
    }
    if (input.requestId !== '')
      this.#requests.set(
        input.requestId,
        out.map((l) => l.leaseId),
      );
    return out;
  }

  async heartbeat(input: HeartbeatInput): Promise<{ lost: string[] }> {
    await this.expireLeases(input.now);
    if (!this.#touch(input.workerId, input.now)) this.#fail(CODE.UNKNOWN_WORKER, { workerId: input.workerId });
    const lost: string[] = [];
    for (const id of input.leaseIds) {
      const row = this.#leases.get(id);
      if (row === undefined || row.state !== 'live' || row.lease.workerId !== input.workerId) {
        lost.push(id);
        continue;
      }
      row.lease = { ...row.lease, deadlineMs: input.now + input.leaseTimeoutMs };
    }
    return { lost };
  }

  async releaseLeases(workerId: string, leaseIds: readonly string[] | 'all', _now: number): Promise<ReleaseResult> {
    const ids =
      leaseIds === 'all'
        ? this.#liveLeases()
            .filter((l) => l.workerId === workerId)
            .map((l) => l.leaseId)
        : leaseIds;
    const released: string[] = [];
    const unknown: string[] = [];
    for (const id of ids) {
      const row = this.#leases.get(id);
      if (row === undefined || row.state !== 'live' || row.lease.workerId !== workerId) {
        unknown.push(id);
        continue;
      }
      this.#unlive(row, 'released');
      released.push(id);
    }
    this.#requeueFront(
      released.map((id) => {
        const l = this.#leases.get(id)!.lease;
        return itemKey(l.epoch, l.promptId);
      }),
    );
    this.#c.released += released.length;
    return { released, unknown };
  }

  async submitGroup(input: GroupSubmission): Promise<SubmitResult> {
    const row = this.#leases.get(input.leaseId);
    if (row === undefined) return this.#fail(CODE.UNKNOWN_LEASE, { leaseId: input.leaseId });
    const { lease } = row;
    const item = itemKey(lease.epoch, lease.promptId);
    if (row.state === 'accepted') {
      this.#c.duplicatesDropped += 1;
      return { status: 'duplicate', reason: 'lease-already-accepted' };
    }
    if (this.#done.has(item)) {
      this.#c.duplicatesDropped += 1;
      return { status: 'duplicate', reason: 'prompt-already-done' };
    }
    if (input.weightVersion < lease.minWeightVersion) {
      this.#c.staleDropped += 1;
      this.#fail(CODE.STALE_WEIGHTS, { leaseId: input.leaseId, details: [input.weightVersion, lease.minWeightVersion] });
    }
    if (row.state === 'live') {
      this.#unlive(row, 'accepted');
    } else {
      // A late submission wins over the item's requeued copy: cancel its live lease or unqueue it.
      row.state = 'accepted';
      const other = this.#liveByItem.get(item);
      if (other !== undefined) this.#unlive(this.#leases.get(other)!, 'cancelled');
      else this.#queue.splice(this.#queue.indexOf(item), 1);
    }
    const group: StoredGroup = {
      epoch: lease.epoch,
      promptId: lease.promptId,
      leaseId: lease.leaseId,
      workerId: lease.workerId,
      weightVersion: input.weightVersion,
      submittedAtMs: input.now,
      payload: input.payload,
    };
    this.#done.add(item);
    this.#groups.set(item, group);
    this.#ready.push(item);
    this.#c.promptsDone += 1;
    const w = this.#workers.get(lease.workerId);
    if (w !== undefined) this.#workers.set(w.workerId, { ...w, groupsAccepted: w.groupsAccepted + 1 });
    return { status: 'accepted', group };
  }

  async listLeases(): Promise<Lease[]> {
    return this.#liveLeases();
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
      if (!row.acked && row.ackDeadlineMs <= input.now && (due === undefined || row.batchId < due.batchId)) due = row;
    }
    if (due !== undefined) {
      due.delivery += 1;
      due.ackDeadlineMs = input.now + input.ackTimeoutMs;
      return this.#batch(due);
    }
    if (this.#ready.length === 0) return null;
    const items = this.#ready.slice(0, input.max);
    this.#ready = this.#ready.slice(items.length);
    this.#nextBatchId += 1;
    const row: BatchRow = { batchId: this.#nextBatchId, items, ackDeadlineMs: input.now + input.ackTimeoutMs, delivery: 1, acked: false };
    this.#batches.set(row.batchId, row);
    this.#c.groupsTaken += items.length;
    return this.#batch(row);
  }

  async ackBatch(batchId: number, _now: number): Promise<boolean> {
    const row = this.#batches.get(batchId);
    if (row === undefined) return this.#fail(CODE.UNKNOWN_BATCH, { batchId });
    if (row.acked) return false;
    row.acked = true;
    for (const i of row.items) this.#groups.delete(i);
    this.#c.groupsAcked += row.items.length;
    return true;
  }

  async registerWorker(workerId: string, info: WorkerInfo, now: number): Promise<WorkerRecord> {
    const old = this.#workers.get(workerId);
    const rec: WorkerRecord = {
      workerId,
      host: info.host,
      device: info.device,
      registeredAtMs: old?.registeredAtMs ?? now,
      lastSeenMs: now,
      groupsAccepted: old?.groupsAccepted ?? 0,
    };
    this.#workers.set(workerId, rec);
    return rec;
  }

  async deregisterWorker(workerId: string, now: number): Promise<boolean> {
    await this.releaseLeases(workerId, 'all', now);
    return this.#workers.delete(workerId);
  }

  async listWorkers(): Promise<WorkerRecord[]> {
    return [...this.#workers.values()].sort((a, b) => (a.workerId < b.workerId ? -1 : a.workerId > b.workerId ? 1 : 0));
  }

  async counters(): Promise<Counters> {
    return { ...this.#c, inFlight: this.#liveByItem.size, queued: this.#queue.length, groupsReady: this.#ready.length };
  }

  async close(): Promise<void> {}
}
