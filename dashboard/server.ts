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
 * `checkpoint`, `cluster`, and last `end` when the job ended: the page shows it and does not
 * reconnect after the close that follows). A client that cannot keep up (more than `maxBufferedBytes`
 * queued) is closed with 1013; it reconnects and gets a fresh snapshot. The client sends
 * nothing.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { annotatedPng } from '../shared/plot/annotate.js';
import { tokenChecker } from './auth.js';
import { assetTable, closeAll, keepAlive, listen, readOnly, redactUrl, refuseUpgrade, send, sendAsset, sendFrames, unauthorized } from './http.js';
import { DashboardState } from './state.js';
import type { DashboardEvent } from '../shared/training/events.js';
import type { DashboardLimits, LiveMessage, LookupRecord, RunEnd } from './state.js';
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
  /**
   * The job ended: remember it (later snapshots carry it) and tell every page, which then shows
   * it and stops reconnecting once the server closes. Call before `close()`.
   */
  end(info: RunEnd): void;
  /** Ask the status provider now and send the result (also done on a timer). */
  refreshStatus(): Promise<void>;
  /** Connected websocket clients. */
  clients(): number;
  close(): Promise<void>;
}

const ASSETS = assetTable('index.html');

export async function startDashboard(opts: DashboardOptions): Promise<Dashboard> {
  const authorized = tokenChecker(opts.token);
  const tokenQuery = `token=${encodeURIComponent(opts.token)}`;
  const state = new DashboardState(opts.job ?? {}, opts.limits ?? {}, opts.lookupRecord);
  const maxBuffered = opts.maxBufferedBytes ?? 8 * 1024 * 1024;
  const log = opts.log ?? (() => {});
  const pngs = new Map<number, Promise<Buffer>>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!authorized(req)) return unauthorized(res);
    if (!readOnly(req, res)) return;
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
    // The page's own asset links carry the token, so they pass the same check.
    await sendAsset(res, asset, tokenQuery);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`dashboard: ${redactUrl(req.url)}: ${(err as Error).message}`);
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  const pings = keepAlive(wss);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!authorized(req)) return refuseUpgrade(socket, 401, 'Unauthorized');
    if (new URL(req.url ?? '/', 'http://dashboard.invalid').pathname !== '/ws') return refuseUpgrade(socket, 404, 'Not Found');
    wss.handleUpgrade(req, socket, head, (ws) => {
      pings.watch(ws);
      ws.send(JSON.stringify(state.snapshot()));
      ensurePolling();
      void refreshStatus();
    });
  });

  const broadcast = (messages: readonly LiveMessage[]): void => {
    if (messages.length === 0 || wss.clients.size === 0) return;
    const frames = messages.map((m) => JSON.stringify(m));
    for (const ws of wss.clients) sendFrames(ws, frames, maxBuffered);
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
  const { url, port } = await listen(server, opts.host ?? '127.0.0.1', opts.port ?? 0).catch((err: unknown) => {
    pings.stop();
    throw err;
  });
  // Seed the table so the first snapshot already lists the workers.
  if (opts.status !== undefined) await refreshStatus();

  return {
    url,
    port,
    publish(event) {
      broadcast(state.apply(event));
    },
    end(info) {
      broadcast([state.setEnd(info)]);
    },
    refreshStatus,
    clients: () => wss.clients.size,
    async close() {
      pings.stop();
      if (statusTimer !== undefined) clearInterval(statusTimer);
      await closeAll(wss, server);
    },
  };
}
