/**
 * One run of `anomseer dashboard <root>` as the page sees it: its header (the run list's row)
 * and its metrics.jsonl folded into three bounded tables — RL steps, warm-start steps, evals —
 * with every numeric key of the lines as a column (`reward`, `lr`, `seconds.generate`,
 * `affiliationF1.average`, …), downsampled like the live dashboard's (history.ts). Pure: the
 * lines come in from run-watcher.ts, which reads the files.
 *
 * A step written again (a resumed run redoes the steps after its last checkpoint) rewinds its
 * table to that step first, so the later line wins as in `readRun`; the `lines` message says
 * so (`rewind`), and the page does the same to its copy.
 */
import { interruptionOf, runStateOf } from '../shared/training/run-files.js';
import type { Interruption, MetricsLine, RunState } from '../shared/training/run-files.js';
import { DownsampledTable } from './history.js';
import type { TableJson } from './history.js';

/** The tables of a run, by the `kind` of the metrics.jsonl lines they hold. */
export const RUN_TABLES = Object.freeze({ step: 'steps', 'warm-start': 'warmStart', eval: 'evals' } as const);
export type RunTableName = (typeof RUN_TABLES)[keyof typeof RUN_TABLES];

/** What the run list shows of one run. */
export interface RunHeader {
  /** The run's directory relative to the root (`.` for the root itself): its id in URLs. */
  readonly id: string;
  /** The directory as given on the command line's root joined with the id. */
  readonly dir: string;
  /** `name` of the run's config; null when config.json is missing. */
  readonly name: string | null;
  readonly jobId: string | null;
  /** ISO time the run claimed its directory. */
  readonly createdAt: string | null;
  readonly state: RunState;
  /** Last RL step written (0 = none). */
  readonly steps: number;
  /** `train.steps` of its config; null when unknown. */
  readonly totalSteps: number | null;
  /** Last warm-start step written (0 = none). */
  readonly warmStartSteps: number;
  /** The last eval: its step and affiliation-F1 average (%); null before the first. */
  readonly lastEval: { readonly step: number; readonly average: number | null } | null;
  /** Where an interrupted run stopped. */
  readonly interrupted: Interruption | null;
  /** The command that continues an interrupted run (its own config.json, same directory). */
  readonly resume: string | null;
  /** Wall seconds of the process that wrote the summary. */
  readonly wallSeconds: number | null;
  /** `time` of the newest metrics line: how fresh a running run is. */
  readonly updatedAt: string | null;
}

export interface RunDataJson {
  readonly header: RunHeader;
  readonly steps: TableJson;
  readonly warmStart: TableJson;
  readonly evals: TableJson;
}

/** One row as the page appends it. */
export interface RowUpdate {
  readonly table: RunTableName;
  readonly step: number;
  readonly values: Record<string, number>;
  /** Drop the table's rows at this step and after first (a step written again). */
  readonly rewind?: number;
}

/** What a run's directory says besides its metrics. */
export interface RunFacts {
  readonly dir: string;
  readonly jobId: string | undefined;
  readonly createdAt: string | undefined;
  readonly config: unknown;
  readonly summary: Readonly<Record<string, unknown>> | undefined;
}

/** `{ kind, step, time, reward: 0.7, lr: null }` → `{ reward: 0.7 }`: the numbers to chart. */
export function lineValues(line: MetricsLine): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(line)) if (k !== 'step' && typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  return out;
}

/** `anomseer train <dir>/config.json --resume <dir>`: config.json compiles to the same job hash, so resume accepts it. */
export function resumeCommand(dir: string): string {
  const q = (s: string) => (/^[\w./@:+-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`);
  return `anomseer train ${q(`${dir.replace(/\/+$/, '')}/config.json`)} --resume ${q(dir)}`;
}

export class RunData {
  private readonly tables: Record<RunTableName, DownsampledTable>;
  private facts: RunFacts;
  private lastRl = 0;
  private lastWarm = 0;
  private lastEval: { step: number; average: number | null } | null = null;
  private updatedAt: string | null = null;

  constructor(
    readonly id: string,
    facts: RunFacts,
    maxPoints = 600,
  ) {
    this.facts = facts;
    this.tables = { steps: new DownsampledTable(maxPoints), warmStart: new DownsampledTable(maxPoints), evals: new DownsampledTable(maxPoints) };
  }

  /** The run's config.json (undefined while missing). */
  get config(): unknown {
    return this.facts.config;
  }

  /** Replace what the directory says (summary written, config appeared). */
  setFacts(facts: RunFacts): void {
    this.facts = facts;
  }

  /** Fold lines in (file order); returns the rows to send. Lines of an unknown kind are ignored. */
  apply(lines: readonly MetricsLine[]): RowUpdate[] {
    const out: RowUpdate[] = [];
    for (const line of lines) {
      const name = RUN_TABLES[line.kind as keyof typeof RUN_TABLES] as RunTableName | undefined;
      if (name === undefined || !Number.isFinite(line.step)) continue;
      const t = this.tables[name];
      const values = lineValues(line);
      const rewind = t.lastStep !== undefined && line.step <= t.lastStep ? line.step : undefined;
      if (rewind !== undefined) t.rewind(rewind);
      t.append(line.step, values);
      out.push(rewind === undefined ? { table: name, step: line.step, values } : { table: name, step: line.step, values, rewind });
      if (line.kind === 'step') this.lastRl = line.step;
      if (line.kind === 'warm-start') this.lastWarm = line.step;
      if (line.kind === 'eval') this.lastEval = { step: line.step, average: values['affiliationF1.average'] ?? null };
      if (typeof line.time === 'string') this.updatedAt = line.time;
    }
    return out;
  }

  header(): RunHeader {
    const f = this.facts;
    const config = (f.config ?? {}) as { name?: unknown; train?: { steps?: unknown } };
    const state = runStateOf(f.summary, { rl: this.lastRl, warmStart: this.lastWarm });
    const interrupted = state === 'interrupted' ? (interruptionOf(f.summary) ?? null) : null;
    const wall = f.summary?.wallSeconds;
    return {
      id: this.id,
      dir: f.dir,
      name: typeof config.name === 'string' ? config.name : null,
      jobId: f.jobId ?? null,
      createdAt: f.createdAt ?? null,
      state,
      steps: this.lastRl,
      totalSteps: typeof config.train?.steps === 'number' ? config.train.steps : null,
      warmStartSteps: this.lastWarm,
      lastEval: this.lastEval,
      interrupted,
      resume: interrupted === null ? null : resumeCommand(f.dir),
      wallSeconds: state !== 'running' && typeof wall === 'number' ? wall : null,
      updatedAt: this.updatedAt,
    };
  }

  toJSON(): RunDataJson {
    return { header: this.header(), steps: this.tables.steps.toJSON(), warmStart: this.tables.warmStart.toJSON(), evals: this.tables.evals.toJSON() };
  }
}
