/**
 * Sending weight chunks on a server stream, for the two servers that do it (the coordinator's
 * Weights.FetchWeights and a worker's PeerWeights.FetchWeights): one chunk at a time, waiting
 * for the stream to drain before the next (so a slow receiver holds at most grpc-js's buffer
 * and one chunk, never the whole file), stopping as soon as the receiver goes away, and, when
 * an egress cap is given, no faster than the cap allows.
 *
 * Example (a peer relaying chunks as they arrive):
 *   const outcome = await writeChunks(call, held.chunksFrom(start), { pacer, onSent: (n) => sent += n });
 *   if (outcome === 'done') call.end();
 */
import type * as grpc from '@grpc/grpc-js';
import { ConfigError } from '../shared/errors.js';
import type { WeightChunk } from './types.js';

/**
 * An egress cap shared by every stream of one process: chunks leave at most `bytesPerSecond`
 * on average. Each chunk is given the next free slot of a virtual link (start = max(now, end
 * of the previous chunk's slot), length = bytes / rate) and waits until its slot starts.
 * Use it to leave room on a host's link for other traffic; the broadcast bench uses it to give
 * every process of one machine a link of its own. Clock and sleep are injected.
 */
export class EgressPacer {
  readonly bytesPerSecond: number;
  readonly #clock: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  /** Clock time (ms) when the link is free again. */
  #freeAt = 0;

  constructor(o: { bytesPerSecond: number; clock: () => number; sleep: (ms: number) => Promise<void> }) {
    if (!Number.isFinite(o.bytesPerSecond) || o.bytesPerSecond <= 0)
      throw new ConfigError('egressBytesPerSecond', `is ${o.bytesPerSecond}; expected a number > 0`);
    this.bytesPerSecond = o.bytesPerSecond;
    this.#clock = o.clock;
    this.#sleep = o.sleep;
  }

  /** Wait for the slot of `bytes` bytes. */
  async take(bytes: number): Promise<void> {
    const now = this.#clock();
    const start = Math.max(now, this.#freeAt);
    this.#freeAt = start + (bytes * 1000) / this.bytesPerSecond;
    if (start > now) await this.#sleep(start - now);
  }
}

export interface WriteChunksOptions {
  readonly pacer?: EgressPacer;
  /** Called with each chunk's data length once the chunk was handed to the stream. */
  readonly onSent?: (bytes: number) => void;
}

/** Resolves true when the stream can take more, false when the receiver went away. */
function drained(call: grpc.ServerWritableStream<unknown, WeightChunk>): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => () => {
      call.off('drain', onDrain);
      call.off('cancelled', onGone);
      call.off('close', onGone);
      resolve(ok);
    };
    const onDrain = done(true);
    const onGone = done(false);
    call.once('drain', onDrain);
    call.once('cancelled', onGone);
    call.once('close', onGone);
  });
}

/**
 * Write `chunks` to `call` in order. Resolves 'done' after the last one was handed to the
 * stream (the caller ends it), or 'cancelled' as soon as the receiver is gone. Errors of the
 * chunk source reject (the caller answers them with a status).
 */
export async function writeChunks(
  call: grpc.ServerWritableStream<unknown, WeightChunk>,
  chunks: Iterable<WeightChunk> | AsyncIterable<WeightChunk>,
  o: WriteChunksOptions = {},
): Promise<'done' | 'cancelled'> {
  for await (const chunk of chunks) {
    if (call.cancelled || call.destroyed) return 'cancelled';
    if (o.pacer !== undefined) await o.pacer.take(chunk.data.length);
    if (call.cancelled || call.destroyed) return 'cancelled';
    const more = call.write(chunk);
    o.onSent?.(chunk.data.length);
    if (!more && !(await drained(call))) return 'cancelled';
  }
  return call.cancelled ? 'cancelled' : 'done';
}
