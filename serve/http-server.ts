/**
 * The HTTP API of `anomseer serve` (docs/SERVE.md):
 *
 *   POST /v1/detect   JSON request (serve/detect-request.ts) → JSON answer (serve/detect-answer.ts)
 *   GET  /metrics     Prometheus text (serve/metrics.ts)
 *   GET  /healthz     open: {"status":"ok","role":"serve","checks":{"policy":true}}
 *
 * Every route but /healthz needs `Authorization: Bearer <token>` (401 otherwise), checked
 * before the body is read. Bodies are bounded: a Content-Length over the limit is refused
 * before reading, and a body that grows past it while streaming is refused at that byte
 * (413; the rest is drained and dropped, up to DRAIN_FACTOR × the limit, then the connection
 * is cut). A refused request never stops the server: every failure is one JSON answer.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MessageTooLargeError, UnauthenticatedError } from '../proto/errors.js';
import { InvalidArgumentError } from '../shared/errors.js';
import type { DetectAnswer } from './detect-answer.js';
import { validateDetectRequest } from './detect-request.js';
import type { DetectInput, RequestLimits } from './detect-request.js';
import { MethodNotAllowedError, NotFoundRouteError, UnsupportedMediaTypeError, httpErrorOf } from './http-errors.js';
import type { ServeMetrics } from './metrics.js';

/** Bytes of an over-long body read and dropped (as multiples of the limit) before the connection is cut. */
const DRAIN_FACTOR = 16;

export interface HttpServerOptions {
  readonly host: string;
  readonly port: number;
  readonly token: string;
  readonly limits: RequestLimits & { readonly maxBodyBytes: number };
  readonly detect: (input: DetectInput) => Promise<DetectAnswer>;
  readonly metrics: ServeMetrics;
  readonly health: () => boolean;
  /** Server-side failures (500s) are logged here with their stack. */
  readonly log: (line: string) => void;
}

export interface RunningHttp {
  readonly port: number;
  readonly address: string;
  close(): Promise<void>;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Throws UnauthenticatedError unless the request carries exactly `Bearer <token>`. */
function checkBearer(req: IncomingMessage, expected: Buffer): void {
  const value = req.headers.authorization;
  if (typeof value !== 'string') throw new UnauthenticatedError('send "Authorization: Bearer <token>" (the server printed where its token is)');
  const m = /^Bearer +(\S+)$/i.exec(value.trim());
  if (m === null) throw new UnauthenticatedError('the authorization header must be "Bearer <token>"');
  if (!timingSafeEqual(digest(m[1]!), expected)) throw new UnauthenticatedError('wrong bearer token');
}

function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': String(Buffer.byteLength(text)), ...extra });
  res.end(text);
}

/** Read and drop what is left of a body, at most DRAIN_FACTOR × limit bytes, then cut the connection. */
function drain(req: IncomingMessage, limit: number): void {
  let bytes = 0;
  req.on('data', (c: Buffer) => {
    bytes += c.length;
    if (bytes > DRAIN_FACTOR * limit) req.destroy();
  });
  req.resume();
}

/** The body as text, at most `limit` bytes (MessageTooLargeError beyond). */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new MessageTooLargeError('body', declared, limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const onData = (c: Buffer): void => {
      bytes += c.length;
      if (bytes <= limit) {
        chunks.push(c);
        return;
      }
      req.off('data', onData);
      req.off('end', onEnd);
      chunks.length = 0;
      reject(new MessageTooLargeError('body', bytes, limit));
    };
    const onEnd = (): void => resolve(Buffer.concat(chunks).toString('utf8'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError('body', `is not valid JSON (${(err as Error).message}); NaN and Infinity cannot be sent as numbers`);
  }
}

export async function serveHttp(o: HttpServerOptions): Promise<RunningHttp> {
  const expected = digest(o.token);
  const handle = async (req: IncomingMessage, res: ServerResponse, route: string): Promise<number> => {
    if (route === '/healthz') {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new MethodNotAllowedError(req.method ?? '?', 'GET');
      const ok = o.health();
      sendJson(res, ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable', role: 'serve', checks: { policy: ok } });
      return ok ? 200 : 503;
    }
    if (route !== '/metrics' && route !== '/v1/detect') throw new NotFoundRouteError(route);
    checkBearer(req, expected);
    if (route === '/metrics') {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new MethodNotAllowedError(req.method ?? '?', 'GET');
      const text = await o.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': o.metrics.registry.contentType, 'cache-control': 'no-store' });
      res.end(text);
      return 200;
    }
    if (req.method !== 'POST') throw new MethodNotAllowedError(req.method ?? '?', 'POST');
    const type = req.headers['content-type'];
    if (type !== undefined && !/^application\/(.+\+)?json\s*(;|$)/i.test(type)) throw new UnsupportedMediaTypeError(type);
    const input = validateDetectRequest(parseJson(await readBody(req, o.limits.maxBodyBytes)), o.limits);
    const a = await o.detect(input);
    const { plotPng, ...rest } = a;
    sendJson(res, 200, plotPng === undefined ? rest : { ...rest, plotPng: plotPng.toString('base64') });
    return 200;
  };

  const server = createServer((req, res) => {
    const started = performance.now();
    const path = (req.url ?? '/').split('?')[0]!;
    const route = ['/v1/detect', '/metrics', '/healthz'].includes(path) ? path : 'other';
    handle(req, res, path).then(
      (status) => o.metrics.httpRequest(route, status, (performance.now() - started) / 1000),
      (err: unknown) => {
        const e = httpErrorOf(err);
        if (e.status === 500) o.log(`serve: internal error on ${req.method} ${path}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        const extra: Record<string, string> = {};
        if (err instanceof MethodNotAllowedError) extra.allow = err.allow;
        if (e.status === 401) extra['www-authenticate'] = 'Bearer realm="anomseer"';
        // A body left unread (401, 413, 415, 405 …) must not be parsed as the next request.
        if (!req.complete) {
          extra.connection = 'close';
          drain(req, o.limits.maxBodyBytes);
        }
        if (!res.headersSent) sendJson(res, e.status, e.body, extra);
        o.metrics.httpRequest(route, e.status, (performance.now() - started) / 1000);
      },
    );
  });
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 30_000;
  server.requestTimeout = 300_000;
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      const a = server.address();
      resolve(typeof a === 'object' && a !== null ? a.port : o.port);
    });
  });
  return {
    port,
    address: `${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
