/**
 * Transformer pieces built from primitives, shared by the policy's forward (workers) and
 * forward+backward (learner) graphs: a causal mask, causal multi-head self-attention and
 * a GELU MLP. Shapes: B batch, T time, D model width, H heads, Dh = D / H.
 */
import { ShapeError } from '../errors.js';
import { SLICE_END } from './graph.js';
import type { GraphBuilder } from './graph.js';
import type { Tensor } from './graph-core.js';
import type { Dim } from './shape.js';

/** Masked scores get this value before softmax; exp underflows to exactly 0 in float32 and float64. */
export const MASKED_SCORE = -1e9;

export interface AttentionWeights {
  /** (D, D) each: query, key, value and output projections. */
  readonly wq: Tensor;
  readonly wk: Tensor;
  readonly wv: Tensor;
  readonly wo: Tensor;
}

export interface MlpWeights {
  /** (D, F), (F,), (F, D), (D,). */
  readonly w1: Tensor;
  readonly b1: Tensor;
  readonly w2: Tensor;
  readonly b2: Tensor;
}

/** Keys/values of earlier steps, (B, H, P, Dh) each; P may be 0 (prefill). */
export interface KvCache {
  readonly k: Tensor;
  readonly v: Tensor;
}

/**
 * Bool (T, T), true where key position ≤ query position, for the T of `x`'s axis `axis`.
 * A constant when T is fixed; built at run time (Shape → Range → compare) when symbolic.
 */
export function causalMask(g: GraphBuilder, x: Tensor, axis: number): Tensor {
  const t = x.shape[axis < 0 ? axis + x.rank : axis];
  if (typeof t === 'number') {
    const m = Array.from({ length: t * t }, (_, i) => Math.floor(i / t) >= i % t);
    return g.const(m, [t, t], 'bool');
  }
  const len = dimScalar(g, x, axis);
  const pos = range(g, g.scalar(0, 'int64'), len, t);
  return g.greaterOrEqual(g.unsqueeze(pos, [1]), g.unsqueeze(pos, [0]));
}

/**
 * Bool (Tq, Tk) for queries that are the LAST Tq of Tk positions (decoding after a cache of
 * Tk − Tq steps): query i sits at absolute position Tk − Tq + i and sees keys j ≤ that.
 */
export function offsetCausalMask(g: GraphBuilder, q: Tensor, qAxis: number, k: Tensor, kAxis: number): Tensor {
  const tq = dimScalar(g, q, qAxis),
    tk = dimScalar(g, k, kAxis);
  const qpos = range(g, g.sub(tk, tq), tk, q.shape[qAxis]);
  const kpos = range(g, g.scalar(0, 'int64'), tk, k.shape[kAxis]);
  return g.greaterOrEqual(g.unsqueeze(qpos, [1]), g.unsqueeze(kpos, [0]));
}

/**
 * Causal multi-head self-attention: softmax(q kᵀ / √Dh + causal) v, heads merged, then wo.
 * x: (B, T, D) → (B, T, D). `mask` defaults to causalMask(x, 1); pass a (T, T) or
 * (B, 1, T, T) bool to combine causality with padding.
 */
export function causalSelfAttention(g: GraphBuilder, x: Tensor, w: AttentionWeights, heads = 1, mask?: Tensor): Tensor {
  const { q, k, v, d } = project(g, x, w, heads);
  return attend(g, q, k, v, mask ?? causalMask(g, x, 1), w, d);
}

/**
 * The same attention for incremental decoding: new steps x (B, Tn, D) attend to the cached
 * keys/values of P earlier steps and to themselves causally. Returns the output (B, Tn, D)
 * and the grown cache (B, H, P + Tn, Dh). With P = 0 this is the prefill; with Tn = 1 a
 * decode step. Same weights, same numbers as causalSelfAttention over all P + Tn steps.
 */
export function cachedSelfAttention(g: GraphBuilder, x: Tensor, w: AttentionWeights, heads: number, past: KvCache): { y: Tensor; present: KvCache } {
  const { q, k, v, d } = project(g, x, w, heads);
  const kAll = g.concat([past.k, k], 2);
  const vAll = g.concat([past.v, v], 2);
  const y = attend(g, q, kAll, vAll, offsetCausalMask(g, q, 2, kAll, 2), w, d);
  return { y, present: { k: kAll, v: vAll } };
}

/**
 * One decoding step against a preallocated cache that the caller owns and never copies:
 * x (B, 1, D) attends to the first `length` (int64, shape (1,)) of the C slots of
 * cache.k / cache.v (B, H, C, Dh) and to its own key/value. Returns the output (B, 1, D) and
 * the step's key/value (B, H, 1, Dh), which the caller writes into slot `length` before the
 * next step. Slots ≥ length may hold anything: their scores are masked (softmax weight
 * exactly 0) and their values are multiplied by that 0.
 *
 * Why not Concat: growing the cache by Concat copies all of it every step (and a host-side
 * cache copies it again out of and into the runtime). Here both matmuls read the cache in
 * place; only the scores (B, H, 1, C + 1) are concatenated. Same numbers as
 * cachedSelfAttention up to float rounding (the sums run over C + 1 terms, the masked ones
 * exactly 0).
 */
export function bufferedSelfAttention(
  g: GraphBuilder,
  x: Tensor,
  w: AttentionWeights,
  heads: number,
  cache: KvCache,
  length: Tensor,
): { y: Tensor; fresh: KvCache } {
  const { q, k, v, d } = project(g, x, w, heads);
  const dh = q.shape[3] as number;
  const scale = 1 / Math.sqrt(dh);
  const past = g.mul(g.matmul(q, g.transpose(cache.k, [0, 1, 3, 2])), scale); // (B, H, 1, C)
  const slots = range(g, g.scalar(0, 'int64'), dimScalar(g, cache.k, 2), cache.k.shape[2]);
  const filled = g.less(slots, length); // (C,)
  const own = g.mul(g.matmul(q, g.transpose(k, [0, 1, 3, 2])), scale); // (B, H, 1, 1)
  const att = g.softmax(g.concat([g.where(filled, past, MASKED_SCORE), own], 3));
  const [B, H, , C] = past.shape;
  const wPast = sliceTo(g, att, 3, 0, -1, [B, H, 1, C]);
  const wOwn = sliceTo(g, att, 3, -1, SLICE_END, [B, H, 1, 1]);
  const o = g.add(g.matmul(wPast, cache.v), g.matmul(wOwn, v)); // (B, H, 1, Dh)
  const y = g.matmul(g.reshape(g.transpose(o, [0, 2, 1, 3]), [0, 0, d]), w.wo);
  return { y, fresh: { k, v } };
}

/** x (B, T, D) → q, k, v as (B, H, T, Dh). */
function project(g: GraphBuilder, x: Tensor, w: AttentionWeights, heads: number): { q: Tensor; k: Tensor; v: Tensor; d: number } {
  const d = x.shape[2];
  if (x.rank !== 3 || typeof d !== 'number' || d % heads !== 0) {
    throw new ShapeError(`attention: x must be (B, T, D) with fixed D divisible by heads=${heads}, got ${x}`);
  }
  const split = (t: Tensor) => g.transpose(g.reshape(t, [0, 0, heads, d / heads]), [0, 2, 1, 3]);
  return { q: split(g.matmul(x, w.wq)), k: split(g.matmul(x, w.wk)), v: split(g.matmul(x, w.wv)), d };
}

/** softmax(q kᵀ/√Dh, masked) v, heads merged back to (B, T, D), then the output projection. */
function attend(g: GraphBuilder, q: Tensor, k: Tensor, v: Tensor, mask: Tensor, w: AttentionWeights, d: number): Tensor {
  const dh = q.shape[3] as number;
  const scores = g.mul(g.matmul(q, g.transpose(k, [0, 1, 3, 2])), 1 / Math.sqrt(dh));
  const att = g.softmax(g.where(mask, scores, MASKED_SCORE));
  const o = g.reshape(g.transpose(g.matmul(att, v), [0, 2, 1, 3]), [0, 0, d]);
  return g.matmul(o, w.wo);
}

/** gelu(x w1 + b1) w2 + b2; x: (..., D) → (..., D). */
export function mlp(g: GraphBuilder, x: Tensor, w: MlpWeights): Tensor {
  return g.add(g.matmul(g.gelu(g.add(g.matmul(x, w.w1), w.b1)), w.w2), w.b2);
}

/** x.shape[axis] as an int64 scalar (a constant when fixed). */
function dimScalar(g: GraphBuilder, x: Tensor, axis: number): Tensor {
  const a = axis < 0 ? axis + x.rank : axis;
  const d = x.shape[a];
  if (typeof d === 'number') return g.scalar(d, 'int64');
  return g.gather(g.shapeOf(x), g.scalar(a, 'int64'));
}

/** Slice on one axis with the result's shape stated (the builder would name a sliced symbolic dim anew). */
function sliceTo(g: GraphBuilder, x: Tensor, axis: number, start: number, end: number, shape: Dim[]): Tensor {
  return g.emit('Slice', [x, g.ints([start]), g.ints([end]), g.ints([axis])], {}, [{ dtype: x.dtype, shape }])[0];
}

/** ONNX Range(start, limit, 1) as int64 (len,). */
function range(g: GraphBuilder, start: Tensor, limit: Tensor, len: Dim): Tensor {
  return g.emit('Range', [start, limit, g.scalar(1, 'int64')], {}, [{ dtype: 'int64', shape: [len] }])[0];
}
