// The learner's split graphs (rowPrompt memory gather, memoryGrad, encoder backward) against
// the joint score graph: the same log-probs, hidden states, loss and every gradient (float64),
// rows sharing a prompt read one memory, and padding contents change nothing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../shared/rng.js';
import { createSession } from '../../shared/onnx/runtime.js';
import type { HostTensor } from '../../shared/onnx/runtime.js';
import { initParams, toFloat64 } from '../../shared/policy/model-config.js';
import { buildEncodeGraph, buildEncoderBackwardGraph, buildScoreGraph, paramFeeds } from '../../shared/policy/model.js';
import { TINY, ints, maskedLoss, positions, randomIds, shiftRight } from './model-helpers.js';
import { ConfigError } from '../../shared/errors.js';

const [N, G, T] = [3, 2, 7];
const B = N * G;
const rng = new Rng(5);
const params = toFloat64(initParams(TINY, rng.fork('init')));
for (const [k, v] of Object.entries(params)) if (/\.(b|b1|b2)$/.test(k)) v.forEach((_, i) => (v[i] = 0.1 * rng.normal()));
const promptFeats = Float64Array.from({ length: N * TINY.numPatches * TINY.featureSize }, () => rng.uniform());
const rowFeats = new Float64Array(B * TINY.numPatches * TINY.featureSize);
const per = TINY.numPatches * TINY.featureSize;
for (let r = 0; r < B; r++) rowFeats.set(promptFeats.subarray(Math.floor(r / G) * per, (Math.floor(r / G) + 1) * per), r * per);
const targets = randomIds(rng, TINY, B, T);
const weights = Array.from({ length: B * T }, (_, i) => (i % T < 2 + (Math.floor(i / T) % 5) ? 1 : 0)); // ragged lengths, right padding
const tokens = {
  inputs: ints(shiftRight(targets, B, T), [B, T]),
  targets: ints(targets, [B, T]),
  positions: positions(T),
  weights: { data: Float64Array.from(weights), dims: [B, T] },
  adv: { data: Float64Array.from({ length: B }, (_, b) => 1 - 0.4 * b), dims: [B, 1] },
};
const rowPrompt: HostTensor = { data: BigInt64Array.from({ length: B }, (_, r) => BigInt(Math.floor(r / G))), dims: [B] };

async function joint() {
  const g = buildScoreGraph(TINY, { dtype: 'float64', loss: maskedLoss });
  const s = await createSession(g.toModel());
  return s.run({ ...tokens, features: { data: rowFeats, dims: [B, TINY.numPatches, TINY.featureSize] }, ...paramFeeds(g, params) });
}

async function split(tok = tokens) {
  const enc = buildEncodeGraph(TINY, { dtype: 'float64' });
  const dec = buildScoreGraph(TINY, { dtype: 'float64', source: 'memory', rowPrompt: true, memoryGrad: true, loss: maskedLoss });
  const back = buildEncoderBackwardGraph(TINY, { dtype: 'float64' });
  const [se, sd, sb] = await Promise.all([createSession(enc.toModel()), createSession(dec.toModel()), createSession(back.toModel())]);
  const features = { data: promptFeats, dims: [N, TINY.numPatches, TINY.featureSize] };
  const memory = (await se.run({ features, ...paramFeeds(enc, params) })).memory;
  const out = await sd.run({ ...tok, memory, row_prompt: rowPrompt, ...paramFeeds(dec, params) });
  const encGrads = await sb.run({ features, grad_memory: out['grad.memory'], ...paramFeeds(back, params) });
  return { out, encGrads, decParams: dec.params.map((p) => p.name), encParams: back.params.map((p) => p.name) };
}

const maxRel = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let scale = 0,
    diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
  }
  return diff / Math.max(scale, 1e-300);
};

test('per-prompt memory gathered to rows gives the joint graph’s logp, hidden and loss (float64, 1e-12)', async () => {
  const want = await joint();
  const { out } = await split();
  for (const k of ['logp', 'entropy', 'hidden', 'loss']) assert.ok(maxRel(out[k].data as Float64Array, want[k].data as Float64Array) < 1e-12, k);
});

test('decoder gradients plus the encoder backward of Σ grad.memory equal every joint gradient (float64, 1e-10)', async () => {
  const want = await joint();
  const { out, encGrads, decParams, encParams } = await split();
  assert.ok(encParams.length > 0 && decParams.length > 0);
  assert.equal([...decParams, ...encParams].sort(), Object.keys(params).sort(), 'the two graphs cover every parameter once');
  for (const name of decParams) assert.ok(maxRel(out[`grad.${name}`].data as Float64Array, want[`grad.${name}`].data as Float64Array) < 1e-10, name);
  for (const name of encParams) assert.ok(maxRel(encGrads[`grad.${name}`].data as Float64Array, want[`grad.${name}`].data as Float64Array) < 1e-10, name);
});

test('padded steps (weight 0) change no loss or gradient of the split graphs, bit for bit', async () => {
  const a = await split();
  const t2 = targets.slice();
  weights.forEach((w, i) => {
    if (w === 0) t2[i] = (t2[i] + 3) % (TINY.vocabSize + TINY.numPatches);
  });
  // right padding: the changed targets also change the (padded) inputs one step later
  const b = await split({ ...tokens, targets: ints(t2, [B, T]), inputs: ints(shiftRight(t2, B, T), [B, T]) });
  assert.not.equal(Array.from(shiftRight(t2, B, T)), Array.from(shiftRight(targets, B, T)));
  assert.is(a.out.loss.data[0], b.out.loss.data[0]);
  for (const [k, v] of Object.entries(a.out))
    if (k.startsWith('grad.')) assert.equal(Array.from(v.data as Float64Array), Array.from(b.out[k].data as Float64Array), k);
  for (const [k, v] of Object.entries(a.encGrads)) assert.equal(Array.from(v.data as Float64Array), Array.from(b.encGrads[k].data as Float64Array), k);
});

test('rowPrompt and memoryGrad without source memory are refused', () => {
  assert.throws(
    () => buildScoreGraph(TINY, { rowPrompt: true }),
    (e: unknown) => e instanceof ConfigError && /need source: 'memory'/.test((e as Error).message),
  );
});

test.run();
