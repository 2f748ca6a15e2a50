/**
 * The StateStore on Redis (ioredis), for a coordinator that must survive a restart: every change
 * is one Lua script from ./lua (file NAME-<key count>.lua, header lists KEYS, ARGV and result),
 * loaded with defineCommand; keys are `anomseer:<jobId>:<name>` (docs/STATE.md lists them).
 * A new RedisStore on the same server and job id sees the same state. The connection comes from
 * an injected connector (`connect`), whose retry policy is the caller's (a pure function such as
 * proto/retry.ts exponentialBackoff, passed to ioredis as retryStrategy).
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { AnomseerError } from '../../shared/errors.js';
import { errorFromCode } from './errors.js';
import type { ErrorContext } from './errors.js';
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

const LUA_DIR = new URL('./lua/', import.meta.url);

/** One script file: `lease-take-7.lua` → command `leaseTake` with 7 keys. */
export interface ScriptFile {
  readonly file: string;
  readonly command: string;
  readonly numberOfKeys: number;
  readonly lua: string;
}

/** Read every ./lua/NAME-<keys>.lua file; the key count comes from the name. */
export function loadScripts(): ScriptFile[] {
  return readdirSync(LUA_DIR)
    .filter((f) => f.endsWith('.lua'))
    .sort()
    .map((file) => {
      const m = /^([a-z]+(?:-[a-z]+)*)-(\d+)\.lua$/.exec(file);
      if (m === null) throw new AnomseerError('E_STATE', `lua script "${file}" must be named NAME-<key count>.lua`);
      const command = m[1]!.replace(/-([a-z])/g, (_s, c: string) => c.toUpperCase());
      return { file, command, numberOfKeys: Number(m[2]), lua: readFileSync(new URL(file, LUA_DIR), 'utf8') };
    });
}

/** Key names of one job, all under `anomseer:<jobId>:`. */
export function jobKeys(jobId: string) {
  const k = (name: string) => `anomseer:${jobId}:${name}`;
  return {
    job: k('job'),
    epochs: k('epochs'),
    queue: k('queue'),
    leases: k('leases'),
    deadlines: k('deadlines'),
    itemLease: k('item-lease'),
    done: k('done'),
    groups: k('groups'),
    ready: k('ready'),
    batches: k('batches'),
    batchDeadlines: k('batch-deadlines'),
    requests: k('requests'),
    workers: k('workers'),
    counters: k('counters'),
  } as const;
}

export interface RedisStoreOptions {
  readonly jobId: string;
  /** Connector: returns a new ioredis client (host, port, retryStrategy chosen by the caller). */
  readonly connect: () => Redis;
}

type Reply = string | number | null | Reply[];
type ScriptCall = (...args: (string | number)[]) => Promise<Reply>;

interface LeaseJson extends Lease {
  readonly state: string;
}

function parseLease(json: string): Lease {
  const l = JSON.parse(json) as LeaseJson;
  return {
    leaseId: l.leaseId,
    epoch: l.epoch,
    promptId: String(l.promptId),
    workerId: l.workerId,
    deadlineMs: l.deadlineMs,
    minWeightVersion: l.minWeightVersion,
    takenAtMs: l.takenAtMs,
  };
}

function parseGroup(json: string): StoredGroup {
  const g = JSON.parse(json) as StoredGroup;
  return { ...g, promptId: String(g.promptId) };
}

function parseJob(flat: string[]): JobRecord {
  const m = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) m.set(flat[i]!, flat[i + 1]!);
  return {
    jobId: m.get('jobId') ?? '',
    configHash: m.get('configHash') ?? '',
    step: Number(m.get('step') ?? 0),
    weightVersion: Number(m.get('weightVersion') ?? 0),
    weightSha256: m.get('weightSha256') ?? '',
    createdAtMs: Number(m.get('createdAtMs') ?? 0),
    updatedAtMs: Number(m.get('updatedAtMs') ?? 0),
  };
}

const COUNTER_FIELDS = [
  'promptsTotal',
  'promptsDone',
  'requeued',
  'expired',
  'released',
  'duplicatesDropped',
  'staleDropped',
  'groupsTaken',
  'groupsAcked',
] as const;

export class RedisStore implements StateStore {
  readonly jobId: string;
  readonly #redis: Redis;
  readonly #k: ReturnType<typeof jobKeys>;

  private constructor(jobId: string, redis: Redis) {
    this.jobId = jobId;
    this.#redis = redis;
    this.#k = jobKeys(jobId);
    for (const s of loadScripts()) redis.defineCommand(s.command, { lua: s.lua, numberOfKeys: s.numberOfKeys });
  }

  /** Connect (through opts.connect), define the scripts and check the server answers. */
  static async open(opts: RedisStoreOptions): Promise<RedisStore> {
    if (!/^[A-Za-z0-9._-]+$/.test(opts.jobId)) {
      throw new AnomseerError('E_CONFIG', `jobId: "${opts.jobId}" must be letters, digits, '.', '_' or '-' (it is part of Redis keys)`);
    }
    const store = new RedisStore(opts.jobId, opts.connect());
    try {
      await store.#redis.ping();
    } catch (err) {
      store.#redis.disconnect();
      throw err;
    }
    return store;
  }

  /** Call a script defined in the constructor; the reply as Redis gave it. */
  async #call(command: string, keys: readonly string[], argv: readonly (string | number)[]): Promise<Reply> {
    const fn = (this.#redis as unknown as Record<string, ScriptCall>)[command];
    if (fn === undefined) throw new AnomseerError('E_STATE', `no lua script defines "${command}"`);
    return fn.call(this.#redis, ...keys, ...argv);
  }

  /** Run a script whose reply is {code, ...}; a negative code becomes the typed error. */
  async #run(command: string, keys: readonly string[], argv: readonly (string | number)[], ctx: Omit<ErrorContext, 'jobId'> = {}): Promise<Reply[]> {
    const reply = await this.#call(command, keys, argv);
    if (!Array.isArray(reply)) throw new AnomseerError('E_STATE', `script ${command} returned ${JSON.stringify(reply)}, expected an array`);
    const code = reply[0];
    if (typeof code === 'number' && code < 0) {
      throw errorFromCode(code, { jobId: this.jobId, ...ctx, details: reply.slice(1) as (string | number)[] });
    }
    return reply;
  }

  async initJob(configHash: string, now: number): Promise<JobRecord> {
    const r = await this.#run('jobInit', [this.#k.job], [this.jobId, configHash, now]);
    return parseJob(r[1] as string[]);
  }

  async getJob(): Promise<JobRecord | null> {
    const flat = await this.#redis.hgetall(this.#k.job);
    if (Object.keys(flat).length === 0) return null;
    return parseJob(Object.entries(flat).flat());
  }

  async publishVersion(input: PublishInput): Promise<JobRecord> {
    const r = await this.#run('jobPublish', [this.#k.job], [input.version, input.step, input.sha256, input.now]);
    return parseJob(r[1] as string[]);
  }

  async enqueueEpoch(epoch: number, promptIds: readonly string[], _now: number): Promise<boolean> {
    const k = this.#k;
    return (await this.#call('promptsEnqueue', [k.epochs, k.queue, k.counters], [epoch, ...promptIds])) === 1;
  }

  async expireLeases(now: number): Promise<Lease[]> {
    const k = this.#k;
    const r = (await this.#call('leaseExpire', [k.deadlines, k.leases, k.queue, k.itemLease, k.counters], [now])) as string[];
    return r.map(parseLease);
  }

  async takeLeases(input: TakeLeasesInput): Promise<Lease[]> {
    await this.expireLeases(input.now);
    const k = this.#k;
    const r = await this.#run(
      'leaseTake',
      [k.workers, k.queue, k.leases, k.deadlines, k.itemLease, k.counters, k.requests],
      [input.workerId, input.max, input.now, input.leaseTimeoutMs, input.minWeightVersion, input.requestId],
      { workerId: input.workerId },
    );
    return (r.slice(1) as string[]).map(parseLease);
  }

  async heartbeat(input: HeartbeatInput): Promise<{ lost: string[] }> {
    await this.expireLeases(input.now);
    const k = this.#k;
    const r = await this.#run('workerHeartbeat', [k.workers, k.leases, k.deadlines], [input.workerId, input.now, input.leaseTimeoutMs, ...input.leaseIds], {
      workerId: input.workerId,
    });
    return { lost: r.slice(1) as string[] };
  }

  async #release(workerId: string, mode: 'ids' | 'all' | 'deregister', ids: readonly string[], now: number) {
    const k = this.#k;
    const r = await this.#run('leaseRelease', [k.workers, k.leases, k.deadlines, k.queue, k.itemLease, k.counters], [workerId, now, mode, ...ids]);
    const n = r[2] as number;
    return { existed: r[1] === 1, released: r.slice(3, 3 + n) as string[], unknown: r.slice(3 + n) as string[] };
  }

  async releaseLeases(workerId: string, leaseIds: readonly string[] | 'all', now: number): Promise<ReleaseResult> {
    const r = leaseIds === 'all' ? await this.#release(workerId, 'all', [], now) : await this.#release(workerId, 'ids', leaseIds, now);
    return { released: r.released, unknown: r.unknown };
  }

  async submitGroup(input: GroupSubmission): Promise<SubmitResult> {
    const k = this.#k;
    const r = await this.#run(
      'groupSubmit',
      [k.leases, k.deadlines, k.itemLease, k.done, k.groups, k.ready, k.counters, k.queue, k.workers],
      [input.leaseId, input.weightVersion, input.now, input.payload],
      { leaseId: input.leaseId },
    );
    if (r[0] === 1) return { status: 'duplicate', reason: r[1] as 'lease-already-accepted' | 'prompt-already-done' };
    return { status: 'accepted', group: parseGroup(r[1] as string) };
  }

  async listLeases(): Promise<Lease[]> {
    const ids = await this.#redis.zrange(this.#k.deadlines, '0', '-1');
    if (ids.length === 0) return [];
    const rows = await this.#redis.hmget(this.#k.leases, ...ids);
    // A lease may end between the two reads: keep only those still live.
    return rows.filter((x): x is string => x !== null && (JSON.parse(x) as LeaseJson).state === 'live').map(parseLease);
  }

  async takeBatch(input: TakeBatchInput): Promise<Batch | null> {
    const k = this.#k;
    const r = await this.#run('batchTake', [k.ready, k.groups, k.batches, k.batchDeadlines, k.counters], [input.max, input.now, input.ackTimeoutMs]);
    if (r[1] === 0) return null;
    return {
      batchId: r[1] as number,
      ackDeadlineMs: r[2] as number,
      delivery: r[3] as number,
      groups: (r.slice(4) as string[]).map(parseGroup),
    };
  }

  async ackBatch(batchId: number, now: number): Promise<boolean> {
    const k = this.#k;
    const r = await this.#run('batchAck', [k.batches, k.batchDeadlines, k.groups, k.counters], [batchId, now], { batchId });
    return r[1] === 1;
  }

  async registerWorker(workerId: string, info: WorkerInfo, now: number): Promise<WorkerRecord> {
    const r = await this.#run('workerRegister', [this.#k.workers], [workerId, info.host, info.device, now]);
    return JSON.parse(r[1] as string) as WorkerRecord;
  }

  async deregisterWorker(workerId: string, now: number): Promise<boolean> {
    return (await this.#release(workerId, 'deregister', [], now)).existed;
  }

  async listWorkers(): Promise<WorkerRecord[]> {
    const rows = await this.#redis.hvals(this.#k.workers);
    return rows.map((j) => JSON.parse(j) as WorkerRecord).sort((a, b) => (a.workerId < b.workerId ? -1 : a.workerId > b.workerId ? 1 : 0));
  }

  async counters(): Promise<Counters> {
    const k = this.#k;
    // MULTI so the counters and the gauges are one snapshot.
    const res = await this.#redis
      .multi()
      .hmget(k.counters, ...COUNTER_FIELDS)
      .zcard(k.deadlines)
      .llen(k.queue)
      .llen(k.ready)
      .exec();
    if (res === null) throw new AnomseerError('E_STATE', 'counters: MULTI was aborted');
    for (const [err] of res) if (err) throw err;
    const vals = res[0]![1] as (string | null)[];
    const c = Object.fromEntries(COUNTER_FIELDS.map((f, i) => [f, Number(vals[i] ?? 0)])) as Record<(typeof COUNTER_FIELDS)[number], number>;
    return { ...c, inFlight: res[1]![1] as number, queued: res[2]![1] as number, groupsReady: res[3]![1] as number };
  }

  async close(): Promise<void> {
    await this.#redis.quit();
  }
}
