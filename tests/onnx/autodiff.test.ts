// addGradients: fan-out accumulation, pruning, zeros for unused params, and its errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, ShapeError } from '../../shared/errors.js';
import { GraphBuilder, UnsupportedOpError, addGradients } from '../../shared/onnx/index.js';
import { createSession } from '../../shared/onnx/runtime.js';

test('a tensor used three times gets the sum of the three contributions', async () => {
  // L = Σ (x·x + 3x) → ∂L/∂x = 2x + 3
  const g = new GraphBuilder({ dtype: 'float64' });
  const x = g.param('x', [4]);
  const loss = g.reduceSum(g.add(g.mul(x, x), g.mul(x, 3)));
  g.output('dx', addGradients(g, loss, [x]).get(x)!);
  const s = await createSession(g.toModel());
  const xs = [0.5, -1, 2, 0];
  const dx = (await s.run({ x: { data: Float64Array.from(xs), dims: [4] } })).dx.data;
  assert.equal(
    Array.from(dx as Float64Array),
    xs.map((v) => 2 * v + 3),
  );
});

test('a param the loss does not depend on gets zeros of its shape', async () => {
  const g = new GraphBuilder({ dtype: 'float64' });
  const w = g.param('w', [2]);
  const unused = g.param('unused', [3, 2]);
  const grads = addGradients(g, g.reduceSum(g.exp(w)), [w, unused]);
  g.output('du', grads.get(unused)!);
  const s = await createSession(g.toModel());
  const du = (await s.run({ w: { data: new Float64Array(2), dims: [2] }, unused: { data: new Float64Array(6).fill(1), dims: [3, 2] } })).du;
  assert.equal(du.dims, [3, 2]);
  assert.equal(Array.from(du.data as Float64Array), [0, 0, 0, 0, 0, 0]);
});

test('no gradient is built for inputs that were not asked for (one MatMul for dW, none for dx)', () => {
  const g = new GraphBuilder();
  const x = g.input('x', [4, 3]);
  const w = g.param('w', [3, 2]);
  const loss = g.reduceSum(g.matmul(x, w));
  const before = g.nodes.length;
  addGradients(g, loss, [w]);
  assert.is(g.nodes.slice(before).filter((n) => n.op === 'MatMul').length, 1);
});

test('a path through an op without a rule is an UnsupportedOpError naming the op', () => {
  const g = new GraphBuilder();
  const w = g.param('w', [2]);
  const [floored] = g.emit('Floor', [w], {}, [w]);
  try {
    addGradients(g, g.reduceSum(floored), [w]);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, UnsupportedOpError);
    assert.is((e as UnsupportedOpError).op, 'Floor');
    assert.match((e as Error).message, /no gradient rule for op "Floor" \(node _n_Floor_\d+\); ops with rules: Identity, Add/);
  }
});

test('an op without a rule is fine when no requested param flows through it', () => {
  const g = new GraphBuilder();
  const x = g.input('x', [2]);
  const w = g.param('w', [2]);
  const [floored] = g.emit('Floor', [x], {}, [x]);
  assert.is(addGradients(g, g.reduceSum(g.mul(floored, w)), [w]).size, 1);
});

test('the loss must be a float with one element and params must be float', () => {
  const g = new GraphBuilder();
  const w = g.param('w', [2]);
  assert.throws(
    () => addGradients(g, w, [w]),
    (e: unknown) => e instanceof ShapeError && /loss must be a float scalar/.test((e as Error).message),
  );
  const i = g.input('i', [], 'int64');
  assert.throws(
    () => addGradients(g, g.reduceSum(w), [i]),
    (e: unknown) => e instanceof ConfigError && /i is int64/.test((e as Error).message),
  );
});

test('a loss of shape [1, 1] is accepted', async () => {
  const g = new GraphBuilder({ dtype: 'float64' });
  const w = g.param('w', [1, 3]);
  g.output('dw', addGradients(g, g.reduceSum(w, [1], true), [w]).get(w)!);
  const s = await createSession(g.toModel());
  assert.equal(Array.from((await s.run({ w: { data: new Float64Array(3), dims: [1, 3] } })).dw.data as Float64Array), [1, 1, 1]);
});

test.run();
