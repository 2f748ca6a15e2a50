import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AdamW, defaultNoDecay, type NamedParam } from '../../shared/optim/adamw.js';
import { decodeOptimizerFile, encodeOptimizerFile } from '../../shared/checkpoint/checkpoint-files.js';
import { ConfigError, ShapeError } from '../../shared/errors.js';
import { Rng } from '../../shared/rng.js';

const near = (got: number, want: number, tol: number, what = '') => assert.ok(Math.abs(got - want) <= tol, `${what} ${got} vs ${want} (tol ${tol})`);

test('two hand-computed steps on one scalar (lr 0.1, wd 0.01, betas 0.9/0.999, eps 1e-8)', () => {
  const p = Float32Array.from([1]);
  const opt = new AdamW([{ name: 'w', data: p }], { lr: 0.1, weightDecay: 0.01 });
  // Step 1, g = 0.5:
  //   decay  p = 1 · (1 − 0.1·0.01) = 0.999
  //   m = 0.1·0.5 = 0.05,  v = 0.001·0.25 = 0.00025
  //   bias corrections 1 − 0.9 = 0.1 and 1 − 0.999 = 0.001 → step size 0.1/0.1 = 1
  //   denom = √0.00025 / √0.001 + 1e-8 = 0.5 + 1e-8
  //   p = 0.999 − 1 · 0.05 / 0.50000001 = 0.999 − 0.099999998 = 0.899000002
  opt.step({ w: Float32Array.from([0.5]) });
  near(p[0], 0.899000002, 1e-7, 'step 1');
  // Step 2, g = −0.25:
  //   decay  p = 0.899000002 · 0.999 = 0.898101002
  //   m = 0.9·0.05 + 0.1·(−0.25) = 0.02,  v = 0.999·0.00025 + 0.001·0.0625 = 0.00031225
  //   bias corrections 1 − 0.81 = 0.19 and 1 − 0.998001 = 0.001999 → step size 0.1/0.19 = 0.526315789
  //   denom = √(0.00031225 / 0.001999) + 1e-8 = 0.395225391
  //   p = 0.898101002 − 0.526315789 · 0.02 / 0.395225391 = 0.898101002 − 0.026633703 = 0.871467299
  opt.step({ w: Float32Array.from([-0.25]) });
  near(p[0], 0.871467299, 1e-7, 'step 2');
  assert.is(opt.stepCount, 2);
  const st = opt.state();
  // Moments are float32: equal to the hand values within float32 rounding (relative 6e-8).
  near(st.tensors['m.w'].data[0] as number, 0.02, 0.02 * 1.2e-7);
  near(st.tensors['v.w'].data[0] as number, 0.00031225, 0.00031225 * 1.2e-7);
});

/** Plain float64 scalar loop of torch.optim.AdamW for one element. */
function reference(p0: number, grads: number[], lr: number, wd: number, b1 = 0.9, b2 = 0.999, eps = 1e-8): number {
  let p = p0,
    m = 0,
    v = 0;
  for (let t = 1; t <= grads.length; t++) {
    const g = grads[t - 1];
    p = p * (1 - lr * wd);
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    p = p - ((lr / (1 - b1 ** t)) * m) / (Math.sqrt(v) / Math.sqrt(1 - b2 ** t) + eps);
  }
  return p;
}

function randomParams(r: Rng): NamedParam[] {
  return [
    { name: 'layer.weight', data: Float32Array.from({ length: 30 }, () => r.normal()) },
    { name: 'layer.bias', data: Float32Array.from({ length: 6 }, () => r.normal()) },
    { name: 'ln1.weight', data: Float32Array.from({ length: 6 }, () => 1 + 0.1 * r.normal()) },
  ];
}

const cases = [
  { what: 'torch defaults but lr 3e-3, wd 0.1', lr: 3e-3, wd: 0.1, betas: [0.9, 0.999] as const, eps: 1e-8, gradStd: 0.5 },
  // Small gradients and a large eps make the eps placement (outside the square root) visible.
  { what: 'betas 0.8/0.99, eps 1e-3, wd 0.05, tiny gradients', lr: 0.05, wd: 0.05, betas: [0.8, 0.99] as const, eps: 1e-3, gradStd: 1e-3 },
];

for (const c of cases) {
  test(`ten steps over random tensors match a plain scalar loop, noDecay params with wd 0 (${c.what})`, () => {
    const r = new Rng(11);
    const params = randomParams(r);
    const p0 = params.map((p) => [...p.data]);
    const opt = new AdamW(params, { lr: c.lr, weightDecay: c.wd, betas: c.betas, eps: c.eps });
    const history = params.map((p) => Array.from({ length: p.data.length }, () => [] as number[]));
    for (let step = 0; step < 10; step++) {
      const grads: Record<string, Float32Array> = {};
      params.forEach((p, k) => {
        const g = Float32Array.from({ length: p.data.length }, () => r.normal(0, c.gradStd));
        g.forEach((x, i) => history[k][i].push(x));
        grads[p.name] = g;
      });
      opt.step(grads);
    }
    params.forEach((p, k) => {
      const decay = k === 0 ? c.wd : 0; // layer.bias and ln1.weight are noDecay by default
      for (let i = 0; i < p.data.length; i++) {
        near(p.data[i], reference(p0[k][i], history[k][i], c.lr, decay, c.betas[0], c.betas[1], c.eps), 2e-6, `${p.name}[${i}]`);
      }
    });
  });
}

test('with zero gradients a noDecay parameter stays put and a decayed one shrinks by (1 − lr·wd) per step', () => {
  const w = Float32Array.from([2, -4]),
    b = Float32Array.from([3]);
  const opt = new AdamW(
    [
      { name: 'w', data: w },
      { name: 'b', data: b },
    ],
    { lr: 0.1, weightDecay: 0.5, noDecay: (n) => n === 'b' },
  );
  for (let i = 0; i < 3; i++) opt.step({ w: new Float32Array(2), b: new Float32Array(1) });
  near(w[0], 2 * 0.95 ** 3, 1e-6);
  near(w[1], -4 * 0.95 ** 3, 1e-6);
  assert.is(b[0], 3);
  assert.equal(opt.decayedNames(), ['w']);
});

test('the default noDecay covers biases and norm gains but not weight matrices', () => {
  for (const n of ['head.bias', 'blocks.0.ln1.weight', 'ln_f.weight', 'final_norm.weight', 'blocks.2.attn.LayerNorm.weight', 'mlp.gain'])
    assert.ok(defaultNoDecay(n), n);
  for (const n of ['head.weight', 'blocks.0.attn.qkv.weight', 'embed.weight', 'kiln.weight']) assert.not.ok(defaultNoDecay(n), n);
});

test('gradScale and a per-step lr act like pre-scaled gradients and a different lr', () => {
  const r = new Rng(3);
  const a = randomParams(r),
    b = a.map((p) => ({ ...p, data: p.data.slice() }));
  const oa = new AdamW(a, { lr: 1 }),
    ob = new AdamW(b, { lr: 1e-2 });
  const g = Object.fromEntries(a.map((p) => [p.name, Float32Array.from(p.data, () => r.normal())]));
  const halved = Object.fromEntries(Object.entries(g).map(([k, v]) => [k, v.map((x) => x / 2)]));
  oa.step(g, { lr: 1e-2, gradScale: 0.5 });
  ob.step(halved);
  a.forEach((p, k) => assert.equal([...p.data], [...b[k].data], p.name));
  assert.equal(
    [...g['layer.weight']].every((x, i) => x === halved['layer.weight'][i] * 2),
    true,
  ); // input untouched
});

test('state saved mid-run (through the checkpoint file) and loaded into a new optimizer continues identically', () => {
  const r = new Rng(8);
  const params = randomParams(r);
  const opt = new AdamW(params, { lr: 1e-2 });
  const grads = () => Object.fromEntries(params.map((p) => [p.name, Float32Array.from(p.data, () => r.normal())]));
  for (let i = 0; i < 5; i++) opt.step(grads());
  const copy = params.map((p) => ({ ...p, data: p.data.slice() }));
  const resumed = new AdamW(copy, { lr: 1e-2 });
  resumed.loadState(decodeOptimizerFile(encodeOptimizerFile(opt.state()), 'optimizer.safetensors'));
  assert.is(resumed.stepCount, 5);
  for (let i = 0; i < 5; i++) {
    const g = grads();
    opt.step(g);
    resumed.step(g);
  }
  params.forEach((p, k) => assert.equal([...copy[k].data], [...p.data], p.name));
});

test('loadState rejects a missing or wrong-sized moment and leaves the optimizer unchanged', () => {
  const opt = new AdamW([{ name: 'w', data: new Float32Array(2) }]);
  opt.step({ w: Float32Array.from([1, 1]) });
  const good = opt.state();
  const { ['v.w']: _drop, ...noV } = good.tensors;
  assert.throws(
    () => opt.loadState({ step: 9, tensors: noV }),
    (e: unknown) => e instanceof ShapeError && /missing "v\.w"/.test((e as Error).message),
  );
  assert.throws(
    () => opt.loadState({ step: 9, tensors: { ...good.tensors, 'm.w': { dtype: 'F32', shape: [3], data: new Float32Array(3) } } }),
    (e: unknown) => e instanceof ShapeError && /"m\.w" has 3 values, parameter has 2/.test((e as Error).message),
  );
  assert.throws(
    () => opt.loadState({ step: 9, tensors: { ...good.tensors, 'm.x': good.tensors['m.w'] } }),
    (e: unknown) => e instanceof ShapeError && /"m\.x" matches no parameter/.test((e as Error).message),
  );
  assert.is(opt.stepCount, 1);
  assert.equal([...opt.state().tensors['m.w'].data], [...good.tensors['m.w'].data]);
});

test('step names a missing, unknown or wrong-length gradient and applies nothing', () => {
  const w = Float32Array.from([1, 2]);
  const opt = new AdamW([{ name: 'w', data: w }]);
  assert.throws(
    () => opt.step({}),
    (e: unknown) => e instanceof ShapeError && /no gradient for parameter "w"/.test((e as Error).message),
  );
  assert.throws(
    () => opt.step({ w: new Float32Array(2), x: new Float32Array(1) }),
    (e: unknown) => e instanceof ShapeError && /gradient "x" matches no parameter/.test((e as Error).message),
  );
  assert.throws(
    () => opt.step({ w: new Float32Array(3) }),
    (e: unknown) => e instanceof ShapeError && /"w" has 3 values, parameter has 2/.test((e as Error).message),
  );
  assert.is(opt.stepCount, 0);
  assert.equal([...w], [1, 2]);
});

test('hyperparameters out of range are ConfigErrors naming the field', () => {
  const p = [{ name: 'w', data: new Float32Array(1) }];
  assert.throws(
    () => new AdamW(p, { betas: [0.9, 1] }),
    (e: unknown) => e instanceof ConfigError && /adamw\.betas\[1\]: must be in \[0, 1\), got 1/.test((e as Error).message),
  );
  assert.throws(
    () => new AdamW(p, { lr: -1 }),
    (e: unknown) => e instanceof ConfigError && (e as ConfigError).field === 'adamw.lr',
  );
  assert.throws(
    () => new AdamW(p, { eps: 0 }),
    (e: unknown) => e instanceof ConfigError && (e as ConfigError).field === 'adamw.eps',
  );
  assert.throws(
    () => new AdamW([...p, ...p]),
    (e: unknown) => e instanceof ConfigError && /duplicate parameter name "w"/.test((e as Error).message),
  );
});

test('state() tensors carry the parameter shape and are copies', () => {
  const opt = new AdamW([{ name: 'w', data: new Float32Array(6), shape: [2, 3] }]);
  opt.step({ w: Float32Array.from([1, 2, 3, 4, 5, 6]) });
  const st = opt.state();
  assert.equal(st.tensors['m.w'].shape, [2, 3]);
  (st.tensors['m.w'].data as Float32Array)[0] = 99;
  assert.is.not(opt.state().tensors['m.w'].data[0], 99);
});

test.run();
