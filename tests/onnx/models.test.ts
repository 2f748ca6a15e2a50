// Whole models: gradients of an MLP and a causal attention LM against finite differences,
// the LM against a plain-JS forward, masked positions, and baked vs fed weights.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../shared/rng.js';
import { GraphBuilder, addGradients, outputGradients } from '../../shared/onnx/index.js';
import type { Tensor } from '../../shared/onnx/index.js';
import { createSession } from '../../shared/onnx/runtime.js';
import type { HostTensor, OrtSession } from '../../shared/onnx/runtime.js';
import { relativeError } from './grad-check.js';
import { buildLm, buildMlp, initLm, lmBatch, lmLossJs, paramFeeds } from './tiny-models.js';
import type { LmConfig } from './tiny-models.js';

const LM: LmConfig = { vocab: 7, d: 8, heads: 2, ff: 16, batch: 'B', time: 'T', maxT: 6 };

/** Central differences of the session's `loss` output w.r.t. every element of `feeds[name]`. */
async function numericGrad(s: OrtSession, feeds: Record<string, HostTensor>, name: string, h = 1e-5): Promise<Float64Array> {
  const x = feeds[name].data as Float64Array;
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const keep = x[i];
    x[i] = keep + h;
    const up = (await s.run(feeds)).loss.data[0] as number;
    x[i] = keep - h;
    const down = (await s.run(feeds)).loss.data[0] as number;
    x[i] = keep;
    out[i] = (up - down) / (2 * h);
  }
  return out;
}

/** A loss-only session and a loss+gradients session from the same builder function. */
async function sessions(build: (g: GraphBuilder) => { loss: Tensor; params: Tensor[] }) {
  const f = new GraphBuilder({ dtype: 'float64' });
  f.output('loss', build(f).loss);
  const b = new GraphBuilder({ dtype: 'float64' });
  const m = build(b);
  b.output('loss', m.loss);
  outputGradients(b, addGradients(b, m.loss, m.params));
  return { lossOnly: await createSession(f.toModel()), withGrads: await createSession(b.toModel()), params: m.params.map((p) => p.name) };
}

test('two-layer MLP: every param gradient matches finite differences (float64, rel < 1e-6)', async () => {
  const rng = new Rng(3);
  const arr = (n: number) => Float64Array.from({ length: n }, () => rng.normal());
  const feeds: Record<string, HostTensor> = {
    x: { data: arr(15), dims: [5, 3] },
    y: { data: arr(10), dims: [5, 2] },
    w1: { data: arr(24), dims: [3, 8] },
    b1: { data: arr(8), dims: [8] },
    w2: { data: arr(16), dims: [8, 2] },
    b2: { data: arr(2), dims: [2] },
  };
  const s = await sessions(buildMlp);
  const res = await s.withGrads.run(feeds);
  for (const p of s.params) {
    const e = relativeError(res[`grad.${p}`].data as Float64Array, await numericGrad(s.lossOnly, feeds, p));
    assert.ok(e < 1e-6, `${p}: relative error ${e}`);
  }
});

test('causal attention LM (2 heads, layer norms, GELU MLP): every param gradient matches finite differences', async () => {
  const feeds = { ...lmBatch(LM, 2, 5, 'float64', 4), ...paramFeeds(LM, initLm(LM, 'float64')) };
  const s = await sessions((g) => buildLm(g, LM));
  const res = await s.withGrads.run(feeds);
  for (const p of s.params) {
    const e = relativeError(res[`grad.${p}`].data as Float64Array, await numericGrad(s.lossOnly, feeds, p));
    assert.ok(e < 1e-6, `${p}: relative error ${e}`);
  }
});

test('the LM loss in ORT equals a plain-JS forward, with symbolic and with fixed B, T', async () => {
  const w = initLm(LM, 'float64');
  const batch = lmBatch(LM, 3, 6, 'float64', 5);
  const want = lmLossJs(LM, w, batch);
  for (const cfg of [LM, { ...LM, batch: 3, time: 6 }]) {
    const g = new GraphBuilder({ dtype: 'float64' });
    g.output('loss', buildLm(g, cfg).loss);
    const s = await createSession(g.toModel());
    const got = (await s.run({ ...batch, ...paramFeeds(LM, w) })).loss.data[0] as number;
    assert.ok(Math.abs(got - want) < 1e-12, `batch ${cfg.batch}, time ${cfg.time}: ${got} vs ${want}`);
  }
});

test('changing tokens and targets at masked (later) positions changes neither the loss nor any gradient', async () => {
  const s = await sessions((g) => buildLm(g, LM));
  const w = paramFeeds(LM, initLm(LM, 'float64'));
  const keep = 3;
  const a = lmBatch(LM, 2, 6, 'float64', keep, 5);
  const b = lmBatch(LM, 2, 6, 'float64', keep, 5);
  const rng = new Rng(9);
  for (const k of ['tokens', 'targets']) {
    const d = b[k].data as BigInt64Array;
    for (let i = 0; i < d.length; i++) if (i % 6 >= keep) d[i] = BigInt((Number(d[i]) + 1 + rng.int(LM.vocab - 1)) % LM.vocab);
  }
  assert.not.equal(Array.from(a.tokens.data as BigInt64Array), Array.from(b.tokens.data as BigInt64Array));
  const ra = await s.withGrads.run({ ...a, ...w });
  const rb = await s.withGrads.run({ ...b, ...w });
  for (const name of Object.keys(ra)) assert.equal(Array.from(rb[name].data as Float64Array), Array.from(ra[name].data as Float64Array), name);
});

test('changing tokens at unmasked positions does change the loss (the check above can fail)', async () => {
  const s = await sessions((g) => buildLm(g, LM));
  const w = paramFeeds(LM, initLm(LM, 'float64'));
  const a = lmBatch(LM, 2, 6, 'float64', 3, 5);
  const b = lmBatch(LM, 2, 6, 'float64', 3, 5);
  const d = b.tokens.data as BigInt64Array;
  d[0] = BigInt((Number(d[0]) + 1) % LM.vocab);
  const la = (await s.lossOnly.run({ ...a, ...w })).loss.data[0];
  const lb = (await s.lossOnly.run({ ...b, ...w })).loss.data[0];
  assert.is.not(la, lb);
});

for (const dtype of ['float64', 'float32'] as const) {
  test(`${dtype}: a session with baked weights gives bit-identical logits to one fed the weights`, async () => {
    const w = initLm(LM, dtype);
    const batch = lmBatch(LM, 2, 5, dtype);
    const build = () => {
      const g = new GraphBuilder({ dtype });
      g.output('logits', buildLm(g, LM).logits);
      return g;
    };
    const fed = await createSession(build().toModel());
    const baked = await createSession(build().toModel({ bakedParams: w }));
    assert.equal([...baked.inputNames].sort(), ['lossMask', 'positions', 'targets', 'tokens']);
    const x = (await fed.run({ ...batch, ...paramFeeds(LM, w) })).logits.data;
    const y = (await baked.run(batch)).logits.data;
    assert.equal(Array.from(y, Number), Array.from(x, Number));
  });
}

test.run();
