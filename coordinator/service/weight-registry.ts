/**
 * The weight versions a coordinator serves: the bytes of the most recent `keep` versions, in
 * memory, and the listeners (WatchVersions streams) told about each new one. The store records
 * the version number and sha256 (durable); the bytes live here, so a coordinator restarted on
 * Redis serves nothing until the learner publishes again.
 */
import { assembleWeights, describeWeights, DEFAULT_CHUNK_BYTES } from '../../proto/chunks.js';
import { NotFoundError } from '../../proto/errors.js';
import type { WeightChunk, WeightVersion } from '../../proto/types.js';
import { InvalidArgumentError } from '../../shared/errors.js';
import type { JobRecord, StateStore } from '../state/store.js';
import { StateConflictError } from '../state/errors.js';
import { BroadcastLog } from '../../dashboard/broadcast-log.js';

export interface StoredVersion {
  readonly info: WeightVersion;
  readonly bytes: Buffer;
}

export type VersionListener = (v: WeightVersion) => void;

export interface WeightRegistryDeps {
  readonly store: StateStore;
  /** Coordinator clock, ms since epoch. */
  readonly clock: () => number;
  /** Versions kept for FetchWeights (older ones answer NOT_FOUND); at least 1. */
  readonly keep: number;
  /** Chunk size FetchWeights uses, bytes (default 1 MiB). */
  readonly chunkBytes?: number;
  /** Versions the broadcast log keeps for the dashboard (default 20). */
  readonly broadcastsKept?: number;
}

/** The answer for "nothing published yet". */
export const NO_VERSION: WeightVersion = Object.freeze({ version: 0, step: 0, sha256: '', total_bytes: 0, chunk_count: 0, chunk_bytes: 0, published_at_ms: 0 });

export class WeightRegistry {
  readonly #versions = new Map<number, StoredVersion>();
  readonly #listeners = new Set<VersionListener>();
  #latest = 0;
  readonly chunkBytes: number;
  /** How each version reached the workers (published here; FetchWeights reports sends and completions). */
  readonly broadcasts: BroadcastLog;

  constructor(private readonly deps: WeightRegistryDeps) {
    this.chunkBytes = deps.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    this.broadcasts = new BroadcastLog({ clock: deps.clock, keep: deps.broadcastsKept });
  }

  get latest(): number {
    return this.#latest;
  }

  /** The latest version (NO_VERSION before any; without chunk fields when only its record survived a restart). */
  latestInfo(): WeightVersion {
    return this.#versions.get(this.#latest)?.info ?? this.#restored ?? NO_VERSION;
  }

  #restored: WeightVersion | undefined;

  /**
   * After a restart on a durable store: the job's latest version number counts for staleness
   * at once; its bytes are gone, so FetchWeights answers NOT_FOUND until the learner publishes.
   */
  restore(job: JobRecord): void {
    if (job.weightVersion <= this.#latest) return;
    this.#latest = job.weightVersion;
    this.#restored = { ...NO_VERSION, version: job.weightVersion, step: job.step, sha256: job.weightSha256 };
  }

  /**
   * A learner resume set the job's history back (or a rebuild set it, docs/CLUSTER.md "Learner
   * resume"): `job.weightVersion` is the latest again; kept versions above it (or of its number
   * with another sha256) are forgotten, so their bytes are never served for the new lineage.
   */
  reset(job: JobRecord): void {
    for (const [v, kept] of [...this.#versions]) {
      if (v > job.weightVersion || (v === job.weightVersion && kept.info.sha256 !== job.weightSha256)) this.#versions.delete(v);
    }
    this.#latest = job.weightVersion;
    this.#restored = job.weightVersion === 0 ? undefined : { ...NO_VERSION, version: job.weightVersion, step: job.step, sha256: job.weightSha256 };
  }

  /**
   * The latest version when only its record is known (restored after a restart, or set by a
   * resume) and its bytes are not here: the learner is asked to publish it again (TakeGroups
   * `weights_wanted`). 0 when the latest bytes are held, or nothing is published.
   */
  wanted(): number {
    return this.#latest > 0 && !this.#versions.has(this.#latest) ? this.#latest : 0;
  }

  /** A kept version; 0 = latest. NotFoundError when unknown or evicted. */
  get(version: number): StoredVersion {
    const v = this.#versions.get(version === 0 ? this.#latest : version);
    if (v === undefined) {
      throw new NotFoundError(
        'weight version',
        String(version),
        this.#latest === 0
          ? 'nothing is published yet; wait for the learner'
          : `the coordinator keeps versions ${Math.max(1, this.#latest - this.deps.keep + 1)}..${this.#latest}; fetch the latest (0)`,
      );
    }
    return v;
  }

  /**
   * Publish the file carried by `chunks`: checks order, sizes and sha256 (ChecksumMismatchError),
   * records it in the store (latest + 1; the same version and sha256 again is a no-op), keeps the
   * bytes and tells every listener. A gap or a rewritten version is an InvalidArgumentError naming `version`.
   */
  async publish(chunks: readonly WeightChunk[]): Promise<WeightVersion> {
    const bytes = assembleWeights(chunks);
    const { version, step } = chunks[0]!;
    const known = this.#versions.get(version);
    if (known !== undefined && known.info.sha256 === chunks[0]!.sha256) return known.info;
    try {
      await this.deps.store.publishVersion({ version, step, sha256: chunks[0]!.sha256, now: this.deps.clock() });
    } catch (err) {
      if (err instanceof StateConflictError) throw new InvalidArgumentError('version', err.message);
      throw err;
    }
    const info = describeWeights(bytes, { version, step, chunkBytes: this.chunkBytes, publishedAtMs: this.deps.clock() });
    this.#versions.set(version, { info, bytes });
    this.broadcasts.published(version, info.total_bytes, info.published_at_ms);
    this.#latest = Math.max(this.#latest, version);
    for (const v of [...this.#versions.keys()]) if (v <= this.#latest - this.deps.keep) this.#versions.delete(v);
    for (const l of this.#listeners) l(info);
    return info;
  }

  /** Call `listener` for every version published from now on; returns the unsubscribe. */
  watch(listener: VersionListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
