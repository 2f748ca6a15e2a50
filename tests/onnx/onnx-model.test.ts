// Hand-written ONNX messages load in ONNX Runtime and compute what their attributes say,
// which checks the field numbers and wire types of every message and attribute kind.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ShapeError } from '../../shared/errors.js';
import { encodeModel } from '../../shared/onnx/onnx-model.js';
import type { GraphDef } from '../../shared/onnx/onnx-model.js';
import { createSession } from '../../shared/onnx/runtime.js';

const model = (graph: GraphDef) => encodeModel({ graph });

test('every attribute kind (INT, INTS, FLOAT, FLOATS, STRING, TENSOR) reaches ORT intact', async () => {
  // x (2,3) → Transpose(perm=[1,0]) → LeakyRelu(alpha=0.5) → + Constant(value_floats=[10, 20])
  //   → Pad(mode="edge", pads [0,1,0,0]) → ReduceSum(axes=[1] as a TENSOR-attribute Constant, keepdims=0)
  const bytes = model({
    name: 'attrs',
    nodes: [
      { opType: 'Transpose', inputs: ['x'], outputs: ['t'], attributes: { perm: { type: 'ints', value: [1, 0] } } },
      { opType: 'LeakyRelu', inputs: ['t'], outputs: ['l'], attributes: { alpha: { type: 'float', value: 0.5 } } },
      { opType: 'Constant', inputs: [], outputs: ['c'], attributes: { value_floats: { type: 'floats', value: [10, 20] } } },
      { opType: 'Add', inputs: ['l', 'c'], outputs: ['a'] },
      { opType: 'Pad', inputs: ['a', 'pads'], outputs: ['p'], attributes: { mode: { type: 'string', value: 'edge' } } },
      { opType: 'Constant', inputs: [], outputs: ['axes'], attributes: { value: { type: 'tensor', value: { dims: [1], data: new BigInt64Array([1n]) } } } },
      { opType: 'ReduceSum', inputs: ['p', 'axes'], outputs: ['y'], attributes: { keepdims: { type: 'int', value: 0 } } },
    ],
    initializers: [{ name: 'pads', dims: [4], data: new BigInt64Array([0n, 1n, 0n, 0n]) }],
    inputs: [{ name: 'x', dtype: 'float32', shape: [2, 3] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: [3] }],
  });
  const s = await createSession(bytes);
  const x = [1, -2, 3, -4, 5, -6]; // rows [1,-2,3], [-4,5,-6]
  const y = (await s.run({ x: { data: Float32Array.from(x), dims: [2, 3] } })).y;
  // transposed rows: [1,-4], [-2,5], [3,-6]; leaky: [1,-2], [-1,5], [3,-3]; +[10,20]: [11,18], [9,25], [13,17]
  // edge pad one column in front: [11,11,18] ... ; row sums:
  assert.equal(Array.from(y.data as Float32Array), [40, 43, 43]);
});

test('initializers of every dtype round-trip through raw_data unchanged', async () => {
  const inits = [
    { name: 'f32', dims: [2], data: new Float32Array([1.5, -0.1]) },
    { name: 'f64', dims: [2], data: new Float64Array([Math.PI, -1e-300]) },
    { name: 'i64', dims: [2], data: new BigInt64Array([-(2n ** 62n), 7n]) },
    { name: 'i32', dims: [2], data: new Int32Array([-5, 2 ** 30]) },
    { name: 'b', dims: [3], data: new Uint8Array([1, 0, 1]) },
  ];
  const s = await createSession(
    model({
      name: 'inits',
      nodes: inits.map((t) => ({ opType: 'Identity', inputs: [t.name], outputs: [`out_${t.name}`] })),
      initializers: inits,
      inputs: [],
      outputs: [
        { name: 'out_f32', dtype: 'float32', shape: [2] },
        { name: 'out_f64', dtype: 'float64', shape: [2] },
        { name: 'out_i64', dtype: 'int64', shape: [2] },
        { name: 'out_i32', dtype: 'int32', shape: [2] },
        { name: 'out_b', dtype: 'bool', shape: [3] },
      ],
    }),
  );
  const r = await s.run({});
  for (const t of inits) assert.equal(Array.from(r[`out_${t.name}`].data as ArrayLike<unknown>), Array.from(t.data as ArrayLike<unknown>), t.name);
});

test('a scalar output has an empty shape and symbolic / unknown input dims accept any size', async () => {
  const s = await createSession(
    model({
      name: 'dims',
      nodes: [{ opType: 'ReduceSum', inputs: ['x'], outputs: ['y'], attributes: { keepdims: { type: 'int', value: 0 } } }],
      initializers: [],
      inputs: [{ name: 'x', dtype: 'float64', shape: ['N', null] }],
      outputs: [{ name: 'y', dtype: 'float64', shape: [] }],
    }),
  );
  for (const [n, m] of [
    [1, 4],
    [3, 2],
  ]) {
    const y = (await s.run({ x: { data: new Float64Array(n * m).fill(0.5), dims: [n, m] } })).y;
    assert.equal(y.dims, []);
    assert.is(y.data[0], (n * m) / 2);
  }
});

test('the header holds ir_version 8 first and the default-domain opset 17 import', () => {
  const bytes = encodeModel({ graph: { name: 'g', nodes: [], initializers: [], inputs: [], outputs: [] } });
  assert.equal(Array.from(bytes.subarray(0, 2)), [0x08, 0x08]);
  assert.equal(Array.from(bytes.subarray(bytes.length - 6)), [0x42, 0x04, 0x0a, 0x00, 0x10, 0x11]);
  const v9 = encodeModel({ irVersion: 9, opsetVersion: 18, graph: { name: 'g', nodes: [], initializers: [], inputs: [], outputs: [] } });
  assert.equal(Array.from(v9.subarray(0, 2)), [0x08, 0x09]);
  assert.equal(Array.from(v9.subarray(v9.length - 2)), [0x10, 0x12]);
});

test('a tensor whose data length disagrees with its dims is a ShapeError naming it', () => {
  const bad = { name: 'w', dims: [2, 2], data: new Float32Array(3) };
  try {
    encodeModel({ graph: { name: 'g', nodes: [], initializers: [bad], inputs: [], outputs: [] } });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, ShapeError);
    assert.match((e as Error).message, /tensor w: dims \[2, 2\] hold 4 elements but data has 3/);
  }
});

test.run();
