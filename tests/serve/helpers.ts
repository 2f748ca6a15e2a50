// Shared by the serve tests: a held clock for the batcher, HTTP calls, and the unbatched
// reference answer (the same inference functions `anomseer detect` calls).
import { request } from 'node:http';
import { resolve } from 'node:path';
import { realSchedule } from '../../serve/batcher.js';
import type { Schedule } from '../../serve/batcher.js';
import { detectSeries } from '../../shared/policy/inference.js';
import type { OpenPolicy } from '../../shared/policy/inference.js';

export const SHIPPED = resolve('checkpoints/default');
/** A real series of 1538 points (two windows of 1000) on which the shipped policy finds intervals. */
export const NAB_FILE = resolve('data/nab/data/realAdExchange/exchange-3_cpc_results.csv');

/** The batcher's clock: real timers, except while `hold` is on, when waits end only on `release()`. */
export function heldClock() {
  let hold = false;
  let held: (() => void)[] = [];
  const schedule: Schedule = (fn, ms) => {
    if (!hold) return realSchedule(fn, ms);
    held.push(fn);
    return () => {
      held = held.filter((f) => f !== fn);
    };
  };
  return {
    schedule,
    hold: () => {
      hold = true;
    },
    release: () => {
      hold = false;
      const due = held;
      held = [];
      for (const fn of due) fn();
    },
  };
}

export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  json(): any;
}

/** One HTTP request with node:http (chunked when `chunks` is given: no content-length). */
export function call(
  port: number,
  method: string,
  path: string,
  opts: { token?: string; body?: string; chunks?: string[]; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return new Promise((resolveReply, reject) => {
    const headers: Record<string, string> = {
      ...(opts.body !== undefined || opts.chunks !== undefined ? { 'content-type': 'application/json' } : {}),
      ...opts.headers,
    };
    if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined) headers['content-length'] = String(Buffer.byteLength(opts.body));
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        resolveReply({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    // The server may answer (413) and close while a long body is still being written.
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
    if (opts.body !== undefined) req.end(opts.body);
    else if (opts.chunks !== undefined) {
      for (const c of opts.chunks) req.write(c);
      req.end();
    } else req.end();
  });
}

/** What `anomseer detect` computes for `values` with the checkpoint's spec, decoded without a server. */
export async function unbatched(open: OpenPolicy, values: Float64Array) {
  const { spec } = open.loaded;
  const r = await detectSeries(open.policy, values, { features: spec.features, grammar: spec.grammar, spec, tokenizer: open.loaded.tokenizer });
  return {
    type: r.type,
    intervals: r.intervals,
    explanation: r.explanation,
    windows: r.windows.map((w) => ({ start: w.start, length: w.length, type: w.type ?? null, intervals: w.intervals, text: w.text })),
  };
}
