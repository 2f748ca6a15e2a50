/**
 * How each weight version reached the workers, for the dashboard's "weights" table: when it
 * was published, its size, the bytes the coordinator's FetchWeights actually streamed for it,
 * the bytes workers relayed to each other, which workers completed a fetch (and from whom they
 * received what), and the time from publish to the last completed fetch.
 *
 * Pure bookkeeping, fed by the Weights service (weight-registry.ts calls `published`,
 * weights-service.ts calls `sent` per chunk written, `fetched` when a stream ends, and
 * `received` for each ReportFetch a worker sends), with an injected clock. With relays
 * (docs/PROTOCOL.md "Relayed broadcast") most workers never stream from the coordinator: they
 * count as updated through their report, and `bytesSent` stays the coordinator's own egress
 * (about one copy per version), `bytesRelayed` what peers sent one another.
 * Memory is bounded: only the newest `keep` versions (default 20) are kept, and per version one
 * entry per worker and source.
 *
 * Example (clock in ms; a 3 MB file fetched by w1 twice and by w2 once):
 *   log.published(4, 3_000_000)        // t = 1000
 *   log.sent(4, 3_000_000); log.fetched(4, 'w1')   // t = 1400
 *   log.sent(4, 3_000_000); log.fetched(4, 'w2')   // t = 2500
 *   log.sent(4, 3_000_000); log.fetched(4, 'w1')   // t = 2600 (w1 again: counted once)
 *   log.list()[0] → { version: 4, bytes: 3e6, bytesSent: 9e6, workersUpdated: 2, publishedAtMs: 1000, lastFetchAtMs: 2600, seconds: 1.6 }
 *
 * Versions the log does not hold are ignored, and the call returns false: a fetch of a version
 * published before this coordinator started (a restart on Redis) or already evicted from the
 * log has nothing to be added to, and a stray report must never fail a worker's fetch.
 * Publishing a version the log already holds, or one older than every version of a full log,
 * is ignored the same way (versions are immutable; the first publish time stands).
 */

/** Versions kept when none is given. */
export const DEFAULT_BROADCASTS_KEPT = 20;

/** One version's broadcast, as `list()` reports it. */
export interface BroadcastEntry {
  readonly version: number;
  /** Size of the published file, bytes. */
  readonly bytes: number;
  /** Chunk bytes the coordinator's FetchWeights wrote for this version, over every stream (resumes and repeats included). */
  readonly bytesSent: number;
  /** Chunk bytes workers reported receiving from other workers (relays) for this version. */
  readonly bytesRelayed: number;
  /** Distinct workers that completed a fetch (a fetch without a worker id counts as one more). */
  readonly workersUpdated: number;
  /** Coordinator clock at publish, ms since epoch. */
  readonly publishedAtMs: number;
  /** Clock when the last fetch completed; null before any. */
  readonly lastFetchAtMs: number | null;
  /** (lastFetchAtMs − publishedAtMs) / 1000; null before any fetch completed. */
  readonly seconds: number | null;
  /** Per reporting worker (sorted by id): bytes received from each source ('' = the coordinator), and whether its fetch completed. */
  readonly received: readonly { readonly workerId: string; readonly from: Readonly<Record<string, number>>; readonly complete: boolean }[];
}

export interface BroadcastLogOptions {
  /** ms since epoch. */
  readonly clock: () => number;
  /** Newest versions kept (default 20, at least 1). */
  readonly keep?: number;
}

interface Entry {
  readonly version: number;
  readonly bytes: number;
  readonly publishedAtMs: number;
  bytesSent: number;
  bytesRelayed: number;
  readonly workers: Set<string>;
  /** worker → source → bytes, and completion, from ReportFetch. */
  readonly received: Map<string, { from: Map<string, number>; complete: boolean }>;
  /** Completed fetches that named no worker. */
  anonymous: number;
  lastFetchAtMs: number | null;
}

export class BroadcastLog {
  readonly #entries = new Map<number, Entry>();
  readonly #clock: () => number;
  readonly keep: number;

  constructor(o: BroadcastLogOptions) {
    const keep = o.keep ?? DEFAULT_BROADCASTS_KEPT;
    if (!Number.isInteger(keep) || keep < 1) throw new RangeError(`BroadcastLog keep is ${keep}; expected an integer >= 1`);
    this.#clock = o.clock;
    this.keep = keep;
  }

  /**
   * `version` (of `bytes` bytes) became fetchable now, or at `atMs` when given. Returns false
   * (and changes nothing) when the version is already logged or older than every version of a
   * full log.
   */
  published(version: number, bytes: number, atMs: number = this.#clock()): boolean {
    if (this.#entries.has(version)) return false;
    if (this.#entries.size >= this.keep && version < Math.min(...this.#entries.keys())) return false;
    this.#entries.set(version, {
      version,
      bytes,
      publishedAtMs: atMs,
      bytesSent: 0,
      bytesRelayed: 0,
      workers: new Set(),
      received: new Map(),
      anonymous: 0,
      lastFetchAtMs: null,
    });
    while (this.#entries.size > this.keep) this.#entries.delete(Math.min(...this.#entries.keys()));
    return true;
  }

  /** `bytes` of `version` were written to a fetching worker. False (ignored) for a version not logged. */
  sent(version: number, bytes: number): boolean {
    const e = this.#entries.get(version);
    if (e === undefined) return false;
    e.bytesSent += bytes;
    return true;
  }

  /**
   * A FetchWeights stream of `version` ended with every chunk sent. `workerId` '' (the field is
   * optional on the wire) counts as one more worker. False (ignored) for a version not logged.
   */
  fetched(version: number, workerId: string): boolean {
    const e = this.#entries.get(version);
    if (e === undefined) return false;
    if (workerId === '') e.anonymous += 1;
    else e.workers.add(workerId);
    e.lastFetchAtMs = this.#clock();
    return true;
  }

  /**
   * A worker reported a fetch of `version`: the bytes it received from each source ('' = the
   * coordinator, whose bytes `sent` already counted; others add to `bytesRelayed`). A complete
   * fetch counts the worker as updated, at the report's time. Reports add up (a worker that
   * fetched in two attempts reports twice). False (ignored) for a version not logged or a
   * report without a worker id.
   */
  received(version: number, workerId: string, sources: readonly { readonly from: string; readonly bytes: number }[], complete: boolean): boolean {
    const e = this.#entries.get(version);
    if (e === undefined || workerId === '') return false;
    const r = e.received.get(workerId) ?? { from: new Map<string, number>(), complete: false };
    for (const s of sources) {
      if (!Number.isFinite(s.bytes) || s.bytes < 0) continue;
      r.from.set(s.from, (r.from.get(s.from) ?? 0) + s.bytes);
      if (s.from !== '') e.bytesRelayed += s.bytes;
    }
    r.complete ||= complete;
    e.received.set(workerId, r);
    if (complete) {
      e.workers.add(workerId);
      e.lastFetchAtMs = this.#clock();
    }
    return true;
  }

  /** Every logged version, newest first. */
  list(): BroadcastEntry[] {
    return [...this.#entries.values()]
      .sort((a, b) => b.version - a.version)
      .map((e) => ({
        version: e.version,
        bytes: e.bytes,
        bytesSent: e.bytesSent,
        bytesRelayed: e.bytesRelayed,
        workersUpdated: e.workers.size + e.anonymous,
        publishedAtMs: e.publishedAtMs,
        lastFetchAtMs: e.lastFetchAtMs,
        seconds: e.lastFetchAtMs === null ? null : Math.max(0, e.lastFetchAtMs - e.publishedAtMs) / 1000,
        received: [...e.received]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([workerId, r]) => ({ workerId, from: Object.fromEntries(r.from), complete: r.complete })),
      }));
  }
}
