/**
 * `anomseer serve`: a trained policy answering users' series over HTTP and gRPC
 * (docs/SERVE.md). The only place serve's real dependencies are wired: the checkpoint's
 * ONNX Runtime sessions (shared/policy/inference.ts `openPolicy`), the decode batcher, the two
 * servers, the metrics registry, the token, the clock and the log.
 *
 * Prints, one line each:
 *   serve: policy <dir> (<variant>, V = …, window 1000 by default)
 *   serve: http http://<host:port> (POST /v1/detect; GET /metrics; GET /healthz)
 *   serve: grpc <host:port> (anomseer.v1.Detect/DetectSeries)
 *   serve: token abcd…wxyz (64 chars) (from ANOMSEER_TOKEN | read from <file> | generated; written to <file>)
 *   serve: batching across requests: up to N windows per decode, first waits ≤ M ms | off
 * and a warning when bound to an address other machines can reach (plain HTTP: the token
 * travels unencrypted).
 *
 * Also the entry of `anomseer export` (serve/export-onnx.ts): the CLI imports serve/ only here.
 */
import sharp from 'sharp';
import { openPolicy } from '../shared/policy/inference.js';
import { DecodeBatcher } from './batcher.js';
import type { BatchInfo, Schedule } from './batcher.js';
import { detectAnswerer } from './detect-answer.js';
import { serveGrpc } from './grpc-server.js';
import type { RunningGrpc } from './grpc-server.js';
import { serveHttp } from './http-server.js';
import type { RunningHttp } from './http-server.js';
import { createServeMetrics } from './metrics.js';
import { isLoopback } from './options.js';
import type { ServeOptions } from './options.js';
import { maskToken, resolveServeToken } from './token.js';

export { validateServeOptions, SERVE_DEFAULTS } from './options.js';
export type { ServeOptions } from './options.js';
export { exportPolicy } from './export-onnx.js';
export type { ExportResult } from './export-onnx.js';

export interface ServeMainOptions {
  readonly options: ServeOptions;
  /** The process environment (ANOMSEER_TOKEN). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: (line: string) => void;
  /** The batcher's timer (default setTimeout); tests pass a manual one. */
  readonly schedule?: Schedule;
  /** Called after every decode batch (tests, benchmarks). */
  readonly onBatch?: (b: BatchInfo) => void;
}

export interface ServeProcess {
  /** host:port of the HTTP API. */
  readonly httpAddress: string;
  readonly httpPort: number;
  /** host:port of the gRPC API; undefined when it is off. */
  readonly grpcAddress?: string;
  readonly grpcPort?: number;
  /** Windows queued for a decode now, and decodes run so far. */
  readonly batcher: { readonly queuedWindows: number; readonly queuedCalls: number; readonly batches: number };
  close(): Promise<void>;
}

export async function runServe(o: ServeMainOptions): Promise<ServeProcess> {
  const opts = o.options;
  const { token, source, warning } = resolveServeToken(o.env, opts.tokenFile);
  sharp.cache(false);
  const open = await openPolicy(opts.checkpoint, { threads: opts.threads });
  const { spec } = open.loaded;
  // The gauge reads the batcher's queue at scrape time, after both exist.
  const metrics = createServeMetrics({ queued: () => batcher.queuedWindows });
  const batcher = new DecodeBatcher({
    inner: open.policy,
    maxBatchWindows: opts.maxBatchWindows,
    maxWaitMs: opts.maxWaitMs,
    crossRequest: opts.batching,
    schedule: o.schedule,
    onBatch: (b) => {
      metrics.batch(b);
      o.onBatch?.(b);
    },
  });
  const detect = detectAnswerer(batcher, spec, open.loaded.tokenizer);
  const limits = { maxPoints: opts.maxPoints, maxBodyBytes: opts.maxBodyBytes };
  let serving = true;
  let http: RunningHttp | undefined;
  let grpcServer: RunningGrpc | undefined;
  try {
    http = await serveHttp({ host: opts.host, port: opts.port, token, limits, detect, metrics, health: () => serving, log: o.log });
    if (opts.grpcPort !== null) {
      grpcServer = await serveGrpc({ host: opts.host, port: opts.grpcPort, token, limits, detect, interceptors: [metrics.grpcInterceptor], log: o.log });
    }
  } catch (err) {
    await http?.close();
    await open.dispose();
    throw err;
  }
  o.log(`serve: policy ${opts.checkpoint} (${spec.variant}, V = ${spec.vocabTokens.length}, ${spec.model.width}-wide, ORT threads ${opts.threads})`);
  o.log(`serve: http http://${http.address} (POST /v1/detect; GET /metrics; GET /healthz)`);
  if (grpcServer !== undefined) o.log(`serve: grpc ${grpcServer.address} (anomseer.v1.Detect/DetectSeries)`);
  const note =
    source === 'env' ? 'from ANOMSEER_TOKEN' : source === 'file' ? `read from ${opts.tokenFile}` : `generated; written to ${opts.tokenFile} (mode 0600)`;
  o.log(`serve: token ${maskToken(token)} (${note})`);
  if (warning !== undefined) o.log(`serve: warning: ${warning}`);
  o.log(
    opts.batching
      ? `serve: batching across requests: up to ${opts.maxBatchWindows} windows per decode, the first waits at most ${opts.maxWaitMs} ms`
      : 'serve: batching across requests is off (each decode holds one request)',
  );
  o.log(`serve: limits: ${opts.maxBodyBytes} body bytes, ${opts.maxPoints} points per request`);
  if (!isLoopback(opts.host)) o.log(`serve: warning: bound to ${opts.host} over plain HTTP/gRPC: the bearer token travels unencrypted (docs/SERVE.md)`);
  const h = http;
  const g = grpcServer;
  return {
    httpAddress: h.address,
    httpPort: h.port,
    ...(g === undefined ? {} : { grpcAddress: g.address, grpcPort: g.port }),
    batcher,
    close: async () => {
      serving = false;
      await Promise.all([h.close(), g?.close()]);
      await open.dispose();
    },
  };
}
