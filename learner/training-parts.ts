/**
 * Pieces both training loops share — the single-process trainer (trainer.ts) and the
 * cluster learner (remote-loop.ts): the no-decay rule, the epoch order of prompts, the
 * optimizer from the job config, the warm-start loop and the eval of the current weights.
 */
import type { JobConfig } from '../shared/config/job.js';
import { join } from 'node:path';
import { checkpointDirName } from '../shared/checkpoint/checkpoint-dir.js';
import { reportToJson, scoreAll } from '../shared/eval/score.js';
import type { EvalReport } from '../shared/eval/score.js';
import { AdamW } from '../shared/optim/adamw.js';
import type { AdamWState } from '../shared/optim/adamw.js';
import type { Tokenizer } from '../shared/policy/tokenizer.js';
import type { Rng } from '../shared/rng.js';
import type { SeriesRecord } from '../shared/series/record.js';
import { epochOrder } from '../shared/job/plan.js';
import { RolloutPolicy } from '../shared/policy/rollout-policy.js';
import { predictRecords } from '../shared/policy/inference.js';
import type { LearnerModel } from './learner-model.js';
import type { Params } from '../shared/policy/model-config.js';
import type { PolicySpec } from '../shared/policy/spec.js';
import type { PromptCache } from '../shared/policy/prompt-cache.js';
import { savePolicyCheckpoint } from '../shared/policy/checkpoint.js';
import type { TrainingProgress } from '../shared/policy/checkpoint.js';
import { imitationStep } from './warm-start.js';

/** No weight decay for biases and layer-norm gains/biases. */
export const noDecay = (name: string): boolean => /\.(b|b1|b2)$/.test(name) || /\.ln\d*\.[gb]$|^(enc|dec)\.ln\.[gb]$/.test(name);

/** AdamW over `params` with the job's betas, eps and weight decay, at learning rate `lr`. */
export function makeOptimizer(params: Params, job: JobConfig, lr: number): AdamW {
  const named = Object.entries(params).map(([name, data]) => ({ name, data }));
  return new AdamW(named, { lr, betas: [job.optim.betas[0], job.optim.betas[1]], eps: job.optim.eps, weightDecay: job.optim.weightDecay, noDecay });
}

export interface LoopContext {
  readonly job: JobConfig;
  readonly spec: PolicySpec;
  readonly tokenizer: Tokenizer;
  readonly cache: PromptCache;
  readonly model: LearnerModel;
  readonly params: Params;
  readonly log: (line: string) => void;
  readonly onEvent?: (
    e:
      | { kind: 'warm-start'; step: number; loss: number; gradNorm: number; lr?: number }
      | { kind: 'eval'; step: number; report: Record<string, unknown> }
      | { kind: 'checkpoint'; step: number; dir: string },
  ) => void;
  readonly device?: string;
  readonly threads?: number;
}

export interface WarmStartControl {
  /** Continue after this warm-start step, with its optimizer state (a resumed run). */
  readonly from?: { readonly step: number; readonly optimizer: AdamWState };
  /** Asked after every step: true stops the warm start there (the caller saves a checkpoint). */
  readonly stop?: () => boolean;
}

export interface WarmStartResult {
  /** Warm-start steps completed (train.warmStart.steps when done; 0 when disabled). */
  readonly steps: number;
  /** False when `stop` ended it early. */
  readonly done: boolean;
  /** The warm start's own optimizer (for a checkpoint when stopped); undefined when disabled. */
  readonly optimizer: AdamW | undefined;
}

/**
 * The optional supervised warm start (train.warmStart). Batches come from the keyed 'warm'
 * shuffle, so a resumed warm start (`from`) sees exactly the batches the uninterrupted one would.
 */
export async function runWarmStart(c: LoopContext, train: readonly SeriesRecord[], rng: Rng, ctl: WarmStartControl = {}): Promise<WarmStartResult> {
  const ws = c.job.train.warmStart;
  if (!ws.enabled) return { steps: 0, done: true, optimizer: undefined };
  const opt = makeOptimizer(c.params, c.job, ws.lr);
  const from = ctl.from?.step ?? 0;
  if (ctl.from !== undefined) opt.loadState(ctl.from.optimizer);
  const order = epochOrder(train.length, rng, 'warm');
  for (let i = 0; i < from * ws.batchSize; i++) order.next();
  for (let s = from + 1; s <= ws.steps; s++) {
    const batch = Array.from({ length: ws.batchSize }, () => c.cache.get(train[order.next().value as number]));
    const r = await imitationStep(
      {
        model: c.model,
        spec: c.spec,
        tokenizer: c.tokenizer,
        params: c.params,
        optimizer: opt,
        lr: ws.lr,
        gradClip: c.job.optim.gradClip,
        answerWeight: ws.answerWeight,
      },
      batch,
    );
    c.onEvent?.({ kind: 'warm-start', step: s, loss: r.loss, gradNorm: r.gradNorm, lr: ws.lr });
    if (s === 1 || s % 10 === 0 || s === ws.steps) c.log(`warm-start ${s}/${ws.steps}: nll/token ${r.loss.toFixed(4)}  grad norm ${r.gradNorm.toFixed(3)}`);
    if (s < ws.steps && ctl.stop?.() === true) return { steps: s, done: false, optimizer: opt };
  }
  return { steps: ws.steps, done: true, optimizer: opt };
}

/** Greedy eval of the current weights on `records`; logs one line and emits an eval event. */
export async function evaluateParams(c: LoopContext, weightVersion: number, records: readonly SeriesRecord[], step: number): Promise<EvalReport> {
  const policy = await RolloutPolicy.create(c.spec.model, c.tokenizer, c.params, weightVersion, { device: c.device, threads: c.threads });
  try {
    const { predictions } = await predictRecords(policy, records, {
      grammar: c.spec.grammar,
      features: (r) => c.cache.features(r),
      grammarOf: (r) => c.cache.grammar(r),
    });
    const report = scoreAll(records, predictions);
    const j = reportToJson(report) as { classAccuracy?: number; affiliationF1?: { average?: number } };
    c.onEvent?.({ kind: 'eval', step, report: reportToJson(report) });
    c.log(`eval @${step}: class acc ${fmt(j.classAccuracy)}  avg affiliation F1 ${fmt(j.affiliationF1?.average)}  (${records.length} series)`);
    return report;
  } finally {
    await policy.dispose();
  }
}

/**
 * Saves `outputDir/step-NNNNNN` (or `<prefix>-NNNNNN`: weights, optimizer, RNG, job, progress),
 * emits a checkpoint event, returns the directory.
 */
export async function saveStepCheckpoint(
  c: LoopContext,
  a: {
    optimizer: AdamW;
    step: number;
    weightVersion: number;
    rng: Rng;
    now: Date;
    metrics?: Record<string, unknown>;
    progress?: TrainingProgress;
    prefix?: string;
  },
): Promise<string> {
  const dir = join(c.job.outputDir, checkpointDirName(a.step, a.prefix));
  await savePolicyCheckpoint(dir, {
    spec: c.spec,
    params: c.params,
    optimizer: a.optimizer,
    step: a.step,
    weightVersion: a.weightVersion,
    rng: a.rng,
    job: c.job,
    now: a.now,
    metrics: a.metrics,
    progress: a.progress,
  });
  c.onEvent?.({ kind: 'checkpoint', step: a.step, dir });
  return dir;
}

const fmt = (x: number | undefined | null) => (x === undefined || x === null ? 'n/a' : x.toFixed(1));
