/**
 * The live training dashboard: one node:http server serving the page (static/), uPlot (from
 * node_modules/uplot/dist), a JSON snapshot, trace plots, and a `ws` WebSocketServer on the
 * same port at /ws. Every request and upgrade needs the job's token (auth.ts); without it
 * the answer is 401 and no data.
 *
 * Feeding it: call `publish(event)` with each TrainEvent (the single-process trainer's
 * onEvent, or the coordinator's learner events); give a `status` provider for the cluster
 * table, polled every `statusIntervalMs` while anyone watches.
 *
 * Protocol (server → client, JSON text frames): first `{type: 'snapshot', …}` with the whole
 * bounded history (state.ts), then live messages (`step`, `warm-start`, `eval`, `trace`,
 * `checkpoint`, `cluster`). A client that cannot keep up (more than `maxBufferedBytes`
 * queued) is closed with 1013; it reconnects and gets a fresh snapshot. The client sends
 * nothing.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { annotatedPng } from '../shared/plot/annotate.js';
import { tokenChecker } from './auth.js';
import { DashboardState } from './state.js';
import type { DashboardEvent } from '../shared/training/events.js';
import type { DashboardLimits, LiveMessage, LookupRecord } from './state.js';
import type { StatusProvider } from './status.js';

export interface DashboardOptions {
  /** The job's token (at least 16 visible ASCII characters). */
  readonly token: string;
  /** Interface to listen on (default 127.0.0.1: this machine only). */
  readonly host?: string;
  /** Port (default 0: any free port). */
  readonly port?: number;
  /** Shown in the page header: job name, steps, … (plain JSON). */
  readonly job?: Readonly<Record<string, unknown>>;
  /** Cluster table source; without it the table stays empty. */
  readonly status?: StatusProvider;
  /** Finds a prompt's series and true intervals, so traces get an annotated plot. */
  readonly lookupRecord?: LookupRecord;
  readonly limits?: Partial<DashboardLimits>;
  /** Cluster status poll period, ms (default 1000). */
  readonly statusIntervalMs?: number;
  /** A client with more than this many bytes queued is dropped to resync (default 8 MiB). */
  readonly maxBufferedBytes?: number;
  readonly log?: (line: string) => void;
}

export interface Dashboard {
  /** Base URL, without the token, e.g. http://127.0.0.1:43121/ */
  readonly url: string;
  readonly port: number;
  /** Fold one training event in and send it to every client. */
  publish(event: DashboardEvent): void;
  /** Ask the status provider now and send the result (also done on a timer). */
  refreshStatus(): Promise<void>;
  /** Connected websocket clients. */
  clients(): number;
  close(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
const uplotDist = join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');

/** Every path served, and where it comes from: a fixed table, so no path reaches the disk unchecked. */
const ASSETS: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: join(here, 'static', 'index.html'), type: 'text/html; charset=utf-8' },
  '/index.html': { file: join(here, 'static', 'index.html'), type: 'text/html; charset=utf-8' },
  '/app.js': { file: join(here, 'static', 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: join(here, 'static', 'style.css'), type: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: join(here, 'static', 'favicon.svg'), type: 'image/svg+xml' },
  '/vendor/uPlot.iife.min.js': { file: join(uplotDist, 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  '/vendor/uPlot.min.css': { file: join(uplotDist, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  // The token travels in the URL: never pass it on in a Referer.
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'self'; img-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
};

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export async function startDashboard(opts: DashboardOptions): Promise<Dashboard> {
  const authorized = tokenChecker(opts.token);
  const tokenQuery = `token=${encodeURIComponent(opts.token)}`;
  const state = new DashboardState(opts.job ?? {}, opts.limits ?? {}, opts.lookupRecord);
  const maxBuffered = opts.maxBufferedBytes ?? 8 * 1024 * 1024;
  const log = opts.log ?? (() => {});
  const pngs = new Map<number, Promise<Buffer>>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!authorized(req)) {
      res.writeHead(401, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer realm="anomseer dashboard"' });
      res.end('401: open the dashboard with the link printed at start-up (…/?token=<job token>) or send "Authorization: Bearer <token>".\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...SECURITY_HEADERS, allow: 'GET, HEAD' });
      res.end();
      return;
    }
    const path = new URL(req.url ?? '/', 'http://dashboard.invalid').pathname;
    if (path === '/api/snapshot') {
      // A script asking once gets the cluster as it is now, not as of the last poll.
      await refreshStatus();
      return send(res, 200, 'application/json', JSON.stringify(state.snapshot()));
    }
    const plot = /^\/plot\/(\d+)\.png$/.exec(path);
    if (plot !== null) {
      const id = Number(plot[1]);
      const src = state.plotSource(id);
      if (src === undefined) return send(res, 404, 'text/plain; charset=utf-8', 'no such trace (it may have left the rolling window)\n');
      for (const k of pngs.keys()) if (state.plotSource(k) === undefined) pngs.delete(k);
      let png = pngs.get(id);
      if (png === undefined) {
        // Draw what the policy saw when the series is already on the [-1, 1] axis; otherwise scale it there.
        const inRange = Array.prototype.every.call(src.values, (v: number) => v >= -1 && v <= 1);
        png = annotatedPng(src.values, { truth: src.truth, predicted: src.predicted, width: 1000, height: 150, normalize: inRange ? 'none' : 'minmax' });
        pngs.set(id, png);
      }
      return send(res, 200, 'image/png', await png);
    }
    const asset = ASSETS[path];
    if (asset === undefined) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    let body: string | Buffer = await readFile(asset.file);
    // The page's own asset links carry the token, so they pass the same check.
    if (asset.file.endsWith('index.html')) body = body.toString('utf8').replaceAll('__TOKEN_QUERY__', tokenQuery);
    send(res, 200, asset.type, body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`dashboard: ${req.url?.replace(/token=[^&]*/, 'token=…')}: ${(err as Error).message}`);
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  const alive = new WeakMap<WebSocket, boolean>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (code: number, text: string) => {
      socket.end(`HTTP/1.1 ${code} ${text}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      socket.destroy();
    };
    if (!authorized(req)) return refuse(401, 'Unauthorized');
    if (new URL(req.url ?? '/', 'http://dashboard.invalid').pathname !== '/ws') return refuse(404, 'Not Found');
    wss.handleUpgrade(req, socket, head, (ws) => {
      alive.set(ws, true);
      ws.on('pong', () => alive.set(ws, true));
      ws.on('error', () => ws.terminate());
      ws.send(JSON.stringify(state.snapshot()));
      ensurePolling();
      void refreshStatus();
    });
  });

  const broadcast = (messages: readonly LiveMessage[]): void => {
    if (messages.length === 0 || wss.clients.size === 0) return;
    const frames = messages.map((m) => JSON.stringify(m));
    for (const ws of wss.clients) {
      if (ws.readyState !== ws.OPEN) continue;
      if (ws.bufferedAmount > maxBuffered) {
        ws.close(1013, 'too far behind; reconnect for a fresh snapshot');
        continue;
      }
      for (const f of frames) ws.send(f);
    }
  };

  let polling = false;
  const refreshStatus = async (): Promise<void> => {
    if (opts.status === undefined || polling) return;
    polling = true;
    try {
      broadcast([state.setCluster(await opts.status())]);
    } catch (err) {
      log(`dashboard: status provider failed: ${(err as Error).message}`);
    } finally {
      polling = false;
    }
  };

  let statusTimer: NodeJS.Timeout | undefined;
  const ensurePolling = () => {
    if (statusTimer !== undefined || opts.status === undefined) return;
    statusTimer = setInterval(() => {
      if (wss.clients.size > 0) void refreshStatus();
    }, opts.statusIntervalMs ?? 1000);
    statusTimer.unref();
  };
  // Drop connections that stop answering pings (a laptop lid closed mid-run).
  const pingTimer = setInterval(() => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, 30_000);
  pingTimer.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const hostForUrl = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  // Seed the table so the first snapshot already lists the workers.
  if (opts.status !== undefined) await refreshStatus();

  return {
    url: `http://${hostForUrl}:${addr.port}/`,
    port: addr.port,
    publish(event) {
      broadcast(state.apply(event));
    },
    refreshStatus,
    clients: () => wss.clients.size,
    async close() {
      clearInterval(pingTimer);
      if (statusTimer !== undefined) clearInterval(statusTimer);
      for (const ws of wss.clients) ws.close(1001, 'dashboard shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      for (const ws of wss.clients) ws.terminate();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
