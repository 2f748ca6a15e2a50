/**
 * The StateStore on Redis (ioredis), for a coordinator that must survive a restart: every change
 * is one Lua script from ./lua (file NAME-<key count>.lua, header lists KEYS, ARGV and result),
 * loaded with defineCommand; keys are `anomseer:<jobId>:<name>` (docs/STATE.md lists them).
 * A new RedisStore on the same server and job id sees the same state. The connection comes from
 * an injected connector (`connect`), whose retry policy is the caller's (a pure function such as
 * proto/retry.ts exponentialBackoff, passed to ioredis as retryStrategy).
 *
 * The connection's health (docs/STATE.md "Redis outages"): the store listens to the client's
 * events, so an ioredis error is never unhandled; it tells `events.down` once per outage and
 * `events.up` when Redis answers again, and after every reconnect it checks the job's fingerprint
 * (`epochId`): a record gone or replaced (Redis restarted without persistence, keys deleted) is
 * `events.lost`, never a silent start from nothing. A call made while Redis is unreachable fails
 * with UnavailableError (UNAVAILABLE on the wire: clients retry).
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { UnavailableError } from '../../proto/errors.js';
import { AnomseerError, ConfigError } from '../../shared/errors.js';
import { errorFromCode } from './errors.js';
import type { ErrorContext } from './errors.js';
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
  StateStore,
  StopRecord,
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
    versions: k('versions'),
    stop: k('stop'),
  } as const;
}

/** What the store says about its connection (coordinator/main.ts logs each in one line). */
export interface RedisStoreEvents {
  /** Redis stopped answering: once per outage, with the first error. */
  down?(message: string): void;
  /** Redis answers again, `downMs` after it stopped. */
  up?(downMs: number): void;
  /** After a reconnect the job's state is not the one this store served (record gone or replaced). */
  lost?(message: string): void;
}

export interface RedisStoreOptions {
  readonly jobId: string;
  /** Connector: returns a new ioredis client (host, port, retryStrategy chosen by the caller). */
  readonly connect: () => Redis;
  readonly events?: RedisStoreEvents;
  /** How long open() waits for Redis to answer, ms (default 10 s); then UnavailableError. */
  readonly openTimeoutMs?: number;
  /** Clock for outage lengths, ms (default Date.now). */
  readonly clock?: () => number;
}

/** An error of the connection (not a reply of Redis): the store is unreachable for now. */
function isConnectionError(err: unknown, status: string): boolean {
  if (err instanceof AnomseerError) return false;
  const msg = err instanceof Error ? err.message : String(err);
  return status !== 'ready' || /Connection is closed|isn't writeable|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|max retries|EHOSTUNREACH|ENOTFOUND/i.test(msg);
}

/** A password refused (NOAUTH: none given, WRONGPASS: another): retrying cannot help. */
const AUTH_ERROR = /NOAUTH|WRONGPASS|invalid password|AUTH failed/i;

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
    epochId: m.get('epochId') ?? '',
    learnerEpoch: Number(m.get('learnerEpoch') ?? 0),
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
  'groupsDiscarded',
] as const;

export class RedisStore implements StateStore {
  readonly jobId: string;
  readonly #redis: Redis;
  readonly #k: ReturnType<typeof jobKeys>;
  readonly #events: RedisStoreEvents;
  readonly #clock: () => number;
  /** `redis host:port` for messages (never the password). */
  readonly where: string;
  /** The fingerprint of the state this store serves (set by initJob); checked after every reconnect. */
  #epochId: string | undefined;
  #everReady = false;
  #downSince: number | undefined;
  #lastError = '';
  #closing = false;
  #lost = false;

  private constructor(jobId: string, redis: Redis, opts: RedisStoreOptions) {
    this.jobId = jobId;
    this.#redis = redis;
    this.#k = jobKeys(jobId);
    this.#events = opts.events ?? {};
    this.#clock = opts.clock ?? Date.now;
    this.where = `redis ${redis.options.host ?? '?'}:${redis.options.port ?? '?'}`;
    for (const s of loadScripts()) redis.defineCommand(s.command, { lua: s.lua, numberOfKeys: s.numberOfKeys });
    // ioredis emits 'error' on every failed (re)connect: handled here, told once per outage.
    redis.on('error', (err: Error) => this.#failed(err));
    redis.on('close', () => this.#failed(new Error(this.#lastError || 'connection closed')));
    redis.on('ready', () => this.#ready());
  }

  #failed(err: Error): void {
    this.#lastError = err.message;
    if (this.#closing || !this.#everReady || this.#downSince !== undefined) return;
    this.#downSince = this.#clock();
    this.#events.down?.(`${this.where} unreachable (${err.message})`);
  }

  #ready(): void {
    const first = !this.#everReady;
    this.#everReady = true;
    if (first) return;
    const since = this.#downSince;
    this.#downSince = undefined;
    if (since !== undefined) this.#events.up?.(this.#clock() - since);
    void this.#verify();
  }

  /** After a reconnect: is the job's record still the one this store served? */
  async #verify(): Promise<void> {
    const expected = this.#epochId;
    if (expected === undefined || this.#lost) return;
    let found: string | null;
    try {
      found = await this.#redis.hget(this.#k.job, 'epochId');
    } catch {
      return; // down again: the next reconnect checks
    }
    if (found === expected) return;
    this.#lost = true;
    this.#events.lost?.(
      found === null
        ? `the state of job ${this.jobId} is gone from ${this.where} (no job record after a reconnect): Redis restarted without persistence, or the keys were deleted`
        : `the state of job ${this.jobId} at ${this.where} was replaced (fingerprint ${found}, this coordinator served ${expected})`,
    );
  }

  /**
   * Connect (through opts.connect), define the scripts and check the server answers within
   * openTimeoutMs: UnavailableError when it does not, ConfigError when it refuses the password.
   */
  static async open(opts: RedisStoreOptions): Promise<RedisStore> {
    if (!/^[A-Za-z0-9._-]+$/.test(opts.jobId)) {
      throw new AnomseerError('E_CONFIG', `jobId: "${opts.jobId}" must be letters, digits, '.', '_' or '-' (it is part of Redis keys)`);
    }
    const store = new RedisStore(opts.jobId, opts.connect(), opts);
    try {
      await store.#whenReady(opts.openTimeoutMs ?? 10_000);
      await store.#redis.ping();
    } catch (err) {
      store.#closing = true;
      store.#redis.disconnect();
      if (err instanceof AnomseerError) throw err;
      throw new UnavailableError(`${store.where} did not answer (${err instanceof Error ? err.message : String(err)})`);
    }
    return store;
  }

  #whenReady(timeoutMs: number): Promise<void> {
    const redis = this.#redis;
    if (redis.status === 'ready') return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        redis.off('ready', onReady);
        redis.off('error', onError);
        if (err === undefined) resolve();
        else reject(err);
      };
      const onReady = () => done();
      const onError = (err: Error) => {
        if (AUTH_ERROR.test(err.message)) {
          done(
            new ConfigError(
              'redis password',
              `${this.where} refused it (${err.message.split(/[.,]/)[0]}); give the password in --redis redis://:PASSWORD@host:port, REDIS_PASSWORD or --redis-password-file`,
            ),
          );
        }
      };
      const timer = setTimeout(
        () =>
          done(
            new UnavailableError(
              `cannot reach ${this.where} within ${timeoutMs / 1000} s (${this.#lastError || 'no answer'}); is it running, and is --redis right?`,
            ),
          ),
        timeoutMs,
      );
      redis.on('ready', onReady);
      redis.on('error', onError);
    });
  }

  /** Redis calls: a failure of the connection becomes UnavailableError (clients retry). */
  async #guard<T>(p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (err) {
      if (isConnectionError(err, this.#redis.status)) {
        // ioredis words "not connected" in its own terms (max retries per request, offline queue): say it plainly.
        const msg = err instanceof Error ? err.message : String(err);
        const why = /max retries per request|isn't writeable|Connection is closed/i.test(msg) ? 'not connected' : msg;
        throw new UnavailableError(`the coordinator's state store (${this.where}) is unreachable (${why}); retry`);
      }
      throw err;
    }
  }

  /** Call a script defined in the constructor; the reply as Redis gave it. */
  async #call(command: string, keys: readonly string[], argv: readonly (string | number)[]): Promise<Reply> {
    const fn = (this.#redis as unknown as Record<string, ScriptCall>)[command];
    if (fn === undefined) throw new AnomseerError('E_STATE', `no lua script defines "${command}"`);
    return this.#guard(fn.call(this.#redis, (keys as (string | number)[]).concat(argv)));
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

  async initJob(configHash: string, now: number, epochId = '', replaceIncomplete = false): Promise<JobRecord> {
    const k = this.#k;
    let r: Reply[];
    try {
      r = await this.#run('jobInit', [k.job, k.counters, k.workers], [this.jobId, configHash, now, epochId]);
    } catch (err) {
      if (!replaceIncomplete || !(err instanceof AnomseerError && err.code === 'E_JOB_STATE')) throw err;
      // --rebuild-state: the remains of a lost state go; the learner's checkpoint rebuilds it.
      await this.#guard(this.#redis.del(...Object.values(k)));
      r = await this.#run('jobInit', [k.job, k.counters, k.workers], [this.jobId, configHash, now, epochId]);
    }
    const job = parseJob(r[1] as string[]);
    this.#epochId = job.epochId;
    return job;
  }

  async getJob(): Promise<JobRecord | null> {
    const flat = await this.#guard(this.#redis.hgetall(this.#k.job));
    if (Object.keys(flat).length === 0) return null;
    return parseJob(Object.entries(flat).flat());
  }

  async publishVersion(input: PublishInput): Promise<JobRecord> {
    const r = await this.#run('jobPublish', [this.#k.job, this.#k.versions], [input.version, input.step, input.sha256, input.now]);
    return parseJob(r[1] as string[]);
  }

  async claimLearner(input: ClaimInput): Promise<ClaimResult> {
    const k = this.#k;
    const keys = [
      k.job,
      k.versions,
      k.done,
      k.groups,
      k.ready,
      k.batches,
      k.batchDeadlines,
      k.leases,
      k.deadlines,
      k.itemLease,
      k.queue,
      k.epochs,
      k.epochProgress,
      k.requests,
      k.counters,
    ];
    // One atomic script (a reset touches the whole state; it is rare: once per learner resume).
    const argv: (string | number)[] =
      input.mode === 'fresh'
        ? ['fresh', input.now, '0', 0, 0, '', '']
        : [
            'resume',
            input.now,
            input.rebuild ? '1' : '0',
            input.point.version,
            input.point.step,
            input.point.sha256,
            input.point.epochId,
            ...input.point.trained,
          ];
    const r = await this.#run('learnerClaim', keys, argv);
    return {
      reset: r[1] as ClaimResult['reset'],
      previousVersion: r[2] as number,
      discarded: r[3] as number,
      kept: r[4] as number,
      job: parseJob(r[5] as string[]),
    };
  }

  async enqueueEpoch(epoch: number, promptIds: readonly string[], _now: number): Promise<boolean> {
    const k = this.#k;
    let appended = false;
    const parts = promptIds.length === 0 ? [[]] : chunks(promptIds);
    for (let i = 0; i < parts.length; i++) {
      const r = await this.#call(
        'promptsEnqueue',
        [k.epochs, k.epochProgress, k.queue, k.counters, k.done],
        [epoch, i * REDIS_CHUNK, promptIds.length, ...parts[i]!],
      );
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
    const flat = await this.#guard(this.#redis.zrange(this.#k.deadlines, '0', '-1', 'WITHSCORES'));
    const out: Lease[] = [];
    for (let i = 0; i < flat.length; i += 2 * REDIS_CHUNK) {
      const part = flat.slice(i, i + 2 * REDIS_CHUNK);
      const ids = part.filter((_x, j) => j % 2 === 0);
      const rows = await this.#guard(this.#redis.hmget(this.#k.leases, ...ids)); // at most REDIS_CHUNK ids
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
    const r = await this.#run(
      'batchTake',
      [k.ready, k.groups, k.batches, k.batchDeadlines, k.counters],
      [input.max, input.now, input.ackTimeoutMs, input.redeliverOpen === true ? '1' : '0'],
    );
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
    const rows = await this.#guard(this.#redis.hvals(this.#k.workers));
    return rows.map((j) => JSON.parse(j) as WorkerRecord).sort((a, b) => (a.workerId < b.workerId ? -1 : a.workerId > b.workerId ? 1 : 0));
  }

  async counters(): Promise<Counters> {
    const k = this.#k;
    // MULTI so the counters and the gauges are one snapshot.
    const res = await this.#guard(
      this.#redis
        .multi()
        .hmget(k.counters, ...COUNTER_FIELDS)
        .zcard(k.deadlines)
        .llen(k.queue)
        .llen(k.ready)
        .exec(),
    );
    if (res === null) throw new AnomseerError('E_STATE', 'counters: MULTI was aborted');
    for (const [err] of res) if (err) throw err;
    const vals = res[0]![1] as (string | null)[];
    const c = Object.fromEntries(COUNTER_FIELDS.map((f, i) => [f, Number(vals[i] ?? 0)])) as Record<(typeof COUNTER_FIELDS)[number], number>;
    return { ...c, inFlight: res[1]![1] as number, queued: res[2]![1] as number, groupsReady: res[3]![1] as number };
  }

  async getStop(): Promise<StopRecord | null> {
    const h = await this.#guard(this.#redis.hgetall(this.#k.stop));
    const atMs = Number(h.atMs);
    if (!(atMs > 0)) return null;
    return { atMs, reason: h.reason ?? '', learnerTold: h.learnerTold === '1' };
  }

  async saveStop(stop: StopRecord): Promise<void> {
    // HSETNX: the first stop's time and reason stay; learnerTold is only ever set to 1.
    const m = this.#redis.multi().hsetnx(this.#k.stop, 'atMs', String(stop.atMs)).hsetnx(this.#k.stop, 'reason', stop.reason);
    if (stop.learnerTold) m.hset(this.#k.stop, 'learnerTold', '1');
    await this.#guard(m.exec());
  }

  async close(): Promise<void> {
    this.#closing = true;
    if (this.#redis.status === 'ready') await this.#redis.quit();
    else this.#redis.disconnect();
  }
}
