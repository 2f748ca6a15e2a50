/**
 * The Weights service (docs/PROTOCOL.md "Weights in chunks"): PublishWeights from the learner
 * (client stream, sha256 checked before the version becomes visible), GetVersion, FetchWeights
 * (server stream from `start_index`, so a broken fetch resumes) and WatchVersions (the latest
 * version newer than `after_version` at once, then every new one, until the client cancels).
 * FetchWeights reports the bytes it writes and each completed stream to `registry.broadcasts`.
 */
import type * as grpc from '@grpc/grpc-js';
import { chunkWeights } from '../../proto/chunks.js';
import { toStatus } from '../../proto/status.js';
import type { FetchWeightsRequest, PublishWeightsResponse, WatchVersionsRequest, WeightChunk, WeightVersion, WeightsHandlers } from '../../proto/types.js';
import type { WeightRegistry } from './weight-registry.js';

export interface WeightsServiceDeps {
  readonly registry: WeightRegistry;
  readonly logger: (line: string) => void;
}

export function weightsHandlers(deps: WeightsServiceDeps): WeightsHandlers {
  const { registry, logger } = deps;
  return {
    GetVersion: (_call, callback) => callback(null, registry.latestInfo()),

    FetchWeights: (call: grpc.ServerWritableStream<FetchWeightsRequest, WeightChunk>) => {
      try {
        const { info, bytes } = registry.get(call.request.version);
        for (const chunk of chunkWeights(bytes, {
          version: info.version,
          step: info.step,
          chunkBytes: info.chunk_bytes,
          startIndex: call.request.start_index,
        })) {
          if (call.cancelled) return;
          call.write(chunk);
          registry.broadcasts.sent(info.version, chunk.data.length);
        }
        call.end();
        // Every chunk was handed to the stream: this worker is at the version (the dashboard's weights table).
        registry.broadcasts.fetched(info.version, call.request.worker_id);
      } catch (err) {
        call.emit('error', toStatus(err));
      }
    },

    PublishWeights: (call: grpc.ServerReadableStream<WeightChunk, PublishWeightsResponse>, callback) => {
      const chunks: WeightChunk[] = [];
      call.on('data', (c: WeightChunk) => chunks.push(c));
      call.on('error', () => {}); // the client went away; nothing was published
      call.on('end', () => {
        registry.publish(chunks).then(
          (published) => {
            logger(
              `weights: version ${published.version} (step ${published.step}, ${published.total_bytes} bytes, sha256 ${published.sha256.slice(0, 12)}…) published`,
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
  };
}
