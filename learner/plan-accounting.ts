/**
 * What a cluster learner has consumed of the job's plan, by item (`<step>:<prompt id>`, the
 * coordinator's unit of work: CompletedGroup.epoch + prompt_id), and what its checkpoints record
 * of it (docs/CLUSTER.md "Learner resume").
 *
 * Consumed = trained, or skipped as unusable; both are acknowledged to the coordinator. A
 * checkpoint after step k stores the consumed set relative to the plan — "every item of steps
 * 1..k, plus `extra`, minus `missing`" — which is empty with cluster.maxStaleness 0 (step k
 * trains exactly the items of step k) and at most a few steps' worth otherwise. A resumed learner
 * rebuilds the set from it and sends it to the coordinator (ClaimLearner), which resets the job's
 * state to exactly that point.
 *
 * The summary's accounting: `untrainedItems` = planned items no trained group covered (skipped
 * ones included), `extraGroups` = trained groups whose item was consumed before or is not planned.
 * Both 0: every planned prompt was trained exactly once.
 */
import { DataError } from '../shared/errors.js';
import type { StepPlan } from '../shared/job/plan.js';

/** The cluster part of a checkpoint's TrainingProgress. */
export interface ClusterProgress {
  /** Fingerprint of the coordinator state the checkpoint trained against (ClaimLearnerResponse.job_epoch). */
  readonly jobEpoch: string;
  /** Consumed items of steps after the checkpoint's step. */
  readonly extra: readonly string[];
  /** Planned items of steps up to the checkpoint's step that were not consumed. */
  readonly missing: readonly string[];
  /** Consumed items that were skipped as unusable (not trained). */
  readonly skipped: readonly string[];
  readonly groupsTrained: number;
  readonly extraGroups: number;
}

const stepOf = (item: string): number => Number(item.slice(0, item.indexOf(':')));

const ITEM = /^\d+:./;

/** Check a checkpoint's `progress.cluster` (state.json is a file: anything may be in it); DataError naming the field. */
export function validateClusterProgress(input: unknown, file: string): ClusterProgress {
  const fail = (field: string, what: string): never => {
    throw new DataError(file, `progress.cluster.${field} ${what}; the checkpoint cannot resume a cluster run`, { field: `progress.cluster.${field}` });
  };
  if (typeof input !== 'object' || input === null) return fail('', 'is missing (a checkpoint of a single-process run?)');
  const o = input as Record<string, unknown>;
  if (typeof o.jobEpoch !== 'string') fail('jobEpoch', 'must be a string');
  const items = (field: 'extra' | 'missing' | 'skipped'): string[] => {
    const v = o[field];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && ITEM.test(x))) return fail(field, 'must be a list of item keys "<step>:<prompt id>"');
    return v as string[];
  };
  const count = (field: 'groupsTrained' | 'extraGroups'): number => {
    const v = o[field];
    if (!Number.isSafeInteger(v) || (v as number) < 0) return fail(field, 'must be an integer >= 0');
    return v as number;
  };
  return {
    jobEpoch: o.jobEpoch as string,
    extra: items('extra'),
    missing: items('missing'),
    skipped: items('skipped'),
    groupsTrained: count('groupsTrained'),
    extraGroups: count('extraGroups'),
  };
}

export class PlanAccounting {
  readonly #plan: StepPlan;
  readonly #planned = new Set<string>();
  readonly #consumed = new Set<string>();
  readonly #skipped = new Set<string>();
  groupsTrained = 0;
  extraGroups = 0;

  constructor(plan: StepPlan) {
    this.#plan = plan;
    for (let k = 1; k <= plan.steps; k++) for (const id of plan.promptsOf(k)) this.#planned.add(`${k}:${id}`);
  }

  /** The accounting of a checkpoint taken after `throughStep`, from its ClusterProgress. */
  static restore(plan: StepPlan, throughStep: number, p: ClusterProgress): PlanAccounting {
    const a = new PlanAccounting(plan);
    for (let k = 1; k <= throughStep; k++) for (const id of plan.promptsOf(k)) a.#consumed.add(`${k}:${id}`);
    for (const item of p.extra) a.#consumed.add(item);
    for (const item of p.missing) a.#consumed.delete(item);
    for (const item of p.skipped) a.#skipped.add(item);
    a.groupsTrained = p.groupsTrained;
    a.extraGroups = p.extraGroups;
    return a;
  }

  /** A group of `item` was trained. */
  trained(item: string): void {
    if (this.#consumed.has(item) || !this.#planned.has(item)) this.extraGroups += 1;
    this.#consumed.add(item);
    this.groupsTrained += 1;
  }

  /** A group of `item` was skipped as unusable (acknowledged, not trained). */
  skipped(item: string): void {
    this.#consumed.add(item);
    this.#skipped.add(item);
  }

  get groupsSkipped(): number {
    return this.#skipped.size;
  }

  /** Planned items no trained group covered. */
  get untrainedItems(): number {
    let n = 0;
    for (const item of this.#planned) if (!this.#consumed.has(item) || this.#skipped.has(item)) n += 1;
    return n;
  }

  /** What a checkpoint after `throughStep` records. */
  progress(throughStep: number, jobEpoch: string): ClusterProgress {
    const extra = [...this.#consumed].filter((item) => stepOf(item) > throughStep && this.#planned.has(item));
    const missing: string[] = [];
    for (let k = 1; k <= throughStep; k++) for (const id of this.#plan.promptsOf(k)) if (!this.#consumed.has(`${k}:${id}`)) missing.push(`${k}:${id}`);
    return { jobEpoch, extra, missing, skipped: [...this.#skipped], groupsTrained: this.groupsTrained, extraGroups: this.extraGroups };
  }
}
