/**
 * gRPC latency and error metrics through interceptors, so no handler or call site changes:
 *
 *   server: new grpc.Server({ ...serverOptions(), interceptors: [serverMetricsInterceptor(rpc)] })
 *   client: createClient(…, { ...channelOptions(), interceptors: [bearer, clientMetricsInterceptor(rpc)] })
 *
 * Series (side = server | client):
 *   anomseer_rpc_<side>_duration_seconds{service,method,code}  histogram, start → final status
 *   anomseer_rpc_<side>_errors_total{service,method,code}      calls that ended with code != OK
 *
 * `code` is the gRPC status name (OK, UNAVAILABLE, UNAUTHENTICATED, …). The server side sees
 * calls refused by the bearer check too (they end UNAUTHENTICATED). An optional per-call
 * observer sees the decoded request and response messages, which is how a role counts what
 * travelled (leases granted, rollouts accepted, weight bytes) without touching the handlers.
 */
import * as grpc from '@grpc/grpc-js';
import { Counter, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

export type RpcSide = 'server' | 'client';

/** Buckets of RPC durations, seconds: 1 ms … 60 s (TakeGroups long-polls up to 10 s). */
export const RPC_BUCKETS: readonly number[] = Object.freeze([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]);

/** Seen by one call: its messages (decoded) and its end. */
export interface CallObserver {
  onRequest?(message: unknown): void;
  onResponse?(message: unknown): void;
  onEnd?(code: string, seconds: number): void;
}

/** Called once per call with the method name (`LeasePrompts`); undefined = not observed. */
export type ObserveCall = (method: string) => CallObserver | undefined;

export interface RpcMetrics {
  readonly side: RpcSide;
  record(service: string, method: string, code: string, seconds: number): void;
}

const CODE_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(grpc.status)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => [v as number, k]),
);

/** 14 → "UNAVAILABLE"; unknown numbers stay numeric strings. */
export function codeName(code: number): string {
  return CODE_NAMES.get(code) ?? String(code);
}

/** "/anomseer.v1.Coordinator/LeasePrompts" → ["Coordinator", "LeasePrompts"]. */
export function splitPath(path: string): [service: string, method: string] {
  const m = /^\/(?:[\w.]+\.)?(\w+)\/(\w+)$/.exec(path);
  return m === null ? ['unknown', path] : [m[1]!, m[2]!];
}

/** The two RPC series of one side, in `registry`. */
export function createRpcMetrics(registry: Registry, side: RpcSide): RpcMetrics {
  const duration = new Histogram({
    name: `anomseer_rpc_${side}_duration_seconds`,
    help: `gRPC ${side}-side call duration from start to final status, seconds, by service, method and status code`,
    labelNames: ['service', 'method', 'code'],
    buckets: [...RPC_BUCKETS],
    registers: [registry],
  });
  const errors = new Counter({
    name: `anomseer_rpc_${side}_errors_total`,
    help: `gRPC ${side}-side calls that ended with a status other than OK, by service, method and status code`,
    labelNames: ['service', 'method', 'code'],
    registers: [registry],
  });
  return {
    side,
    record(service, method, code, seconds) {
      duration.observe({ service, method, code }, seconds);
      if (code !== 'OK') errors.inc({ service, method, code });
    },
  };
}

/** Times every call the server handles (including ones the token check refuses). */
export function serverMetricsInterceptor(rpc: RpcMetrics, observe?: ObserveCall): grpc.ServerInterceptor {
  return (descriptor, call) => {
    const [service, method] = splitPath(descriptor.path);
    const started = performance.now();
    const obs = observe?.(method);
    let ended = false;
    const end = (code: string) => {
      if (ended) return;
      ended = true;
      const seconds = (performance.now() - started) / 1000;
      rpc.record(service, method, code, seconds);
      obs?.onEnd?.(code, seconds);
    };
    return new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMessage(message, nextMessage) {
            obs?.onRequest?.(message);
            nextMessage(message);
          },
          onCancel() {
            end('CANCELLED');
          },
        });
      },
      sendMessage(message, next) {
        obs?.onResponse?.(message);
        next(message);
      },
      sendStatus(status, next) {
        end(codeName(status.code));
        next(status);
      },
    });
  };
}

/** Times every call a client makes, from start to the status it receives. */
export function clientMetricsInterceptor(rpc: RpcMetrics, observe?: ObserveCall): grpc.Interceptor {
  return (options, nextCall) => {
    const [service, method] = splitPath(options.method_definition.path);
    const started = performance.now();
    const obs = observe?.(method);
    return new grpc.InterceptingCall(nextCall(options), {
      start(metadata, _listener, next) {
        next(metadata, {
          onReceiveMessage(message, nextMessage) {
            obs?.onResponse?.(message);
            nextMessage(message);
          },
          onReceiveStatus(status, nextStatus) {
            const seconds = (performance.now() - started) / 1000;
            const code = codeName(status.code);
            rpc.record(service, method, code, seconds);
            obs?.onEnd?.(code, seconds);
            nextStatus(status);
          },
        });
      },
      sendMessage(message, next) {
        obs?.onRequest?.(message);
        next(message);
      },
    });
  };
}
