/**
 * GraphBuilder: op methods with static shape and dtype checks over the IR in graph-core.ts.
 *
 *   const g = new GraphBuilder({ dtype: 'float64' });
 *   const x = g.input('x', ['B', 4]);          // (B, 4)
 *   const w = g.param('w', [4, 3]);            // (4, 3)
 *   const y = g.tanh(g.add(g.matmul(x, w), 1)); // (B, 3)
 *   g.output('y', y); const bytes = g.toModel();
 *
 * Every method emits ONNX opset-17 nodes; number operands become scalar constants of the
 * other operand's dtype. Composite layers (gelu, layerNorm) are built from these primitives
 * in layers.ts so their gradients come from the primitive rules.
 */
import { DTYPES, allocArray, isFloat } from './dtypes.js';
import { gelu, layerNorm } from './layers.js';
import type { DType } from './dtypes.js';
import { DTypeError } from './errors.js';
import { GraphCore, Tensor } from './graph-core.js';
import { ShapeError } from '../errors.js';
import { broadcastShapes, formatShape, normAxis, reshapeShape, staticSize } from './shape.js';
import type { Dim, Shape } from './shape.js';

export type Operand = Tensor | number;

/** ONNX Slice clamps ends, so this stands for "to the end of the axis". */
export const SLICE_END = Number.MAX_SAFE_INTEGER;

export class GraphBuilder extends GraphCore {
  // ---- elementwise -------------------------------------------------------------------------

  add(a: Operand, b: Operand): Tensor {
    return this.binary('Add', a, b);
  }
  sub(a: Operand, b: Operand): Tensor {
    return this.binary('Sub', a, b);
  }
  mul(a: Operand, b: Operand): Tensor {
    return this.binary('Mul', a, b);
  }
  div(a: Operand, b: Operand): Tensor {
    return this.binary('Div', a, b);
  }
  /** Elementwise minimum / maximum of two tensors (broadcast). */
  min(a: Operand, b: Operand): Tensor {
    return this.binary('Min', a, b);
  }
  max(a: Operand, b: Operand): Tensor {
    return this.binary('Max', a, b);
  }

  neg(x: Tensor): Tensor {
    return this.unary('Neg', x);
  }
  exp(x: Tensor): Tensor {
    return this.unary('Exp', x);
  }
  log(x: Tensor): Tensor {
    return this.unary('Log', x);
  }
  tanh(x: Tensor): Tensor {
    return this.unary('Tanh', x);
  }
  relu(x: Tensor): Tensor {
    return this.unary('Relu', x);
  }
  sigmoid(x: Tensor): Tensor {
    return this.unary('Sigmoid', x);
  }
  sqrt(x: Tensor): Tensor {
    return this.unary('Sqrt', x);
  }
  identity(x: Tensor): Tensor {
    return this.emit('Identity', [x], {}, [x])[0];
  }

  /** x ** p for a constant exponent p. */
  pow(x: Tensor, p: number): Tensor {
    this.float('Pow', x);
    return this.emit('Pow', [x, this.scalar(p, x.dtype)], {}, [x])[0];
  }

  /** Clamp to [lo, hi]; either bound may be omitted. */
  clip(x: Tensor, lo?: number, hi?: number): Tensor {
    this.float('Clip', x);
    const bound = (v?: number) => (v === undefined ? null : this.scalar(v, x.dtype));
    return this.emit('Clip', [x, bound(lo), bound(hi)], {}, [x])[0];
  }

  /** Elementwise select: cond ? a : b (cond is bool; all three broadcast). */
  where(cond: Tensor, a: Operand, b: Operand): Tensor {
    if (cond.dtype !== 'bool') throw new DTypeError(`Where: cond must be bool, got ${cond}`);
    const [ta, tb] = this.pair('Where', a, b);
    const shape = broadcastShapes('Where', cond.shape, ta.shape, tb.shape);
    return this.emit('Where', [cond, ta, tb], {}, [{ dtype: ta.dtype, shape }])[0];
  }

  greater(a: Operand, b: Operand): Tensor {
    return this.compare('Greater', a, b);
  }
  less(a: Operand, b: Operand): Tensor {
    return this.compare('Less', a, b);
  }
  greaterOrEqual(a: Operand, b: Operand): Tensor {
    return this.compare('GreaterOrEqual', a, b);
  }
  lessOrEqual(a: Operand, b: Operand): Tensor {
    return this.compare('LessOrEqual', a, b);
  }
  equal(a: Operand, b: Operand): Tensor {
    return this.compare('Equal', a, b);
  }

  and(a: Tensor, b: Tensor): Tensor {
    if (a.dtype !== 'bool' || b.dtype !== 'bool') throw new DTypeError(`And: needs bool operands, got ${a} and ${b}`);
    return this.emit('And', [a, b], {}, [{ dtype: 'bool', shape: broadcastShapes('And', a.shape, b.shape) }])[0];
  }

  /** Convert element type (float ↔ float is differentiable; to or from ints is not). */
  cast(x: Tensor, to: DType): Tensor {
    return this.emit('Cast', [x], { to: { type: 'int', value: DTYPES[to].onnx } }, [{ dtype: to, shape: x.shape }])[0];
  }

  /** GELU, tanh approximation, from primitives (see layers.ts). */
  gelu(x: Tensor): Tensor {
    return gelu(this, x);
  }

  /** Layer norm over the last axis with optional affine (gamma, beta), from primitives. */
  layerNorm(x: Tensor, gamma?: Tensor, beta?: Tensor, eps = 1e-5): Tensor {
    return layerNorm(this, x, gamma, beta, eps);
  }

  // ---- linear algebra and reductions -------------------------------------------------------

  /** (..., M, K) @ (..., K, N) → (..., M, N); batch dims broadcast. Both operands rank ≥ 2. */
  matmul(a: Tensor, b: Tensor): Tensor {
    this.sameFloat('MatMul', a, b);
    if (a.rank < 2 || b.rank < 2) throw new ShapeError(`MatMul: operands need rank >= 2, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
    const k1 = a.shape[a.rank - 1];
    const k2 = b.shape[b.rank - 2];
    if (k1 !== k2) throw new ShapeError(`MatMul: inner dims differ, ${formatShape(a.shape)} @ ${formatShape(b.shape)} (${k1} vs ${k2})`);
    const batch = broadcastShapes('MatMul batch', a.shape.slice(0, -2), b.shape.slice(0, -2));
    return this.emit('MatMul', [a, b], {}, [{ dtype: a.dtype, shape: [...batch, a.shape[a.rank - 2], b.shape[b.rank - 1]] }])[0];
  }

  /** Sum over `axes` (default: all). Opset 17 takes ReduceSum's axes as an input. */
  reduceSum(x: Tensor, axes?: readonly number[], keepdims = false): Tensor {
    const ax = this.axes('ReduceSum', x, axes);
    const out = reducedShape(x.shape, ax, keepdims);
    return this.emit('ReduceSum', [x, this.ints(ax)], { keepdims: { type: 'int', value: keepdims ? 1 : 0 } }, [{ dtype: x.dtype, shape: out }])[0];
  }

  /** Mean over `axes` (default: all). Opset 17 takes ReduceMean's axes as an attribute. */
  reduceMean(x: Tensor, axes?: readonly number[], keepdims = false): Tensor {
    const ax = this.axes('ReduceMean', x, axes);
    const out = reducedShape(x.shape, ax, keepdims);
    return this.emit('ReduceMean', [x], { axes: { type: 'ints', value: ax }, keepdims: { type: 'int', value: keepdims ? 1 : 0 } }, [
      { dtype: x.dtype, shape: out },
    ])[0];
  }

  /** Softmax along one axis (default last). */
  softmax(x: Tensor, axis = -1): Tensor {
    this.float('Softmax', x);
    return this.emit('Softmax', [x], { axis: { type: 'int', value: normAxis(axis, x.rank, 'Softmax') } }, [x])[0];
  }

  /** log(softmax(x)) along one axis (default last), computed stably by ORT. */
  logSoftmax(x: Tensor, axis = -1): Tensor {
    this.float('LogSoftmax', x);
    return this.emit('LogSoftmax', [x], { axis: { type: 'int', value: normAxis(axis, x.rank, 'LogSoftmax') } }, [x])[0];
  }

  // ---- layout ------------------------------------------------------------------------------

  transpose(x: Tensor, perm: readonly number[]): Tensor {
    const ok = perm.length === x.rank && [...perm].sort((p, q) => p - q).every((p, i) => p === i);
    if (!ok) throw new ShapeError(`Transpose: perm [${perm.join(', ')}] is not a permutation of 0..${x.rank - 1}`);
    return this.emit('Transpose', [x], { perm: { type: 'ints', value: perm.slice() } }, [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]) }])[0];
  }

  /** ONNX Reshape: fixed dims, 0 = copy the input dim at that position, one -1 = the rest. */
  reshape(x: Tensor, target: readonly number[]): Tensor {
    const shape = reshapeShape(x.shape, target);
    return this.emit('Reshape', [x, this.ints(target)], {}, [{ dtype: x.dtype, shape }])[0];
  }

  /** Reshape `x` to the (run-time) shape of `like`; sizes must agree. */
  reshapeLike(x: Tensor, like: Tensor): Tensor {
    const a = staticSize(x.shape);
    const b = staticSize(like.shape);
    if (a !== undefined && b !== undefined && a !== b) throw new ShapeError(`Reshape: cannot reshape ${x} to the shape of ${like}`);
    return this.emit('Reshape', [x, this.shapeOf(like)], {}, [{ dtype: x.dtype, shape: like.shape }])[0];
  }

  /** Remove size-1 axes. */
  squeeze(x: Tensor, axes: readonly number[]): Tensor {
    const ax = axes.map((a) => normAxis(a, x.rank, 'Squeeze'));
    for (const a of ax) if (x.shape[a] !== 1) throw new ShapeError(`Squeeze: axis ${a} of ${x} has size ${x.shape[a]}, not 1`);
    const shape = x.shape.filter((_, i) => !ax.includes(i));
    return this.emit('Squeeze', [x, this.ints(ax)], {}, [{ dtype: x.dtype, shape }])[0];
  }

  /** Insert size-1 axes; `axes` index the OUTPUT. */
  unsqueeze(x: Tensor, axes: readonly number[]): Tensor {
    const rank = x.rank + axes.length;
    const ax = axes.map((a) => normAxis(a, rank, 'Unsqueeze'));
    const shape: Dim[] = [];
    let j = 0;
    for (let i = 0; i < rank; i++) shape.push(ax.includes(i) ? 1 : x.shape[j++]);
    return this.emit('Unsqueeze', [x, this.ints(ax)], {}, [{ dtype: x.dtype, shape }])[0];
  }

  /** Broadcast `x` to the run-time shape of `like` (ONNX Expand). */
  expandLike(x: Tensor, like: Tensor): Tensor {
    const shape = broadcastShapes('Expand', x.shape, like.shape);
    return this.emit('Expand', [x, this.shapeOf(like)], {}, [{ dtype: x.dtype, shape }])[0];
  }

  concat(xs: readonly Tensor[], axis: number): Tensor {
    if (xs.length === 0) throw new ShapeError('Concat: needs at least one tensor');
    const first = xs[0];
    const a = normAxis(axis, first.rank, 'Concat');
    for (const t of xs) {
      if (t.dtype !== first.dtype) throw new DTypeError(`Concat: dtypes differ, ${first} vs ${t}`);
      if (t.rank !== first.rank || t.shape.some((d, i) => i !== a && d !== first.shape[i])) {
        throw new ShapeError(`Concat on axis ${a}: shapes ${xs.map((x) => formatShape(x.shape)).join(', ')} differ off that axis`);
      }
    }
    const sizes = xs.map((t) => t.shape[a]);
    const total: Dim = sizes.every((d) => typeof d === 'number') ? (sizes as number[]).reduce((p, d) => p + d, 0) : sizes.join('+');
    const shape = first.shape.map((d, i) => (i === a ? total : d));
    return this.emit('Concat', xs, { axis: { type: 'int', value: a } }, [{ dtype: first.dtype, shape }])[0];
  }

  /** x[..., start:end, ...] on one axis, step 1; negative indices count from the end. */
  slice(x: Tensor, axis: number, start: number, end: number = SLICE_END): Tensor {
    const a = normAxis(axis, x.rank, 'Slice');
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) throw new ShapeError(`Slice: start and end must be integers, got ${start}, ${end}`);
    const d = x.shape[a];
    let len: Dim;
    if (typeof d === 'number') {
      const s = start < 0 ? Math.max(0, start + d) : Math.min(start, d);
      const e = end < 0 ? Math.max(0, end + d) : Math.min(end, d);
      len = Math.max(0, e - s);
    } else {
      len = start === 0 && end === SLICE_END ? d : `${d}[${start}:${end === SLICE_END ? '' : end}]`;
    }
    const shape = x.shape.map((v, i) => (i === a ? len : v));
    return this.emit('Slice', [x, this.ints([start]), this.ints([end]), this.ints([a])], {}, [{ dtype: x.dtype, shape }])[0];
  }

  // ---- indexing ----------------------------------------------------------------------------

  /** ONNX Gather: rows of `data` picked by int64 `indices` on `axis` (embedding lookup with axis 0). */
  gather(data: Tensor, indices: Tensor, axis = 0): Tensor {
    this.index('Gather', indices);
    const a = normAxis(axis, data.rank, 'Gather');
    const shape = [...data.shape.slice(0, a), ...indices.shape, ...data.shape.slice(a + 1)];
    return this.emit('Gather', [data, indices], { axis: { type: 'int', value: a } }, [{ dtype: data.dtype, shape }])[0];
  }

  /** ONNX GatherElements: out[i][j] = data[i][indices[i][j]] on `axis` (target-token log-probs). */
  gatherElements(data: Tensor, indices: Tensor, axis = -1): Tensor {
    this.index('GatherElements', indices);
    if (indices.rank !== data.rank) throw new ShapeError(`GatherElements: indices rank ${indices.rank} must equal data rank ${data.rank}`);
    const a = normAxis(axis, data.rank, 'GatherElements');
    return this.emit('GatherElements', [data, indices], { axis: { type: 'int', value: a } }, [{ dtype: data.dtype, shape: indices.shape }])[0];
  }

  // ---- shape helpers -----------------------------------------------------------------------

  /** The run-time shape of `x` as int64 (rank,); a constant when the static shape is fixed. */
  shapeOf(x: Tensor): Tensor {
    const s = staticSize(x.shape) !== undefined ? (x.shape as number[]) : undefined;
    if (s !== undefined) return this.ints(s);
    return this.emit('Shape', [x], {}, [{ dtype: 'int64', shape: [x.rank] }])[0];
  }

  /** Zeros with the dtype and (run-time) shape of `x`. */
  zerosLike(x: Tensor): Tensor {
    return this.zeros(this.shapeOf(x), x.shape, x.dtype);
  }

  /** Zeros of run-time shape `shape` (int64 (rank,)), whose static shape is `staticShape`. */
  zeros(shape: Tensor, staticShape: Shape, dtype: DType): Tensor {
    const zero = { type: 'tensor' as const, value: { dims: [1], data: allocArray(dtype, 1) } };
    return this.emit('ConstantOfShape', [shape], { value: zero }, [{ dtype, shape: staticShape }])[0];
  }

  // ---- private checks ----------------------------------------------------------------------

  private lift(x: Operand, like: Tensor): Tensor {
    return typeof x === 'number' ? this.scalar(x, like.dtype) : x;
  }

  private pair(op: string, a: Operand, b: Operand): [Tensor, Tensor] {
    if (typeof a === 'number' && typeof b === 'number') throw new ShapeError(`${op}: at least one operand must be a tensor`);
    const ta = typeof a === 'number' ? this.lift(a, b as Tensor) : a;
    const tb = this.lift(b, ta);
    if (ta.dtype !== tb.dtype) throw new DTypeError(`${op}: operand dtypes differ, ${ta} vs ${tb}`);
    return [ta, tb];
  }

  private binary(op: string, a: Operand, b: Operand): Tensor {
    const [ta, tb] = this.pair(op, a, b);
    const shape = broadcastShapes(op, ta.shape, tb.shape);
    return this.emit(op, [ta, tb], {}, [{ dtype: ta.dtype, shape }])[0];
  }

  private compare(op: string, a: Operand, b: Operand): Tensor {
    const [ta, tb] = this.pair(op, a, b);
    return this.emit(op, [ta, tb], {}, [{ dtype: 'bool', shape: broadcastShapes(op, ta.shape, tb.shape) }])[0];
  }

  private unary(op: string, x: Tensor): Tensor {
    this.float(op, x);
    return this.emit(op, [x], {}, [x])[0];
  }

  private float(op: string, x: Tensor): void {
    if (!isFloat(x.dtype)) throw new DTypeError(`${op}: needs float32 or float64, got ${x}`);
  }

  private sameFloat(op: string, a: Tensor, b: Tensor): void {
    this.float(op, a);
    if (a.dtype !== b.dtype) throw new DTypeError(`${op}: operand dtypes differ, ${a} vs ${b}`);
  }

  private index(op: string, indices: Tensor): void {
    if (indices.dtype !== 'int64' && indices.dtype !== 'int32') throw new DTypeError(`${op}: indices must be int64 or int32, got ${indices}`);
  }

  private axes(op: string, x: Tensor, axes?: readonly number[]): number[] {
    const ax = axes === undefined ? x.shape.map((_, i) => i) : axes.map((a) => normAxis(a, x.rank, op));
    if (new Set(ax).size !== ax.length) throw new ShapeError(`${op}: repeated axis in [${axes!.join(', ')}]`);
    return ax.sort((p, q) => p - q);
  }
}

function reducedShape(s: Shape, axes: readonly number[], keepdims: boolean): Dim[] {
  const out: Dim[] = [];
  s.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}
