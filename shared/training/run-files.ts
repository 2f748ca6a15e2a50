/**
 * A run directory is the record of a run (docs/RUNS.md): it outlives the processes that wrote
 * it and is all the dashboard needs to show a finished, interrupted or live run.
 *
 *   run.json            job id, config hash, creation time (shared/checkpoint/run-dir.ts)
 *   config.json         the resolved job config the run was started with
 *   metrics.jsonl       one line per warm-start step, RL step and eval: every scalar charted
 *   evals/step-NNNNNN.json    the full eval report of each eval
 *   traces/step-NNNNNN.jsonl  every scored trace of an RL step, one per line
 *   summary.json        written when the run ends (finished or interrupted)
 *   step-NNNNNN/ …      checkpoints (docs/CHECKPOINTS.md)
 *
 * metrics.jsonl lines (numbers are JSON numbers; NaN and ±Infinity are written as null):
 *   {"kind":"warm-start","step":3,"time":"…","loss":1.2,"gradNorm":0.8,"lr":0.001}
 *   {"kind":"step","step":5,"time":"…","weightVersion":6,"reward":0.71,…every RlStepMetrics key…,
 *    "lr":3e-4,"seconds.generate":4.1,"seconds.update":2.2,"timings.ot":0.1,…,
 *    "rolloutsPerSecond":12.5,"tokensPerSecond":980}
 *   {"kind":"eval","step":10,"time":"…","classAccuracy":98.1,"affiliationF1.freq":91.2,…,"pointF1":85,"iou":80,
 *    "faithfulness.conclusionAgreement":100,…}
 * Keys are flat (`a.b`), so any line charts by key without knowing the schema.
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const RUN_FILES = Object.freeze({
  run: 'run.json',
  config: 'config.json',
  metrics: 'metrics.jsonl',
  evals: 'evals',
  traces: 'traces',
  summary: 'summary.json',
});

export type MetricsLine = { readonly kind: 'warm-start' | 'step' | 'eval'; readonly step: number; readonly time: string } & Readonly<
  Record<string, number | string | null>
>;

/** `{ a: { b: 1 }, c: 2 }` → `{ "a.b": 1, c: 2 }`: numbers (non-finite → null) and nothing else. */
export function flatNumbers(value: unknown, prefix = '', out: Record<string, number | null> = {}): Record<string, number | null> {
  if (typeof value === 'number') out[prefix] = Number.isFinite(value) ? value : null;
  else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatNumbers(v, prefix === '' ? k : `${prefix}.${k}`, out);
  }
  return out;
}

/**
 * The lines of a metrics.jsonl text; a line cut short by a crash (the last one) is skipped, and
 * when a resumed run wrote a step again (it crashed after its last checkpoint), the later line
 * of that (kind, step) wins, in the earlier one's place.
 */
export function parseMetricsLines(text: string): MetricsLine[] {
  const byKey = new Map<string, MetricsLine>();
  for (const line of parseAllLines(text)) byKey.set(`${line.kind}/${line.step}`, line);
  return [...byKey.values()];
}

function parseAllLines(text: string): MetricsLine[] {
  const out: MetricsLine[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const o = JSON.parse(line) as MetricsLine;
      if (o !== null && typeof o === 'object' && typeof o.kind === 'string' && typeof o.step === 'number') out.push(o);
    } catch {
      // a partial last line of a killed writer
    }
  }
  return out;
}

/** A piece of a growing metrics.jsonl read from a byte offset (`readMetricsChunk`). */
export interface MetricsChunk {
  /** The complete lines read, in file order (a step written twice appears twice). */
  readonly lines: MetricsLine[];
  /** Byte offset of the first byte not consumed: where the next read starts. */
  readonly next: number;
  /** The file holds more bytes after `next` than this read took: read again. */
  readonly more: boolean;
  /** The file is shorter than `offset` (replaced or truncated): start again from 0. */
  readonly truncated: boolean;
}

/**
 * The complete lines of `path` from byte `offset`, reading at most `maxBytes` (default 1 MiB):
 * bounded work however far behind a reader is. A last line without its newline (the writer is
 * mid-append) is left for the next read; a missing file reads as empty. A single line longer
 * than `maxBytes` cannot be read whole: it is skipped (its pieces parse as garbage and are
 * dropped), so a reader never stalls on it.
 *
 * Example: a reader polling a live run calls `readMetricsChunk(p, c.next)` each second and
 * gets the lines appended since.
 */
export function readMetricsChunk(path: string, offset: number, maxBytes = 1 << 20): MetricsChunk {
  if (!existsSync(path)) return { lines: [], next: 0, more: false, truncated: offset > 0 };
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size < offset) return { lines: [], next: 0, more: size > 0, truncated: true };
    const want = Math.min(maxBytes, size - offset);
    if (want === 0) return { lines: [], next: offset, more: false, truncated: false };
    const buf = Buffer.alloc(want);
    const got = readSync(fd, buf, 0, want, offset);
    const end = buf.subarray(0, got).lastIndexOf(0x0a);
    if (end < 0) {
      // No newline: a line still being written, or one longer than maxBytes (skip it).
      const skip = got === maxBytes ? got : 0;
      return { lines: [], next: offset + skip, more: offset + skip < size && skip > 0, truncated: false };
    }
    const next = offset + end + 1;
    return { lines: parseAllLines(buf.subarray(0, end + 1).toString('utf8')), next, more: next < size && got === maxBytes, truncated: false };
  } finally {
    closeSync(fd);
  }
}

/** Where an interrupted run stopped (summary.json's `interrupted`), or undefined. */
export interface Interruption {
  readonly stage: 'warm-start' | 'rl';
  readonly step: number;
  readonly checkpoint: string;
}

export function interruptionOf(summary: Readonly<Record<string, unknown>> | undefined): Interruption | undefined {
  const i = summary?.interrupted as Partial<Interruption> | undefined;
  if (i === undefined || i === null || typeof i !== 'object') return undefined;
  return {
    stage: i.stage === 'warm-start' ? 'warm-start' : 'rl',
    step: typeof i.step === 'number' ? i.step : 0,
    checkpoint: typeof i.checkpoint === 'string' ? i.checkpoint : '',
  };
}

export type RunState = 'finished' | 'interrupted' | 'running';

/**
 * A run's state from its summary and the last steps its metrics.jsonl holds (0 = none):
 * no summary → running; a summary → finished, or interrupted when it says so — unless the
 * metrics go past the interruption (the run was resumed: the old summary stays until the
 * resumed process writes its own), which is running again.
 *
 * Example: interrupted in RL after step 2, and metrics.jsonl has RL step 3 → running.
 */
export function runStateOf(summary: Readonly<Record<string, unknown>> | undefined, last: { readonly rl: number; readonly warmStart: number }): RunState {
  if (summary === undefined) return 'running';
  const i = interruptionOf(summary);
  if (i === undefined) return 'finished';
  const resumed = i.stage === 'rl' ? last.rl > i.step : last.rl > 0 || last.warmStart > i.step;
  return resumed ? 'running' : 'interrupted';
}

/** One scored trace of an RL step, as traces/step-NNNNNN.jsonl holds it (learner/run-recorder.ts). */
export interface TraceLine {
  readonly step: number;
  readonly weightVersion: number;
  readonly promptId: string;
  readonly sampleIndex: number;
  readonly text: string;
  readonly reward: { readonly total: number; readonly format: number; readonly cls: number; readonly localization: number };
  readonly grounded: number;
  readonly advMain: number;
  readonly advGrounded: number;
  readonly advProjected: number;
  readonly advantage: number;
}

/** The traces of a traces/step-NNNNNN.jsonl text, in file order; malformed lines are skipped. */
export function parseTraceLines(text: string): TraceLine[] {
  const out: TraceLine[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const o = JSON.parse(line) as TraceLine;
      if (o !== null && typeof o === 'object' && typeof o.promptId === 'string' && typeof o.text === 'string' && typeof o.step === 'number') out.push(o);
    } catch {
      // a partial line of a killed writer
    }
  }
  return out;
}

/** `step-000012.json` / `.jsonl` names of a per-step folder, ascending. */
export function stepFiles(dir: string, ext: string): { step: number; file: string }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .flatMap((name) => {
      const m = new RegExp(`^step-(\\d{6,})\\${ext}$`).exec(name);
      return m === null ? [] : [{ step: Number(m[1]), file: join(dir, name) }];
    })
    .sort((a, b) => a.step - b.step);
}

/** `step-000012` + ext. */
export const stepFileName = (step: number, ext: string): string => `step-${String(step).padStart(6, '0')}${ext}`;

/** A run as its directory tells it. */
export interface RunView {
  readonly dir: string;
  readonly jobId: string | undefined;
  readonly createdAt: string | undefined;
  readonly config: unknown;
  readonly metrics: readonly MetricsLine[];
  /** Present when the run ended (finished or interrupted). */
  readonly summary: Readonly<Record<string, unknown>> | undefined;
  /** 'finished' (summary without `interrupted`), 'interrupted', or 'running' (no summary yet: live or crashed; or resumed past its interruption): `runStateOf`. */
  readonly state: RunState;
}

/** A JSON file's value; undefined when it is missing or not (yet) valid JSON. */
export const readJson = (path: string): unknown => {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
};

/** Read a run directory (missing files read as empty; never throws on a partial run). */
export function readRun(dir: string): RunView {
  const run = readJson(join(dir, RUN_FILES.run)) as { jobId?: string; createdAt?: string } | undefined;
  const summary = readJson(join(dir, RUN_FILES.summary)) as Record<string, unknown> | undefined;
  const metricsPath = join(dir, RUN_FILES.metrics);
  const metrics = existsSync(metricsPath) ? parseMetricsLines(readFileSync(metricsPath, 'utf8')) : [];
  const last = (kind: MetricsLine['kind']) => metrics.reduce((m, l) => (l.kind === kind ? Math.max(m, l.step) : m), 0);
  return {
    dir,
    jobId: run?.jobId,
    createdAt: run?.createdAt,
    config: readJson(join(dir, RUN_FILES.config)),
    metrics,
    summary,
    state: runStateOf(summary, { rl: last('step'), warmStart: last('warm-start') }),
  };
}

/** Run directories under `root` (any folder holding run.json, searched two levels deep), sorted by path. */
export function findRuns(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string, depth: number) => {
    if (existsSync(join(dir, RUN_FILES.run))) {
      out.push(dir);
      return;
    }
    if (depth === 0 || !existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory() && !e.name.startsWith('.')) visit(join(dir, e.name), depth - 1);
  };
  visit(root, 2);
  return out.sort();
}
