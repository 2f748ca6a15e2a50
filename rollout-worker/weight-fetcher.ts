/**
 * How a worker gets a weight version (docs/PROTOCOL.md "Relayed broadcast"):
 *
 *   ResolveSource(version, my relay address, sources that failed me)  → a peer or the coordinator
 *   FetchWeights from it, from my first missing chunk, into HeldWeights (which relays each chunk
 *   onwards as it lands and hashes the file once, as it arrives)
 *   a peer that dies, stalls (no chunk for `stallMs`), answers NOT_FOUND or sends a bad chunk
 *   → exclude it, resolve again at once, resume at the first missing chunk
 *   the coordinator unreachable → back off (`retry`) and resume; NOT_FOUND from the coordinator
 *   → the version is gone: the caller resolves the latest again
 *   all chunks → sha256 checked → ReportFetch(what came from whom) → the file
 *
 * A coordinator without ResolveSource (older build: UNIMPLEMENTED) is fetched from directly.
 */
import { fromStatus } from '../proto/status.js';
import { isRetryable } from '../proto/status.js';
import { unary } from '../proto/call.js';
import { ChecksumMismatchError, NotFoundError, RpcError } from '../proto/errors.js';
import type { RetryPolicy } from '../proto/retry.js';
import type { FetchWeightsRequest, FetchedFrom, PeerWeightsClient, WeightChunk, WeightSource, WeightVersion, WeightsClient } from '../proto/types.js';
import type * as grpc from '@grpc/grpc-js';
import { AnomseerError, ShapeError } from '../shared/errors.js';
import type { HeldWeights, IncomingVersion } from './held-weights.js';

export interface WeightFetcherOptions {
  /** The coordinator's Weights client. */
  readonly weights: WeightsClient;
  /** A PeerWeights client for a peer's address (cache them: one channel per peer). */
  readonly peer: (address: string) => PeerWeightsClient;
  readonly held: HeldWeights;
  /** This worker's relay address, announced in ResolveSource; '' = it relays nothing. */
  readonly peerAddress: () => string;
  readonly clock: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly logger: (line: string) => void;
  /** Backoff between tries against the coordinator; null = give up. */
  readonly retry: RetryPolicy;
  /** Unary deadline, ms (default 30 s). A stream's deadline adds 1 s per MiB. */
  readonly rpcDeadlineMs?: number;
  /** A source that sends no chunk for this long is given up (default 15 s). */
  readonly stallMs?: number;
}

/** A fetched version: its announcement, the file (the wire file: F16 when `info.encoding` says so) and where the bytes came from. */
export interface FetchedVersion {
  readonly info: WeightVersion;
  readonly bytes: Buffer;
  readonly sources: readonly FetchedFrom[];
}

const UNIMPLEMENTED = 12;

export class WeightFetcher {
  readonly #o: WeightFetcherOptions;
  #legacy = false;

  constructor(o: WeightFetcherOptions) {
    this.#o = o;
  }

  async #resolve(workerId: string, version: number, exclude: readonly string[]): Promise<WeightSource> {
    const deadlineMs = this.#o.rpcDeadlineMs;
    if (!this.#legacy) {
      try {
        const req = { worker_id: workerId, version, peer_address: this.#o.peerAddress(), exclude_worker_ids: [...exclude] };
        return await unary(this.#o.weights, this.#o.weights.ResolveSource, req, { deadlineMs });
      } catch (err) {
        if (!(err instanceof RpcError && err.grpcCode === UNIMPLEMENTED)) throw err;
        this.#legacy = true;
        this.#o.logger(`worker ${workerId}: the coordinator does not relay weights (no ResolveSource); fetching from it directly`);
      }
    }
    // An older coordinator: it can only describe its latest version (the one callers ask for).
    const info = await unary(this.#o.weights, this.#o.weights.GetVersion, {}, { deadlineMs });
    if (info.version === 0) throw new NotFoundError('weight version', String(version), 'nothing is published yet; wait for the learner');
    return { version: info, worker_id: '', address: '' };
  }

  /** Stream `incoming`'s missing chunks from `source`; resolves when complete, rejects with the source's (revived) failure. */
  #stream(source: WeightSource, incoming: IncomingVersion, workerId: string, got: FetchedFrom): Promise<void> {
    const req: FetchWeightsRequest = { version: incoming.version, start_index: incoming.chunks, worker_id: workerId };
    const left = incoming.buffer.length - incoming.chunks * incoming.info.chunk_bytes;
    const deadline = new Date(this.#o.clock() + (this.#o.rpcDeadlineMs ?? 30_000) + Math.ceil(Math.max(0, left) / 1_048_576) * 1000);
    const call: grpc.ClientReadableStream<WeightChunk> =
      source.address === '' ? this.#o.weights.FetchWeights(req, { deadline }) : this.#o.peer(source.address).FetchWeights(req, { deadline });
    const stallMs = this.#o.stallMs ?? 15_000;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const settle = (err?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err === undefined) resolve();
        else {
          call.cancel();
          reject(err);
        }
      };
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => settle(new RpcError(4, 'DEADLINE_EXCEEDED', `no weight chunk for ${stallMs} ms`)), stallMs);
        timer.unref();
      };
      arm();
      call.on('data', (c: WeightChunk) => {
        if (settled) return;
        try {
          incoming.accept(c);
        } catch (err) {
          settle(err);
          return;
        }
        got.bytes += c.data.length;
        got.chunks += 1;
        arm();
        if (incoming.complete) settle();
      });
      call.on('error', (err: grpc.ServiceError) => settle(fromStatus(err)));
      call.on('end', () => settle(incoming.complete ? undefined : new ShapeError(`the stream ended after ${incoming.chunks} of ${incoming.total} chunks`)));
    });
  }

  /**
   * Fetch `version` (0 = the latest), or return it at once when it is held complete. NotFoundError
   * when the coordinator no longer has it; other errors once the retry policy gives up.
   */
  async fetch(version: number, workerId: string): Promise<FetchedVersion> {
    const exclude: string[] = [];
    const sources: FetchedFrom[] = [];
    const started = this.#o.clock();
    let failures = 0;
    for (;;) {
      let source: WeightSource;
      try {
        source = await this.#resolve(workerId, version, exclude);
      } catch (err) {
        const wait = isRetryable(err) ? this.#o.retry(++failures, this.#o.clock() - started) : null;
        if (wait === null) throw err;
        await this.#o.sleep(wait);
        continue;
      }
      const info = source.version!;
      const incoming = this.#o.held.begin(info);
      if (incoming.complete) return { info, bytes: incoming.buffer, sources };
      const got: FetchedFrom = { worker_id: source.worker_id, bytes: 0, chunks: 0 };
      const from = source.worker_id === '' ? 'the coordinator' : `peer ${source.worker_id} (${source.address})`;
      try {
        await this.#stream(source, incoming, workerId, got);
        if (got.chunks > 0) sources.push(got);
        this.#report(workerId, info.version, true, sources);
        return { info, bytes: incoming.buffer, sources };
      } catch (err) {
        if (got.chunks > 0) sources.push(got);
        const what = err instanceof Error ? err.message : String(err);
        if (err instanceof ChecksumMismatchError) {
          // The copy was bad (and is reset to chunk 0); start over without the peers it came from.
          for (const s of sources) if (s.worker_id !== '' && !exclude.includes(s.worker_id)) exclude.push(s.worker_id);
          this.#o.logger(`worker ${workerId}: version ${info.version} failed its checksum (${what}); fetching it again`);
          if (++failures > 3) {
            this.#o.held.drop(info.version, err);
            throw err;
          }
          continue;
        }
        if (source.worker_id !== '') {
          exclude.push(source.worker_id);
          this.#o.logger(
            `worker ${workerId}: ${from} failed after ${incoming.chunks} of ${incoming.total} chunks of version ${info.version} (${what}); resolving another source`,
          );
          continue;
        }
        const wait = isRetryable(err) || err instanceof ShapeError ? this.#o.retry(++failures, this.#o.clock() - started) : null;
        if (wait === null) {
          this.#report(workerId, info.version, false, sources);
          this.#o.held.drop(info.version, err instanceof Error ? err : new Error(String(err)));
          throw err;
        }
        this.#o.logger(`worker ${workerId}: weight fetch from ${from} broke after ${incoming.chunks} chunk(s) (${what}); resuming`);
        await this.#o.sleep(wait);
      }
    }
  }

  /** Tell the coordinator what this fetch received from whom; best effort (the dashboard only). */
  #report(workerId: string, version: number, complete: boolean, sources: readonly FetchedFrom[]): void {
    if (this.#legacy || workerId === '') return;
    unary(
      this.#o.weights,
      this.#o.weights.ReportFetch,
      { worker_id: workerId, version, complete, sources: [...sources] },
      { deadlineMs: this.#o.rpcDeadlineMs },
    ).catch((err: unknown) => {
      if (err instanceof AnomseerError) return; // an older coordinator, or a restart: the table misses one row
      this.#o.logger(`worker ${workerId}: ReportFetch failed: ${String(err)}`);
    });
  }
}
