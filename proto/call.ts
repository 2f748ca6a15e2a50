/**
 * Promise helpers over typed clients: every failure comes back as the anomseer error behind it
 * (proto/status.ts fromStatus), so callers branch on classes and `isRetryable(err)`, never on
 * raw gRPC errors.
 */
import * as grpc from '@grpc/grpc-js';
import { DEFAULT_CALL_DEADLINE_MS, callDeadline } from './options.js';
import { fromStatus } from './status.js';
import type { UnaryMethod } from './types.js';

export interface CallOpts {
  /** Call deadline from now, ms (default DEFAULT_CALL_DEADLINE_MS, 30 s). */
  deadlineMs?: number;
  metadata?: grpc.Metadata;
  /** Clock for the deadline, ms since epoch (tests). */
  now?: () => number;
}

/** Call a unary method: `await unary(client, client.Heartbeat, request, { deadlineMs: 5000 })`. */
export function unary<Req, Res>(client: grpc.Client, method: UnaryMethod<Req, Res>, request: Req, opts: CallOpts = {}): Promise<Res> {
  const deadline = callDeadline(opts.deadlineMs ?? DEFAULT_CALL_DEADLINE_MS, (opts.now ?? Date.now)());
  return new Promise((resolve, reject) => {
    method.call(client, request, opts.metadata ?? new grpc.Metadata(), { deadline }, (err, res) => {
      if (err !== null) reject(fromStatus(err));
      else if (res === undefined) reject(fromStatus({ code: grpc.status.INTERNAL, details: 'empty response' }));
      else resolve(res);
    });
  });
}

/**
 * Read a server stream to its end: `await collect(client.FetchWeights(request, { deadline }))`.
 * Rejects with the mapped error when the stream fails.
 */
export function collect<T>(stream: grpc.ClientReadableStream<T>): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const items: T[] = [];
    stream.on('data', (item: T) => items.push(item));
    stream.on('error', (err: grpc.ServiceError) => reject(fromStatus(err)));
    stream.on('end', () => resolve(items));
  });
}
