// The policy model: incremental decoding = teacher-forced scoring, gradients = finite
// differences (float64), padding changes nothing, and the default size.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../shared/rng.js';
import { createSession } from '../../shared/onnx/runtime.js';
import type { HostTensor } from '../../shared/onnx/runtime.js';
import { countParams, initParams, outputSize, paramShapes, resolveModelConfig, toFloat64 } from '../../shared/policy/model-config.js';
import { buildDecodeStepGraph, buildEncodeGraph, buildScoreGraph, paramFeeds, paramsFor, pastNames, presentNames } from '../../shared/policy/model.js';
import { TINY, ints, maskedLoss, positions, randomIds, shiftRight } from './model-helpers.js';

const cfg = resolveModelConfig({ vocabSize: 40, numPatches: 8, featureSize: 16, width: 32, heads: 4, encLayers: 1, decLayers: 2, mlpHidden: 48, maxLen: 32 });

test('incremental decodeStep and teacher-forced score give the same log-probs (float32, grammar mask on)', async () => {
  const rng = new Rng(1);
  const params = initParams(cfg, rng.fork('init'));
  for (const [k, v] of Object.entries(params)) if (/\.(b|b1|b2)$/.test(k)) v.forEach((_, i) => (v[i] = 0.1 * rng.normal()));
  const [B, T, W] = [2, 9, outputSize(cfg)];
  const feats = Float32Array.from({ length: B * cfg.numPatches * cfg.featureSize }, () => rng.uniform());
  const targets = randomIds(rng, cfg, B, T);
  const inputs = shiftRight(targets, B, T);
  const mask = Float32Array.from({ length: B * T * W }, () => (rng.uniform() < 0.3 ? -1e9 : 0));
  for (let r = 0; r < B * T; r++) mask[r * W + targets[r]] = 0;

  const enc = buildEncodeGraph(cfg),
    step = buildDecodeStepGraph(cfg);
  const score = buildScoreGraph(cfg, { grammarMask: true });
  const [sEnc, sStep, sScore] = await Promise.all([
    createSession(enc.toModel({ bakedParams: paramsFor(enc, params) })),
    createSession(step.toModel({ bakedParams: paramsFor(step, params) })),
    createSession(score.toModel()),
  ]);
  const memory = (await sEnc.run({ features: { data: feats, dims: [B, cfg.numPatches, cfg.featureSize] } })).memory;
  const want = (
    await sScore.run({
      ...paramFeeds(score, params),
      inputs: ints(inputs, [B, T]),
      targets: ints(targets, [B, T]),
      positions: positions(T),
      features: { data: feats, dims: [B, cfg.numPatches, cfg.featureSize] },
      mask_add: { data: mask, dims: [B, T, W] },
    })
  ).logp.data as Float32Array;

  const dh = cfg.width / cfg.heads;
  let cache: Record<string, HostTensor> = {};
  for (let i = 0; i < cfg.decLayers; i++) for (const n of Object.values(pastNames(i))) cache[n] = { data: new Float32Array(0), dims: [B, cfg.heads, 0, dh] };
  let worst = 0;
  for (let t = 0; t < T; t++) {
    const out = await sStep.run({ token: ints([inputs[t], inputs[T + t]], [B, 1]), position: ints([t], [1]), memory, ...cache });
    const logits = out.logits.data as Float32Array;
    for (let b = 0; b < B; b++) {
      const row = Array.from(logits.subarray(b * W, (b + 1) * W), (x, i) => x + mask[(b * T + t) * W + i]);
      const mx = Math.max(...row);
      const lse = mx + Math.log(row.reduce((a, x) => a + Math.exp(x - mx), 0));
      worst = Math.max(worst, Math.abs(row[targets[b * T + t]] - lse - want[b * T + t]));
    }
    cache = {};
    for (let i = 0; i < cfg.decLayers; i++) {
      cache[pastNames(i).k] = out[presentNames(i).k];
      cache[pastNames(i).v] = out[presentNames(i).v];
    }
  }
  assert.ok(worst < 1e-5, `max |Δ logp| = ${worst}`);
});

/** Float64 score session of TINY with the masked loss; returns a function of the params. */
async function tinyLearner(B: number, T: number, targets: number[], weights: number[], feats: Float64Array) {
  const g = buildScoreGraph(TINY, { dtype: 'float64', loss: maskedLoss });
  const s = await createSession(g.toModel());
  const base = {
    inputs: ints(shiftRight(targets, B, T), [B, T]),
    targets: ints(targets, [B, T]),
    positions: positions(T),
    features: { data: feats, dims: [B, TINY.numPatches, TINY.featureSize] },
    weights: { data: Float64Array.from(weights), dims: [B, T] },
    adv: { data: Float64Array.from({ length: B }, (_, b) => 1 - 2 * b), dims: [B, 1] },
  };
  return async (params: Record<string, Float64Array>) => s.run({ ...base, ...paramFeeds(g, params) });
}

test('gradients of the score graph match central finite differences (float64, every parameter)', async () => {
  const rng = new Rng(2);
  const params = toFloat64(initParams(TINY, rng.fork('init')));
  for (const v of Object.values(params)) v.forEach((x, i) => (v[i] = x + 0.3 * rng.normal()));
  const [B, T] = [2, 5];
  const run = await tinyLearner(
    B,
    T,
    randomIds(rng, TINY, B, T),
    [1, 1, 1, 0.5, 1, 1, 1, 1, 0, 0],
    Float64Array.from({ length: B * 30 }, () => rng.uniform()),
  );
  const out = await run(params);
  const h = 1e-5;
  let worst = 0;
  for (const name of Object.keys(paramShapes(TINY))) {
    const grad = out[`grad.${name}`].data as Float64Array;
    const v = params[name];
    for (const i of [0, Math.floor(v.length / 2), v.length - 1]) {
      const x = v[i];
      v[i] = x + h;
      const lp = ((await run(params)).loss.data as Float64Array)[0];
      v[i] = x - h;
      const lm = ((await run(params)).loss.data as Float64Array)[0];
      v[i] = x;
      const fd = (lp - lm) / (2 * h);
      const err = Math.abs(fd - grad[i]) / Math.max(1e-4, Math.abs(fd) + Math.abs(grad[i]));
      worst = Math.max(worst, err);
      assert.ok(err < 1e-5, `${name}[${i}]: fd ${fd} vs ${grad[i]}`);
    }
  }
  assert.ok(worst < 1e-5);
});

test('padded steps (weight 0) change neither the loss nor any gradient', async () => {
  const rng = new Rng(3);
  const params = toFloat64(initParams(TINY, rng.fork('init')));
  const [B, T, L] = [2, 7, 4]; // real length 4, padded to 7
  const feats = Float64Array.from({ length: B * 30 }, () => rng.uniform());
  const real = randomIds(rng, TINY, B, L);
  const weights = Array.from({ length: B * T }, (_, i) => (i % T < L ? 1 : 0));
  const padded = (fill: () => number) => Array.from({ length: B * T }, (_, i) => (i % T < L ? real[Math.floor(i / T) * L + (i % T)] : fill()));
  const a = await (
    await tinyLearner(
      B,
      T,
      padded(() => 0),
      weights,
      feats,
    )
  )(params);
  const b = await (
    await tinyLearner(
      B,
      T,
      padded(() => rng.int(16)),
      weights,
      feats,
    )
  )(params);
  const short = await (await tinyLearner(B, L, real, Array(B * L).fill(1), feats))(params);
  for (const name of ['loss', ...Object.keys(paramShapes(TINY)).map((n) => `grad.${n}`)]) {
    const [x, y, z] = [a[name].data, b[name].data, short[name].data] as Float64Array[];
    for (let i = 0; i < x.length; i++) {
      assert.is(y[i], x[i], `${name}[${i}] changed with the pad contents`);
      assert.ok(Math.abs(z[i] - x[i]) <= 1e-12 * (1 + Math.abs(x[i])), `${name}[${i}]: padded ${x[i]} vs unpadded ${z[i]}`);
    }
  }
});

test('the default config (plot features, the test vocabulary) has 0.2–5 M parameters, all in the graphs', () => {
  const def = resolveModelConfig({ vocabSize: 250 });
  const n = countParams(def);
  assert.ok(n > 200_000 && n < 5_000_000, `${n}`);
  const enc = buildEncodeGraph(def),
    step = buildDecodeStepGraph(def),
    score = buildScoreGraph(def);
  const size = (ps: { shape: readonly (number | string)[] }[]) => ps.reduce((t, p) => t + (p.shape as number[]).reduce((q, x) => q * x, 1), 0);
  assert.is(size(score.params), n);
  assert.is(size(enc.params) + size(step.params), n); // the step graph holds every decoder parameter
});

test("the score graph fed the encoder's memory equals the one that runs the encoder (float64)", async () => {
  const rng = new Rng(4);
  const params = toFloat64(initParams(TINY, rng.fork('init')));
  const [B, T] = [2, 6];
  const feats = { data: Float64Array.from({ length: B * 30 }, () => rng.uniform()), dims: [B, TINY.numPatches, TINY.featureSize] };
  const targets = randomIds(rng, TINY, B, T);
  const tokens = { inputs: ints(shiftRight(targets, B, T), [B, T]), targets: ints(targets, [B, T]), positions: positions(T) };
  const enc = buildEncodeGraph(TINY, { dtype: 'float64' });
  const viaFeatures = buildScoreGraph(TINY, { dtype: 'float64' }),
    viaMemory = buildScoreGraph(TINY, { dtype: 'float64', source: 'memory' });
  const memory = (await (await createSession(enc.toModel())).run({ ...paramFeeds(enc, params), features: feats })).memory;
  const a = await (await createSession(viaFeatures.toModel())).run({ ...paramFeeds(viaFeatures, params), ...tokens, features: feats });
  const b = await (await createSession(viaMemory.toModel())).run({ ...paramFeeds(viaMemory, params), ...tokens, memory });
  for (const k of ['logp', 'entropy', 'hidden']) {
    const [x, y] = [a[k].data, b[k].data] as Float64Array[];
    x.forEach((v, i) => assert.ok(Math.abs(v - y[i]) < 1e-12, `${k}[${i}]`));
  }
});

test('init is seeded: the same seed gives the same weights, another seed others', () => {
  const a = initParams(TINY, new Rng(7)),
    b = initParams(TINY, new Rng(7)),
    c = initParams(TINY, new Rng(8));
  assert.equal(Array.from(a['dec.tok']), Array.from(b['dec.tok']));
  assert.not.equal(Array.from(a['dec.tok']), Array.from(c['dec.tok']));
  assert.ok(a['enc.0.ln1.g'].every((x) => x === 1) && a['dec.out.b'].every((x) => x === 0));
});

test.run();
