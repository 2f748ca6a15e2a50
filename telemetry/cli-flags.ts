/**
 * The two flags every role takes for its metrics endpoint (docs/DEPLOY.md "Metrics"):
 *
 *   --metrics-port <n>   serve GET /metrics (bearer token) and GET /healthz here; 0 = any free
 *                        port; absent = no metrics server at all
 *   --metrics-host <h>   bind address, default 127.0.0.1 (containers pass 0.0.0.0)
 */
import type { Command } from 'commander';
import { DEFAULT_METRICS_HOST, metricsListenFrom } from './metrics-server.js';
import type { MetricsListen } from './metrics-server.js';

export interface MetricsFlags {
  metricsPort?: string;
  metricsHost?: string;
}

/** Adds --metrics-port and --metrics-host to a subcommand. */
export function addMetricsOptions(cmd: Command): Command {
  return cmd
    .option(
      '--metrics-port <n>',
      'serve Prometheus /metrics (needs the cluster token as a bearer token) and /healthz on this port (0 = any free port; default: no metrics server)',
    )
    .option('--metrics-host <host>', `address the metrics server binds to (default ${DEFAULT_METRICS_HOST}; 0.0.0.0 in containers)`);
}

/** The parsed flags → where to serve, or undefined (metrics off). */
export function metricsFromFlags(flags: MetricsFlags): MetricsListen | undefined {
  return metricsListenFrom(flags);
}
