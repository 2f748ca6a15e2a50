/**
 * The one metrics endpoint every role serves (docs/DEPLOY.md "Metrics"): a prom-client
 * `Registry` per role (never the global one, so two roles in one process or test never share
 * series) and a small HTTP server with two paths:
 *
 *   GET /metrics   Prometheus text format, only with `Authorization: Bearer <cluster token>`
 *                  (401 otherwise); the token is compared by sha256 digest in constant time.
 *   GET /healthz   open; 200 + `{"status":"ok","role":…,"checks":{…}}` when the role's health
 *                  function says so, 503 + the same shape otherwise. Booleans only: nothing
 *                  secret, no addresses, no ids.
 *
 * The server binds to `host` (default 127.0.0.1): nothing listens on another interface unless
 * the operator passes `--metrics-host 0.0.0.0` (the manifests do, inside their pods).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { ConfigError } from '../shared/errors.js';

export type Role = 'coordinator' | 'worker' | 'learner' | 'serve';

/** Where a role serves its metrics; absent = no metrics server. */
export interface MetricsListen {
  readonly host: string;
  /** 0 = any free port (the bound one is printed). */
  readonly port: number;
}

/** Default of `--metrics-host`: loopback only. */
export const DEFAULT_METRICS_HOST = '127.0.0.1';

/**
 * `--metrics-port` / `--metrics-host` → MetricsListen, or undefined when no port is given
 * (metrics off). Throws ConfigError naming the flag.
 */
export function metricsListenFrom(flags: { metricsPort?: string; metricsHost?: string }): MetricsListen | undefined {
  if (flags.metricsPort === undefined) {
    if (flags.metricsHost !== undefined)
      throw new ConfigError('--metrics-host', 'is set but --metrics-port is not; give both (metrics are off without a port)');
    return undefined;
  }
  const port = Number(flags.metricsPort);
  if (!/^\d+$/.test(flags.metricsPort) || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError('--metrics-port', `is "${flags.metricsPort}"; expected an integer in [0, 65535] (0 = any free port)`);
  }
  const host = flags.metricsHost ?? DEFAULT_METRICS_HOST;
  if (host === '' || /[\s/]/.test(host)) throw new ConfigError('--metrics-host', `is "${host}"; expected a host name or IP address`);
  return { host, port };
}

/** A fresh registry for one role: default process metrics plus a `role` label on every series. */
export function createRoleRegistry(role: Role, opts: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

/** One role's health: every check must hold for 200. */
export interface Health {
  readonly ok: boolean;
  /** Named yes/no checks, e.g. { serving: true, store: true }. */
  readonly checks: Readonly<Record<string, boolean>>;
}

export interface MetricsServerOptions extends MetricsListen {
  readonly role: Role;
  readonly registry: Registry;
  /** The cluster token /metrics requires as `Authorization: Bearer <token>`. */
  readonly token: string;
  readonly health: () => Promise<Health> | Health;
  /** How long a health function may take before the answer is 503, ms (default 2000). */
  readonly healthTimeoutMs?: number;
}

export interface MetricsServer {
  /** host:port actually bound. */
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** True when the request carries exactly `Bearer <token>`. */
function authorized(req: IncomingMessage, expected: Buffer): boolean {
  const value = req.headers.authorization;
  if (typeof value !== 'string') return false;
  const m = /^Bearer +(\S+)$/i.exec(value.trim());
  return m !== null && timingSafeEqual(digest(m[1]!), expected);
}

function send(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...extra });
  res.end(body);
}

async function healthOf(o: MetricsServerOptions): Promise<Health> {
  const timeoutMs = o.healthTimeoutMs ?? 2000;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve().then(o.health),
      new Promise<Health>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, checks: { answered: false } }), timeoutMs);
      }),
    ]);
  } catch {
    return { ok: false, checks: { answered: false } };
  } finally {
    clearTimeout(timer);
  }
}

/** Serve /metrics and /healthz on host:port until close(). */
export async function serveMetrics(o: MetricsServerOptions): Promise<MetricsServer> {
  const expected = digest(o.token);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'GET only\n', { allow: 'GET, HEAD' });
    if (path === '/healthz') {
      void healthOf(o).then((h) =>
        send(res, h.ok ? 200 : 503, 'application/json', `${JSON.stringify({ status: h.ok ? 'ok' : 'unavailable', role: o.role, checks: h.checks })}\n`),
      );
      return;
    }
    if (path === '/metrics') {
      if (!authorized(req, expected)) {
        return send(res, 401, 'text/plain', 'send "Authorization: Bearer <cluster token>" (docs/DEPLOY.md "Metrics")\n', {
          'www-authenticate': 'Bearer realm="anomseer"',
        });
      }
      o.registry.metrics().then(
        (text) => send(res, 200, o.registry.contentType, text),
        (err: unknown) => send(res, 500, 'text/plain', `collecting metrics failed: ${err instanceof Error ? err.message : String(err)}\n`),
      );
      return;
    }
    send(res, 404, 'text/plain', 'not found: GET /metrics or /healthz\n');
  });
  // Scrapers keep connections open; do not let them hold a finished process.
  server.keepAliveTimeout = 5000;
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      const a = server.address();
      resolve(typeof a === 'object' && a !== null ? a.port : o.port);
    });
  });
  return {
    address: `${o.host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
