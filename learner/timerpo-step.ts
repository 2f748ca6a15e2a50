/**
 * One TimerPO update (docs/METHOD.md §6) from complete groups of rollouts:
 *
 *   1. reward R_i of each trace (format, class, localization; docs/METHOD.md §5)
 *   2. learner score passes: response hidden states H and log-probs under the current
 *      weights, log-probs under the frozen reference weights, ExpCoT hidden states E
 *   3. grounded reward s_i = exp(−W_i/τ) by Sinkhorn OT between H_i and E_p
 *   4. advantages by the configured estimator (grpo | timerpo-no-proj | timerpo)
 *   5. clipped surrogate + k3 KL + entropy bonus, gradients in ONNX Runtime,
 *      global-norm clip, AdamW.
 *
 * Read top to bottom like CleanRL: each numbered step is one block below.
 */
import type { JobConfig } from '../shared/config/job.js';
import type { AdamW } from '../shared/optim/adamw.js';
import { clipGradNorm } from '../shared/optim/grad-clip.js';
import type { Sample } from '../shared/policy/sample.js';
import type { Tokenizer } from '../shared/policy/tokenizer.js';
import { reward } from '../shared/reward/reward.js';
import { estimatorByName } from '../shared/timerpo/advantage.js';
import type { AdvantageParts } from '../shared/timerpo/advantage.js';
import { parseTrace } from '../shared/trace/parse.js';
import type { LearnerModel } from './learner-model.js';
import type { Params } from '../shared/policy/model-config.js';
import type { PolicySpec } from '../shared/policy/spec.js';
import type { PreparedPrompt } from '../shared/policy/prompt-cache.js';
import { bucketedPasses, plainPasses } from './step-passes.js';
import type { RlStepMetrics, ScoredSample, StepTimings } from '../shared/training/events.js';

export interface RlStepContext {
  readonly model: LearnerModel;
  readonly spec: PolicySpec;
  readonly tokenizer: Tokenizer;
  readonly job: JobConfig;
  readonly params: Params;
  readonly refParams: Params;
  readonly optimizer: AdamW;
  readonly lr: number;
  /** Monotonic milliseconds for the phase timings (default performance.now). */
  readonly now?: () => number;
  /**
   * 'bucketed' (default): per-prompt encoder passes, length buckets, OT graph; 'plain': the
   * reference passes (one padded batch each, Sinkhorn in JS). Same results (learner/step-passes.ts).
   */
  readonly engine?: 'bucketed' | 'plain';
  /** Price of one more session run in tokens when cutting length buckets (default: bucketOverhead(spec.model)). */
  readonly bucketOverhead?: number;
}

/** Seconds spent in each phase of one step. */
export async function timerpoStep(
  ctx: RlStepContext,
  prompts: readonly PreparedPrompt[],
  groups: readonly Sample[][],
): Promise<{ metrics: RlStepMetrics; scored: ScoredSample[][]; timings: StepTimings }> {
  const { job } = ctx;
  const now = ctx.now ?? (() => performance.now());
  const t0 = now();
  const G = job.rollout.groupSize;
  const samples = groups.flat();
  const rowPrompt = (row: number) => Math.floor(row / G);

  // 1. rewards
  const rewards = samples.map((s, i) => {
    const rec = prompts[rowPrompt(i)].record;
    return reward(parseTrace(s.text, rec.series.length), rec, rec.series.length, job.reward.weights, job.reward.localization);
  });

  const t1 = now();

  // 2. score passes: current weights (H, logp check), reference weights (logp_ref), ExpCoT read as text (E)
  const passes = await (ctx.engine === 'plain' ? plainPasses : bucketedPasses)(ctx, prompts, samples);

  const t2 = now();

  // 3. grounded reward by optimal transport
  const { s, W } = await passes.ground({ epsOt: job.timerpo.epsOt, iterations: job.timerpo.otIterations, tau: job.timerpo.tau });

  const t3 = now();

  // 4. advantages
  const adv: AdvantageParts = estimatorByName(job.timerpo.estimator)(
    rewards.map((r) => r.total),
    s,
    {
      groupSize: G,
      alpha: job.timerpo.alpha,
      normalizeStd: job.timerpo.normalizeStd,
    },
  );

  // 5. loss (logp_old = the sampler's log-probs), gradients, clip, AdamW
  const g = await passes.update(Float32Array.from(adv.advantage));
  const clip = clipGradNorm(g.grads, job.optim.gradClip > 0 ? job.optim.gradClip : Infinity);
  if (clip.finite) ctx.optimizer.step(g.grads, { lr: ctx.lr, gradScale: clip.scale });
  const t4 = now();

  const mean = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const metrics: RlStepMetrics = {
    reward: mean(rewards.map((r) => r.total)),
    rewardFormat: mean(rewards.map((r) => r.format)),
    rewardClass: mean(rewards.map((r) => r.cls)),
    rewardLocalization: mean(rewards.map((r) => r.localization)),
    grounded: mean(s),
    otDistance: mean(W),
    loss: g.loss,
    surrogate: g.stats.surrogate ?? NaN,
    kl: g.stats.kl ?? NaN,
    entropy: g.stats.entropy ?? NaN,
    clipFraction: g.stats.clip_fraction ?? NaN,
    gradNorm: clip.totalNorm,
    applied: clip.finite ? 1 : 0,
    logpMismatch: passes.logpMismatch,
    tokens: passes.tokens,
  };
  const scored = groups.map((grp, p) =>
    grp.map((sample, i) => {
      const r = p * G + i;
      return {
        sample,
        reward: rewards[r],
        grounded: s[r],
        advMain: adv.advMain[r],
        advGrounded: adv.advGrounded[r],
        advProjected: adv.advProjected[r],
        advantage: adv.advantage[r],
      };
    }),
  );
  const timings: StepTimings = { reward: (t1 - t0) / 1000, score: (t2 - t1) / 1000, ot: (t3 - t2) / 1000, update: (t4 - t3) / 1000 };
  return { metrics, scored, timings };
}
