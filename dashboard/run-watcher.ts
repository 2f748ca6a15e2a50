/**
 * The runs under a root, read from their directories and kept up to date by polling: what
 * `anomseer dashboard <root>` serves. Each `poll()`:
 *
 *   1. finds the run directories under the root (`findRuns`: folders holding run.json, two
 *      levels deep) — a run that starts later appears, one whose folder went away is dropped;
 *   2. re-reads run.json, config.json and summary.json of a run when they changed (by size and
 *      mtime), so a run that ends turns "finished" or "interrupted";
 *   3. reads what metrics.jsonl gained since the last poll, at most `maxBytesPerPoll` per run
 *      (a reader far behind catches up over several polls: the work of one poll is bounded),
 *      and folds the lines into the run's bounded tables (run-data.ts).
 *
 * It returns the messages for the pages: `run` (a header that is new or changed), `lines`
 * (rows a run gained), `removed`. A metrics.jsonl that shrank (the folder was emptied and a new
 * run started there) starts the run over: its `run` message says `reset`.
 */
import { statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { RUN_FILES, findRuns, readJson, readMetricsChunk } from '../shared/training/run-files.js';
import { RunData } from './run-data.js';
import type { RowUpdate, RunFacts, RunHeader } from './run-data.js';

export interface RunsWatcherOptions {
  /** The folder searched for runs (the `anomseer dashboard` argument). */
  readonly root: string;
  /** Rows per table before downsampling (default 600). */
  readonly maxPoints?: number;
  /** metrics.jsonl bytes read per run per poll (default 1 MiB). */
  readonly maxBytesPerPoll?: number;
}

export type WatchMessage =
  | { readonly type: 'run'; readonly run: RunHeader; readonly reset?: true }
  | { readonly type: 'lines'; readonly run: string; readonly rows: readonly RowUpdate[] }
  | { readonly type: 'removed'; readonly run: string };

interface Watched {
  readonly dir: string;
  data: RunData;
  /** Byte offset into metrics.jsonl up to which lines are folded in. */
  offset: number;
  /** size:mtime of run.json, config.json, summary.json: re-read when it changes. */
  stamp: string;
  /** The header last sent, to send it again only when it changed. */
  sent: string;
}

const stampOf = (dir: string): string =>
  [RUN_FILES.run, RUN_FILES.config, RUN_FILES.summary]
    .map((f) => {
      try {
        const s = statSync(join(dir, f));
        return `${s.size}:${s.mtimeMs}`;
      } catch {
        return '-';
      }
    })
    .join('|');

function factsOf(dir: string): RunFacts {
  const run = readJson(join(dir, RUN_FILES.run)) as { jobId?: unknown; createdAt?: unknown } | undefined;
  const summary = readJson(join(dir, RUN_FILES.summary));
  return {
    dir,
    jobId: typeof run?.jobId === 'string' ? run.jobId : undefined,
    createdAt: typeof run?.createdAt === 'string' ? run.createdAt : undefined,
    config: readJson(join(dir, RUN_FILES.config)),
    summary: summary !== null && typeof summary === 'object' && !Array.isArray(summary) ? (summary as Record<string, unknown>) : undefined,
  };
}

export class RunsWatcher {
  readonly root: string;
  private readonly maxPoints: number;
  private readonly maxBytes: number;
  private readonly runs = new Map<string, Watched>();

  constructor(o: RunsWatcherOptions) {
    this.root = o.root;
    this.maxPoints = o.maxPoints ?? 600;
    this.maxBytes = o.maxBytesPerPoll ?? 1 << 20;
  }

  /** The id of a run directory: its path relative to the root, with `/` (`.` for the root itself). */
  idOf(dir: string): string {
    const rel = relative(this.root, dir);
    return rel === '' ? '.' : rel.split(sep).join('/');
  }

  /** One round of the file comment's steps 1–3; returns the messages for the pages. */
  poll(): WatchMessage[] {
    const out: WatchMessage[] = [];
    const found = new Set<string>();
    for (const dir of findRuns(this.root)) {
      const id = this.idOf(dir);
      found.add(id);
      let w = this.runs.get(id);
      if (w === undefined) {
        w = { dir, data: new RunData(id, factsOf(dir), this.maxPoints), offset: 0, stamp: stampOf(dir), sent: '' };
        this.runs.set(id, w);
      } else {
        const stamp = stampOf(dir);
        if (stamp !== w.stamp) {
          w.stamp = stamp;
          w.data.setFacts(factsOf(dir));
        }
      }
      const chunk = readMetricsChunk(join(dir, RUN_FILES.metrics), w.offset, this.maxBytes);
      let reset = false;
      if (chunk.truncated) {
        w.data = new RunData(id, factsOf(dir), this.maxPoints);
        w.offset = 0;
        w.sent = '';
        reset = true;
      } else {
        w.offset = chunk.next;
      }
      const rows = w.data.apply(chunk.lines);
      const header = w.data.header();
      const json = JSON.stringify(header);
      if (json !== w.sent) {
        w.sent = json;
        out.push(reset ? { type: 'run', run: header, reset: true } : { type: 'run', run: header });
      }
      if (rows.length > 0 && !reset) out.push({ type: 'lines', run: id, rows });
    }
    for (const id of [...this.runs.keys()]) {
      if (found.has(id)) continue;
      this.runs.delete(id);
      out.push({ type: 'removed', run: id });
    }
    return out;
  }

  /** Poll until every run has read its metrics.jsonl to the end (start-up: the first page is complete). */
  catchUp(maxRounds = 100_000): void {
    for (let k = 0; k < maxRounds; k++) {
      const before = [...this.runs.values()].map((w) => w.offset).join(',');
      this.poll();
      const after = [...this.runs.values()].map((w) => w.offset).join(',');
      if (before === after && k > 0) return;
    }
  }

  /** Every run's header, sorted by id. */
  list(): RunHeader[] {
    return [...this.runs.keys()].sort().map((id) => this.runs.get(id)!.data.header());
  }

  get(id: string): RunData | undefined {
    return this.runs.get(id)?.data;
  }

  /** The directory of a known run (never a path built from a request). */
  dirOf(id: string): string | undefined {
    return this.runs.get(id)?.dir;
  }
}
