/**
 * What `anomseer serve` reports on GET /metrics (Prometheus text, bearer token), in a registry
 * of its own (telemetry/ createRoleRegistry, role="serve"):
 *
 *   anomseer_serve_http_requests_total{route,status}     HTTP requests answered
 *   anomseer_serve_http_request_duration_seconds{route}  HTTP request time, first byte → answer
 *   anomseer_serve_decode_batches_total                  decodes run (one per batch)
 *   anomseer_serve_decode_batch_windows                  windows per decode (histogram)
 *   anomseer_serve_decode_batch_requests                 requests sharing a decode (histogram)
 *   anomseer_serve_decode_batch_seconds                  time of one decode (histogram)
 *   anomseer_serve_queued_windows                        windows waiting for a decode now
 *   anomseer_rpc_server_duration_seconds / _errors_total the gRPC calls (telemetry/rpc-metrics.ts)
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import { createRoleRegistry } from '../telemetry/metrics-server.js';
import { createRpcMetrics, serverMetricsInterceptor } from '../telemetry/rpc-metrics.js';
import type * as grpc from '@grpc/grpc-js';
import type { BatchInfo } from './batcher.js';

const SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128];
const SECONDS_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export interface ServeMetrics {
  readonly registry: Registry;
  readonly grpcInterceptor: grpc.ServerInterceptor;
  httpRequest(route: string, status: number, seconds: number): void;
  batch(b: BatchInfo): void;
}

/** `queued` reads the batcher's queue when Prometheus scrapes. */
export function createServeMetrics(opts: { queued: () => number; defaultMetrics?: boolean }): ServeMetrics {
  const registry = createRoleRegistry('serve', { defaultMetrics: opts.defaultMetrics });
  const requests = new Counter({
    name: 'anomseer_serve_http_requests_total',
    help: 'HTTP requests answered, by route and status code',
    labelNames: ['route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'anomseer_serve_http_request_duration_seconds',
    help: 'HTTP request time from arrival to answer, seconds, by route',
    labelNames: ['route'],
    buckets: SECONDS_BUCKETS,
    registers: [registry],
  });
  const batches = new Counter({
    name: 'anomseer_serve_decode_batches_total',
    help: 'Decodes run; each holds the windows of one or more requests',
    registers: [registry],
  });
  const windows = new Histogram({
    name: 'anomseer_serve_decode_batch_windows',
    help: 'Windows decoded together in one batch',
    buckets: SIZE_BUCKETS,
    registers: [registry],
  });
  const calls = new Histogram({
    name: 'anomseer_serve_decode_batch_requests',
    help: 'Requests whose windows shared one decode',
    buckets: SIZE_BUCKETS,
    registers: [registry],
  });
  const seconds = new Histogram({
    name: 'anomseer_serve_decode_batch_seconds',
    help: 'Time of one decode, seconds',
    buckets: SECONDS_BUCKETS,
    registers: [registry],
  });
  new Gauge({
    name: 'anomseer_serve_queued_windows',
    help: 'Windows waiting for a decode',
    registers: [registry],
    collect() {
      this.set(opts.queued());
    },
  });
  return {
    registry,
    grpcInterceptor: serverMetricsInterceptor(createRpcMetrics(registry, 'server')),
    httpRequest(route, status, s) {
      requests.inc({ route, status: String(status) });
      duration.observe({ route }, s);
    },
    batch(b) {
      batches.inc();
      windows.observe(b.windows);
      calls.observe(b.calls);
      seconds.observe(b.seconds);
    },
  };
}
