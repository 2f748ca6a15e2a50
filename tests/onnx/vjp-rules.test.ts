// Every VJP rule agrees with central finite differences in ORT, in float64 unless noted.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VJP_RULES } from '../../shared/onnx/index.js';
import { gradCheck } from './grad-check.js';
import type { GradCase } from './grad-check.js';

const pos = (n: number) => Array.from({ length: n }, (_, i) => 0.5 + ((i * 37) % 11) / 7); // in [0.5, 2]
const awayFromZero = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : -1) * (0.2 + ((i * 13) % 7) / 5));

const CASES: GradCase[] = [
  { name: 'Add, same shape', inputs: { a: { shape: [2, 3] }, b: { shape: [2, 3] } }, build: (g, t) => g.add(t.a, t.b) },
  { name: 'Add broadcasts (2,1,3) + (4,1) in both directions', inputs: { a: { shape: [2, 1, 3] }, b: { shape: [4, 1] } }, build: (g, t) => g.add(t.a, t.b) },
  { name: 'Add of a constant scalar', inputs: { a: { shape: [3] } }, build: (g, t) => g.add(t.a, 2.5) },
  { name: 'Sub broadcasts (2,3) − (2,1)', inputs: { a: { shape: [2, 3] }, b: { shape: [2, 1] } }, build: (g, t) => g.sub(t.a, t.b) },
  { name: 'Mul broadcasts (3,1) · (1,4)', inputs: { a: { shape: [3, 1] }, b: { shape: [1, 4] } }, build: (g, t) => g.mul(t.a, t.b) },
  { name: 'Mul of a tensor with itself (fan-out)', inputs: { a: { shape: [5] } }, build: (g, t) => g.mul(t.a, t.a) },
  { name: 'Div broadcasts (2,3) / (3,)', inputs: { a: { shape: [2, 3] }, b: { shape: [3], values: pos(3) } }, build: (g, t) => g.div(t.a, t.b) },
  { name: 'Max broadcasts (2,3) vs (3,)', inputs: { a: { shape: [2, 3] }, b: { shape: [3] } }, build: (g, t) => g.max(t.a, t.b) },
  { name: 'Min broadcasts (2,3) vs (2,1)', inputs: { a: { shape: [2, 3] }, b: { shape: [2, 1] } }, build: (g, t) => g.min(t.a, t.b) },
  { name: 'Neg', inputs: { x: { shape: [4] } }, build: (g, t) => g.neg(t.x) },
  { name: 'Exp', inputs: { x: { shape: [2, 3] } }, build: (g, t) => g.exp(t.x) },
  { name: 'Log of positives', inputs: { x: { shape: [6], values: pos(6) } }, build: (g, t) => g.log(t.x) },
  { name: 'Tanh', inputs: { x: { shape: [2, 3] } }, build: (g, t) => g.tanh(t.x) },
  { name: 'Sigmoid', inputs: { x: { shape: [2, 3] } }, build: (g, t) => g.sigmoid(t.x) },
  { name: 'Sqrt of positives', inputs: { x: { shape: [6], values: pos(6) } }, build: (g, t) => g.sqrt(t.x) },
  { name: 'Relu away from the kink', inputs: { x: { shape: [8], values: awayFromZero(8) } }, build: (g, t) => g.relu(t.x) },
  { name: 'Pow with exponent 3', inputs: { x: { shape: [5] } }, build: (g, t) => g.pow(t.x, 3) },
  { name: 'Pow with exponent 2', inputs: { x: { shape: [5] } }, build: (g, t) => g.pow(t.x, 2) },
  { name: 'Pow with exponent 0.5 of positives', inputs: { x: { shape: [5], values: pos(5) } }, build: (g, t) => g.pow(t.x, 0.5) },
  {
    name: 'Clip to [-0.5, 0.5] (values off the bounds)',
    inputs: { x: { shape: [8], values: [-1.2, -0.3, 0.1, 0.7, -0.8, 0.45, 2, -0.05] } },
    build: (g, t) => g.clip(t.x, -0.5, 0.5),
  },
  { name: 'Clip with only a lower bound', inputs: { x: { shape: [4], values: [-1, -0.2, 0.3, 1] } }, build: (g, t) => g.clip(t.x, 0) },
  {
    name: 'Where broadcasts cond (2,3), a (2,3), b (3,)',
    inputs: { c: { shape: [2, 3], dtype: 'bool', values: [1, 0, 1, 0, 0, 1] }, a: { shape: [2, 3] }, b: { shape: [3] } },
    build: (g, t) => g.where(t.c, t.a, t.b),
  },
  { name: 'Identity', inputs: { x: { shape: [3] } }, build: (g, t) => g.identity(t.x) },
  { name: 'MatMul (2,3) @ (3,4)', inputs: { a: { shape: [2, 3] }, b: { shape: [3, 4] } }, build: (g, t) => g.matmul(t.a, t.b) },
  { name: 'MatMul batched (2,2,3) @ weight (3,4)', inputs: { a: { shape: [2, 2, 3] }, b: { shape: [3, 4] } }, build: (g, t) => g.matmul(t.a, t.b) },
  {
    name: 'MatMul with a symbolic batch (B,2,3) @ (3,4)',
    inputs: { a: { shape: ['B', 2, 3], dims: [3, 2, 3] }, b: { shape: [3, 4] } },
    build: (g, t) => g.matmul(t.a, t.b),
  },
  {
    name: 'MatMul broadcasting batches (2,1,2,3) @ (3,3,2)',
    inputs: { a: { shape: [2, 1, 2, 3] }, b: { shape: [3, 3, 2] } },
    build: (g, t) => g.matmul(t.a, t.b),
  },
  { name: 'MatMul (3,4) @ batched (2,4,2)', inputs: { a: { shape: [3, 4] }, b: { shape: [2, 4, 2] } }, build: (g, t) => g.matmul(t.a, t.b) },
  { name: 'ReduceSum over axis 1', inputs: { x: { shape: [2, 3, 2] } }, build: (g, t) => g.reduceSum(t.x, [1]) },
  { name: 'ReduceSum over axes 0, 2 keeping dims', inputs: { x: { shape: [2, 3, 2] } }, build: (g, t) => g.reduceSum(t.x, [0, 2], true) },
  { name: 'ReduceSum over everything', inputs: { x: { shape: [2, 3] } }, build: (g, t) => g.reduceSum(t.x) },
  { name: 'ReduceMean over the last axis keeping dims', inputs: { x: { shape: [2, 4] } }, build: (g, t) => g.reduceMean(t.x, [-1], true) },
  { name: 'ReduceMean over everything', inputs: { x: { shape: [2, 3] } }, build: (g, t) => g.reduceMean(t.x) },
  { name: 'ReduceMean over a symbolic axis (count at run time)', inputs: { x: { shape: ['B', 3], dims: [4, 3] } }, build: (g, t) => g.reduceMean(t.x, [0]) },
  { name: 'Softmax over the last axis', inputs: { x: { shape: [2, 5] } }, build: (g, t) => g.softmax(t.x) },
  { name: 'Softmax over axis 0', inputs: { x: { shape: [3, 2] } }, build: (g, t) => g.softmax(t.x, 0) },
  { name: 'LogSoftmax over the last axis', inputs: { x: { shape: [2, 5] } }, build: (g, t) => g.logSoftmax(t.x) },
  { name: 'Transpose with perm [2, 0, 1]', inputs: { x: { shape: [2, 3, 4] } }, build: (g, t) => g.transpose(t.x, [2, 0, 1]) },
  { name: 'Reshape (2,3,4) → [0, -1]', inputs: { x: { shape: [2, 3, 4] } }, build: (g, t) => g.reshape(t.x, [0, -1]) },
  { name: 'Squeeze axis 1', inputs: { x: { shape: [3, 1, 2] } }, build: (g, t) => g.squeeze(t.x, [1]) },
  { name: 'Unsqueeze axes 0 and 2', inputs: { x: { shape: [3, 2] } }, build: (g, t) => g.unsqueeze(t.x, [0, 2]) },
  { name: 'Expand (3,1) to (2,3,4)', inputs: { x: { shape: [3, 1] }, like: { shape: [2, 3, 4] } }, wrt: ['x'], build: (g, t) => g.expandLike(t.x, t.like) },
  {
    name: 'Concat of three on axis 1',
    inputs: { a: { shape: [2, 1] }, b: { shape: [2, 3] }, c: { shape: [2, 2] } },
    build: (g, t) => g.concat([t.a, t.b, t.c], 1),
  },
  {
    name: 'Concat on a symbolic axis (split sizes at run time)',
    inputs: { a: { shape: ['T', 2], dims: [3, 2] }, b: { shape: ['S', 2], dims: [2, 2] } },
    build: (g, t) => g.concat([t.a, t.b], 0),
  },
  { name: 'Slice 1:3 of axis 1', inputs: { x: { shape: [2, 5] } }, build: (g, t) => g.slice(t.x, 1, 1, 3) },
  { name: 'Slice −2: of axis 0', inputs: { x: { shape: [4, 2] } }, build: (g, t) => g.slice(t.x, 0, -2) },
  { name: 'Slice 1: of a symbolic axis', inputs: { x: { shape: [2, 'T'], dims: [2, 4] } }, build: (g, t) => g.slice(t.x, 1, 1) },
  { name: 'Slice 0:−1 of a symbolic axis', inputs: { x: { shape: ['T', 3], dims: [4, 3] } }, build: (g, t) => g.slice(t.x, 0, 0, -1) },
  {
    name: 'Gather rows (embedding) with repeated indices',
    inputs: { e: { shape: [5, 3] }, i: { shape: [2, 3], dtype: 'int64', values: [0, 4, 4, 2, 0, 4] } },
    build: (g, t) => g.gather(t.e, t.i),
  },
  {
    name: 'Gather on axis 1 with 2-D indices',
    inputs: { x: { shape: [2, 4, 3] }, i: { shape: [2, 2], dtype: 'int64', values: [3, 1, 1, 0] } },
    build: (g, t) => g.gather(t.x, t.i, 1),
  },
  {
    name: 'GatherElements on the last axis with repeated indices',
    inputs: { x: { shape: [2, 4] }, i: { shape: [2, 3], dtype: 'int64', values: [1, 1, 3, 0, 2, 2] } },
    build: (g, t) => g.gatherElements(t.x, t.i, -1),
  },
  { name: 'GELU (composite)', inputs: { x: { shape: [2, 4] } }, build: (g, t) => g.gelu(t.x) },
  {
    name: 'LayerNorm with gamma and beta (composite)',
    inputs: { x: { shape: [2, 3, 4] }, gamma: { shape: [4] }, beta: { shape: [4] } },
    build: (g, t) => g.layerNorm(t.x, t.gamma, t.beta),
  },
];

const seenOps = new Set<string>();

for (const c of CASES) {
  test(`${c.name}: gradient matches finite differences`, async () => {
    const r = await gradCheck(c);
    for (const op of r.ops) seenOps.add(op);
    for (const [k, e] of Object.entries(r.relErr)) assert.ok(e < 1e-7, `∂/∂${k}: relative error ${e}`);
  });
}

// Cast crosses precisions on purpose, so the check runs at float32 precision with a looser bound.
test('Cast float32 → float64 → float32: gradient matches finite differences (float32, loose tolerance)', async () => {
  const r = await gradCheck({
    name: 'cast',
    dtype: 'float32',
    inputs: { x: { shape: [2, 3] } },
    build: (g, t) => g.cast(g.exp(g.cast(t.x, 'float64')), 'float32'),
  });
  for (const op of r.ops) seenOps.add(op);
  assert.ok(r.relErr.x < 1e-3, `relative error ${r.relErr.x}`);
});

test('a float32 graph also matches finite differences within float32 precision', async () => {
  const r = await gradCheck({
    name: 'f32',
    dtype: 'float32',
    inputs: { a: { shape: [2, 3] }, b: { shape: [3, 2] } },
    build: (g, t) => g.softmax(g.tanh(g.matmul(t.a, t.b))),
  });
  for (const [k, e] of Object.entries(r.relErr)) assert.ok(e < 1e-2, `∂/∂${k}: relative error ${e}`);
});

test('every VJP rule in the registry is exercised by a gradient check above', () => {
  const missing = Object.keys(VJP_RULES).filter((op) => !seenOps.has(op));
  assert.equal(missing, []);
});

test.run();
