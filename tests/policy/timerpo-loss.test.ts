// The in-graph TimerPO loss equals the float64 reference and its gradients match finite differences.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../shared/rng.js';
import { createSession } from '../../shared/onnx/runtime.js';
import type { HostTensor } from '../../shared/onnx/runtime.js';
import { timerpoLoss } from '../../shared/timerpo/surrogate.js';
import { initParams, paramShapes, toFloat64 } from '../../shared/policy/model-config.js';
import { buildScoreGraph, paramFeeds } from '../../shared/policy/model.js';
import { timerpoLossBuilder } from '../../shared/policy/timerpo-loss.js';
import { TINY, ints, positions, randomIds, shiftRight } from './model-helpers.js';

const [B, T] = [3, 6];
const opts = { clipEps: 0.2, klCoef: 0.05, entropyCoef: 0.03 }; // larger than the paper's so every term matters

async function setup(seed: number, maskAll = true) {
  const rng = new Rng(seed);
  const params = toFloat64(initParams(TINY, rng.fork('init')));
  for (const v of Object.values(params)) v.forEach((x, i) => (v[i] = x + 0.3 * rng.normal()));
  const g = buildScoreGraph(TINY, { dtype: 'float64', loss: timerpoLossBuilder(opts) });
  const s = await createSession(g.toModel());
  const targets = randomIds(rng, TINY, B, T);
  const mask = Float64Array.from({ length: B * T }, (_, i) => (maskAll ? (i % T < T - (i < T ? 0 : 2) ? 1 : 0) : 0));
  const data = {
    inputs: ints(shiftRight(targets, B, T), [B, T]),
    targets: ints(targets, [B, T]),
    positions: positions(T),
    features: { data: Float64Array.from({ length: B * 30 }, () => rng.uniform()), dims: [B, TINY.numPatches, TINY.featureSize] },
    advantage: { data: Float64Array.from({ length: B }, () => rng.normal()), dims: [B, 1] },
    response_mask: { data: mask, dims: [B, T] },
  };
  // old and ref log-probs near the current ones, so some ratios are clipped and some not
  const first = await s.run({
    ...data,
    ...paramFeeds(g, params),
    logp_old: { data: new Float64Array(B * T), dims: [B, T] },
    logp_ref: { data: new Float64Array(B * T), dims: [B, T] },
  });
  const logp = first.logp.data as Float64Array;
  const near = (sd: number): HostTensor => ({ data: logp.map((x) => x + sd * rng.normal()), dims: [B, T] });
  const feeds = { ...data, logp_old: near(0.3), logp_ref: near(0.5) };
  return { params, run: (p: Record<string, Float64Array>) => s.run({ ...feeds, ...paramFeeds(g, p) }), feeds };
}

test('loss and stats equal the float64 reference timerpoLoss on the graph own log-probs and entropies', async () => {
  const { params, run, feeds } = await setup(1);
  const out = await run(params);
  const adv = feeds.advantage.data as Float64Array;
  const ref = timerpoLoss(
    {
      logpNew: out.logp.data as Float64Array,
      logpOld: feeds.logp_old.data as Float64Array,
      logpRef: feeds.logp_ref.data as Float64Array,
      entropy: out.entropy.data as Float64Array,
      advantage: Array.from({ length: B * T }, (_, i) => adv[Math.floor(i / T)]),
      mask: feeds.response_mask.data as Float64Array,
    },
    opts,
  );
  const got = (k: string) => (out[k].data as Float64Array)[0];
  assert.ok(Math.abs(got('loss') - ref.loss) < 1e-12, `${got('loss')} vs ${ref.loss}`);
  assert.ok(Math.abs(got('stats.surrogate') - ref.surrogate) < 1e-12);
  assert.ok(Math.abs(got('stats.kl') - ref.kl) < 1e-12);
  assert.ok(Math.abs(got('stats.entropy') - ref.entropy) < 1e-12);
  assert.ok(Math.abs(got('stats.clip_fraction') - ref.clipFraction) < 1e-12);
  assert.ok(ref.clipFraction > 0 && ref.clipFraction < 1, `clip fraction ${ref.clipFraction}`);
});

test('gradients of the TimerPO loss match central finite differences (float64)', async () => {
  const { params, run } = await setup(2);
  const out = await run(params);
  const h = 1e-6;
  for (const name of ['enc.patch.w', 'enc.0.attn.wk', 'dec.tok', 'dec.ptr.in', 'dec.1.cross.wq', 'dec.0.mlp.w1', 'dec.out.w', 'dec.ptr.k']) {
    const grad = out[`grad.${name}`].data as Float64Array;
    const v = params[name];
    for (const i of [1, Math.floor(v.length / 3)]) {
      const x = v[i];
      v[i] = x + h;
      const lp = ((await run(params)).loss.data as Float64Array)[0];
      v[i] = x - h;
      const lm = ((await run(params)).loss.data as Float64Array)[0];
      v[i] = x;
      const fd = (lp - lm) / (2 * h);
      assert.ok(Math.abs(fd - grad[i]) <= 1e-5 * Math.max(1e-3, Math.abs(fd) + Math.abs(grad[i])), `${name}[${i}]: fd ${fd} vs ${grad[i]}`);
    }
  }
});

test('with every token masked the loss and all gradients are 0', async () => {
  const { params, run } = await setup(3, false);
  const out = await run(params);
  assert.is((out.loss.data as Float64Array)[0], 0);
  for (const name of Object.keys(paramShapes(TINY)))
    assert.ok(
      (out[`grad.${name}`].data as Float64Array).every((x) => x === 0),
      name,
    );
});

test.run();
