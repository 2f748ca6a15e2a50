/**
 * Where the bytes of published weight versions live, so that a version stays fetchable when
 * the coordinator process dies (docs/STATE.md "Weight blobs"). Separate from StateStore on
 * purpose: the store holds small records changed by scripts; a blob is megabytes written once.
 *
 *   MemoryWeightBlobs   the embedded store's companion: as long as the process lives
 *   RedisWeightBlobs    next to a RedisStore on the same server: survives a coordinator restart
 *
 * Both keep the newest `keep` versions and delete older ones as new ones arrive, so memory is
 * bounded by keep × file size. `put` is idempotent (the same version and sha256 again changes
 * nothing) and durable when it resolves: the registry calls it before the version becomes
 * visible, so a version a worker has heard of always has its bytes.
 *
 * Redis layout, under `anomseer:<jobId>:` (pieces of `pieceBytes`, 8 MiB by default, so no
 * command carries more than one piece):
 *   weight-meta  hash  "<version>" → {"version","step","sha256","totalBytes","pieceBytes","pieces","publishedAtMs"}
 *                      "pending:<version>" → pieces written by a put not yet committed
 *   weight-data  hash  "<version>:<piece>" → bytes
 * A put writes the pending marker, then the pieces, then runs weight-lua/weight-commit-2.lua,
 * which makes the version visible and deletes every version <= version − keep in one step.
 * A put cut short leaves a pending marker whose pieces the commit of a later version deletes.
 */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { sha256Hex } from '../../proto/chunks.js';
import { UnavailableError } from '../../proto/errors.js';
import { AnomseerError, ConfigError, DataError } from '../../shared/errors.js';

/** One published version: its file as the learner published it. */
export interface WeightBlob {
  readonly version: number;
  /** Learner step that produced it. */
  readonly step: number;
  /** Lowercase hex sha256 of `bytes`. */
  readonly sha256: string;
  /** Coordinator clock at publish, ms since epoch. */
  readonly publishedAtMs: number;
  readonly bytes: Buffer;
}

export interface WeightBlobStore {
  /** Store a version durably, then delete versions <= version − keep. Idempotent. */
  put(blob: WeightBlob): Promise<void>;
  /**
   * A stored version, or undefined when it is not stored (never put, or deleted). DataError when
   * the stored bytes do not hash to the stored sha256 (damaged storage: treat it as gone).
   */
  get(version: number): Promise<WeightBlob | undefined>;
  /** Versions stored (committed), ascending. */
  versions(): Promise<number[]>;
  close(): Promise<void>;
}

function checkKeep(keep: number): number {
  if (!Number.isInteger(keep) || keep < 1) throw new ConfigError('keep', `is ${keep}; expected an integer >= 1 (versions kept)`);
  return keep;
}

/** Blobs in this process's memory (the embedded store: nothing outlives the process anyway). */
export class MemoryWeightBlobs implements WeightBlobStore {
  readonly #blobs = new Map<number, WeightBlob>();
  readonly keep: number;

  constructor(o: { keep: number }) {
    this.keep = checkKeep(o.keep);
  }

  async put(blob: WeightBlob): Promise<void> {
    if (this.#blobs.get(blob.version)?.sha256 === blob.sha256) return;
    this.#blobs.set(blob.version, blob);
    for (const v of [...this.#blobs.keys()]) if (v <= blob.version - this.keep) this.#blobs.delete(v);
  }

  async get(version: number): Promise<WeightBlob | undefined> {
    return this.#blobs.get(version);
  }

  async versions(): Promise<number[]> {
    return [...this.#blobs.keys()].sort((a, b) => a - b);
  }

  async close(): Promise<void> {}
}

/** Default piece size of RedisWeightBlobs, bytes. */
export const DEFAULT_PIECE_BYTES = 8 * 1024 * 1024;

interface BlobMeta {
  readonly version: number;
  readonly step: number;
  readonly sha256: string;
  readonly totalBytes: number;
  readonly pieceBytes: number;
  readonly pieces: number;
  readonly publishedAtMs: number;
}

/** ioredis's words for a connection that is down (the RedisStore's list). */
const CONNECTION_ERROR = /Connection is closed|isn't writeable|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|max retries|EHOSTUNREACH|ENOTFOUND/i;

/** Resolve when `redis` is ready; UnavailableError after `timeoutMs`. */
function whenReady(redis: Redis, timeoutMs: number, lastError: () => string, where: string): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new UnavailableError(`cannot reach ${where} within ${timeoutMs / 1000} s (${lastError() || 'no answer'}); is it running, and is --redis right?`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}

const COMMIT_LUA = readFileSync(new URL('./weight-lua/weight-commit-2.lua', import.meta.url), 'utf8');

/** Key names of one job's weight blobs. */
export function weightBlobKeys(jobId: string): { meta: string; data: string } {
  return { meta: `anomseer:${jobId}:weight-meta`, data: `anomseer:${jobId}:weight-data` };
}

type CommitCommand = (meta: string, data: string, version: number, json: string, keep: number, pieces: number, stale: number) => Promise<[number, number]>;

/** Blobs in Redis (the job's server, its own connection): survive a coordinator restart. */
export class RedisWeightBlobs implements WeightBlobStore {
  readonly keep: number;
  readonly pieceBytes: number;
  readonly #redis: Redis;
  readonly #k: { meta: string; data: string };

  readonly #where: string;

  private constructor(redis: Redis, jobId: string, keep: number, pieceBytes: number, where: string) {
    this.#redis = redis;
    this.#where = where;
    this.#k = weightBlobKeys(jobId);
    this.keep = keep;
    this.pieceBytes = pieceBytes;
  }

  /**
   * Connect (the connector picks host, port and retry policy) and define the commit script.
   * Opened after the RedisStore of the same server, which reports its outages (once each): this
   * connection's own connection errors are not logged again, and a call made while Redis is
   * unreachable fails with UnavailableError (clients retry). Not ready within `openTimeoutMs`
   * (default 10 s): UnavailableError.
   */
  static async open(o: {
    jobId: string;
    connect: () => Redis;
    keep: number;
    pieceBytes?: number;
    openTimeoutMs?: number;
    where?: string;
  }): Promise<RedisWeightBlobs> {
    const keep = checkKeep(o.keep);
    const pieceBytes = o.pieceBytes ?? DEFAULT_PIECE_BYTES;
    if (!Number.isInteger(pieceBytes) || pieceBytes < 1) throw new ConfigError('pieceBytes', `is ${pieceBytes}; expected an integer >= 1`);
    const redis = o.connect();
    const where = o.where ?? 'Redis';
    let lastError = '';
    redis.on('error', (err: Error) => {
      lastError = err.message;
    });
    redis.defineCommand('weightCommit', { lua: COMMIT_LUA, numberOfKeys: 2 });
    try {
      await whenReady(redis, o.openTimeoutMs ?? 10_000, () => lastError, where);
      await redis.ping();
    } catch (err) {
      redis.disconnect();
      if (err instanceof UnavailableError) throw err;
      throw new UnavailableError(`${where} did not answer the weight blob store (${err instanceof Error ? err.message : String(err)})`);
    }
    return new RedisWeightBlobs(redis, o.jobId, keep, pieceBytes, where);
  }

  /** A Redis call: a failure of the connection becomes UnavailableError (clients retry). */
  async #guard<T>(p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (err) {
      if (err instanceof AnomseerError) throw err;
      const msg = err instanceof Error ? err.message : String(err);
      if (this.#redis.status !== 'ready' || CONNECTION_ERROR.test(msg)) {
        throw new UnavailableError(`the coordinator's weight blob store (${this.#where}) is unreachable (${msg}); retry`);
      }
      throw err;
    }
  }

  #commit(...args: Parameters<CommitCommand>): Promise<[number, number]> {
    return this.#guard((this.#redis as unknown as { weightCommit: CommitCommand }).weightCommit(...args));
  }

  async put(blob: WeightBlob): Promise<void> {
    const { meta, data } = this.#k;
    const [committed, pending] = await this.#guard(this.#redis.hmget(meta, String(blob.version), `pending:${blob.version}`));
    const before = committed === null ? undefined : (JSON.parse(committed) as BlobMeta);
    if (before?.sha256 === blob.sha256) return;
    const pieces = Math.max(1, Math.ceil(blob.bytes.length / this.pieceBytes));
    const stale = Math.max(before?.pieces ?? 0, pending === null ? 0 : Number(pending));
    await this.#guard(this.#redis.hset(meta, `pending:${blob.version}`, String(Math.max(pieces, stale))));
    for (let i = 0; i < pieces; i++) {
      await this.#guard(this.#redis.hset(data, `${blob.version}:${i}`, blob.bytes.subarray(i * this.pieceBytes, (i + 1) * this.pieceBytes)));
    }
    const record: BlobMeta = {
      version: blob.version,
      step: blob.step,
      sha256: blob.sha256,
      totalBytes: blob.bytes.length,
      pieceBytes: this.pieceBytes,
      pieces,
      publishedAtMs: blob.publishedAtMs,
    };
    await this.#commit(meta, data, blob.version, JSON.stringify(record), this.keep, pieces, stale);
  }

  async get(version: number): Promise<WeightBlob | undefined> {
    const raw = await this.#guard(this.#redis.hget(this.#k.meta, String(version)));
    if (raw === null) return undefined;
    const m = JSON.parse(raw) as BlobMeta;
    const bytes = Buffer.allocUnsafe(m.totalBytes);
    let at = 0;
    for (let i = 0; i < m.pieces; i++) {
      const piece = await this.#guard(this.#redis.hgetBuffer(this.#k.data, `${version}:${i}`));
      if (piece === null) throw new DataError(`weight version ${version}`, `piece ${i} of ${m.pieces} is missing from Redis`);
      if (at + piece.length > m.totalBytes) throw new DataError(`weight version ${version}`, `pieces hold more than the recorded ${m.totalBytes} bytes`);
      piece.copy(bytes, at);
      at += piece.length;
    }
    if (at !== m.totalBytes) throw new DataError(`weight version ${version}`, `pieces hold ${at} bytes; the record says ${m.totalBytes}`);
    const sha = sha256Hex(bytes);
    if (sha !== m.sha256) throw new DataError(`weight version ${version}`, `stored bytes hash to ${sha}; the record says ${m.sha256}`);
    return { version: m.version, step: m.step, sha256: m.sha256, publishedAtMs: m.publishedAtMs, bytes };
  }

  async versions(): Promise<number[]> {
    const fields = await this.#guard(this.#redis.hkeys(this.#k.meta));
    return fields
      .filter((f) => /^\d+$/.test(f))
      .map(Number)
      .sort((a, b) => a - b);
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
  }
}
