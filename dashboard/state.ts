/**
 * The dashboard's memory of a run, and the messages it sends. Pure: no sockets, no timers.
 *
 * `apply(event)` folds one TrainEvent into bounded history (see history.ts for the
 * downsampling rule) and returns the live messages to broadcast; `snapshot()` is what a new
 * client receives first. Bounds: `maxPoints` rows per table (steps, warm start, evals),
 * the last `maxTraces` sample traces, the last `maxEvals` full eval reports.
 */
import { pickStepSamples, traceSampleOf } from '../shared/training/events.js';
import type { DashboardEvent, RecordLike, TraceSample } from '../shared/training/events.js';
import { PROGRESS_TRACES_PER_STEP } from '../shared/training/progress-codec.js';
import { PAPER_ROWS } from '../shared/eval/table.js';
import type { PaperRow } from '../shared/eval/table.js';
import type { Interval } from '../shared/series/record.js';
import { parseTrace } from '../shared/trace/parse.js';
import { DownsampledTable, RollingWindow, numericLeaves } from './history.js';
import type { TableJson } from './history.js';
import type { ClusterStatus } from './status.js';

export interface DashboardLimits {
  /** Rows per metric table before downsampling (default 600). */
  readonly maxPoints: number;
  /** Sample traces kept in the reasoning panel (default 24). */
  readonly maxTraces: number;
  /** Full eval reports kept (default 8). */
  readonly maxEvals: number;
  /** Traces taken from each step: its best and worst by reward, then evenly between (default 2). */
  readonly tracesPerStep: number;
}

export const DEFAULT_LIMITS: DashboardLimits = Object.freeze({ maxPoints: 600, maxTraces: 24, maxEvals: 8, tracesPerStep: PROGRESS_TRACES_PER_STEP });

export type LookupRecord = (promptId: string) => RecordLike | undefined;

/** One sample trace as the reasoning panel shows it: the sample's fields, flattened, and more. */
export interface TraceView extends Omit<TraceSample, 'sample'> {
  /** Sequence number of the trace on this server; names its plot: /plot/<id>.png. */
  readonly id: number;
  readonly step: number;
  readonly weightVersion: number;
  readonly promptId: string;
  readonly sampleIndex: number;
  readonly text: string;
  /** Parsed answer; null when the trace has no parseable answer. */
  readonly predicted: Interval[] | null;
  readonly predictedType: string | null;
  /** True intervals and type, when the record is known. */
  readonly truth: Interval[] | null;
  readonly trueType: string | null;
  /** Whether /plot/<id>.png exists (the series is known). */
  readonly plot: boolean;
}

/**
 * How a job ended, as the page shows it once its training process is done: `finished`,
 * `interrupted` (a single-process run stopped by Ctrl-C: where, and how to continue), or
 * `stopped` (the process ended without finishing the run and without a checkpoint to say so —
 * it failed; its output says why).
 */
export interface RunEnd {
  readonly state: 'finished' | 'interrupted' | 'stopped';
  /** One line for the page, e.g. "finished: 6 RL steps" or "interrupted in the RL after step 2". */
  readonly message: string;
  /** The run directory (`anomseer dashboard <dir>` reopens it); absent when unknown. */
  readonly outputDir?: string;
  /** The command that continues an interrupted run. */
  readonly resume?: string;
}

export interface EvalView {
  readonly step: number;
  readonly report: Record<string, unknown>;
}

export interface Snapshot {
  readonly type: 'snapshot';
  readonly job: Readonly<Record<string, unknown>>;
  readonly limits: DashboardLimits;
  readonly steps: TableJson;
  /** The latest step as it arrived (not downsampled); null before the first. */
  readonly lastStep: Extract<LiveMessage, { type: 'step' }> | null;
  readonly warmStart: TableJson;
  readonly evals: TableJson;
  readonly evalReports: readonly EvalView[];
  readonly traces: readonly TraceView[];
  readonly checkpoints: readonly { step: number; dir: string }[];
  readonly cluster: ClusterStatus | null;
  readonly paperRows: readonly PaperRow[];
  /** Set once the job ended (the server closes soon after). */
  readonly end: RunEnd | null;
}

export type LiveMessage =
  | { readonly type: 'step'; readonly step: number; readonly weightVersion: number; readonly values: Record<string, number> }
  | { readonly type: 'warm-start'; readonly step: number; readonly values: Record<string, number> }
  | { readonly type: 'eval'; readonly step: number; readonly report: Record<string, unknown>; readonly values: Record<string, number> }
  | { readonly type: 'trace'; readonly trace: TraceView }
  | { readonly type: 'checkpoint'; readonly step: number; readonly dir: string }
  | { readonly type: 'cluster'; readonly status: ClusterStatus }
  | { readonly type: 'end'; readonly end: RunEnd };

export type ServerMessage = Snapshot | LiveMessage;

/** What a trace's plot is drawn from. */
export interface PlotSource {
  readonly values: ArrayLike<number>;
  readonly truth: readonly Interval[];
  readonly predicted: readonly Interval[];
}

const FAITHFULNESS_KEYS = new Set(['faithfulness.conclusionAgreement', 'faithfulness.statedNumberAccuracy', 'faithfulness.wellFormedIntervals']);

/** The eval columns charted: class accuracy, affiliation F1 per category and average, point F1, IoU, faithfulness. */
export function evalValues(report: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(numericLeaves(report))) {
    if (k === 'classAccuracy' || k.startsWith('affiliationF1.') || k === 'pointF1' || k === 'iou' || k === 'formatRate' || FAITHFULNESS_KEYS.has(k)) out[k] = v;
  }
  return out;
}

export class DashboardState {
  readonly limits: DashboardLimits;
  private readonly steps: DownsampledTable;
  private readonly warm: DownsampledTable;
  private readonly evals: DownsampledTable;
  private readonly reports: RollingWindow<EvalView>;
  private readonly traces: RollingWindow<TraceView>;
  private readonly plots = new Map<number, PlotSource>();
  private readonly checkpoints: RollingWindow<{ step: number; dir: string }>;
  private nextTraceId = 1;
  private lastStep: Extract<LiveMessage, { type: 'step' }> | null = null;
  cluster: ClusterStatus | null = null;
  private ended: RunEnd | null = null;

  constructor(
    private readonly job: Readonly<Record<string, unknown>> = {},
    limits: Partial<DashboardLimits> = {},
    private readonly lookupRecord?: LookupRecord,
  ) {
    this.limits = Object.freeze({ ...DEFAULT_LIMITS, ...limits });
    this.steps = new DownsampledTable(this.limits.maxPoints);
    this.warm = new DownsampledTable(this.limits.maxPoints);
    this.evals = new DownsampledTable(this.limits.maxPoints);
    this.reports = new RollingWindow(this.limits.maxEvals);
    this.traces = new RollingWindow(this.limits.maxTraces);
    this.checkpoints = new RollingWindow(this.limits.maxEvals);
  }

  /** Fold one event in; returns the messages to send to every client, in order. */
  apply(e: DashboardEvent): LiveMessage[] {
    switch (e.kind) {
      case 'warm-start': {
        const values = { loss: e.loss, gradNorm: e.gradNorm };
        return this.warm.append(e.step, values) ? [{ type: 'warm-start', step: e.step, values }] : [];
      }
      case 'step': {
        const values = { ...numericLeaves(e.metrics), ...numericLeaves(e.seconds, 'seconds') };
        if (!this.steps.append(e.step, values)) return [];
        this.lastStep = { type: 'step', step: e.step, weightVersion: e.weightVersion, values };
        const out: LiveMessage[] = [this.lastStep];
        for (const { sample, record } of pickStepSamples(e, this.limits.tracesPerStep))
          out.push({ type: 'trace', trace: this.addTrace(e.step, e.weightVersion, sample, record) });
        return out;
      }
      case 'eval': {
        const values = evalValues(e.report);
        this.evals.append(e.step, values);
        this.reports.push({ step: e.step, report: e.report });
        return [{ type: 'eval', step: e.step, report: e.report, values }];
      }
      case 'checkpoint':
        this.checkpoints.push({ step: e.step, dir: e.dir });
        return [{ type: 'checkpoint', step: e.step, dir: e.dir }];
    }
  }

  /** Replace the cluster status; returns the message to broadcast. */
  setCluster(status: ClusterStatus): LiveMessage {
    this.cluster = status;
    return { type: 'cluster', status };
  }

  /** The job ended; returns the message to broadcast. */
  setEnd(end: RunEnd): LiveMessage {
    this.ended = end;
    return { type: 'end', end };
  }

  snapshot(): Snapshot {
    return {
      type: 'snapshot',
      job: this.job,
      limits: this.limits,
      steps: this.steps.toJSON(),
      lastStep: this.lastStep,
      warmStart: this.warm.toJSON(),
      evals: this.evals.toJSON(),
      evalReports: this.reports.toArray(),
      traces: this.traces.toArray(),
      checkpoints: this.checkpoints.toArray(),
      cluster: this.cluster,
      paperRows: PAPER_ROWS,
      end: this.ended,
    };
  }

  /** The plot source of a trace still in the window. */
  plotSource(id: number): PlotSource | undefined {
    return this.plots.get(id);
  }

  private addTrace(step: number, weightVersion: number, s: TraceSample, fromEvent: RecordLike | undefined): TraceView {
    const rec = fromEvent ?? this.lookupRecord?.(s.sample.promptId);
    const parsed = parseTrace(s.sample.text, rec?.series.length ?? Number.MAX_SAFE_INTEGER);
    const id = this.nextTraceId++;
    const { sample, ...scores } = traceSampleOf(s);
    const view: TraceView = {
      id,
      step,
      weightVersion,
      promptId: sample.promptId,
      sampleIndex: sample.sampleIndex,
      text: sample.text,
      ...scores,
      predicted: parsed.intervals,
      predictedType: parsed.type ?? null,
      truth: rec === undefined ? null : rec.intervals.map(([a, b]) => [a, b] as const),
      trueType: rec?.type ?? null,
      plot: rec !== undefined,
    };
    if (rec !== undefined) this.plots.set(id, { values: rec.series, truth: rec.intervals, predicted: parsed.intervals ?? [] });
    for (const old of this.traces.push(view)) this.plots.delete(old.id);
    return view;
  }
}
