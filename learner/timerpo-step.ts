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
import { TraceGrammar } from '../shared/policy/grammar.js';
import type { Sample } from '../shared/policy/sample.js';
import type { Tokenizer } from '../shared/policy/tokenizer.js';
import { reward } from '../shared/reward/reward.js';
import { estimatorByName } from '../shared/timerpo/advantage.js';
import type { AdvantageParts } from '../shared/timerpo/advantage.js';
import { parseTrace } from '../shared/trace/parse.js';
import { groundedRewards } from './grounding.js';
import type { LearnerModel } from './learner-model.js';
import type { Params } from '../shared/policy/model-config.js';
import type { PolicySpec } from '../shared/policy/spec.js';
import type { PreparedPrompt } from '../shared/policy/prompt-cache.js';
import { packSequences } from './sequence-batch.js';
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
}

/** Seconds spent in each phase of one step. */
export async function timerpoStep(
  ctx: RlStepContext,
  prompts: readonly PreparedPrompt[],
  groups: readonly Sample[][],
): Promise<{ metrics: RlStepMetrics; scored: ScoredSample[][]; timings: StepTimings }> {
  const { job, spec, tokenizer, model } = ctx;
  const now = ctx.now ?? (() => performance.now());
  const t0 = now();
  const G = job.rollout.groupSize;
  const samples = groups.flat();
  const rowPrompt = (row: number) => Math.floor(row / G);
  const v = tokenizer.vocab;
  const pack = { bos: v.bos, pad: v.pad, outputSize: tokenizer.outputSize, maxLen: spec.model.maxLen };

  // 1. rewards
  const rewards = samples.map((s, i) => {
    const rec = prompts[rowPrompt(i)].record;
    return reward(parseTrace(s.text, rec.series.length), rec, rec.series.length, job.reward.weights);
  });

  const t1 = now();

  // 2. score passes: current weights (H, logp check), reference weights (logp_ref), ExpCoT read as text (E)
  const grammars = samples.map((_, i) => new TraceGrammar(tokenizer, prompts[rowPrompt(i)].record.series.length, spec.grammar));
  const batch = packSequences(
    samples.map((s) => s.ids),
    samples.map((_, i) => prompts[rowPrompt(i)].features),
    grammars,
    pack,
  );
  const cur = await model.score(ctx.params, batch);
  const ref = await model.score(ctx.refParams, batch);
  const blank = { ...prompts[0].features, data: new Float32Array(prompts[0].features.data.length) };
  const expBatch = packSequences(
    prompts.map((p) => p.expcotIds),
    prompts.map(() => blank),
    undefined,
    pack,
  );
  const exp = await model.score(ctx.params, expBatch);

  const t2 = now();

  // 3. grounded reward by optimal transport
  const d = spec.model.width;
  const { s, W } = groundedRewards(
    { data: cur.hidden, T: batch.T, d, lengths: batch.lengths },
    { data: exp.hidden, T: expBatch.T, d, lengths: expBatch.lengths },
    rowPrompt,
    { epsOt: job.timerpo.epsOt, iterations: job.timerpo.otIterations, tau: job.timerpo.tau },
  );

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

  // 5. loss, gradients, clip, AdamW
  const logpOld = new Float32Array(batch.B * batch.T);
  let logpMismatch = 0;
  samples.forEach((smp, b) => {
    for (let t = 0; t < batch.lengths[b]; t++) {
      logpOld[b * batch.T + t] = smp.logps[t];
      logpMismatch = Math.max(logpMismatch, Math.abs(smp.logps[t] - cur.logp[b * batch.T + t]));
    }
  });
  const g = await model.timerpoGrads(ctx.params, batch, { logpOld, logpRef: ref.logp, advantage: Float32Array.from(adv.advantage) });
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
    logpMismatch,
    tokens: batch.lengths.reduce((a, b) => a + b, 0),
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
