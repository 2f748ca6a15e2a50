/**
 * A worker's relay server (docs/PROTOCOL.md "Relayed broadcast"): PeerWeights.FetchWeights
 * streams the chunks of a version this worker holds — or is still receiving, each chunk as soon
 * as it arrives — behind the cluster's bearer token, on `listen` (default 127.0.0.1:0: only
 * workers on this machine can reach it; give 0.0.0.0:PORT and an advertised host:port to relay
 * across machines). With `tls` (the worker's own mTLS material: proto/tls.ts `relayTls`) the relay
 * is served over mutual TLS and admits only clients holding a certificate of the cluster CA;
 * without it the token travels in plain text, as to a plain-text coordinator.
 *
 * A version newer than any it holds is waited for a moment (`beginWaitMs`): the coordinator names
 * a worker as a source as soon as it asks where to fetch from, before its own stream starts.
 * A version this worker does not hold, or evicts while sending, ends the stream with NOT_FOUND;
 * a copy found corrupt ends it with DATA_LOSS: the receiver asks the coordinator for another
 * source and resumes at its first missing chunk.
 */
import * as grpc from '@grpc/grpc-js';
import { requireTokenAll } from '../proto/auth.js';
import { writeChunks } from '../proto/chunk-stream.js';
import type { EgressPacer } from '../proto/chunk-stream.js';
import { NotFoundError } from '../proto/errors.js';
import { addService } from '../proto/load.js';
import { serverOptions } from '../proto/options.js';
import { toStatus } from '../proto/status.js';
import { serverCredentials } from '../proto/tls.js';
import type { TlsMaterial } from '../proto/tls.js';
import type { FetchWeightsRequest, PeerWeightsHandlers, WeightChunk } from '../proto/types.js';
import { ConfigError } from '../shared/errors.js';
import type { HeldWeights } from './held-weights.js';

export interface PeerServerOptions {
  readonly held: HeldWeights;
  /** host:port to bind (port 0 = any free port). */
  readonly listen: string;
  /** The cluster token every call must carry. */
  readonly token: string;
  /** Cap on the bytes per second this worker relays, over all streams (absent: none). */
  readonly pacer?: EgressPacer;
  /** Called with each relayed chunk's size (metrics). */
  readonly onSent?: (version: number, bytes: number) => void;
  /** How long a call for a version newer than any held waits for this worker's own fetch to begin it, ms (default 5000). */
  readonly beginWaitMs?: number;
  readonly maxMessageBytes?: number;
  /** Serve over mutual TLS with this material (a CA, a certificate and its key); absent: plain text. */
  readonly tls?: TlsMaterial;
}

export interface PeerServer {
  /** host:port bound (port 0 resolved). */
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

/** The handler table (exported for tests that serve it on their own server). */
export function peerWeightsHandlers(o: Pick<PeerServerOptions, 'held' | 'pacer' | 'onSent' | 'beginWaitMs'>): PeerWeightsHandlers {
  return {
    FetchWeights: (call: grpc.ServerWritableStream<FetchWeightsRequest, WeightChunk>) => {
      const run = async () => {
        // The coordinator may name this worker as a source just before its own fetch begins the version.
        const v = o.held.get(call.request.version) ?? (await o.held.whenBegun(call.request.version, o.beginWaitMs ?? 5000));
        if (v === undefined)
          throw new NotFoundError('weight version', String(call.request.version), 'this peer does not hold it; ask the coordinator for another source');
        const outcome = await writeChunks(call, v.chunksFrom(call.request.start_index), {
          pacer: o.pacer,
          onSent: (n) => o.onSent?.(v.version, n),
        });
        if (outcome === 'done') call.end();
      };
      run().catch((err: unknown) => {
        if (!call.cancelled) call.emit('error', toStatus(err));
      });
    },
  };
}

/** Bind the relay server; ConfigError naming `--peer-listen` when the address is malformed or taken. */
export async function servePeerWeights(o: PeerServerOptions): Promise<PeerServer> {
  const i = o.listen.lastIndexOf(':');
  const host = o.listen.slice(0, i);
  if (i <= 0 || !/^\d{1,5}$/.test(o.listen.slice(i + 1)) || Number(o.listen.slice(i + 1)) > 65535)
    throw new ConfigError('--peer-listen', `is "${o.listen}"; expected host:port with a port in [0, 65535], e.g. 127.0.0.1:0`);
  const server = new grpc.Server(serverOptions(o.maxMessageBytes === undefined ? undefined : { maxMessageBytes: o.maxMessageBytes }));
  addService(server, 'PeerWeights', requireTokenAll(peerWeightsHandlers(o), o.token));
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(o.listen, serverCredentials(o.tls), (err, p) =>
      err === null ? resolve(p) : reject(new ConfigError('--peer-listen', `cannot listen on ${o.listen}: ${err.message}`)),
    );
  });
  return {
    address: `${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
