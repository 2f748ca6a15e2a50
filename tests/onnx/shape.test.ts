// Static shape rules of the builder: broadcasting, reshape inference, and the errors for bad graphs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, ShapeError } from '../../shared/errors.js';
import { DTypeError, GraphBuilder } from '../../shared/onnx/index.js';
import { broadcastAxes, broadcastShapes, reshapeShape } from '../../shared/onnx/shape.js';

function throwsAs(fn: () => unknown, cls: new (...a: never[]) => Error, re: RegExp) {
  try {
    fn();
  } catch (e) {
    assert.instance(e, cls);
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable('expected an error');
}

const BROADCAST: [string, (number | string)[][], (number | string)[]][] = [
  [
    'right-aligned with size-1 dims',
    [
      [2, 1, 3],
      [4, 1],
    ],
    [2, 4, 3],
  ],
  ['a scalar', [[], [3, 2]], [3, 2]],
  [
    'a symbol against 1',
    [
      ['B', 1],
      [1, 5],
    ],
    ['B', 5],
  ],
  ['equal symbols', [['B', 'T'], ['T']], ['B', 'T']],
];
for (const [name, inputs, want] of BROADCAST) {
  test(`broadcast: ${name}`, () => assert.equal(broadcastShapes('t', ...inputs), want));
}

test('broadcast: different symbols or sizes on one axis are a ShapeError', () => {
  throwsAs(() => broadcastShapes('Add', ['B'], ['T']), ShapeError, /Add: shapes \['B'\] and \['T'\] do not broadcast at axis 0/);
  throwsAs(() => broadcastShapes('Add', [2, 3], [4, 3]), ShapeError, /do not broadcast/);
});

test('broadcastAxes lists the leading axes and the size-1 axes a gradient sums over', () => {
  assert.equal(broadcastAxes([3], [2, 4, 3]), { leading: [0, 1], ones: [] });
  assert.equal(broadcastAxes([4, 1], [2, 4, 3]), { leading: [0], ones: [2] });
  assert.equal(broadcastAxes(['B', 3], ['B', 3]), { leading: [], ones: [] });
});

const RESHAPE: [string, (number | string)[], number[], (number | string)[]][] = [
  ['-1 takes the rest', [2, 3, 4], [-1, 4], [6, 4]],
  ['0 copies a dim', [2, 3, 4], [0, -1], [2, 12]],
  ['symbols multiply', ['B', 'T', 8], [-1, 8], ['B*T', 8]],
  ['symbols cancel', ['B', 'T', 8], [0, -1], ['B', '8*T']],
  ['splitting a fixed dim into heads keeps symbols', ['B', 'T', 8], [0, 0, 2, 4], ['B', 'T', 2, 4]],
];
for (const [name, input, target, want] of RESHAPE) {
  test(`reshape: ${name}`, () => assert.equal(reshapeShape(input, target), want));
}

test('reshape: element counts that cannot match are a ShapeError', () => {
  throwsAs(() => reshapeShape([2, 3], [4, -1]), ShapeError, /6 is not divisible by 4/);
  throwsAs(() => reshapeShape([2, 3], [-1, -1]), ShapeError, /at most one -1/);
  throwsAs(() => reshapeShape(['B', 3], [3, 'T' as never]), ShapeError, /integers >= -1/);
});

test('MatMul with different inner dims names both shapes', () => {
  const g = new GraphBuilder();
  throwsAs(() => g.matmul(g.input('a', [2, 3]), g.input('b', [4, 5])), ShapeError, /MatMul: inner dims differ, \[2, 3\] @ \[4, 5\] \(3 vs 4\)/);
});

test('mixing float32 and float64 operands is a DTypeError', () => {
  const g = new GraphBuilder({ dtype: 'float32' });
  throwsAs(() => g.add(g.input('a', [2]), g.input('b', [2], 'float64')), DTypeError, /Add: operand dtypes differ/);
  throwsAs(() => g.exp(g.input('i', [2], 'int64')), DTypeError, /Exp: needs float32 or float64/);
});

test('squeezing an axis that is not 1 and gathering with float indices are refused', () => {
  const g = new GraphBuilder();
  const x = g.input('x', [2, 3]);
  throwsAs(() => g.squeeze(x, [1]), ShapeError, /axis 1 .* has size 3, not 1/);
  throwsAs(() => g.gather(x, g.input('i', [2])), DTypeError, /indices must be int64 or int32/);
  throwsAs(() => g.softmax(x, 2), ShapeError, /axis 2 is out of range for rank 2/);
});

test('names are unique within a graph and params need fixed shapes', () => {
  const g = new GraphBuilder();
  g.input('x', [2]);
  throwsAs(() => g.param('x', [2]), ConfigError, /name "x" is already used/);
  throwsAs(() => g.param('w', ['D', 2]), ShapeError, /param w: shape must be fixed/);
  throwsAs(() => new GraphBuilder({ dtype: 'float16' as never }), ConfigError, /dtype: must be 'float32' or 'float64'/);
});

test('baking an unknown param or one of the wrong size is refused', () => {
  const g = new GraphBuilder();
  const w = g.param('w', [2, 2]);
  g.output('y', g.mul(w, 2));
  throwsAs(() => g.toModel({ bakedParams: { v: new Float32Array(4) } }), ConfigError, /"v" is not a param of this graph; params: w/);
  throwsAs(() => g.toModel({ bakedParams: { w: new Float32Array(3) } }), ShapeError, /bakedParams.w: expected float32 with 4 values/);
});

test('output shapes are tracked through a small chain', () => {
  const g = new GraphBuilder();
  const x = g.input('x', ['B', 'T', 8]);
  const y = g.transpose(g.reshape(x, [0, 0, 2, 4]), [0, 2, 1, 3]);
  assert.equal(y.shape, ['B', 2, 'T', 4]);
  assert.equal(g.reduceSum(y, [1, 3], true).shape, ['B', 1, 'T', 1]);
  assert.equal(g.slice(x, 1, 1).shape, ['B', 'T[1:]', 8]);
  assert.equal(g.concat([x, x], 2).shape, ['B', 'T', 16]);
  assert.equal(g.gather(g.input('e', [10, 8]), g.input('tok', ['B', 'T'], 'int64')).shape, ['B', 'T', 8]);
});

test.run();
