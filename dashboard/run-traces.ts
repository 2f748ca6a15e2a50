/**
 * A run's trace history (traces/step-NNNNNN.jsonl: every scored trace of every RL step), paged
 * newest step first and searchable by prompt id, reading only what a page needs.
 *
 * A page reads whole step files, newest first, starting below `before`, until it holds at least
 * `limit` traces — or has read `maxFiles` files or `maxBytes` bytes, so a search for a prompt
 * that is rare costs a bounded amount per request and goes on with the `next` cursor. A step's
 * traces are never split over two pages.
 *
 * Example: 3,000 steps of 16 prompts × G = 5: the first page is step 3000's 80 traces and
 * `next: 3000`; searching "range/0042" scans at most 200 files per page and returns the
 * matches found with `next` set to where the scan stopped.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Interval } from '../shared/series/record.js';
import { parseTrace } from '../shared/trace/parse.js';
import { RUN_FILES, parseTraceLines, stepFileName, stepFiles } from '../shared/training/run-files.js';
import type { TraceLine } from '../shared/training/run-files.js';

export interface TraceQuery {
  /** Only steps below this one (the previous page's `next`); absent = from the newest. */
  readonly before?: number;
  /** Keep traces whose prompt id contains this text (case-sensitive); absent or '' = all. */
  readonly prompt?: string;
  /** Traces wanted per page (default 20); whole steps are read, so a page may hold more. */
  readonly limit?: number;
  /** Step files read per page at most (default 200). */
  readonly maxFiles?: number;
  /** Bytes read per page at most (default 16 MiB). */
  readonly maxBytes?: number;
  /** Series length, to read answers' intervals (config data.seriesLength; default unbounded). */
  readonly seriesLength?: number;
}

/** One trace as the page shows it. */
export interface RunTrace extends TraceLine {
  /** Line of the trace in its step file: with the step, what names it (its plot URL). */
  readonly index: number;
  /** The answer's intervals; null when it has no parseable answer. */
  readonly predicted: Interval[] | null;
  readonly predictedType: string | null;
}

export interface TracePage {
  readonly traces: RunTrace[];
  /** Pass as `before` for the next (older) page; null when the scan reached the first step. */
  readonly next: number | null;
  /** Step files read for this page. */
  readonly scanned: number;
  /** All step files of the run: how many, and the first and last step (null when none). */
  readonly files: { readonly count: number; readonly first: number | null; readonly last: number | null };
}

export function readTracePage(runDir: string, q: TraceQuery = {}): TracePage {
  const all = stepFiles(join(runDir, RUN_FILES.traces), '.jsonl');
  const limit = q.limit ?? 20;
  const maxFiles = q.maxFiles ?? 200;
  const maxBytes = q.maxBytes ?? 16 << 20;
  const prompt = q.prompt ?? '';
  const n = q.seriesLength ?? Number.MAX_SAFE_INTEGER;
  const files = { count: all.length, first: all[0]?.step ?? null, last: all.at(-1)?.step ?? null };
  const traces: RunTrace[] = [];
  let k = all.length - 1;
  while (k >= 0 && q.before !== undefined && all[k]!.step >= q.before) k--;
  let scanned = 0;
  let bytes = 0;
  for (; k >= 0 && traces.length < limit && scanned < maxFiles && bytes < maxBytes; k--) {
    const f = all[k]!;
    const text = readFileSync(f.file, 'utf8');
    scanned += 1;
    bytes += Buffer.byteLength(text);
    parseTraceLines(text).forEach((t, index) => {
      if (prompt !== '' && !t.promptId.includes(prompt)) return;
      const parsed = parseTrace(t.text, n);
      traces.push({ ...t, index, predicted: parsed.intervals, predictedType: parsed.type ?? null });
    });
  }
  return { traces, next: k >= 0 ? all[k + 1]!.step : null, scanned, files };
}

/** Trace `index` of step `step`, or undefined (no such file or line). */
export function readTrace(runDir: string, step: number, index: number): TraceLine | undefined {
  const file = join(runDir, RUN_FILES.traces, stepFileName(step, '.jsonl'));
  try {
    if (!statSync(file).isFile()) return undefined;
  } catch {
    return undefined;
  }
  return parseTraceLines(readFileSync(file, 'utf8'))[index];
}
