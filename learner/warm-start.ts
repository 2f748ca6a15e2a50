/**
 * Optional warm start (issue: "a policy trained from random weights may first imitate
 * ExpCoT traces"): supervised steps of token-mean NLL on the compact expert responses
 * (response-target.ts), under the same grammar masks the sampler uses, so the policy
 * starts RL writing well-formed traces.
 */
import type { AdamW } from '../shared/optim/adamw.js';
import { clipGradNorm } from '../shared/optim/grad-clip.js';
import type { Tokenizer } from '../shared/policy/tokenizer.js';
import type { HostTensor } from '../shared/onnx/runtime.js';
import { batchFeatures } from '../shared/policy/features.js';
import type { GradResult, LearnerModel } from './learner-model.js';
import { bucketOverhead, packBuckets } from './length-buckets.js';
import type { Bucket } from './length-buckets.js';
import type { Params } from '../shared/policy/model-config.js';
import type { PolicySpec } from '../shared/policy/spec.js';
import type { PreparedPrompt } from '../shared/policy/prompt-cache.js';
import { packSequences } from './sequence-batch.js';

export interface ImitationContext {
  readonly model: LearnerModel;
  readonly spec: PolicySpec;
  readonly tokenizer: Tokenizer;
  readonly params: Params;
  readonly optimizer: AdamW;
  readonly lr: number;
  readonly gradClip: number;
  /** Weight of the answer and class tokens (after </think>) against 1 for the think text (default 1). */
  readonly answerWeight?: number;
  /**
   * 'bucketed' (default): the targets in length buckets over one encoder pass (as the RL
   * step, learner/step-passes.ts); 'plain': one padded batch. Same loss and gradients up to
   * float rounding (tests/learner/answer-weight.test.ts).
   */
  readonly engine?: 'bucketed' | 'plain';
}

/**
 * Per-token loss weights: the 0/1 response mask with every position from `</think>` on
 * multiplied by `answerWeight`. `ids` are the batch's targets (B, T) row-major.
 */
export function answerWeightedMask(mask: Float32Array, ids: ArrayLike<bigint>, B: number, T: number, thinkClose: number, answerWeight: number): Float32Array {
  const out = Float32Array.from(mask);
  if (answerWeight === 1) return out;
  const close = BigInt(thinkClose);
  for (let b = 0; b < B; b++) {
    let after = false;
    for (let t = 0; t < T; t++) {
      if (ids[b * T + t] === close) after = true;
      if (after) out[b * T + t] *= answerWeight;
    }
  }
  return out;
}

/** One supervised step on the prompts' target responses; returns the (weighted) NLL per token and the grad norm. */
export async function imitationStep(ctx: ImitationContext, prompts: readonly PreparedPrompt[]): Promise<{ loss: number; gradNorm: number; tokens: number }> {
  const usable = prompts.filter((p) => p.targetIds !== undefined);
  if (usable.length === 0) return { loss: NaN, gradNorm: 0, tokens: 0 };
  const v = ctx.tokenizer.vocab;
  const pack = { bos: v.bos, pad: v.pad, outputSize: ctx.tokenizer.outputSize, maxLen: ctx.spec.model.maxLen, overheadTokens: bucketOverhead(ctx.spec.model) };
  const grammars = usable.map((p) => p.grammar);
  const w = ctx.answerWeight ?? 1;
  const weigh = (mask: HostTensor, targets: HostTensor, B: number, T: number): HostTensor =>
    w === 1 ? mask : { data: answerWeightedMask(mask.data as Float32Array, targets.data as BigInt64Array, B, T, v.thinkClose, w), dims: mask.dims };
  let g: GradResult;
  let tokens: number;
  if (ctx.engine === 'plain') {
    const batch = packSequences(
      usable.map((p) => p.targetIds!),
      usable.map((p) => p.features),
      grammars,
      pack,
    );
    const weighted = { ...batch, feeds: { ...batch.feeds, response_mask: weigh(batch.feeds.response_mask, batch.feeds.targets, batch.B, batch.T) } };
    g = await ctx.model.imitationGrads(ctx.params, weighted);
    tokens = batch.lengths.reduce((a, b) => a + b, 0);
  } else {
    const buckets: Bucket[] = packBuckets(
      usable.map((p) => p.targetIds!),
      usable.map((_, i) => i),
      grammars,
      pack,
    ).map((b) => ({ ...b, feeds: { ...b.feeds, response_mask: weigh(b.feeds.response_mask, b.feeds.targets, b.B, b.T) } }));
    const features = batchFeatures(usable.map((p) => p.features));
    const memory = await ctx.model.encode(ctx.params, features);
    const weight = buckets.reduce((t, b) => t + (b.feeds.response_mask.data as Float32Array).reduce((a, x) => a + x, 0), 0);
    g = await ctx.model.imitationGradsBuckets(ctx.params, features, memory, buckets, weight);
    tokens = buckets.reduce((t, b) => t + b.lengths.reduce((a, x) => a + x, 0), 0);
  }
  const clip = clipGradNorm(g.grads, ctx.gradClip > 0 ? ctx.gradClip : Infinity);
  if (clip.finite) ctx.optimizer.step(g.grads, { lr: ctx.lr, gradScale: clip.scale });
  return { loss: g.loss, gradNorm: clip.totalNorm, tokens };
}
