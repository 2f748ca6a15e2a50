/**
 * Weight files on the wire: split a model.safetensors file into WeightChunk messages and put
 * them back together, checking order, sizes and the sha256 of the whole file.
 *
 * Example (5 MB file, 1 MiB chunks → 5 chunks, the last one 5_000_000 − 4·1_048_576 bytes):
 *   for (const chunk of chunkWeights(bytes, { version: 3, step: 40 })) call.write(chunk);
 *   const file = assembleWeights(received);   // throws when anything is off
 */
import { createHash } from 'node:crypto';
import { ShapeError } from '../shared/errors.js';
import { ChecksumMismatchError } from './errors.js';
import { MiB } from './options.js';
import type { WeightChunk, WeightVersion } from './types.js';

/** Chunk size when none is given, bytes. */
export const DEFAULT_CHUNK_BYTES = MiB;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Smallest and largest chunk `broadcastChunkBytes` picks, bytes. */
export const BROADCAST_CHUNK_RANGE = Object.freeze({ min: 64 * 1024, max: MiB });

/**
 * The chunk size a version is broadcast in: about 1/64 of the file, a power of two between
 * 64 KiB and 1 MiB. A relay forwards a chunk once it has all of it, so each hop of a chain
 * adds one chunk's transfer time: with 64 chunks a chain of 16 workers takes about
 * (64 + 15) / 64 ≈ 1.23 × the time of one worker, whatever the file size. Examples:
 * 4 MB → 64 KiB (62 chunks); 256 MiB → 1 MiB (256 chunks); 100 KB → 64 KiB (2 chunks).
 */
export function broadcastChunkBytes(totalBytes: number): number {
  const want = 2 ** Math.ceil(Math.log2(Math.max(1, totalBytes / 64)));
  return Math.min(BROADCAST_CHUNK_RANGE.max, Math.max(BROADCAST_CHUNK_RANGE.min, want));
}

/**
 * Describe a file as the WeightVersion the coordinator announces (hashes `bytes` once unless
 * `sha256` is given). The wire fields say the file is sent as it is (encoding '').
 */
export function describeWeights(
  bytes: Uint8Array,
  opts: { version: number; step: number; chunkBytes?: number; publishedAtMs?: number; sha256?: string },
): WeightVersion {
  const chunkBytes = checkChunkBytes(opts.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  const sha256 = opts.sha256 ?? sha256Hex(bytes);
  return {
    version: opts.version,
    step: opts.step,
    sha256,
    total_bytes: bytes.length,
    chunk_count: chunkCount(bytes.length, chunkBytes),
    chunk_bytes: chunkBytes,
    published_at_ms: opts.publishedAtMs ?? 0,
    encoding: '',
    wire_sha256: sha256,
    wire_bytes: bytes.length,
  };
}

/** Chunks of a `totalBytes` file in `chunkBytes` pieces (an empty file is one empty chunk). */
export function chunkCount(totalBytes: number, chunkBytes: number): number {
  return Math.max(1, Math.ceil(totalBytes / chunkBytes));
}

function checkChunkBytes(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new ShapeError(`chunk size is ${n} bytes; expected an integer >= 1`);
  return n;
}

/**
 * The chunks of one file, in order, starting at `startIndex` (resume). An empty file is one
 * empty chunk, so a receiver always sees `total` >= 1. Chunk data are views of `bytes`, not copies.
 * Pass the file's `sha256` when it is known: the file is then not hashed again (a server
 * sending the same version to many workers hashes it once, at publish).
 */
export function* chunkWeights(
  bytes: Uint8Array,
  opts: { version: number; step: number; chunkBytes?: number; startIndex?: number; sha256?: string },
): Generator<WeightChunk> {
  const info = describeWeights(bytes, opts);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let index = opts.startIndex ?? 0; index < info.chunk_count; index += 1) {
    const offset = index * info.chunk_bytes;
    yield {
      version: info.version,
      index,
      total: info.chunk_count,
      data: buf.subarray(offset, Math.min(offset + info.chunk_bytes, buf.length)),
      sha256: info.sha256,
      total_bytes: info.total_bytes,
      offset,
      step: info.step,
    };
  }
}

/**
 * Reassemble one version from all of its chunks (index 0 .. total-1, in order). Throws
 * ShapeError when chunks are missing, out of order, of another version or do not add up to
 * total_bytes, and ChecksumMismatchError when the file does not hash to the announced sha256.
 */
export function assembleWeights(chunks: readonly WeightChunk[]): Buffer {
  if (chunks.length === 0) throw new ShapeError('no weight chunks received; expected at least 1');
  const first = chunks[0]!;
  if (chunks.length !== first.total) throw new ShapeError(`received ${chunks.length} weight chunks; version ${first.version} has ${first.total}`);
  let offset = 0;
  chunks.forEach((c, i) => {
    if (c.version !== first.version || c.sha256 !== first.sha256 || c.total !== first.total || c.total_bytes !== first.total_bytes) {
      throw new ShapeError(
        `weight chunk ${i} belongs to version ${c.version} (sha256 ${c.sha256}); expected version ${first.version} (sha256 ${first.sha256})`,
      );
    }
    if (c.index !== i) throw new ShapeError(`weight chunk at position ${i} has index ${c.index}; chunks must arrive in order`);
    if (c.offset !== offset) throw new ShapeError(`weight chunk ${i} starts at byte ${c.offset}; expected ${offset}`);
    offset += c.data.length;
  });
  if (offset !== first.total_bytes) throw new ShapeError(`weight chunks hold ${offset} bytes; version ${first.version} has ${first.total_bytes}`);
  const file = Buffer.concat(
    chunks.map((c) => c.data),
    offset,
  );
  const actual = sha256Hex(file);
  if (actual !== first.sha256) throw new ChecksumMismatchError(first.version, first.sha256, actual);
  return file;
}
