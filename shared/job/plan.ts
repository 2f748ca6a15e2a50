/**
 * What the coordinator hands out, step by step: the prompts of RL step k are the same ones the
 * single-process trainer (learner/trainer.ts) trains at step k — an endless stream of the training
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
import { canonicalJson } from '../checkpoint/checkpoint-files.js';
import { JOB_SCHEMA } from '../config/job.js';
import type { JobConfig } from '../config/job.js';
import { toInput } from '../config/plain.js';
import { Rng } from '../rng.js';

export interface StepPlan {
  readonly steps: number;
  readonly promptsPerStep: number;
  /** Prompt ids of step k (1-based), in plan order. */
  promptsOf(step: number): readonly string[];
  /** Items over all steps. */
  readonly total: number;
}

/**
 * An endless shuffled stream of indices 0..n−1, reshuffled per data epoch by the keyed fork
 * `rng.fork('<key>/epoch/<e>')` (a fork depends on the generator's seed and the key only). The
 * one shuffle of the project: RL prompts (key 'rl', through planSteps) and warm-start batches
 * (key 'warm').
 */
export function* epochOrder(n: number, rng: Rng, key: string): Generator<number> {
  for (let epoch = 0; ; epoch++) yield* rng.fork(`${key}/epoch/${epoch}`).shuffle(Array.from({ length: n }, (_, i) => i));
}

/** The plan of a job over `recordIds` (the training records, in data order). */
export function planSteps(seed: number, recordIds: readonly string[], steps: number, promptsPerStep: number): StepPlan {
  const order = epochOrder(recordIds.length, new Rng(seed), 'rl');
  const stream: string[] = [];
  while (stream.length < steps * promptsPerStep && recordIds.length > 0) stream.push(recordIds[order.next().value as number]!);
  const pieces: string[][] = [];
  for (let k = 0; k < steps; k++) {
    const seen = new Map<string, number>();
    pieces.push(
      stream.slice(k * promptsPerStep, (k + 1) * promptsPerStep).map((id) => {
        const c = (seen.get(id) ?? 0) + 1;
        seen.set(id, c);
        return c === 1 ? id : `${id}#${c}`;
      }),
    );
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

/**
 * sha256 (hex) of what the job asks for: its resolved config without `outputDir`, keys at their
 * defaults left out (`toInput(…, { keepDefaults: false })`). A restarted coordinator and the
 * learner must agree on it, and a run directory is resumed only by its own job (run-dir.ts).
 * Leaving defaults out keeps the hash — and the job id, and the state store's keys — the same
 * when a later version of anomseer adds a config key with a default, so a run started before an
 * upgrade resumes after it; a key set to its default and a key left out are the same job.
 */
export function configHashOf(job: JobConfig): string {
  const asked = toInput(JOB_SCHEMA, job, { keepDefaults: false }) as Record<string, unknown>;
  // Where a process writes is not what the job trains: a learner and a coordinator (or a run
  // resumed from a moved directory) agree on the job whatever their outputDir.
  delete asked.outputDir;
  return createHash('sha256').update(canonicalJson(asked, 'job')).digest('hex');
}

/** The job id the coordinator serves: `<name>-<first 12 hex of the config hash>`. */
export function jobIdOf(job: JobConfig): string {
  return `${job.name}-${configHashOf(job).slice(0, 12)}`;
}
