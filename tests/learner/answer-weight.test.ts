// Warm start with train.warmStart.answerWeight: the answer and class tokens (from </think>
// on) weigh w, the think text 1, and the loss is the weighted token mean of −log p.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileJobConfig } from '../../shared/config/job.js';
import { loadDataSpec } from '../../shared/datasets/spec.js';
import { initParams } from '../../shared/policy/model-config.js';
import { TraceGrammar } from '../../shared/policy/grammar.js';
import { Rng } from '../../shared/rng.js';
import { LearnerModel } from '../../learner/learner-model.js';
import { policySpecFromJob, tokenizerOf } from '../../shared/policy/spec.js';
import { PromptCache } from '../../shared/policy/prompt-cache.js';
import { packSequences } from '../../learner/sequence-batch.js';
import { makeOptimizer } from '../../learner/training-parts.js';
import { answerWeightedMask, imitationStep } from '../../learner/warm-start.js';

test('answerWeightedMask scales every position from </think> on, and only those', () => {
  const mask = Float32Array.from([1, 1, 1, 1, 0, 1, 1, 1, 0, 0]);
  const ids = BigInt64Array.from([5n, 9n, 2n, 7n, 0n, 9n, 4n, 2n, 0n, 0n]); // thinkClose = 2
  const out = answerWeightedMask(mask, ids, 2, 5, 2, 4);
  assert.equal(Array.from(out), [1, 1, 4, 4, 0, 1, 1, 4, 0, 0]);
  assert.equal(Array.from(answerWeightedMask(mask, ids, 2, 5, 2, 1)), Array.from(mask));
});

test('the imitation loss with answerWeight 5 is the weighted mean of −log p from a plain score pass', async () => {
  const job = compileJobConfig({
    name: 'aw',
    seed: 3,
    data: { train: 'anomllm:train?count=2&length=256&tasks=range,point', eval: 'anomllm:eval?count=1&length=256&tasks=range', seriesLength: 256 },
    policy: { rasterHeight: 32, rasterWidth: 128, dModel: 32, encoderLayers: 1, decoderLayers: 1, heads: 2, ffnDim: 64, maxTraceTokens: 256 },
    train: { warmStart: { enabled: true, steps: 1, answerWeight: 5 } },
  });
  assert.is(job.train.warmStart.answerWeight, 5);
  const spec = policySpecFromJob(job);
  const tokenizer = tokenizerOf(spec);
  const cache = new PromptCache(spec, tokenizer);
  const prompts = (await loadDataSpec(job.data.train)).map((r) => cache.get(r)).filter((p) => p.targetIds !== undefined);
  assert.ok(prompts.length >= 2, `${prompts.length} prompts with a target`);
  const params = initParams(spec.model, new Rng(1));
  const model = await LearnerModel.create(spec.model, { clipEps: 0.2, klCoef: 0, entropyCoef: 0 });
  try {
    const v = tokenizer.vocab;
    const batch = packSequences(
      prompts.map((p) => p.targetIds!),
      prompts.map((p) => p.features),
      prompts.map((p) => new TraceGrammar(tokenizer, p.record.series.length, spec.grammar)),
      { bos: v.bos, pad: v.pad, outputSize: tokenizer.outputSize, maxLen: spec.model.maxLen },
    );
    const { logp } = await model.score(params, batch);
    const mask = batch.feeds.response_mask.data as Float32Array;
    const ids = batch.feeds.targets.data as BigInt64Array;
    let num = 0,
      den = 0,
      plainNum = 0,
      plainDen = 0,
      answerTokens = 0;
    for (let b = 0; b < batch.B; b++) {
      let after = false;
      for (let t = 0; t < batch.T; t++) {
        if (ids[b * batch.T + t] === BigInt(v.thinkClose)) after = true;
        const m = mask[b * batch.T + t];
        const w = m * (after ? 5 : 1);
        if (after && m > 0) answerTokens++;
        num -= w * logp[b * batch.T + t];
        den += w;
        plainNum -= m * logp[b * batch.T + t];
        plainDen += m;
      }
    }
    assert.ok(answerTokens >= 2 * 5, `each target has an answer and a class after </think> (${answerTokens} tokens)`);
    const lr = 1e-9; // the step's loss is computed before the update
    const weighted = await imitationStep(
      { model, spec, tokenizer, params, optimizer: makeOptimizer(params, job, lr), lr, gradClip: 1, answerWeight: 5 },
      prompts,
    );
    const plain = await imitationStep({ model, spec, tokenizer, params, optimizer: makeOptimizer(params, job, lr), lr, gradClip: 1 }, prompts);
    assert.ok(Math.abs(weighted.loss - num / den) < 1e-4 * Math.abs(num / den), `weighted ${weighted.loss} vs ${num / den}`);
    assert.ok(Math.abs(plain.loss - plainNum / plainDen) < 2e-4 * Math.abs(plainNum / plainDen), `plain ${plain.loss} vs ${plainNum / plainDen}`);
    assert.ok(Math.abs(weighted.loss - plain.loss) > 1e-3, 'the weight changes the loss');
    // the default (bucketed) step and the plain padded batch agree: loss, gradient norm, update
    const step = async (engine: 'plain' | 'bucketed') => {
      const p = Object.fromEntries(Object.entries(params).map(([k, x]) => [k, x.slice()]));
      const r = await imitationStep(
        { model, spec, tokenizer, params: p, optimizer: makeOptimizer(p, job, 1e-3), lr: 1e-3, gradClip: 1, answerWeight: 5, engine },
        prompts,
      );
      return { r, p };
    };
    const [a, b] = [await step('bucketed'), await step('plain')];
    assert.ok(Math.abs(a.r.loss - b.r.loss) < 1e-6 * b.r.loss, `loss ${a.r.loss} vs ${b.r.loss}`);
    assert.ok(Math.abs(a.r.gradNorm - b.r.gradNorm) < 1e-5 * b.r.gradNorm, `grad norm ${a.r.gradNorm} vs ${b.r.gradNorm}`);
    assert.is(a.r.tokens, b.r.tokens);
    let worst = 0;
    for (const k of Object.keys(a.p)) for (let i = 0; i < a.p[k].length; i++) worst = Math.max(worst, Math.abs(a.p[k][i] - b.p[k][i]));
    assert.ok(worst < 1e-6, `weights after the step differ by ${worst}`);
  } finally {
    await model.dispose();
  }
});

test.run();
