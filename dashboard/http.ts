/**
 * What both dashboard servers share: the live one (server.ts, a training process) and the
 * runs one (runs-server.ts, `anomseer dashboard <root>`): security headers, the 401 answer,
 * the fixed table of static files (no path reaches the disk unchecked), listening, and the
 * websocket plumbing — refusing an upgrade, dropping a client that falls too far behind, and
 * pinging idle ones.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WebSocket, WebSocketServer } from 'ws';

const here = dirname(fileURLToPath(import.meta.url));
const uplotDist = join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');

export interface Asset {
  readonly file: string;
  readonly type: string;
}

const HTML = 'text/html; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';

/** Every path served, and where it comes from; `page` is the HTML file `/` answers with. */
export function assetTable(page: 'index.html' | 'runs.html'): Readonly<Record<string, Asset>> {
  const s = (name: string) => join(here, 'static', name);
  return Object.freeze({
    '/': { file: s(page), type: HTML },
    '/index.html': { file: s(page), type: HTML },
    '/app.js': { file: s('app.js'), type: JS },
    '/runs.js': { file: s('runs.js'), type: JS },
    '/table.js': { file: s('table.js'), type: JS },
    '/style.css': { file: s('style.css'), type: 'text/css; charset=utf-8' },
    '/favicon.svg': { file: s('favicon.svg'), type: 'image/svg+xml' },
    '/vendor/uPlot.iife.min.js': { file: join(uplotDist, 'uPlot.iife.min.js'), type: JS },
    '/vendor/uPlot.min.css': { file: join(uplotDist, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
  });
}

export const SECURITY_HEADERS = Object.freeze({
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  // The token travels in the URL: never pass it on in a Referer.
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'self'; img-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
});

export function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export const sendJson = (res: ServerResponse, status: number, value: unknown): void => send(res, status, 'application/json', JSON.stringify(value));

/** 401 and no data. */
export function unauthorized(res: ServerResponse): void {
  res.writeHead(401, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer realm="anomseer dashboard"' });
  res.end('401: open the dashboard with the link printed at start-up (…/?token=<token>) or send "Authorization: Bearer <token>".\n');
}

/** GET and HEAD only; answers 405 otherwise and returns false. */
export function readOnly(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return true;
  res.writeHead(405, { ...SECURITY_HEADERS, allow: 'GET, HEAD' });
  res.end();
  return false;
}

/** Serve one static file; the HTML page gets the token query in its asset links. */
export async function sendAsset(res: ServerResponse, asset: Asset, tokenQuery: string): Promise<void> {
  let body: string | Buffer = await readFile(asset.file);
  if (asset.type === HTML) body = body.toString('utf8').replaceAll('__TOKEN_QUERY__', tokenQuery);
  send(res, 200, asset.type, body);
}

/** Answer an upgrade with an HTTP status and close the socket. */
export function refuseUpgrade(socket: Duplex, code: number, text: string): void {
  socket.end(`HTTP/1.1 ${code} ${text}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  socket.destroy();
}

/** Send frames to one client, or close it (1013) when it already has more than `maxBuffered` bytes queued. */
export function sendFrames(ws: WebSocket, frames: readonly string[], maxBuffered: number): void {
  if (ws.readyState !== ws.OPEN) return;
  if (ws.bufferedAmount > maxBuffered) {
    ws.close(1013, 'too far behind; reconnect for a fresh snapshot');
    return;
  }
  for (const f of frames) ws.send(f);
}

/** Ping every client every 30 s; one that did not answer the last ping is dropped (a laptop lid closed). */
export function keepAlive(wss: WebSocketServer): { watch(ws: WebSocket): void; stop(): void } {
  const alive = new WeakMap<WebSocket, boolean>();
  const timer = setInterval(() => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, 30_000);
  timer.unref();
  return {
    watch(ws) {
      alive.set(ws, true);
      ws.on('pong', () => alive.set(ws, true));
      ws.on('error', () => ws.terminate());
    },
    stop: () => clearInterval(timer),
  };
}

/** Listen on host:port (0 = any free port); returns the base URL, e.g. http://127.0.0.1:43121/. */
export async function listen(server: Server, host: string, port: number): Promise<{ url: string; port: number }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const hostForUrl = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return { url: `http://${hostForUrl}:${addr.port}/`, port: addr.port };
}

/** Close every client (1001), the websocket server and the HTTP server. */
export async function closeAll(wss: WebSocketServer, server: Server, reason = 'dashboard shutting down'): Promise<void> {
  for (const ws of wss.clients) ws.close(1001, reason);
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  for (const ws of wss.clients) ws.terminate();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A URL for logs: the token query parameter masked. */
export const redactUrl = (url: string | undefined): string => (url ?? '').replace(/token=[^&]*/, 'token=…');
