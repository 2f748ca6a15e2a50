/**
 * The learner's passes of one TimerPO step (docs/METHOD.md §6, steps 2, 3 and 5), in two
 * interchangeable implementations with the same results:
 *
 *   bucketed (default)  the encoder once per prompt under each weight set; the rollouts in
 *                       length buckets (learner/length-buckets.ts); the ExpCoT rows in
 *                       their own buckets; OT per prompt group in a float64 ONNX graph;
 *                       the update per bucket plus one encoder backward.
 *   plain               the reference: one padded batch per pass, the encoder inside each
 *                       (G times per prompt), Sinkhorn in JS loops (shared/timerpo/sinkhorn.ts).
 *
 * Both score the current weights (hidden states H and log-probs, checked against the
 * sampler's), the reference weights (logp_ref) and the ExpCoT read as text with a zero
 * series (E), then update with the sampler's log-probs as logp_old.
 */
import type { HostTensor } from '../shared/onnx/runtime.js';
import { batchFeatures } from '../shared/policy/features.js';
import type { Sample } from '../shared/policy/sample.js';
import type { PreparedPrompt } from '../shared/policy/prompt-cache.js';
import { groundedRewards, groundedRewardsOt } from './grounding.js';
import type { HiddenSlice } from './grounding.js';
import { bucketOverhead, locateRows, packBuckets } from './length-buckets.js';
import type { Bucket } from './length-buckets.js';
import type { BucketLossInputs, GradResult } from './learner-model.js';
import { packSequences } from './sequence-batch.js';
import type { RlStepContext } from './timerpo-step.js';

export interface StepPasses {
  /** Largest |sampler logp − learner logp| over every response token. */
  readonly logpMismatch: number;
  /** Response tokens in the batch. */
  readonly tokens: number;
  /** True when the reference log-probs came from an earlier update on the same rollouts. */
  readonly refCached?: boolean;
  /** Length buckets of the rollouts (bucketed passes). */
  readonly buckets?: number;
  /** Grounded reward s_i and OT cost W_i of every response (step 3). */
  ground(o: { readonly epsOt: number; readonly iterations: number; readonly tau: number }): Promise<{ s: Float64Array; W: Float64Array }>;
  /** Loss and gradients with one advantage per response (step 5). */
  update(advantage: Float32Array): Promise<GradResult>;
}

function packOptions(ctx: RlStepContext) {
  const v = ctx.tokenizer.vocab;
  return {
    bos: v.bos,
    pad: v.pad,
    outputSize: ctx.tokenizer.outputSize,
    maxLen: ctx.spec.model.maxLen,
    overheadTokens: ctx.bucketOverhead ?? bucketOverhead(ctx.spec.model),
  };
}

/** The default: per-prompt encoder passes, length buckets, OT graph. */
export async function bucketedPasses(ctx: RlStepContext, prompts: readonly PreparedPrompt[], samples: readonly Sample[]): Promise<StepPasses> {
  const { model, spec } = ctx;
  const G = samples.length / prompts.length;
  const N = prompts.length;
  const d = spec.model.width;
  const pack = packOptions(ctx);
  const rowPrompt = samples.map((_, i) => Math.floor(i / G));
  const grammars = samples.map((_, i) => prompts[rowPrompt[i]].grammar);
  const rolls = packBuckets(
    samples.map((s) => s.ids),
    rowPrompt,
    grammars,
    pack,
  );
  // ExpCoT rows read the memory of an all-zero series: prompt index N of the current memory
  const exps = packBuckets(
    prompts.map((p) => p.expcotIds),
    prompts.map(() => N),
    undefined,
    pack,
  );
  const feats = batchFeatures([...prompts.map((p) => p.features), { ...prompts[0].features, data: new Float32Array(prompts[0].features.data.length) }]);
  const promptFeats: HostTensor = { data: feats.data.subarray(0, N * feats.dims[1] * feats.dims[2]), dims: [N, feats.dims[1], feats.dims[2]] };
  const memAll = await model.encode(ctx.params, feats);
  const memory: HostTensor = { data: memAll.data.subarray(0, N * memAll.dims[1] * memAll.dims[2]), dims: [N, memAll.dims[1], memAll.dims[2]] };
  const cur = await model.scoreBuckets(ctx.params, memAll, [...rolls, ...exps]);
  const refLogp = await referenceLogps(ctx, promptFeats, rolls, samples);

  const at = locateRows(rolls, samples.length);
  const atExp = locateRows(exps, N);
  let logpMismatch = 0;
  const inputs: BucketLossInputs[] = rolls.map((b, k) => {
    const logpOld = new Float32Array(b.B * b.T);
    b.rows.forEach((r, slot) => {
      const lp = samples[r].logps;
      for (let t = 0; t < b.lengths[slot]; t++) {
        logpOld[slot * b.T + t] = lp[t];
        logpMismatch = Math.max(logpMismatch, Math.abs(lp[t] - cur[k].logp[slot * b.T + t]));
      }
    });
    return { logpOld, logpRef: refLogp.perBucket[k], advantage: new Float32Array(b.B) };
  });
  const slice = (buckets: typeof rolls, scores: typeof cur, k: number, slot: number): HiddenSlice => ({
    data: scores[k].hidden,
    offset: slot * buckets[k].T * d,
    length: buckets[k].lengths[slot],
  });
  const tokens = rolls.reduce((t, b) => t + b.lengths.reduce((a, x) => a + x, 0), 0);
  return {
    logpMismatch,
    tokens,
    refCached: refLogp.cached,
    buckets: rolls.length,
    ground: (o) =>
      groundedRewardsOt(
        model.otRunner({ epsOt: o.epsOt, iterations: o.iterations }),
        samples.map((_, r) => slice(rolls, cur, at.bucket[r], at.slot[r])),
        prompts.map((_, p) => slice(exps, cur.slice(rolls.length), atExp.bucket[p], atExp.slot[p])),
        (r) => rowPrompt[r],
        d,
        o.tau,
      ),
    update: (advantage) => {
      rolls.forEach((b, k) => b.rows.forEach((r, slot) => (inputs[k].advantage[slot] = advantage[r])));
      return model.timerpoGradsBuckets(ctx.params, promptFeats, memory, rolls, inputs, tokens);
    },
  };
}

/**
 * logp_ref of every bucket: from the model's cache when every sample was scored under these
 * reference weights before (train.updatesPerBatch > 1), else one pass (and cached).
 */
async function referenceLogps(
  ctx: RlStepContext,
  promptFeats: HostTensor,
  rolls: readonly Bucket[],
  samples: readonly Sample[],
): Promise<{ perBucket: Float32Array[]; cached: boolean }> {
  const { model } = ctx;
  let known = model.refLogps.get(ctx.refParams);
  if (known === undefined) model.refLogps.set(ctx.refParams, (known = new WeakMap()));
  const memo = known;
  if (samples.every((s) => memo.has(s))) {
    const perBucket = rolls.map((b) => {
      const out = new Float32Array(b.B * b.T);
      b.rows.forEach((r, slot) => out.set(memo.get(samples[r])!.subarray(0, b.lengths[slot]), slot * b.T));
      return out;
    });
    return { perBucket, cached: true };
  }
  const ref = await model.scoreBuckets(ctx.refParams, await model.encode(ctx.refParams, promptFeats), rolls);
  rolls.forEach((b, k) => b.rows.forEach((r, slot) => memo.set(samples[r], ref[k].logp.slice(slot * b.T, slot * b.T + b.lengths[slot]))));
  return { perBucket: ref.map((x) => x.logp), cached: false };
}

/** The reference: one padded batch per pass, the encoder inside, Sinkhorn in JS loops. */
export async function plainPasses(ctx: RlStepContext, prompts: readonly PreparedPrompt[], samples: readonly Sample[]): Promise<StepPasses> {
  const { model, spec } = ctx;
  const G = samples.length / prompts.length;
  const rowPrompt = (row: number) => Math.floor(row / G);
  const pack = packOptions(ctx);
  const grammars = samples.map((_, i) => prompts[rowPrompt(i)].grammar);
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
  const logpOld = new Float32Array(batch.B * batch.T);
  let logpMismatch = 0;
  samples.forEach((smp, b) => {
    for (let t = 0; t < batch.lengths[b]; t++) {
      logpOld[b * batch.T + t] = smp.logps[t];
      logpMismatch = Math.max(logpMismatch, Math.abs(smp.logps[t] - cur.logp[b * batch.T + t]));
    }
  });
  const d = spec.model.width;
  return {
    logpMismatch,
    tokens: batch.lengths.reduce((a, b) => a + b, 0),
    ground: async (o) =>
      groundedRewards(
        { data: cur.hidden, T: batch.T, d, lengths: batch.lengths },
        { data: exp.hidden, T: expBatch.T, d, lengths: expBatch.lengths },
        rowPrompt,
        o,
      ),
    update: (advantage) => model.timerpoGrads(ctx.params, batch, { logpOld, logpRef: ref.logp, advantage }),
  };
}
