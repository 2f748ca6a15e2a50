/**
 * What the coordinator hands out, step by step: the prompts of RL step k are the same ones the
 * single-process trainer (learner/trainer.ts) uses for step k — an endless stream of the training
 * records, reshuffled per data epoch by `new Rng(seed).fork('rl/epoch/<e>')` — cut into
 * `rollout.promptsPerStep` consecutive pieces.
 *
 * Step k is one store "epoch" (docs/STATE.md): its items are `"<k>:<promptId>"`, so every item
 * is trained exactly once and the outbox only ever holds groups of released steps. A step whose
 * piece holds the same record twice (it straddles a data epoch) names the repeat `<id>#2`; the
 * learner strips the suffix (`recordIdOf`).
 *
 * Example: 16 records, 4 prompts per step, 3 steps → steps 1–3 are positions 0–3, 4–7, 8–11 of
 * the data-epoch-0 shuffle.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../shared/checkpoint/checkpoint-files.js';
import type { JobConfig } from '../../shared/config/job.js';
import { Rng } from '../../shared/rng.js';
import type { SeriesRecord } from '../../shared/series/record.js';
import type { AnomalyType as WireAnomalyType, PromptLabel } from '../../proto/types.js';

export interface StepPlan {
  readonly steps: number;
  readonly promptsPerStep: number;
  /** Prompt ids of step k (1-based), in plan order. */
  promptsOf(step: number): readonly string[];
  /** Items over all steps. */
  readonly total: number;
}

/** The plan of a job over `recordIds` (the training records, in data order). */
export function planSteps(seed: number, recordIds: readonly string[], steps: number, promptsPerStep: number): StepPlan {
  const rng = new Rng(seed);
  const n = recordIds.length;
  const stream: string[] = [];
  for (let epoch = 0; stream.length < steps * promptsPerStep; epoch++) {
    const order = rng.fork(`rl/epoch/${epoch}`).shuffle(Array.from({ length: n }, (_, i) => i));
    for (const i of order) stream.push(recordIds[i]!);
  }
  const pieces: string[][] = [];
  for (let k = 0; k < steps; k++) {
    const seen = new Map<string, number>();
    pieces.push(stream.slice(k * promptsPerStep, (k + 1) * promptsPerStep).map((id) => {
      const c = (seen.get(id) ?? 0) + 1;
      seen.set(id, c);
      return c === 1 ? id : `${id}#${c}`;
    }));
  }
  return {
    steps,
    promptsPerStep,
    total: steps * promptsPerStep,
    promptsOf: (step) => pieces[step - 1] ?? [],
  };
}

/** The record id behind a planned prompt id (`abc#2` → `abc`). */
export function recordIdOf(promptId: string): string {
  const m = /^(.*)#\d+$/.exec(promptId);
  return m === null ? promptId : m[1]!;
}

/** sha256 (hex) of the resolved job config: a restarted coordinator and the learner must agree on it. */
export function configHashOf(job: JobConfig): string {
  return createHash('sha256').update(canonicalJson(job, 'job')).digest('hex');
}

/** The job id the coordinator serves: `<name>-<first 12 hex of the config hash>`. */
export function jobIdOf(job: JobConfig): string {
  return `${job.name}-${configHashOf(job).slice(0, 12)}`;
}

const WIRE_TYPES: Readonly<Record<string, WireAnomalyType>> = Object.freeze({
  'contextual point': 'ANOMALY_TYPE_CONTEXTUAL_POINT',
  'global point': 'ANOMALY_TYPE_GLOBAL_POINT',
  seasonal: 'ANOMALY_TYPE_SEASONAL',
  trend: 'ANOMALY_TYPE_TREND',
  shapelet: 'ANOMALY_TYPE_SHAPELET',
  normal: 'ANOMALY_TYPE_NORMAL',
});

/** The label of a record as it travels to the learner. */
export function labelOf(r: SeriesRecord): PromptLabel {
  return { anomaly_type: WIRE_TYPES[r.type] ?? 'ANOMALY_TYPE_UNSPECIFIED', intervals: r.intervals.map(([start, end]) => ({ start, end })) };
}
