/**
 * Building blocks the VJP rules share: summing a gradient back to a broadcast operand's shape,
 * element counts of reduced axes, and the backward-only ops (scatter-add, pad, split) that no
 * forward graph uses. Everything here emits ordinary ONNX nodes through the builder.
 */
import { ShapeError } from '../errors.js';
import type { GraphBuilder } from './graph.js';
import type { Tensor } from './graph-core.js';
import { broadcastAxes, formatShape } from './shape.js';
import type { Shape } from './shape.js';

/**
 * Sum `grad` (shape of the broadcast result) back to the shape of `operand`:
 * ReduceSum(keepdims) over the broadcast axes, then Squeeze the leading ones.
 * Example: operand (3,) added to (B, 2, 3) → sum over axes 0, 1, squeeze both.
 */
export function unbroadcast(g: GraphBuilder, grad: Tensor, operand: Tensor): Tensor {
  const { leading, ones } = broadcastAxes(operand.shape, grad.shape);
  if (leading.length === 0 && ones.length === 0) return grad;
  const summed = g.reduceSum(grad, [...leading, ...ones], true);
  return leading.length > 0 ? g.squeeze(summed, leading) : summed;
}

/** The number of elements in `x`'s `axes`, as a number when static, else a scalar of x's dtype. */
export function countOf(g: GraphBuilder, x: Tensor, axes: readonly number[]): number | Tensor {
  const dims = axes.map((a) => x.shape[a]);
  if (dims.every((d) => typeof d === 'number')) return (dims as number[]).reduce((p, d) => p * d, 1);
  const picked = g.cast(g.gather(g.shapeOf(x), g.ints(axes)), x.dtype);
  return g.emit('ReduceProd', [picked], { keepdims: { type: 'int', value: 0 } }, [{ dtype: x.dtype, shape: [] }])[0];
}

/** The run-time shape of `x` with its axes permuted by `perm` (a constant when static). */
export function permutedShape(g: GraphBuilder, x: Tensor, perm: readonly number[]): Tensor {
  const s = perm.map((p) => x.shape[p]);
  if (s.every((d) => typeof d === 'number')) return g.ints(s as number[]);
  return g.gather(g.shapeOf(x), g.ints(perm));
}

/** ScatterND with reduction "add" (opset 16): out = data; out[indices[i]] += updates[i]. */
export function scatterNDAdd(g: GraphBuilder, data: Tensor, indices: Tensor, updates: Tensor): Tensor {
  return g.emit('ScatterND', [data, indices, updates], { reduction: { type: 'string', value: 'add' } }, [data])[0];
}

/** ScatterElements with reduction "add" on `axis` (opset 16). */
export function scatterElementsAdd(g: GraphBuilder, data: Tensor, indices: Tensor, updates: Tensor, axis: number): Tensor {
  const attrs = { axis: { type: 'int' as const, value: axis }, reduction: { type: 'string' as const, value: 'add' } };
  return g.emit('ScatterElements', [data, indices, updates], attrs, [data])[0];
}

/** Zero-pad `x` by constant `pads` ([begin_0.., end_0..], ONNX order) to the static shape `to`. */
export function padZeros(g: GraphBuilder, x: Tensor, pads: readonly number[], to: Shape): Tensor {
  return g.emit('Pad', [x, g.ints(pads), g.scalar(0, x.dtype)], {}, [{ dtype: x.dtype, shape: to }])[0];
}

/** Split `x` on `axis` into pieces shaped like `parts` (run-time sizes when any is symbolic). */
export function splitLike(g: GraphBuilder, x: Tensor, axis: number, parts: readonly Tensor[]): Tensor[] {
  const sizes = parts.map((p) => p.shape[axis]);
  const split = sizes.every((d) => typeof d === 'number')
    ? g.ints(sizes as number[])
    : g.concat(
        parts.map((p) => g.gather(g.shapeOf(p), g.ints([axis]))),
        0,
      );
  return g.emit('Split', [x, split], { axis: { type: 'int', value: axis } }, parts);
}

/** Throws when a rule produced a gradient whose static shape differs from its tensor's. */
export function checkGradShape(t: Tensor, grad: Tensor, op: string): void {
  const same = grad.rank === t.rank && grad.shape.every((d, i) => d === t.shape[i]);
  if (!same) {
    throw new ShapeError(`gradient of ${t.name} through ${op} has shape ${formatShape(grad.shape)}, expected ${formatShape(t.shape)} (a VJP rule bug)`);
  }
}
