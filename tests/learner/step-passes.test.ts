// The learner's bucketed passes against the plain ones on one real step (tiny policy, random
// weights, sampled rollouts): the same log-probs (checked against the sampler's), grounded
// rewards, loss, stats and gradients, within float32 rounding
// (gradients to 2e-5 of each tensor's largest entry: float32 sums in another order).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileJobConfig } from '../../shared/config/job.js';
import { generateSplit } from '../../shared/anomllm/generate.js';
import { AdamW } from '../../shared/optim/adamw.js';
import { initParams } from '../../shared/policy/model-config.js';
import type { Params } from '../../shared/policy/model-config.js';
import { PromptCache } from '../../shared/policy/prompt-cache.js';
import { RolloutPolicy } from '../../shared/policy/rollout-policy.js';
import { policySpecFromJob, tokenizerOf } from '../../shared/policy/spec.js';
import { Rng } from '../../shared/rng.js';
import { LearnerModel } from '../../learner/learner-model.js';
import { bucketedPasses, plainPasses } from '../../learner/step-passes.js';

const job = compileJobConfig({
  data: { seriesLength: 256 },
  policy: { rasterHeight: 32, rasterWidth: 128, dModel: 32, encoderLayers: 1, decoderLayers: 2, heads: 2, ffnDim: 64, maxTraceTokens: 160 },
  rollout: { groupSize: 4, promptsPerStep: 5, maxNewTokens: 160 },
});
const spec = policySpecFromJob(job);
const tokenizer = tokenizerOf(spec);
const cache = new PromptCache(spec, tokenizer);
const prompts = generateSplit('train', { count: 1, length: 256 })
  .slice(0, 5)
  .map((r) => cache.get(r));
const params = initParams(spec.model, new Rng(4).fork('init'));
const refParams: Params = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.map((x) => x * 1.01)]));

const maxRel = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let scale = 0,
    diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
  }
  return diff / scale;
};

test('bucketed and plain passes agree: logp vs the sampler, s and W, loss, stats and every gradient', async () => {
  const policy = await RolloutPolicy.create(spec.model, tokenizer, params, 0);
  const groups = await policy.sample(
    prompts.map((p) => ({ promptId: p.record.id, n: p.record.series.length, features: p.features })),
    { groupSize: 4, rng: new Rng(9), grammar: spec.grammar },
  );
  await policy.dispose();
  const samples = groups.flat();
  const lengths = samples.map((s) => s.ids.length);
  assert.ok(Math.max(...lengths) > 2 * Math.min(...lengths), `ragged lengths make several buckets: ${lengths}`);
  const model = await LearnerModel.create(spec.model, {});
  // a small run price makes several buckets, so the sums over buckets are exercised
  const ctx = { model, spec, tokenizer, job, params, refParams, optimizer: new AdamW([]), lr: 1e-3, bucketOverhead: 4 };
  const fast = await bucketedPasses(ctx, prompts, samples);
  assert.ok(fast.buckets! >= 3, `${fast.buckets} buckets`);
  const plain = await plainPasses(ctx, prompts, samples);
  assert.is(fast.tokens, plain.tokens);
  assert.ok(fast.logpMismatch < 1e-4 && plain.logpMismatch < 1e-4, `${fast.logpMismatch} ${plain.logpMismatch}`);
  const o = { epsOt: 0.08, iterations: 50, tau: 0.5 };
  const [a, b] = [await fast.ground(o), await plain.ground(o)];
  assert.ok(maxRel(a.W, b.W) < 1e-9, `W ${maxRel(a.W, b.W)}`);
  assert.ok(maxRel(a.s, b.s) < 1e-9, `s ${maxRel(a.s, b.s)}`);
  const adv = Float32Array.from(samples, (_, i) => Math.sin(i + 1));
  const [ga, gb] = [await fast.update(adv), await plain.update(adv)];
  assert.ok(Math.abs(ga.loss - gb.loss) < 1e-6 * Math.abs(gb.loss) + 1e-8, `loss ${ga.loss} vs ${gb.loss}`);
  for (const k of ['surrogate', 'kl', 'entropy', 'clip_fraction']) assert.ok(Math.abs(ga.stats[k] - gb.stats[k]) < 1e-5 * Math.abs(gb.stats[k]) + 1e-7, k);
  assert.equal(Object.keys(ga.grads).sort(), Object.keys(gb.grads).sort());
  for (const k of Object.keys(gb.grads)) assert.ok(maxRel(ga.grads[k], gb.grads[k]) < 2e-5, `${k}: ${maxRel(ga.grads[k], gb.grads[k])}`);
  // a second update on the same rollouts (train.updatesPerBatch > 1) reuses the reference log-probs
  const again = await bucketedPasses(ctx, prompts, samples);
  assert.is(fast.refCached, false);
  assert.is(again.refCached, true);
  const gc = await again.update(adv);
  assert.is(gc.loss, ga.loss);
  for (const k of Object.keys(ga.grads)) assert.equal(Array.from(gc.grads[k]), Array.from(ga.grads[k]), k);
  await model.dispose();
});

test.run();
