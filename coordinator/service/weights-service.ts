/**
 * The Weights service (docs/PROTOCOL.md "Weights in chunks", "Relayed broadcast"):
 *
 *   PublishWeights  from the learner (client stream; sha256 checked, stored, then visible)
 *   GetVersion      the latest version (read back from the blob store after a restart)
 *   FetchWeights    server stream of a version's wire file from `start_index` (resume), with
 *                   back-pressure and the optional egress cap; never re-hashes the file
 *   WatchVersions   the latest version newer than `after_version` at once, then every new one
 *   ResolveSource   where a worker fetches a version from: a peer or this coordinator
 *   AnnouncePeer    a worker's relay address and held versions (liveness for the directory)
 *   ReportFetch     what a worker received from whom (the dashboard's weights table)
 *
 * FetchWeights reports the bytes it writes and each completed stream to `registry.broadcasts`.
 */
import type * as grpc from '@grpc/grpc-js';
import { chunkWeights } from '../../proto/chunks.js';
import { writeChunks } from '../../proto/chunk-stream.js';
import type { EgressPacer } from '../../proto/chunk-stream.js';
import { toStatus } from '../../proto/status.js';
import type {
  AnnouncePeerRequest,
  AnnouncePeerResponse,
  FetchWeightsRequest,
  PublishWeightsResponse,
  ReportFetchRequest,
  ReportFetchResponse,
  ResolveSourceRequest,
  WatchVersionsRequest,
  WeightChunk,
  WeightSource,
  WeightVersion,
  WeightsHandlers,
} from '../../proto/types.js';
import { AnomseerError, InvalidArgumentError } from '../../shared/errors.js';
import type { WeightRegistry } from './weight-registry.js';
import { hostOfPeer } from './weight-relays.js';
import type { WeightRelays } from './weight-relays.js';

export interface WeightsServiceDeps {
  readonly registry: WeightRegistry;
  /** The relay directory (absent: every worker is told to fetch from this coordinator). */
  readonly relays?: WeightRelays;
  /** How often workers announce themselves, ms (AnnouncePeer's answer). */
  readonly announceIntervalMs?: number;
  /** Cap on the bytes per second FetchWeights sends, over all streams (absent: no cap). */
  readonly egress?: EgressPacer;
  readonly logger: (line: string) => void;
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** host:port with a port in 1..65535, or '' (relays nothing). */
export function checkPeerAddress(address: string): string {
  if (address === '') return address;
  const m = HOST_PORT.exec(address);
  if (m === null || Number(m[2]) < 1 || Number(m[2]) > 65535)
    throw new InvalidArgumentError('peer_address', `is ${JSON.stringify(address)}; expected host:port with a port in [1, 65535], or empty`);
  return address;
}

function unaryCall<Req, Res>(
  logger: (line: string) => void,
  name: string,
  fn: (call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    fn(call).then(
      (res) => callback(null, res),
      (err: unknown) => {
        if (!(err instanceof AnomseerError)) logger(`weights: ${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        callback(toStatus(err), null);
      },
    );
  };
}

export function weightsHandlers(deps: WeightsServiceDeps): WeightsHandlers {
  const { registry, relays, logger } = deps;
  const interval = deps.announceIntervalMs ?? 5000;
  return {
    GetVersion: unaryCall(logger, 'GetVersion', () => registry.latestInfoLoaded()),

    FetchWeights: (call: grpc.ServerWritableStream<FetchWeightsRequest, WeightChunk>) => {
      const run = async () => {
        const { info, wire } = await registry.get(call.request.version);
        const chunks = chunkWeights(wire, {
          version: info.version,
          step: info.step,
          chunkBytes: info.chunk_bytes,
          startIndex: call.request.start_index,
          sha256: info.wire_sha256,
        });
        const outcome = await writeChunks(call, chunks, { pacer: deps.egress, onSent: (n) => registry.broadcasts.sent(info.version, n) });
        if (outcome === 'cancelled') return;
        call.end();
        // Every chunk was handed to the stream: this worker is at the version (the dashboard's weights table).
        registry.broadcasts.fetched(info.version, call.request.worker_id);
      };
      run().catch((err: unknown) => call.emit('error', toStatus(err)));
    },

    PublishWeights: (call: grpc.ServerReadableStream<WeightChunk, PublishWeightsResponse>, callback) => {
      const chunks: WeightChunk[] = [];
      call.on('data', (c: WeightChunk) => chunks.push(c));
      call.on('error', () => {}); // the client went away; nothing was published
      call.on('end', () => {
        registry.publish(chunks).then(
          (published) => {
            relays?.forgetBelow(registry.oldestKept);
            logger(
              `weights: version ${published.version} (step ${published.step}, ${published.total_bytes} bytes, sha256 ${published.sha256.slice(0, 12)}…${published.encoding === '' ? '' : `, sent as ${published.encoding} ${published.wire_bytes} bytes`}) published`,
            );
            callback(null, { published });
          },
          (err: unknown) => callback(toStatus(err), null),
        );
      });
    },

    WatchVersions: (call: grpc.ServerWritableStream<WatchVersionsRequest, WeightVersion>) => {
      const after = call.request.after_version;
      const latest = registry.latestInfo();
      if (latest.version > after) call.write(latest);
      const stop = registry.watch((v) => {
        if (v.version > after && !call.cancelled) call.write(v);
      });
      call.on('cancelled', stop);
      call.on('close', stop);
      call.on('error', stop);
    },

    ResolveSource: unaryCall(logger, 'ResolveSource', async (call: grpc.ServerUnaryCall<ResolveSourceRequest, WeightSource>) => {
      const req = call.request;
      const address = checkPeerAddress(req.peer_address);
      if (address !== '' && req.worker_id === '')
        throw new InvalidArgumentError('worker_id', 'is empty; a worker that relays (peer_address set) must name itself');
      const { info } = await registry.get(req.version);
      if (relays === undefined || req.worker_id === '') return { version: info, worker_id: '', address: '' };
      const source = relays.resolve({
        workerId: req.worker_id,
        version: info.version,
        address,
        seenFrom: hostOfPeer(call.getPeer()),
        exclude: req.exclude_worker_ids,
      });
      if (req.exclude_worker_ids.length > 0) {
        logger(
          `weights: worker ${req.worker_id} lost source(s) ${req.exclude_worker_ids.join(', ')} for version ${info.version}; now fetching from ${source.workerId === '' ? 'the coordinator' : source.workerId}`,
        );
      }
      return { version: info, worker_id: source.workerId, address: source.address };
    }),

    AnnouncePeer: unaryCall(logger, 'AnnouncePeer', async (call: grpc.ServerUnaryCall<AnnouncePeerRequest, AnnouncePeerResponse>) => {
      const req = call.request;
      const address = checkPeerAddress(req.peer_address);
      if (req.worker_id === '') throw new InvalidArgumentError('worker_id', 'is empty; announce after RegisterWorker gave the worker its id');
      relays?.sweep();
      relays?.seen(req.worker_id, address, hostOfPeer(call.getPeer()), req.held);
      return { announce_interval_ms: interval };
    }),

    ReportFetch: unaryCall(logger, 'ReportFetch', async (call: grpc.ServerUnaryCall<ReportFetchRequest, ReportFetchResponse>) => {
      const req = call.request;
      relays?.finished(req.worker_id, req.version, req.complete);
      registry.broadcasts.received(
        req.version,
        req.worker_id,
        req.sources.map((s) => ({ from: s.worker_id, bytes: s.bytes })),
        req.complete,
      );
      return {};
    }),
  };
}
