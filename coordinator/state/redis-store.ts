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

/**
 * Read every ./lua/NAME-<keys>.lua file; the key count comes from the name. A line
 * `--- @include NAME` is replaced by ./lua/includes/NAME.lua (shared Lua functions, as BullMQ
 * does), so e.g. lease expiry is written once and run inside every script that needs it.
 */
export function loadScripts(): ScriptFile[] {
  return readdirSync(LUA_DIR)
    .filter((f) => f.endsWith('.lua'))
    .sort()
    .map((file) => {
      const m = /^([a-z]+(?:-[a-z]+)*)-(\d+)\.lua$/.exec(file);
      if (m === null) throw new AnomseerError('E_STATE', `lua script "${file}" must be named NAME-<key count>.lua`);
      const command = m[1]!.replace(/-([a-z])/g, (_s, c: string) => c.toUpperCase());
      const lua = readFileSync(new URL(file, LUA_DIR), 'utf8').replace(/^--- @include ([a-z-]+)$/gm, (_l, name: string) =>
        readFileSync(new URL(`includes/${name}.lua`, LUA_DIR), 'utf8'),
      );
      return { file, command, numberOfKeys: Number(m[2]), lua };
    });
}

/**
 * Most ids (or prompts) one script call takes: longer lists from a caller are sent in chunks of
 * this many, each chunk one atomic call (so no call blocks Redis for long, and no argument list
 * is spread onto the JS stack: 150k ids would overflow it).
 */
export const REDIS_CHUNK = 1000;

/** Key names of one job, all under `anomseer:<jobId>:`. */
export function jobKeys(jobId: string) {
  const k = (name: string) => `anomseer:${jobId}:${name}`;
  return {
    job: k('job'),
    epochs: k('epochs'),
    epochProgress: k('epoch-progress'),
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
/** ioredis flattens an array argument, so one array carries any number of keys and values. */
type ScriptCall = (args: (string | number)[]) => Promise<Reply>;

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

/** A group as the scripts store it: the payload is the JSON of the value submitted. */
function parseGroup(json: string): StoredGroup {
  const g = JSON.parse(json) as StoredGroup & { payload: string };
  return { ...g, promptId: String(g.promptId), payload: JSON.parse(g.payload) as unknown };
}

function chunks<T>(xs: readonly T[], size = REDIS_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
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
    return fn.call(this.#redis, (keys as (string | number)[]).concat(argv));
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
    let appended = false;
    const parts = promptIds.length === 0 ? [[]] : chunks(promptIds);
    for (let i = 0; i < parts.length; i++) {
      const r = await this.#call('promptsEnqueue', [k.epochs, k.epochProgress, k.queue, k.counters], [epoch, i * REDIS_CHUNK, promptIds.length, ...parts[i]!]);
      if (r === 0) return appended; // wholly enqueued before
      if (r === 1) appended = true;
    }
    return appended;
  }

  async expireLeases(now: number): Promise<Lease[]> {
    const k = this.#k;
    const r = (await this.#call('leaseExpire', [k.deadlines, k.leases, k.queue, k.itemLease, k.counters], [now])) as string[];
    return r.map(parseLease);
  }

  async takeLeases(input: TakeLeasesInput): Promise<Lease[]> {
    const k = this.#k;
    const r = await this.#run(
      'leaseTake',
      [k.workers, k.queue, k.leases, k.deadlines, k.itemLease, k.counters, k.requests],
      [input.workerId, input.max, input.now, input.leaseTimeoutMs, input.minWeightVersion, input.requestId],
      { workerId: input.workerId },
    );
    const out: Lease[] = [];
    if (r[1] === 'seen') {
      for (let i = 2; i < r.length; i += 2) {
        const l = parseLease(r[i] as string);
        out.push(r[i + 1] === '' ? l : { ...l, deadlineMs: Number(r[i + 1]) });
      }
      return out;
    }
    const [deadlineMs, minWeightVersion, takenAtMs] = [r[2] as number, r[3] as number, r[4] as number];
    for (let i = 5; i < r.length; i += 2) {
      const item = r[i + 1] as string;
      const colon = item.indexOf(':');
      out.push({
        leaseId: r[i] as string,
        epoch: Number(item.slice(0, colon)),
        promptId: item.slice(colon + 1),
        workerId: input.workerId,
        deadlineMs,
        minWeightVersion,
        takenAtMs,
      });
    }
    return out;
  }

  async heartbeat(input: HeartbeatInput): Promise<{ lost: string[] }> {
    const k = this.#k;
    const keys = [k.workers, k.leases, k.deadlines, k.queue, k.itemLease, k.counters];
    const lost: string[] = [];
    for (const part of input.leaseIds.length === 0 ? [[]] : chunks(input.leaseIds)) {
      const r = await this.#run('workerHeartbeat', keys, [input.workerId, input.now, input.leaseTimeoutMs, ...part], { workerId: input.workerId });
      for (let i = 1; i < r.length; i++) lost.push(r[i] as string);
    }
    return { lost };
  }

  async #release(workerId: string, mode: 'ids' | 'all' | 'deregister', ids: readonly string[], now: number) {
    const k = this.#k;
    const r = await this.#run('leaseRelease', [k.workers, k.leases, k.deadlines, k.queue, k.itemLease, k.counters], [workerId, now, mode, ...ids]);
    const n = r[2] as number;
    return { existed: r[1] === 1, released: r.slice(3, 3 + n) as string[], unknown: r.slice(3 + n) as string[] };
  }

  async releaseLeases(workerId: string, leaseIds: readonly string[] | 'all', now: number): Promise<ReleaseResult> {
    if (leaseIds === 'all') {
      const r = await this.#release(workerId, 'all', [], now);
      return { released: r.released, unknown: r.unknown };
    }
    // Chunks go last to first: each puts its items at the queue front, so the first chunk's
    // items end up first, as if the list had been released in one call.
    const parts = chunks(leaseIds);
    const results: { released: string[]; unknown: string[] }[] = [];
    for (let i = parts.length - 1; i >= 0; i--) results[i] = await this.#release(workerId, 'ids', parts[i]!, now);
    return { released: results.flatMap((r) => r.released), unknown: results.flatMap((r) => r.unknown) };
  }

  async submitGroup(input: GroupSubmission): Promise<SubmitResult> {
    return (await this.submitGroups([input]))[0]!;
  }

  async submitGroups(inputs: readonly GroupSubmission[]): Promise<SubmitResult[]> {
    if (inputs.length === 0) return [];
    const k = this.#k;
    const argv: (string | number)[] = [inputs[0]!.now];
    for (const g of inputs) argv.push(g.leaseId, g.workerId, g.promptId, g.weightVersion, JSON.stringify(g.payload) ?? 'null');
    const reply = await this.#call('groupSubmit', [k.leases, k.deadlines, k.itemLease, k.done, k.groups, k.ready, k.counters, k.queue, k.workers], argv);
    if (!Array.isArray(reply)) throw new AnomseerError('E_STATE', `script groupSubmit returned ${JSON.stringify(reply)}, expected an array`);
    const code = reply[0] as number;
    if (code < 0) {
      const g = inputs[reply[1] as number]!;
      throw errorFromCode(code, { jobId: this.jobId, leaseId: g.leaseId, workerId: g.workerId, details: reply.slice(2) as (string | number)[] });
    }
    const out: SubmitResult[] = [];
    for (let i = 1; i < reply.length; i += 2) {
      out.push(
        reply[i] === 1
          ? { status: 'duplicate', reason: reply[i + 1] as 'lease-already-accepted' | 'prompt-already-done' }
          : { status: 'accepted', group: parseGroup(reply[i + 1] as string) },
      );
    }
    return out;
  }

  async listLeases(): Promise<Lease[]> {
    const flat = await this.#redis.zrange(this.#k.deadlines, '0', '-1', 'WITHSCORES');
    const out: Lease[] = [];
    for (let i = 0; i < flat.length; i += 2 * REDIS_CHUNK) {
      const part = flat.slice(i, i + 2 * REDIS_CHUNK);
      const ids = part.filter((_x, j) => j % 2 === 0);
      const rows = await this.#redis.hmget(this.#k.leases, ...ids); // at most REDIS_CHUNK ids
      // A lease may end between the two reads: keep only those still live. The sorted set holds
      // the renewed deadline.
      rows.forEach((x, j) => {
        if (x !== null && (JSON.parse(x) as LeaseJson).state === 'live') out.push({ ...parseLease(x), deadlineMs: Number(part[2 * j + 1]) });
      });
    }
    return out;
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
    const r = await this.#run('workerRegister', [this.#k.workers, this.#k.counters], [workerId, info.host, info.device, now]);
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
