/**
 * `anomseer dashboard <root>`: every run under a root, from its directory alone — finished,
 * interrupted and live runs side by side, no training process needed (docs/DASHBOARD.md,
 * "Runs"). One node:http server with the same token rules as the live dashboard (auth.ts:
 * every route and the websocket upgrade; 401 and no data without it), loopback by default.
 *
 * HTTP (JSON unless said):
 *   /                         the runs page (static/runs.html, runs.js, table.js, style.css)
 *   /api/runs                 { root, runs: RunHeader[] }
 *   /api/run?id=ID            a run's header and its three downsampled tables (run-data.ts)
 *   /api/traces?id=ID&before=STEP&prompt=TEXT&limit=N   a page of its traces (run-traces.ts)
 *   /api/eval?id=ID&step=N    the full eval report evals/step-N.json
 *   /api/plot?id=ID&step=N&i=K   PNG: trace K of step N over its series (when the run's
 *                             training data can be loaded here), true and predicted intervals
 *
 * Websocket /ws (JSON text frames). Server → page: first `hello` (root, every run's header,
 * the table bound, the paper's rows); then `run` (a header new or changed; `reset` when the
 * run started over), `removed`, and for the runs the page watches `run-data` (the whole
 * bounded tables, once, when it starts watching or the run was reset) and `lines` (the rows
 * the run gained). Page → server: `{ "type": "watch", "runs": [ID, …] }`, the runs it shows
 * (at most 64). A page more than `maxBufferedBytes` behind is dropped; it reconnects.
 *
 * Runs are polled every `pollMs` (run-watcher.ts: bounded bytes per run per poll).
 */
import { readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { loadDataSpec } from '../shared/datasets/spec.js';
import { PAPER_ROWS } from '../shared/eval/table.js';
import { recordIdOf } from '../shared/job/plan.js';
import { annotatedPng } from '../shared/plot/annotate.js';
import type { SeriesRecord } from '../shared/series/record.js';
import { parseTrace } from '../shared/trace/parse.js';
import { RUN_FILES, stepFileName } from '../shared/training/run-files.js';
import { tokenChecker } from './auth.js';
import { assetTable, closeAll, keepAlive, listen, readOnly, redactUrl, refuseUpgrade, send, sendAsset, sendFrames, sendJson, unauthorized } from './http.js';
import { RunsWatcher } from './run-watcher.js';
import type { WatchMessage } from './run-watcher.js';
import { readTrace, readTracePage } from './run-traces.js';

export interface RunsDashboardOptions {
  /** The folder holding the runs. */
  readonly root: string;
  /** At least 16 visible ASCII characters. */
  readonly token: string;
  /** Interface (default 127.0.0.1: this machine only). */
  readonly host?: string;
  /** Port (default 0: any free port). */
  readonly port?: number;
  /** How often the runs are read for changes, ms (default 1000). */
  readonly pollMs?: number;
  /** Rows per table before downsampling (default 600). */
  readonly maxPoints?: number;
  /** metrics.jsonl bytes read per run per poll (default 1 MiB). */
  readonly maxBytesPerPoll?: number;
  /** A page with more than this queued is dropped to resync (default 8 MiB). */
  readonly maxBufferedBytes?: number;
  /** Loads a run's training data for trace plots (default loadDataSpec). */
  readonly loadRecords?: (spec: string) => Promise<readonly SeriesRecord[]>;
  readonly log?: (line: string) => void;
}

export interface RunsDashboard {
  readonly url: string;
  readonly port: number;
  readonly watcher: RunsWatcher;
  /** Read the runs now and send what changed (also done every pollMs). */
  poll(): void;
  clients(): number;
  close(): Promise<void>;
}

/** Runs one page may watch at once. */
export const MAX_WATCHED = 64;

const ASSETS = assetTable('runs.html');
/** The routes that take a run `id` (see the file comment). */
const API = new Set(['/api/run', '/api/traces', '/api/eval', '/api/plot']);
const TEXT = 'text/plain; charset=utf-8';

/** The records of the last `keep` data specs asked for, by record id (plots load a run's data once). */
class RecordCache {
  private readonly specs = new Map<string, Promise<Map<string, SeriesRecord>>>();
  constructor(
    private readonly load: (spec: string) => Promise<readonly SeriesRecord[]>,
    private readonly keep = 2,
  ) {}

  async find(spec: string, promptId: string): Promise<SeriesRecord | undefined> {
    let p = this.specs.get(spec);
    if (p === undefined) {
      p = this.load(spec).then((rs) => new Map(rs.map((r) => [r.id, r])));
      // A spec that cannot be loaded here (a path relative to another machine) answers "no plot" and is tried again later.
      p.catch(() => this.specs.delete(spec));
      this.specs.set(spec, p);
      while (this.specs.size > this.keep) this.specs.delete(this.specs.keys().next().value!);
    } else {
      this.specs.delete(spec);
      this.specs.set(spec, p);
    }
    return (await p.catch(() => new Map<string, SeriesRecord>())).get(recordIdOf(promptId));
  }
}

/** An integer query parameter in [min, max], the default when absent, or undefined when malformed. */
function intParam(u: URL, name: string, min: number, max: number, dflt?: number): number | undefined {
  const v = u.searchParams.get(name);
  if (v === null || v === '') return dflt;
  const n = Number(v);
  return Number.isInteger(n) && n >= min && n <= max ? n : undefined;
}

export async function startRunsDashboard(o: RunsDashboardOptions): Promise<RunsDashboard> {
  const authorized = tokenChecker(o.token);
  const tokenQuery = `token=${encodeURIComponent(o.token)}`;
  const log = o.log ?? (() => {});
  const maxBuffered = o.maxBufferedBytes ?? 8 * 1024 * 1024;
  const watcher = new RunsWatcher({ root: o.root, maxPoints: o.maxPoints, maxBytesPerPoll: o.maxBytesPerPoll });
  watcher.catchUp();
  const records = new RecordCache(o.loadRecords ?? ((spec) => loadDataSpec(spec)));
  const pngs = new Map<string, Promise<Buffer>>();

  const configOf = (id: string) => (watcher.get(id)?.config ?? {}) as { data?: { train?: unknown; seriesLength?: unknown } };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!authorized(req)) return unauthorized(res);
    if (!readOnly(req, res)) return;
    const u = new URL(req.url ?? '/', 'http://dashboard.invalid');
    const path = u.pathname;
    if (path === '/api/runs') return sendJson(res, 200, { root: o.root, runs: watcher.list() });
    if (API.has(path)) {
      const id = u.searchParams.get('id') ?? '';
      const run = watcher.get(id);
      const dir = watcher.dirOf(id);
      if (run === undefined || dir === undefined) return send(res, 404, TEXT, `no run "${id.slice(0, 200)}" under the root (GET /api/runs lists them)\n`);
      if (path === '/api/run') return sendJson(res, 200, run.toJSON());
      if (path === '/api/traces') {
        const before = intParam(u, 'before', 0, Number.MAX_SAFE_INTEGER);
        const limit = intParam(u, 'limit', 1, 500, 20);
        const prompt = u.searchParams.get('prompt') ?? '';
        if ((u.searchParams.has('before') && before === undefined) || limit === undefined || prompt.length > 200)
          return send(res, 400, TEXT, 'before: a step number; limit: 1–500; prompt: at most 200 characters\n');
        const n = configOf(id).data?.seriesLength;
        return sendJson(res, 200, { run: id, ...readTracePage(dir, { before, limit, prompt, seriesLength: typeof n === 'number' ? n : undefined }) });
      }
      const step = intParam(u, 'step', 0, 99_999_999);
      if (step === undefined) return send(res, 400, TEXT, 'step: a step number\n');
      if (path === '/api/eval') {
        const report = readJsonText(join(dir, RUN_FILES.evals, stepFileName(step, '.json')));
        return report === undefined ? send(res, 404, TEXT, `run "${id}" has no eval report at step ${step}\n`) : send(res, 200, 'application/json', report);
      }
      if (path === '/api/plot') {
        const index = intParam(u, 'i', 0, 1_000_000);
        if (index === undefined) return send(res, 400, TEXT, 'i: a trace index\n');
        // Keyed by the trace file's mtime too: a run started over in the same folder draws anew.
        const key = `${id}\n${step}\n${index}\n${mtimeOf(join(dir, RUN_FILES.traces, stepFileName(step, '.jsonl')))}`;
        let png = pngs.get(key);
        if (png === undefined) {
          const trace = readTrace(dir, step, index);
          const cfg = configOf(id);
          const spec = cfg.data?.train;
          const rec = trace === undefined || typeof spec !== 'string' ? undefined : await records.find(spec, trace.promptId);
          if (trace === undefined || rec === undefined) return send(res, 404, TEXT, 'no plot: the trace or the series of its prompt is not available here\n');
          const predicted = parseTrace(trace.text, rec.series.length).intervals ?? [];
          const inRange = rec.series.every((v) => v >= -1 && v <= 1);
          png = annotatedPng(rec.series, { truth: rec.intervals, predicted, width: 1000, height: 150, normalize: inRange ? 'none' : 'minmax' });
          pngs.set(key, png);
          while (pngs.size > 64) pngs.delete(pngs.keys().next().value!);
        }
        return send(res, 200, 'image/png', await png);
      }
    }
    const asset = ASSETS[path];
    if (asset === undefined) return send(res, 404, TEXT, 'not found\n');
    await sendAsset(res, asset, tokenQuery);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`dashboard: ${redactUrl(req.url)}: ${(err as Error).message}`);
      if (!res.headersSent) send(res, 500, TEXT, 'internal error\n');
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 });
  const pings = keepAlive(wss);
  const watching = new Map<WebSocket, Set<string>>();
  const runData = (id: string): string | undefined => {
    const d = watcher.get(id);
    return d === undefined ? undefined : JSON.stringify({ type: 'run-data', run: id, data: d.toJSON() });
  };

  const onClientMessage = (ws: WebSocket, raw: string): void => {
    let m: unknown;
    try {
      m = JSON.parse(raw);
    } catch {
      return;
    }
    const ids = (m as { type?: unknown; runs?: unknown }).runs;
    if ((m as { type?: unknown }).type !== 'watch' || !Array.isArray(ids)) return;
    const want = new Set(ids.filter((x): x is string => typeof x === 'string' && watcher.get(x) !== undefined).slice(0, MAX_WATCHED));
    const had = watching.get(ws) ?? new Set<string>();
    watching.set(ws, want);
    const frames = [...want].filter((id) => !had.has(id)).flatMap((id) => runData(id) ?? []);
    sendFrames(ws, frames, maxBuffered);
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!authorized(req)) return refuseUpgrade(socket, 401, 'Unauthorized');
    if (new URL(req.url ?? '/', 'http://dashboard.invalid').pathname !== '/ws') return refuseUpgrade(socket, 404, 'Not Found');
    wss.handleUpgrade(req, socket, head, (ws) => {
      pings.watch(ws);
      watching.set(ws, new Set());
      ws.on('message', (data) => onClientMessage(ws, String(data)));
      ws.on('close', () => watching.delete(ws));
      ws.send(JSON.stringify({ type: 'hello', root: o.root, runs: watcher.list(), limits: { maxPoints: o.maxPoints ?? 600 }, paperRows: PAPER_ROWS }));
    });
  });

  const deliver = (messages: readonly WatchMessage[]): void => {
    if (messages.length === 0) return;
    for (const [ws, runs] of watching) {
      const frames: string[] = [];
      for (const m of messages) {
        if (m.type === 'lines') {
          if (runs.has(m.run)) frames.push(JSON.stringify(m));
          continue;
        }
        frames.push(JSON.stringify(m));
        // A run that started over: send its tables afresh to those who watch it.
        if (m.type === 'run' && m.reset === true && runs.has(m.run.id)) frames.push(runData(m.run.id) ?? '');
        if (m.type === 'removed') runs.delete(m.run);
      }
      sendFrames(
        ws,
        frames.filter((f) => f !== ''),
        maxBuffered,
      );
    }
  };

  const poll = (): void => {
    try {
      deliver(watcher.poll());
    } catch (err) {
      log(`dashboard: reading the runs failed: ${(err as Error).message}`);
    }
  };
  const timer = setInterval(poll, o.pollMs ?? 1000);
  timer.unref();

  const { url, port } = await listen(server, o.host ?? '127.0.0.1', o.port ?? 0).catch((err: unknown) => {
    clearInterval(timer);
    pings.stop();
    throw err;
  });

  return {
    url,
    port,
    watcher,
    poll,
    clients: () => wss.clients.size,
    async close() {
      clearInterval(timer);
      pings.stop();
      await closeAll(wss, server);
    },
  };
}

function readJsonText(path: string): string | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    JSON.parse(text);
    return text;
  } catch {
    return undefined;
  }
}

function mtimeOf(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}
