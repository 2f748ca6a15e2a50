// Transformer blocks: the causal mask (constant or built at run time) and causality of attention.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../shared/rng.js';
import { GraphBuilder, bufferedSelfAttention, cachedSelfAttention, causalMask, causalSelfAttention } from '../../shared/onnx/index.js';
import type { AttentionWeights } from '../../shared/onnx/index.js';
import type { HostTensor } from '../../shared/onnx/runtime.js';
import { createSession } from '../../shared/onnx/runtime.js';

test('the causal mask is lower-triangular, whether T is fixed or symbolic', async () => {
  const want = [1, 0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 1];
  for (const t of [4, 'T']) {
    const g = new GraphBuilder();
    const x = g.input('x', [1, t, 2]);
    g.output('m', causalMask(g, x, 1));
    const s = await createSession(g.toModel());
    const m = (await s.run({ x: { data: new Float32Array(8), dims: [1, 4, 2] } })).m;
    assert.equal(m.dims, [4, 4]);
    assert.equal(Array.from(m.data as Uint8Array, Number), want, `T = ${t}`);
  }
});

test('attention output at step t does not change when later steps change', async () => {
  const rng = new Rng(4);
  const g = new GraphBuilder({ dtype: 'float64' });
  const x = g.input('x', ['B', 'T', 4]);
  const w = () =>
    g.const(
      Array.from({ length: 16 }, () => rng.normal()),
      [4, 4],
    );
  g.output('y', causalSelfAttention(g, x, { wq: w(), wk: w(), wv: w(), wo: w() }, 2));
  const s = await createSession(g.toModel());
  const a = Float64Array.from({ length: 20 }, () => rng.normal());
  const b = a.slice();
  for (let i = 12; i < 20; i++) b[i] += 1; // steps 3 and 4 of 5
  const ya = (await s.run({ x: { data: a, dims: [1, 5, 4] } })).y.data as Float64Array;
  const yb = (await s.run({ x: { data: b, dims: [1, 5, 4] } })).y.data as Float64Array;
  assert.equal(Array.from(yb.subarray(0, 12)), Array.from(ya.subarray(0, 12)));
  assert.not.equal(Array.from(yb.subarray(12)), Array.from(ya.subarray(12)));
});

test('prefill then one-step decodes with a KV cache give the outputs of one causal pass', async () => {
  const [D, H, T] = [4, 2, 6];
  const rng = new Rng(8);
  const wv = Array.from({ length: 4 }, () => Array.from({ length: D * D }, () => rng.normal()));
  const weights = (g: GraphBuilder): AttentionWeights => {
    const [wq, wk, wvv, wo] = wv.map((v) => g.const(v, [D, D]));
    return { wq, wk, wv: wvv, wo };
  };
  const full = new GraphBuilder({ dtype: 'float64' });
  full.output('y', causalSelfAttention(full, full.input('x', ['B', 'T', D]), weights(full), H));
  const step = new GraphBuilder({ dtype: 'float64' });
  const past = { k: step.input('past_k', ['B', H, 'P', D / H]), v: step.input('past_v', ['B', H, 'P', D / H]) };
  const r = cachedSelfAttention(step, step.input('x', ['B', 'T', D]), weights(step), H, past);
  step.output('y', r.y);
  step.output('present_k', r.present.k);
  step.output('present_v', r.present.v);
  const [sFull, sStep] = [await createSession(full.toModel()), await createSession(step.toModel())];

  const x = Float64Array.from({ length: 2 * T * D }, () => rng.normal()); // B = 2
  const want = (await sFull.run({ x: { data: x, dims: [2, T, D] } })).y.data as Float64Array;
  const rows = (from: number, to: number) => {
    const out: number[] = [];
    for (let b = 0; b < 2; b++) out.push(...x.subarray((b * T + from) * D, (b * T + to) * D));
    return Float64Array.from(out);
  };
  let cache: Record<string, HostTensor> = {
    past_k: { data: new Float64Array(0), dims: [2, H, 0, D / H] },
    past_v: { data: new Float64Array(0), dims: [2, H, 0, D / H] },
  };
  const got = new Float64Array(2 * T * D);
  for (const [from, to] of [
    [0, 3],
    [3, 4],
    [4, 5],
    [5, 6],
  ]) {
    const res = await sStep.run({ x: { data: rows(from, to), dims: [2, to - from, D] }, ...cache });
    assert.equal(res.present_k.dims, [2, H, to, D / H]);
    const y = res.y.data as Float64Array;
    for (let b = 0; b < 2; b++) got.set(y.subarray(b * (to - from) * D, (b + 1) * (to - from) * D), (b * T + from) * D);
    cache = { past_k: res.present_k, past_v: res.present_v };
  }
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  assert.ok(worst < 1e-12, `max |diff| ${worst}`);
});

test('one-step decodes against a host buffer (filled slots only are read) give the outputs of one causal pass', async () => {
  const [D, H, T, C] = [4, 2, 6, 8];
  const dh = D / H;
  const rng = new Rng(9);
  const wv = Array.from({ length: 4 }, () => Array.from({ length: D * D }, () => rng.normal()));
  const weights = (g: GraphBuilder): AttentionWeights => {
    const [wq, wk, wvv, wo] = wv.map((v) => g.const(v, [D, D]));
    return { wq, wk, wv: wvv, wo };
  };
  const full = new GraphBuilder({ dtype: 'float64' });
  full.output('y', causalSelfAttention(full, full.input('x', ['B', 'T', D]), weights(full), H));
  const step = new GraphBuilder({ dtype: 'float64' });
  const cache = { k: step.input('cache_k', ['B', H, 'C', dh]), v: step.input('cache_v', ['B', H, 'C', dh]) };
  const r = bufferedSelfAttention(step, step.input('x', ['B', 1, D]), weights(step), H, cache, step.input('length', [1], 'int64'));
  step.output('y', r.y);
  step.output('k', r.fresh.k);
  step.output('v', r.fresh.v);
  const [sFull, sStep] = [await createSession(full.toModel()), await createSession(step.toModel())];
  const x = Float64Array.from({ length: 2 * T * D }, () => rng.normal()); // B = 2
  const want = (await sFull.run({ x: { data: x, dims: [2, T, D] } })).y.data as Float64Array;

  /** Decodes all T steps; slots not yet filled hold `junk()`. Returns the outputs (2, T, D). */
  async function decode(junk: () => number): Promise<Float64Array> {
    const K = Float64Array.from({ length: 2 * H * C * dh }, junk);
    const V = Float64Array.from({ length: 2 * H * C * dh }, junk);
    const got = new Float64Array(2 * T * D);
    for (let t = 0; t < T; t++) {
      const xt = Float64Array.from([...x.subarray(t * D, t * D + D), ...x.subarray((T + t) * D, (T + t) * D + D)]);
      const res = await sStep.run({
        x: { data: xt, dims: [2, 1, D] },
        cache_k: { data: K, dims: [2, H, C, dh] },
        cache_v: { data: V, dims: [2, H, C, dh] },
        length: { data: BigInt64Array.of(BigInt(t)), dims: [1] },
      });
      assert.equal(res.k.dims, [2, H, 1, dh]);
      for (let rh = 0; rh < 2 * H; rh++)
        for (let e = 0; e < dh; e++) {
          K[(rh * C + t) * dh + e] = (res.k.data as Float64Array)[rh * dh + e];
          V[(rh * C + t) * dh + e] = (res.v.data as Float64Array)[rh * dh + e];
        }
      const y = res.y.data as Float64Array;
      for (let b = 0; b < 2; b++) got.set(y.subarray(b * D, (b + 1) * D), (b * T + t) * D);
    }
    return got;
  }
  const a = await decode(() => 0);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - want[i]));
  assert.ok(worst < 1e-12, `max |diff| ${worst}`);
  const b = await decode(() => 1e6 * rng.normal());
  assert.equal(Array.from(b), Array.from(a), 'unfilled slots change nothing, bit for bit');
});

test.run();
