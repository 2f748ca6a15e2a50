/**
 * Vector-Jacobian product rules, one per ONNX op, keyed by op_type (like verl's estimator
 * registry). A rule receives the node, the gradient `gy` of its (single) output and which
 * inputs need a gradient, and returns one gradient per input (undefined = none / not needed).
 * Each rule emits ordinary ONNX nodes through the builder, so the backward pass is part of
 * the same graph. Notation: x, a, b inputs; y output; gy = ∂L/∂y.
 */
import { ShapeError } from '../errors.js';
import { isFloat } from './dtypes.js';
import { SLICE_END } from './graph.js';
import type { GraphBuilder } from './graph.js';
import type { Node, Tensor } from './graph-core.js';
import { countOf, padZeros, permutedShape, scatterElementsAdd, scatterNDAdd, splitLike, unbroadcast } from './vjp-helpers.js';

export type VjpRule = (g: GraphBuilder, node: Node, gy: Tensor, needs: readonly boolean[]) => (Tensor | undefined)[];

const inp = (n: Node, i: number): Tensor => n.inputs[i]!;
const out = (n: Node): Tensor => n.outputs[0];
/** An INT attribute, or ONNX's default for it when absent. */
const intAttr = (n: Node, name: string, dflt = 0): number => {
  const a = n.attrs[name];
  return a !== undefined && a.type === 'int' ? Number(a.value) : dflt;
};
const intsAttr = (n: Node, name: string): number[] => {
  const a = n.attrs[name];
  return a !== undefined && a.type === 'ints' ? a.value.map(Number) : [];
};
/** Values of a constant int64 input (axes, starts, ...); gradients need them fixed at build time. */
const constInts = (n: Node, i: number): number[] => {
  const v = inp(n, i).value;
  if (v === undefined) throw new ShapeError(`${n.op} ${n.name}: gradient needs input ${i} (${inp(n, i).name}) to be a constant`);
  return Array.from(v, Number);
};
const swapLast = (rank: number): number[] => [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
const invert = (perm: readonly number[]): number[] => perm.map((_, i) => perm.indexOf(i));

/** d/dx of an elementwise op whose local derivative is `dydx` (same shape as y). */
const elementwise =
  (dydx: (g: GraphBuilder, n: Node) => Tensor): VjpRule =>
  (g, n, gy) => [g.mul(gy, dydx(g, n))];

/** Max/Min: the gradient goes to the operand that was picked (ties go to `a`). */
const select =
  (pickA: (g: GraphBuilder, a: Tensor, b: Tensor) => Tensor): VjpRule =>
  (g, n, gy, needs) => {
    const a = inp(n, 0),
      b = inp(n, 1);
    const m = pickA(g, a, b);
    return [needs[0] ? unbroadcast(g, g.where(m, gy, 0), a) : undefined, needs[1] ? unbroadcast(g, g.where(m, 0, gy), b) : undefined];
  };

export const VJP_RULES: Readonly<Record<string, VjpRule>> = Object.freeze({
  Identity: (_g, _n, gy) => [gy],
  Add: (g, n, gy, needs) => [needs[0] ? unbroadcast(g, gy, inp(n, 0)) : undefined, needs[1] ? unbroadcast(g, gy, inp(n, 1)) : undefined],
  Sub: (g, n, gy, needs) => [needs[0] ? unbroadcast(g, gy, inp(n, 0)) : undefined, needs[1] ? unbroadcast(g, g.neg(gy), inp(n, 1)) : undefined],
  // y = a·b: da = gy·b, db = gy·a
  Mul: (g, n, gy, needs) => [
    needs[0] ? unbroadcast(g, g.mul(gy, inp(n, 1)), inp(n, 0)) : undefined,
    needs[1] ? unbroadcast(g, g.mul(gy, inp(n, 0)), inp(n, 1)) : undefined,
  ],
  // y = a/b: da = gy/b, db = −gy·y/b
  Div: (g, n, gy, needs) => [
    needs[0] ? unbroadcast(g, g.div(gy, inp(n, 1)), inp(n, 0)) : undefined,
    needs[1] ? unbroadcast(g, g.neg(g.div(g.mul(gy, out(n)), inp(n, 1))), inp(n, 1)) : undefined,
  ],
  Max: select((g, a, b) => g.greaterOrEqual(a, b)),
  Min: select((g, a, b) => g.lessOrEqual(a, b)),
  Neg: (g, _n, gy) => [g.neg(gy)],
  Exp: elementwise((_g, n) => out(n)), // dy/dx = y
  Log: (g, n, gy) => [g.div(gy, inp(n, 0))], // 1/x
  Tanh: elementwise((g, n) => g.sub(1, g.mul(out(n), out(n)))), // 1 − y²
  Sigmoid: elementwise((g, n) => g.mul(out(n), g.sub(1, out(n)))), // y(1 − y)
  Sqrt: (g, n, gy) => [g.div(g.mul(gy, 0.5), out(n))], // 1/(2y)
  // Relu'(0) = 0, as in PyTorch.
  Relu: (g, n, gy) => [g.where(g.greater(inp(n, 0), 0), gy, 0)],
  // y = x^p with constant p: p·x^(p−1)
  Pow: (g, n, gy) => {
    const pv = inp(n, 1).value;
    if (pv === undefined) throw new ShapeError(`Pow ${n.name}: gradient needs a constant exponent`);
    const p = Number(pv[0]);
    const dydx = p === 2 ? g.mul(inp(n, 0), 2) : g.mul(g.pow(inp(n, 0), p - 1), p);
    return [g.mul(gy, dydx)];
  },
  // Pass-through inside [lo, hi] (inclusive), zero outside.
  Clip: (g, n, gy) => {
    const x = inp(n, 0),
      lo = n.inputs[1] ?? null,
      hi = n.inputs[2] ?? null;
    let inside: Tensor | undefined;
    if (lo !== null) inside = g.greaterOrEqual(x, lo);
    if (hi !== null) inside = inside === undefined ? g.lessOrEqual(x, hi) : g.and(inside, g.lessOrEqual(x, hi));
    return [inside === undefined ? gy : g.where(inside, gy, 0)];
  },
  Where: (g, n, gy, needs) => {
    const c = inp(n, 0);
    return [
      undefined,
      needs[1] ? unbroadcast(g, g.where(c, gy, 0), inp(n, 1)) : undefined,
      needs[2] ? unbroadcast(g, g.where(c, 0, gy), inp(n, 2)) : undefined,
    ];
  },
  Cast: (g, n, gy) => [isFloat(inp(n, 0).dtype) ? g.cast(gy, inp(n, 0).dtype) : undefined],

  // y = a @ b: da = gy @ bᵀ, db = aᵀ @ gy (batch dims summed back by unbroadcast).
  MatMul: (g, n, gy, needs) => {
    const a = inp(n, 0),
      b = inp(n, 1);
    const da = needs[0] ? unbroadcast(g, g.matmul(gy, g.transpose(b, swapLast(b.rank))), a) : undefined;
    let db: Tensor | undefined;
    if (needs[1]) {
      const k = a.shape[a.rank - 1],
        m = b.shape[b.rank - 1];
      if (b.rank === 2 && a.rank > 2 && typeof k === 'number' && typeof m === 'number') {
        // Weight of a batched product: one (K, B·T) @ (B·T, N) GEMM instead of a batch + sum.
        db = g.matmul(g.transpose(g.reshape(a, [-1, k]), [1, 0]), g.reshape(gy, [-1, m]));
      } else {
        db = unbroadcast(g, g.matmul(g.transpose(a, swapLast(a.rank)), gy), b);
      }
    }
    return [da, db];
  },
  // Broadcast gy back over the summed axes (empty axes = all, as noop_with_empty_axes = 0).
  ReduceSum: (g, n, gy) => [expandBack(g, n, gy, constInts(n, 1)), undefined],
  ReduceMean: (g, n, gy) => {
    const x = inp(n, 0),
      axes = intsAttr(n, 'axes');
    return [g.div(expandBack(g, n, gy, axes), countOf(g, x, axes.length > 0 ? axes : range(0, x.rank)))];
  },
  // dx = y ⊙ (gy − Σ_axis gy⊙y)
  Softmax: (g, n, gy) => {
    const y = out(n),
      axis = intAttr(n, 'axis', -1);
    return [g.mul(y, g.sub(gy, g.reduceSum(g.mul(gy, y), [axis], true)))];
  },
  // dx = gy − softmax(x) ⊙ Σ_axis gy, softmax(x) = exp(y)
  LogSoftmax: (g, n, gy) => {
    const y = out(n),
      axis = intAttr(n, 'axis', -1);
    return [g.sub(gy, g.mul(g.exp(y), g.reduceSum(gy, [axis], true)))];
  },

  Transpose: (g, n, gy) => [g.transpose(gy, invert(intsAttr(n, 'perm')))],
  Reshape: (g, n, gy) => [g.reshapeLike(gy, inp(n, 0)), undefined],
  Squeeze: (g, n, gy) => [g.reshapeLike(gy, inp(n, 0)), undefined],
  Unsqueeze: (g, n, gy) => [g.reshapeLike(gy, inp(n, 0)), undefined],
  Expand: (g, n, gy) => [unbroadcast(g, gy, inp(n, 0)), undefined],
  Concat: (g, n, gy, needs) => {
    const parts = splitLike(g, gy, intAttr(n, 'axis'), n.inputs as Tensor[]);
    return parts.map((p, i) => (needs[i] ? p : undefined));
  },
  // Zero-pad gy back to x's extent on the sliced axis (builder slices are single-axis, step 1).
  Slice: (g, n, gy) => {
    const x = inp(n, 0),
      [start] = constInts(n, 1),
      [end] = constInts(n, 2),
      [axis] = constInts(n, 3);
    const d = x.shape[axis];
    let before: number, after: number;
    if (typeof d === 'number') {
      before = start < 0 ? Math.max(0, start + d) : Math.min(start, d);
      const e = end < 0 ? Math.max(0, end + d) : Math.min(end, d);
      after = d - Math.max(e, before);
    } else if (start >= 0 && (end < 0 || end === SLICE_END)) {
      before = start;
      after = end === SLICE_END ? 0 : -end;
    } else {
      throw new ShapeError(`Slice ${n.name}: gradient on symbolic axis '${d}' needs start >= 0 and end < 0 or open, got ${start}:${end}`);
    }
    const pads = new Array<number>(2 * x.rank).fill(0);
    pads[axis] = before;
    pads[x.rank + axis] = after;
    return [padZeros(g, gy, pads, x.shape)];
  },

  // Embedding-style lookup: scatter-add gy rows into zeros (duplicates accumulate).
  // Indices are assumed non-negative. A non-zero axis is moved to the front and back.
  Gather: (g, n, gy) => {
    const data = inp(n, 0),
      idx = inp(n, 1),
      a = intAttr(n, 'axis');
    const where = g.unsqueeze(idx, [-1]);
    if (a === 0) return [scatterNDAdd(g, g.zerosLike(data), where, gy), undefined];
    const q = idx.rank,
      r = data.rank;
    const permData = [a, ...range(0, a), ...range(a + 1, r)];
    const permGy = [...range(a, a + q), ...range(0, a), ...range(a + q, gy.rank)];
    const zeros = g.zeros(
      permutedShape(g, data, permData),
      permData.map((p) => data.shape[p]),
      data.dtype,
    );
    const moved = scatterNDAdd(g, zeros, where, g.transpose(gy, permGy));
    return [g.transpose(moved, invert(permData)), undefined];
  },
  GatherElements: (g, n, gy) => {
    const data = inp(n, 0);
    return [scatterElementsAdd(g, g.zerosLike(data), inp(n, 1), gy, intAttr(n, 'axis')), undefined];
  },
});

/** gy of a reduction, re-inserted as size-1 axes (unless keepdims) and broadcast to x's shape. */
function expandBack(g: GraphBuilder, n: Node, gy: Tensor, axes: readonly number[]): Tensor {
  const x = inp(n, 0);
  const all = axes.length > 0 ? axes : range(0, x.rank);
  const kept = intAttr(n, 'keepdims', 1) === 1 || x.rank === 0 ? gy : g.unsqueeze(gy, all);
  return g.expandLike(kept, x);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}
