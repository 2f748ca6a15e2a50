/**
 * The weight versions a coordinator serves: the bytes of the most recent `keep` versions in
 * memory, a durable copy in the blob store (coordinator/state/weight-blobs.ts: Redis next to a
 * RedisStore, so a restarted coordinator still serves every kept version), the listeners
 * (WatchVersions streams) told about each new one, and the relay directory that tells each
 * worker where to fetch from (weight-relays.ts).
 *
 * Publish order (docs/STATE.md "Weight blobs"): check the sha256 → blob store (durable) →
 * StateStore record (the version counts from here on) → memory → listeners. A version that a
 * worker can hear of therefore always has its bytes somewhere, even if the coordinator is
 * SIGKILLed right after printing "published".
 *
 * Each version is hashed once, at publish (and once more when it is read back from the blob
 * store after a restart); FetchWeights never hashes. With `f16` the bytes sent are the F16
 * wire file (proto/weight-f16.ts), made once per version; the blob store keeps the file as
 * the learner published it.
 *
 * Fallback (docs/CLUSTER.md "What survives what"): when the latest version's bytes are in
 * neither place (the blob store was wiped with the state and rebuilt from the learner's
 * checkpoint, or there is no blob store), `wanted()` names it and the learner publishes the
 * same bytes again (TakeGroups `weights_wanted`).
 */
import { broadcastChunkBytes, chunkCount, sha256Hex } from '../../proto/chunks.js';
import { assembleWeights } from '../../proto/chunks.js';
import { NotFoundError } from '../../proto/errors.js';
import type { WeightChunk, WeightVersion } from '../../proto/types.js';
import { F16RangeError, encodeF16Wire } from '../../proto/weight-f16.js';
import { DataError, InvalidArgumentError } from '../../shared/errors.js';
import type { JobRecord, StateStore } from '../state/store.js';
import { StateConflictError } from '../state/errors.js';
import type { WeightBlob, WeightBlobStore } from '../state/weight-blobs.js';
import { BroadcastLog } from '../../dashboard/broadcast-log.js';

export interface StoredVersion {
  readonly info: WeightVersion;
  /** The file as the learner published it. */
  readonly bytes: Buffer;
  /** The file FetchWeights sends (`bytes` itself unless the encoding is 'f16'). */
  readonly wire: Buffer;
}

export type VersionListener = (v: WeightVersion) => void;

export interface WeightRegistryDeps {
  readonly store: StateStore;
  /** Coordinator clock, ms since epoch. */
  readonly clock: () => number;
  /** Versions kept for FetchWeights (older ones answer NOT_FOUND); at least 1. */
  readonly keep: number;
  /** Chunk size FetchWeights uses, bytes (default: broadcastChunkBytes of each file, 64 KiB–1 MiB). */
  readonly chunkBytes?: number;
  /** Versions the broadcast log keeps for the dashboard (default 20). */
  readonly broadcastsKept?: number;
  /** Durable copy of every kept version (absent: the bytes live only in this process). */
  readonly blobs?: WeightBlobStore;
  /** Send versions as F16 (job key cluster.broadcastF16). */
  readonly f16?: boolean;
  readonly logger?: (line: string) => void;
}

/** The answer for "nothing published yet". */
export const NO_VERSION: WeightVersion = Object.freeze({
  version: 0,
  step: 0,
  sha256: '',
  total_bytes: 0,
  chunk_count: 0,
  chunk_bytes: 0,
  published_at_ms: 0,
  encoding: '',
  wire_sha256: '',
  wire_bytes: 0,
});

export class WeightRegistry {
  readonly #versions = new Map<number, StoredVersion>();
  readonly #loading = new Map<number, Promise<StoredVersion | undefined>>();
  readonly #listeners = new Set<VersionListener>();
  #latest = 0;
  #restored: WeightVersion | undefined;
  readonly #log: (line: string) => void;
  /** How each version reached the workers (published here; the Weights service reports sends, fetches and relays). */
  readonly broadcasts: BroadcastLog;

  constructor(private readonly deps: WeightRegistryDeps) {
    this.broadcasts = new BroadcastLog({ clock: deps.clock, keep: deps.broadcastsKept });
    this.#log = deps.logger ?? (() => {});
  }

  get latest(): number {
    return this.#latest;
  }

  /** The oldest version still served. */
  get oldestKept(): number {
    return Math.max(1, this.#latest - this.deps.keep + 1);
  }

  /** The latest version (NO_VERSION before any; without chunk fields when only its record survived a restart and no blob was read yet). */
  latestInfo(): WeightVersion {
    return this.#versions.get(this.#latest)?.info ?? this.#restored ?? NO_VERSION;
  }

  /** The latest version, read back from the blob store first when only its record is known (GetVersion). */
  async latestInfoLoaded(): Promise<WeightVersion> {
    if (this.#latest > 0 && !this.#versions.has(this.#latest)) await this.#load(this.#latest);
    return this.latestInfo();
  }

  /**
   * After a restart on a durable store: the job's latest version number counts for staleness
   * at once; its bytes are read back from the blob store when first asked for.
   */
  restore(job: JobRecord): void {
    if (job.weightVersion <= this.#latest) return;
    this.#latest = job.weightVersion;
    this.#restored = { ...NO_VERSION, version: job.weightVersion, step: job.step, sha256: job.weightSha256, wire_sha256: job.weightSha256 };
  }

  /**
   * A learner resume set the job's history back (or a rebuild set it, docs/CLUSTER.md "Learner
   * resume"): `job.weightVersion` is the latest again; kept versions above it (or of its number
   * with another sha256) are forgotten, so their bytes are never served for the new lineage.
   * Blobs of dropped versions are never read back (#load serves nothing above the latest, nor a
   * latest whose sha256 is not the record's) and are overwritten when the new lineage publishes
   * those numbers.
   */
  reset(job: JobRecord): void {
    for (const [v, kept] of [...this.#versions]) {
      if (v > job.weightVersion || (v === job.weightVersion && kept.info.sha256 !== job.weightSha256)) this.#versions.delete(v);
    }
    this.#latest = job.weightVersion;
    this.#restored =
      job.weightVersion === 0
        ? undefined
        : { ...NO_VERSION, version: job.weightVersion, step: job.step, sha256: job.weightSha256, wire_sha256: job.weightSha256 };
  }

  /**
   * The fallback of durable weights: the latest version when its bytes are neither in memory nor
   * in the blob store (the blob store lost them: Redis wiped and the state rebuilt from the
   * learner's checkpoint, or no blob store), so the learner is asked to publish it again
   * (TakeGroups `weights_wanted`). 0 when the latest bytes can be served, or nothing is published.
   */
  async wanted(): Promise<number> {
    const latest = this.#latest;
    if (latest === 0 || this.#versions.has(latest)) return 0;
    return (await this.#load(latest)) === undefined && latest === this.#latest ? latest : 0;
  }

  #describe(blob: WeightBlob): StoredVersion {
    let wire = blob.bytes;
    let encoding = '';
    if (this.deps.f16 === true) {
      try {
        wire = Buffer.from(encodeF16Wire(blob.bytes, `weight version ${blob.version}`));
        encoding = 'f16';
      } catch (err) {
        if (!(err instanceof F16RangeError)) throw err;
        this.#log(`weights: version ${blob.version} is sent as F32: ${err.message}`);
      }
    }
    const chunkBytes = this.deps.chunkBytes ?? broadcastChunkBytes(wire.length);
    const info: WeightVersion = {
      version: blob.version,
      step: blob.step,
      sha256: blob.sha256,
      total_bytes: blob.bytes.length,
      chunk_count: chunkCount(wire.length, chunkBytes),
      chunk_bytes: chunkBytes,
      published_at_ms: blob.publishedAtMs,
      encoding,
      wire_sha256: encoding === '' ? blob.sha256 : sha256Hex(wire),
      wire_bytes: wire.length,
    };
    return { info, bytes: blob.bytes, wire };
  }

  #keepInMemory(v: StoredVersion): void {
    if (v.info.version < this.oldestKept) return;
    this.#versions.set(v.info.version, v);
    for (const k of [...this.#versions.keys()]) if (k < this.oldestKept) this.#versions.delete(k);
  }

  /** Read a kept version back from the blob store (once, however many callers ask at the same time). */
  #load(version: number): Promise<StoredVersion | undefined> {
    const blobs = this.deps.blobs;
    if (blobs === undefined || version < this.oldestKept || version > this.#latest) return Promise.resolve(undefined);
    let p = this.#loading.get(version);
    if (p === undefined) {
      p = blobs
        .get(version)
        .then(
          (blob) => {
            if (blob === undefined) return undefined;
            const record = this.#restored?.version === version ? this.#restored : undefined;
            if (record !== undefined && record.sha256 !== '' && blob.sha256 !== record.sha256) {
              this.#log(`weights: version ${version} in the blob store is not the job's (sha256 ${blob.sha256}, the job's is ${record.sha256}): not served`);
              return undefined;
            }
            const v = this.#describe(blob);
            this.#keepInMemory(v);
            this.broadcasts.published(version, v.info.total_bytes, v.info.published_at_ms);
            this.#log(`weights: version ${version} (${v.info.total_bytes} bytes) read back from the blob store`);
            return v;
          },
          (err: unknown) => {
            if (!(err instanceof DataError)) throw err;
            this.#log(`weights: version ${version} cannot be served: ${err.message}`);
            return undefined;
          },
        )
        .finally(() => this.#loading.delete(version));
      this.#loading.set(version, p);
    }
    return p;
  }

  #notFound(version: number): NotFoundError {
    const v = version === 0 ? this.#latest : version;
    let hint = `the coordinator keeps versions ${this.oldestKept}..${this.#latest}; fetch the latest (0)`;
    if (this.#latest === 0) hint = 'nothing is published yet; wait for the learner';
    else if (v >= this.oldestKept && v <= this.#latest)
      hint = `its bytes are gone (${this.deps.blobs === undefined ? 'this coordinator keeps weights only in memory and restarted' : 'not in the blob store'}); the next version published will be fetchable`;
    return new NotFoundError('weight version', String(version), hint);
  }

  /** A kept version; 0 = latest. NotFoundError when unknown, evicted, or its bytes are gone. */
  async get(version: number): Promise<StoredVersion> {
    const v = version === 0 ? this.#latest : version;
    const found = this.#versions.get(v) ?? (await this.#load(v));
    if (found === undefined) throw this.#notFound(version);
    return found;
  }

  /**
   * Publish the file carried by `chunks`: checks order, sizes and sha256 (ChecksumMismatchError),
   * stores the bytes (blob store), records the version in the state store (latest + 1; the same
   * version and sha256 again is a no-op), keeps the bytes and tells every listener. A gap or a
   * rewritten version is an InvalidArgumentError naming `version`, and nothing is stored.
   */
  async publish(chunks: readonly WeightChunk[]): Promise<WeightVersion> {
    const bytes = assembleWeights(chunks);
    const { version, step, sha256 } = chunks[0]!;
    const known = this.#versions.get(version);
    if (known !== undefined && known.info.sha256 === sha256) return known.info;
    const job = await this.deps.store.getJob();
    // No job record: the store refuses (NotFoundError 'job') before anything is stored.
    if (job === null) await this.deps.store.publishVersion({ version, step, sha256, now: this.deps.clock() });
    const latest = job?.weightVersion ?? 0;
    if (job !== null && version !== latest + 1 && !(version === latest && sha256 === job.weightSha256)) {
      throw new InvalidArgumentError(
        'version',
        `is ${version} (sha256 ${sha256}); the latest is ${latest} (sha256 ${job.weightSha256}): publish ${latest + 1}`,
      );
    }
    const blob: WeightBlob = { version, step, sha256, publishedAtMs: this.deps.clock(), bytes };
    const stored = this.#describe(blob);
    await this.deps.blobs?.put(blob);
    try {
      await this.deps.store.publishVersion({ version, step, sha256, now: this.deps.clock() });
    } catch (err) {
      if (err instanceof StateConflictError) throw new InvalidArgumentError('version', err.message);
      throw err;
    }
    this.#latest = Math.max(this.#latest, version);
    this.#keepInMemory(stored);
    this.broadcasts.published(version, stored.info.total_bytes, stored.info.published_at_ms);
    for (const l of this.#listeners) l(stored.info);
    return stored.info;
  }

  /** Call `listener` for every version published from now on; returns the unsubscribe. */
  watch(listener: VersionListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
