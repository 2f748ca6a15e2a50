/**
 * Training events: what a training loop reports as it goes, and the part of it the dashboard
 * shows. The single-process trainer and the cluster learner emit `TrainEvent`s; the dashboard
 * folds `DashboardEvent`s (a TrainEvent, or the same decoded from the wire by
 * progress-codec.ts) into its state. Pure types, plus the one choice both sides share: which
 * samples of a step are shown (`pickStepSamples`).
 */
import type { RewardBreakdown } from '../reward/reward.js';
import type { Sample } from '../policy/sample.js';
import type { Interval, SeriesRecord } from '../series/record.js';

/** Seconds spent in each phase of one TimerPO step. */
export interface StepTimings {
  readonly reward: number;
  readonly score: number;
  readonly ot: number;
  readonly update: number;
}

export interface RlStepMetrics {
  readonly reward: number;
  readonly rewardFormat: number;
  readonly rewardClass: number;
  readonly rewardLocalization: number;
  readonly grounded: number;
  readonly otDistance: number;
  /** Mean Sinkhorn iterations per response (timerpo.otIterations unless timerpo.otTolerance stopped earlier). */
  readonly otIterations?: number;
  readonly loss: number;
  readonly surrogate: number;
  readonly kl: number;
  readonly entropy: number;
  readonly clipFraction: number;
  readonly gradNorm: number;
  /** 1 when the update was applied, 0 when skipped (non-finite gradient). */
  readonly applied: number;
  /** Largest |sampler log-prob − learner log-prob| over the batch (should be ~1e-5). */
  readonly logpMismatch: number;
  readonly tokens: number;
}

export interface ScoredSample {
  readonly sample: Sample;
  readonly reward: RewardBreakdown;
  readonly grounded: number;
  readonly advMain: number;
  readonly advGrounded: number;
  readonly advProjected: number;
  readonly advantage: number;
}

export type TrainEvent =
  | { readonly kind: 'warm-start'; readonly step: number; readonly loss: number; readonly gradNorm: number; readonly lr?: number }
  | {
      readonly kind: 'step';
      readonly step: number;
      readonly weightVersion: number;
      readonly metrics: RlStepMetrics;
      readonly seconds: { generate: number; update: number };
      /** Learning rate of the step's (last) update. */
      readonly lr?: number;
      /** Seconds in each phase of the update (reward, score, OT, update). */
      readonly timings?: StepTimings;
      /** samples[p][i]: sample i of prompt p, scored. */
      readonly samples: readonly ScoredSample[][];
      /** records[p]: the labelled series of prompt p (for plots of the traces). */
      readonly records?: readonly SeriesRecord[];
    }
  | { readonly kind: 'eval'; readonly step: number; readonly report: Record<string, unknown> }
  | { readonly kind: 'checkpoint'; readonly step: number; readonly dir: string };

/** What the plot of a trace needs to know about its prompt. */
export interface RecordLike {
  readonly series: ArrayLike<number>;
  readonly intervals: readonly Interval[];
  readonly type?: string;
}

/** What the reasoning panel reads of a scored sample (a ScoredSample has all of it and more). */
export interface TraceSample {
  readonly sample: { readonly promptId: string; readonly sampleIndex: number; readonly text: string };
  readonly reward: { readonly total: number; readonly format: number; readonly cls: number; readonly localization: number };
  readonly grounded: number;
  readonly advMain: number;
  readonly advGrounded: number;
  readonly advProjected: number;
  readonly advantage: number;
}

/** Exactly the TraceSample fields of a sample (a ScoredSample carries tokens and log-probs too). */
export function traceSampleOf(s: TraceSample): TraceSample {
  return {
    sample: { promptId: s.sample.promptId, sampleIndex: s.sample.sampleIndex, text: s.sample.text },
    reward: { total: s.reward.total, format: s.reward.format, cls: s.reward.cls, localization: s.reward.localization },
    grounded: s.grounded,
    advMain: s.advMain,
    advGrounded: s.advGrounded,
    advProjected: s.advProjected,
    advantage: s.advantage,
  };
}

/** A step as the dashboard needs it: a TrainEvent step, or the same decoded from the wire (progress.ts). */
export interface StepEvent {
  readonly kind: 'step';
  readonly step: number;
  readonly weightVersion: number;
  /** RlStepMetrics, or any object of numbers (charted by key). */
  readonly metrics: object;
  readonly seconds: { readonly generate: number; readonly update: number };
  /** samples[p][i]: sample i of prompt p. */
  readonly samples: readonly (readonly TraceSample[])[];
  /** records[p]: the prompt of samples[p], for the trace plots. */
  readonly records?: readonly RecordLike[];
}

/**
 * What the dashboard is fed: the trainer's TrainEvents as they are (single process), or the
 * learner's as they arrive over ReportProgress (cluster). Every TrainEvent is one.
 */
export type DashboardEvent = Exclude<TrainEvent, { kind: 'step' }> | StepEvent;

/**
 * The prompts of a step event: `records[p]` is the prompt of `samples[p]` (series, true
 * intervals, type). Events without them (older callers, tests) fall back to `lookupRecord`.
 */
function stepRecords(e: StepEvent): readonly RecordLike[] | undefined {
  const records = e.records;
  return Array.isArray(records) && records.length === e.samples.length ? records : undefined;
}

/**
 * The samples of a step the reasoning panel shows: all samples sorted best first by reward
 * (ties in order), then `k` of them spread by spreadIndices (best, worst, evenly between),
 * each with its prompt's record when the event has them. The learner uses the same choice to
 * send only these over ReportProgress, so both paths show the same traces.
 */
export function pickStepSamples(e: StepEvent, k: number): { sample: TraceSample; record: RecordLike | undefined }[] {
  const records = stepRecords(e);
  const all = e.samples.flatMap((g, p) => g.map((s) => ({ s, rec: records?.[p] })));
  const sorted = all.map((x, i) => ({ ...x, i })).sort((a, b) => b.s.reward.total - a.s.reward.total || a.i - b.i);
  return spreadIndices(sorted.length, k).map((j) => ({ sample: sorted[j]!.s, record: sorted[j]!.rec }));
}

/** Indices of `k` samples spread over a list sorted best first: best, worst, then evenly between. */
export function spreadIndices(n: number, k: number): number[] {
  if (n <= 0 || k <= 0) return [];
  if (k === 1 || n === 1) return [0];
  const out = new Set<number>();
  for (let j = 0; j < Math.min(k, n); j++) out.add(Math.round((j * (n - 1)) / (Math.min(k, n) - 1)));
  return [...out];
}
