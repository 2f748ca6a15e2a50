/**
 * The weight versions a worker holds or is receiving, chunk by chunk, so that it can relay each
 * chunk to other workers the moment it has it (peer-server.ts) while it still receives the rest
 * (weight-fetcher.ts).
 *
 * An `IncomingVersion` is one preallocated buffer of the version's wire file: chunks must
 * arrive in order (index = chunks held), each is copied to its offset and fed to a running
 * sha256, so the file is hashed exactly once, while it arrives; after the last chunk the digest
 * is compared with the announced one (ChecksumMismatchError: the version is reset to zero
 * chunks, and everyone relaying from it fails over). Served chunks are views of the buffer.
 * `HeldWeights` keeps the newest `keep` versions (default 2: the one loaded and the next).
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { ChecksumMismatchError, NotFoundError } from '../proto/errors.js';
import type { HeldVersion, WeightChunk, WeightVersion } from '../proto/types.js';
import { ShapeError } from '../shared/errors.js';

/** The wire file's sha256 and size (an older coordinator leaves the wire fields empty: then the published file is sent). */
export function wireOf(info: WeightVersion): { sha256: string; bytes: number } {
  return info.wire_sha256 === '' ? { sha256: info.sha256, bytes: info.total_bytes } : { sha256: info.wire_sha256, bytes: info.wire_bytes };
}

export class IncomingVersion {
  readonly info: WeightVersion;
  readonly sha256: string;
  readonly buffer: Buffer;
  #chunks = 0;
  #hash: Hash = createHash('sha256');
  #complete = false;
  #failure: Error | undefined;
  /** Counts resets: a relay started on one copy must not continue on the next. */
  #generation = 0;
  #waiters: (() => void)[] = [];

  constructor(info: WeightVersion) {
    this.info = info;
    const wire = wireOf(info);
    this.sha256 = wire.sha256;
    this.buffer = Buffer.allocUnsafe(wire.bytes);
    if (info.chunk_count < 1 || info.chunk_bytes < 1)
      throw new ShapeError(`weight version ${info.version} announces ${info.chunk_count} chunks of ${info.chunk_bytes} bytes`);
  }

  get version(): number {
    return this.info.version;
  }

  /** Chunks 0 .. chunks-1 are held. */
  get chunks(): number {
    return this.#chunks;
  }

  get total(): number {
    return this.info.chunk_count;
  }

  /** Every chunk held and the sha256 verified. */
  get complete(): boolean {
    return this.#complete;
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  #expect(index: number): { offset: number; length: number } {
    const offset = index * this.info.chunk_bytes;
    return { offset, length: Math.min(this.info.chunk_bytes, this.buffer.length - offset) };
  }

  /**
   * Take the next chunk. ShapeError when it is not the next one of this version (wrong index,
   * version, file, offset or size): the sender is broken and nothing is taken. After the last
   * chunk the file's sha256 is checked: ChecksumMismatchError resets the version to 0 chunks.
   */
  accept(c: WeightChunk): void {
    const { offset, length } = this.#expect(this.#chunks);
    if (c.version !== this.version || c.sha256 !== this.sha256 || c.total !== this.total || c.total_bytes !== this.buffer.length)
      throw new ShapeError(`chunk of version ${c.version} (sha256 ${c.sha256.slice(0, 12)}…, ${c.total} chunks) does not belong to version ${this.version}`);
    if (c.index !== this.#chunks) throw new ShapeError(`weight chunk ${c.index} arrived; expected chunk ${this.#chunks} of version ${this.version}`);
    if (c.offset !== offset || c.data.length !== length)
      throw new ShapeError(`weight chunk ${c.index} holds bytes [${c.offset}, ${c.offset + c.data.length}); expected [${offset}, ${offset + length})`);
    c.data.copy(this.buffer, offset);
    this.#hash.update(this.buffer.subarray(offset, offset + length));
    this.#chunks += 1;
    if (this.#chunks === this.total) {
      const actual = this.#hash.digest('hex');
      if (actual !== this.sha256) {
        this.reset();
        throw new ChecksumMismatchError(this.version, this.sha256, actual);
      }
      this.#complete = true;
    }
    this.#wake();
  }

  /** Start over at chunk 0 (after a checksum mismatch): relays of the bad copy fail, so their receivers fall back. */
  reset(): void {
    this.#chunks = 0;
    this.#hash = createHash('sha256');
    this.#complete = false;
    this.#generation += 1;
    this.#wake();
  }

  /** Wake every relay of this version with `err`, now and later (the version was evicted). */
  fail(err: Error): void {
    this.#failure = err;
    this.#wake();
  }

  /** Chunk `index` as a message (data is a view of the buffer); the chunk must be held. */
  chunk(index: number): WeightChunk {
    const { offset, length } = this.#expect(index);
    return {
      version: this.version,
      index,
      total: this.total,
      data: this.buffer.subarray(offset, offset + length),
      sha256: this.sha256,
      total_bytes: this.buffer.length,
      offset,
      step: this.info.step,
    };
  }

  /**
   * Resolves when chunk `index` is held; rejects when the version is evicted first, or when the
   * copy being received since `generation` was found corrupt (ChecksumMismatchError).
   */
  async waitFor(index: number, generation = this.#generation): Promise<void> {
    for (;;) {
      if (this.#failure !== undefined) throw this.#failure;
      if (generation !== this.#generation) throw new ChecksumMismatchError(this.version, this.sha256, 'a corrupt copy (reset)');
      if (index < this.#chunks) return;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Chunks `start` .. total-1, each as soon as it is held (what a relay sends). */
  async *chunksFrom(start: number): AsyncGenerator<WeightChunk> {
    const generation = this.#generation;
    for (let i = start; i < this.total; i++) {
      await this.waitFor(i, generation);
      yield this.chunk(i);
    }
  }
}

export class HeldWeights {
  readonly keep: number;
  readonly #versions = new Map<number, IncomingVersion>();
  /** Relays waiting for a version this worker's own fetch has not begun yet (`whenBegun`). */
  #begun: (() => void)[] = [];

  constructor(keep = 2) {
    if (!Number.isInteger(keep) || keep < 1) throw new RangeError(`HeldWeights keep is ${keep}; expected an integer >= 1`);
    this.keep = keep;
  }

  /** The version, or undefined when not held (0 = the newest held). */
  get(version: number): IncomingVersion | undefined {
    if (version === 0) return this.#versions.get(Math.max(0, ...this.#versions.keys()));
    return this.#versions.get(version);
  }

  /**
   * The version to receive into: the one held when it is the same file, otherwise a new one
   * (older versions beyond `keep` are evicted: their relays end with NOT_FOUND).
   */
  begin(info: WeightVersion): IncomingVersion {
    const have = this.#versions.get(info.version);
    if (have !== undefined && have.sha256 === wireOf(info).sha256 && have.total === info.chunk_count && have.info.chunk_bytes === info.chunk_bytes) return have;
    have?.fail(new NotFoundError('weight version', String(info.version), 'this peer replaced it; ask the coordinator for another source'));
    const v = new IncomingVersion(info);
    this.#versions.set(info.version, v);
    const newest = [...this.#versions.keys()].sort((a, b) => b - a);
    for (const old of newest.slice(this.keep)) {
      this.#versions.get(old)!.fail(new NotFoundError('weight version', String(old), 'this peer no longer holds it; ask the coordinator for another source'));
      this.#versions.delete(old);
    }
    const begun = this.#begun;
    this.#begun = [];
    for (const f of begun) f();
    return v;
  }

  /**
   * The version once this worker's fetch has begun it, or undefined after `waitMs`. The
   * coordinator names a worker as a source the moment the worker asks it where to fetch from,
   * so a child can call before the worker's own stream has started: a version newer than any
   * held is waited for (briefly); one at or below the newest held is answered at once.
   *
   * Example: worker w2 resolves version 7 (w1 is its source); w3 resolves 7 a millisecond later
   * and is sent to w2, whose ResolveSource answer is still on its way: w2's relay waits until
   * w2 begins version 7, then streams its chunks as they land.
   */
  async whenBegun(version: number, waitMs: number): Promise<IncomingVersion | undefined> {
    let timer: NodeJS.Timeout | undefined;
    let expired = false;
    try {
      for (;;) {
        const v = this.#versions.get(version);
        if (v !== undefined || expired || version <= Math.max(0, ...this.#versions.keys())) return v;
        await new Promise<void>((resolve) => {
          this.#begun.push(resolve);
          timer ??= setTimeout(() => {
            expired = true;
            const begun = this.#begun;
            this.#begun = [];
            for (const f of begun) f();
          }, waitMs);
        });
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** Give up on a version (its fetch failed for good): its relays end with `err`, and a later fetch starts afresh. */
  drop(version: number, err: Error): void {
    const v = this.#versions.get(version);
    if (v === undefined || v.complete) return;
    v.fail(err);
    this.#versions.delete(version);
  }

  /** What this worker holds, for AnnouncePeer. */
  held(): HeldVersion[] {
    return [...this.#versions.values()].map((v) => ({ version: v.version, chunks: v.chunks, complete: v.complete }));
  }
}
