/**
 * The gRPC API of `anomseer serve`: service `anomseer.v1.Detect` (proto/anomseer.proto) on its
 * own port, every call behind proto/auth.ts `requireTokenAll` (UNAUTHENTICATED otherwise).
 * Requests are checked by the same rules as the HTTP API (serve/detect-request.ts) and answered
 * by the same function, so both APIs give one answer. Errors go through proto/status.ts
 * `toStatus`: a bad field is INVALID_ARGUMENT naming it; a message over --max-body-bytes is
 * refused by grpc-js itself with RESOURCE_EXHAUSTED.
 */
import * as grpc from '@grpc/grpc-js';
import { requireTokenAll } from '../proto/auth.js';
import { addService } from '../proto/load.js';
import { serverOptions } from '../proto/options.js';
import { toStatus } from '../proto/status.js';
import type { AnomalyType as WireType, DetectHandlers, DetectResponse } from '../proto/types.js';
import type { AnomalyType } from '../shared/series/labels.js';
import type { DetectAnswer } from './detect-answer.js';
import { detectInputFromProto } from './detect-request.js';
import type { DetectInput, RequestLimits } from './detect-request.js';

/** Largest answer sent, bytes (a 100 000-point series: ~100 window traces and a plot, far below). */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

const WIRE_TYPES: Readonly<Record<AnomalyType, WireType>> = Object.freeze({
  'contextual point': 'ANOMALY_TYPE_CONTEXTUAL_POINT',
  'global point': 'ANOMALY_TYPE_GLOBAL_POINT',
  seasonal: 'ANOMALY_TYPE_SEASONAL',
  trend: 'ANOMALY_TYPE_TREND',
  shapelet: 'ANOMALY_TYPE_SHAPELET',
  normal: 'ANOMALY_TYPE_NORMAL',
});

/** The wire form of an answer. */
export function detectResponseOf(a: DetectAnswer): DetectResponse {
  const ivs = (list: readonly (readonly [number, number])[]) => list.map(([start, end]) => ({ start, end }));
  return {
    type: WIRE_TYPES[a.type],
    intervals: ivs(a.intervals),
    explanation: a.explanation,
    windows: a.windows.map((w) => ({
      start: w.start,
      length: w.length,
      type: w.type === null ? 'ANOMALY_TYPE_UNSPECIFIED' : WIRE_TYPES[w.type],
      intervals: ivs(w.intervals),
      text: w.text,
    })),
    trace: a.trace,
    plot_png: a.plotPng ?? Buffer.alloc(0),
    time_intervals: (a.timeIntervals ?? []).map(([first, last]) => ({ first: String(first), last: String(last) })),
  };
}

export interface GrpcServerOptions {
  readonly host: string;
  readonly port: number;
  readonly token: string;
  readonly limits: RequestLimits & { readonly maxBodyBytes: number };
  readonly detect: (input: DetectInput) => Promise<DetectAnswer>;
  readonly interceptors: grpc.ServerInterceptor[];
  readonly log: (line: string) => void;
}

export interface RunningGrpc {
  readonly port: number;
  readonly address: string;
  close(graceMs?: number): Promise<void>;
}

export async function serveGrpc(o: GrpcServerOptions): Promise<RunningGrpc> {
  const handlers: DetectHandlers = {
    DetectSeries: (call, callback) => {
      Promise.resolve()
        .then(() => o.detect(detectInputFromProto(call.request, o.limits)))
        .then(
          (a) => callback(null, detectResponseOf(a)),
          (err: unknown) => {
            const status = toStatus(err);
            if (status.code === grpc.status.INTERNAL)
              o.log(`serve: internal error in Detect.DetectSeries: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
            callback(status, null);
          },
        );
    },
  };
  // The limit bounds what clients send; answers (traces, a plot) may be larger than a request.
  const server = new grpc.Server({
    ...serverOptions({ maxMessageBytes: o.limits.maxBodyBytes }),
    'grpc.max_send_message_length': MAX_ANSWER_BYTES,
    interceptors: o.interceptors,
  });
  addService(server, 'Detect', requireTokenAll(handlers, o.token));
  const host = o.host.includes(':') && !o.host.startsWith('[') ? `[${o.host}]` : o.host;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${o.port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err === null ? resolve(p) : reject(err)));
  });
  return {
    port,
    address: `${host}:${port}`,
    close: (graceMs = 2000) =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
