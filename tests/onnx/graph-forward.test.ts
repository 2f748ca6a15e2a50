// Each op built by the IR, run in a real ORT session, equals a plain-JS reference loop.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../shared/rng.js';
import { GraphBuilder } from '../../shared/onnx/index.js';
import type { DType, FloatDType, Tensor } from '../../shared/onnx/index.js';
import { createSession } from '../../shared/onnx/runtime.js';
import { hostArray } from './grad-check.js';
import * as ref from './reference.js';
import type { Nd } from './reference.js';

interface FwdCase {
  readonly name: string;
  readonly inputs: Record<string, { shape: number[]; values?: number[]; dtype?: DType }>;
  readonly build: (g: GraphBuilder, t: Record<string, Tensor>) => Tensor;
  readonly ref: (x: Record<string, Nd>) => Nd;
}

const geluTanh = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
const sig = (v: number) => 1 / (1 + Math.exp(-v));
const posVals = (n: number) => Array.from({ length: n }, (_, i) => 0.3 + i * 0.25);

const CASES: FwdCase[] = [
  {
    name: 'Add broadcasting (2,1,3)+(4,1)',
    inputs: { a: { shape: [2, 1, 3] }, b: { shape: [4, 1] } },
    build: (g, t) => g.add(t.a, t.b),
    ref: (x) => ref.map([x.a, x.b], (a, b) => a + b),
  },
  { name: 'Sub', inputs: { a: { shape: [2, 3] }, b: { shape: [3] } }, build: (g, t) => g.sub(t.a, t.b), ref: (x) => ref.map([x.a, x.b], (a, b) => a - b) },
  { name: 'Mul by a scalar', inputs: { a: { shape: [2, 3] } }, build: (g, t) => g.mul(t.a, -1.5), ref: (x) => ref.map([x.a], (a) => a * -1.5) },
  {
    name: 'Div',
    inputs: { a: { shape: [2, 3] }, b: { shape: [2, 1], values: [2, -4] } },
    build: (g, t) => g.div(t.a, t.b),
    ref: (x) => ref.map([x.a, x.b], (a, b) => a / b),
  },
  {
    name: 'Min and Max',
    inputs: { a: { shape: [2, 3] }, b: { shape: [3] } },
    build: (g, t) => g.sub(g.max(t.a, t.b), g.min(t.a, t.b)),
    ref: (x) => ref.map([x.a, x.b], (a, b) => Math.abs(a - b)),
  },
  { name: 'Neg', inputs: { a: { shape: [4] } }, build: (g, t) => g.neg(t.a), ref: (x) => ref.map([x.a], (a) => -a) },
  { name: 'Exp', inputs: { a: { shape: [4] } }, build: (g, t) => g.exp(t.a), ref: (x) => ref.map([x.a], Math.exp) },
  { name: 'Log', inputs: { a: { shape: [4], values: posVals(4) } }, build: (g, t) => g.log(t.a), ref: (x) => ref.map([x.a], Math.log) },
  { name: 'Tanh', inputs: { a: { shape: [4] } }, build: (g, t) => g.tanh(t.a), ref: (x) => ref.map([x.a], Math.tanh) },
  { name: 'Relu', inputs: { a: { shape: [6] } }, build: (g, t) => g.relu(t.a), ref: (x) => ref.map([x.a], (a) => Math.max(0, a)) },
  { name: 'Sigmoid', inputs: { a: { shape: [6] } }, build: (g, t) => g.sigmoid(t.a), ref: (x) => ref.map([x.a], sig) },
  { name: 'Sqrt', inputs: { a: { shape: [4], values: posVals(4) } }, build: (g, t) => g.sqrt(t.a), ref: (x) => ref.map([x.a], Math.sqrt) },
  { name: 'Pow 3', inputs: { a: { shape: [4] } }, build: (g, t) => g.pow(t.a, 3), ref: (x) => ref.map([x.a], (a) => a ** 3) },
  { name: 'GELU (tanh approximation)', inputs: { a: { shape: [2, 4] } }, build: (g, t) => g.gelu(t.a), ref: (x) => ref.map([x.a], geluTanh) },
  {
    name: 'Clip',
    inputs: { a: { shape: [6] } },
    build: (g, t) => g.clip(t.a, -0.5, 0.25),
    ref: (x) => ref.map([x.a], (a) => Math.min(0.25, Math.max(-0.5, a))),
  },
  {
    name: 'Where with a comparison mask',
    inputs: { a: { shape: [2, 3] }, b: { shape: [3] } },
    build: (g, t) => g.where(g.greater(t.a, t.b), t.a, 0),
    ref: (x) => ref.map([x.a, x.b], (a, b) => (a > b ? a : 0)),
  },
  { name: 'MatMul', inputs: { a: { shape: [3, 4] }, b: { shape: [4, 2] } }, build: (g, t) => g.matmul(t.a, t.b), ref: (x) => ref.matmul(x.a, x.b) },
  {
    name: 'MatMul batched with broadcast',
    inputs: { a: { shape: [2, 1, 2, 3] }, b: { shape: [3, 3, 2] } },
    build: (g, t) => g.matmul(t.a, t.b),
    ref: (x) => ref.matmul(x.a, x.b),
  },
  {
    name: 'ReduceSum axes [0, 2]',
    inputs: { a: { shape: [2, 3, 2] } },
    build: (g, t) => g.reduceSum(t.a, [0, 2]),
    ref: (x) => ref.reduce(x.a, [0, 2], false, false),
  },
  {
    name: 'ReduceMean last axis keepdims',
    inputs: { a: { shape: [2, 3] } },
    build: (g, t) => g.reduceMean(t.a, [-1], true),
    ref: (x) => ref.reduce(x.a, [1], true, true),
  },
  { name: 'Softmax', inputs: { a: { shape: [2, 5] } }, build: (g, t) => g.softmax(t.a), ref: (x) => ref.softmaxLast(x.a) },
  { name: 'LogSoftmax', inputs: { a: { shape: [2, 5] } }, build: (g, t) => g.logSoftmax(t.a), ref: (x) => ref.softmaxLast(x.a, true) },
  {
    name: 'LayerNorm',
    inputs: { a: { shape: [2, 4] } },
    build: (g, t) => g.layerNorm(t.a),
    ref: (x) => {
      const out: number[] = [];
      for (let r = 0; r < 2; r++) {
        const row = x.a.data.slice(r * 4, r * 4 + 4);
        const mu = row.reduce((s, v) => s + v, 0) / 4;
        const v = row.reduce((s, q) => s + (q - mu) ** 2, 0) / 4;
        out.push(...row.map((q) => (q - mu) / Math.sqrt(v + 1e-5)));
      }
      return { data: out, shape: [2, 4] };
    },
  },
  { name: 'Transpose', inputs: { a: { shape: [2, 3, 4] } }, build: (g, t) => g.transpose(t.a, [1, 2, 0]), ref: (x) => ref.transpose(x.a, [1, 2, 0]) },
  { name: 'Reshape [0, -1]', inputs: { a: { shape: [2, 3, 2] } }, build: (g, t) => g.reshape(t.a, [0, -1]), ref: (x) => ({ data: x.a.data, shape: [2, 6] }) },
  { name: 'Unsqueeze then Squeeze', inputs: { a: { shape: [2, 3] } }, build: (g, t) => g.squeeze(g.unsqueeze(t.a, [1]), [1]), ref: (x) => x.a },
  {
    name: 'Concat axis 1',
    inputs: { a: { shape: [2, 1] }, b: { shape: [2, 3] } },
    build: (g, t) => g.concat([t.a, t.b], 1),
    ref: (x) => ref.concatAxis([x.a, x.b], 1),
  },
  { name: 'Slice 1:3 of axis 1', inputs: { a: { shape: [2, 5] } }, build: (g, t) => g.slice(t.a, 1, 1, 3), ref: (x) => ref.sliceAxis(x.a, 1, 1, 3) },
  { name: 'Slice −2: of axis 0', inputs: { a: { shape: [4, 2] } }, build: (g, t) => g.slice(t.a, 0, -2), ref: (x) => ref.sliceAxis(x.a, 0, 2, 4) },
  {
    name: 'Gather rows',
    inputs: { e: { shape: [4, 3] }, i: { shape: [2, 2], dtype: 'int64', values: [3, 0, 3, 1] } },
    build: (g, t) => g.gather(t.e, t.i),
    ref: (x) => ref.gatherRows(x.e, x.i.data, [2, 2]),
  },
  {
    name: 'GatherElements on the last axis',
    inputs: { a: { shape: [2, 4] }, i: { shape: [2, 2], dtype: 'int64', values: [3, 0, 1, 1] } },
    build: (g, t) => g.gatherElements(t.a, t.i),
    ref: (x) => ref.gatherLast(x.a, x.i.data, [2, 2]),
  },
];

async function runCase(c: FwdCase, dtype: FloatDType): Promise<{ got: ArrayLike<number>; dims: readonly number[]; want: Nd }> {
  const rng = new Rng(11);
  const g = new GraphBuilder({ dtype });
  const t: Record<string, Tensor> = {};
  const feeds: Record<string, { data: ReturnType<typeof hostArray>; dims: number[] }> = {};
  const nd: Record<string, Nd> = {};
  for (const [name, spec] of Object.entries(c.inputs)) {
    const vals = spec.values ?? Array.from({ length: ref.size(spec.shape) }, () => rng.normal());
    const dt = spec.dtype ?? dtype;
    t[name] = g.input(name, spec.shape, dt);
    feeds[name] = { data: hostArray(dt, vals), dims: spec.shape };
    nd[name] = { data: Array.from(feeds[name].data, Number), shape: spec.shape };
  }
  g.output('out', c.build(g, t));
  const s = await createSession(g.toModel());
  const out = (await s.run(feeds)).out;
  return { got: out.data as Float64Array, dims: out.dims, want: c.ref(nd) };
}

for (const c of CASES) {
  test(`${c.name} equals the JS reference in float64`, async () => {
    const { got, dims, want } = await runCase(c, 'float64');
    assert.equal(Array.from(dims), want.shape);
    assert.ok(ref.maxAbsDiff(got, want.data) < 1e-12, `max |diff| ${ref.maxAbsDiff(got, want.data)}`);
  });
}

for (const c of CASES.filter((k) => ['MatMul', 'Softmax', 'GELU (tanh approximation)', 'LayerNorm', 'Gather rows'].includes(k.name))) {
  test(`${c.name} equals the JS reference in float32 to float32 precision`, async () => {
    const { got, want } = await runCase(c, 'float32');
    assert.ok(ref.maxAbsDiff(got, want.data) < 1e-5, `max |diff| ${ref.maxAbsDiff(got, want.data)}`);
  });
}

test('a symbolic batch dim is fed at several sizes by one session', async () => {
  const g = new GraphBuilder({ dtype: 'float64' });
  const x = g.input('x', ['B', 2]);
  g.output('y', g.reduceSum(x, [1]));
  const s = await createSession(g.toModel());
  for (const b of [1, 3, 7]) {
    const data = Float64Array.from({ length: 2 * b }, (_, i) => i);
    const y = (await s.run({ x: { data, dims: [b, 2] } })).y;
    assert.equal(
      Array.from(y.data as Float64Array),
      Array.from({ length: b }, (_, i) => 4 * i + 1),
    );
  }
});

test.run();
