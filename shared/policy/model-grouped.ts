/**
 * The decode step's layers for rows grouped by prompt (buildDecodeStepGraph `group: G`): the
 * B = N·G rows are the G samples of N prompts, prompt after prompt, and the memory views
 * come once per prompt, (N, …), instead of once per row. What reads the memory — the
 * pointer-token embedding, the cross-attention and the pointer logits — treats each prompt's
 * G rows as one matrix of G queries against that prompt's views:
 *
 *   queries (B, 1, d) → (N, G, d) → attention / products against (N, P, d) → (B, 1, d)
 *
 * Why: the views are most of what a decode step reads per row (2·decLayers + 1 matrices
 * of P × d), so sharing them across the G samples of a prompt cuts a step's memory traffic,
 * and the cross-attention products become N·H small GEMMs of G rows instead of B·H of one.
 * Same arithmetic per row as the per-row layers (model-layers.ts) up to float rounding.
 */
import type { AttentionWeights, GraphBuilder, KvCache, Tensor } from '../onnx/index.js';
import type { Dim } from '../onnx/shape.js';

/** Reshape with the result's shape stated: the builder cannot name N·G ↔ B by itself. */
function reshapeTo(g: GraphBuilder, x: Tensor, target: readonly number[], shape: Dim[]): Tensor {
  return g.emit('Reshape', [x, g.ints([...target])], {}, [{ dtype: x.dtype, shape }])[0];
}

/**
 * Cross-attention of x (B, 1, d) over per-prompt keys/values kv (N, H, P, Dh), rows grouped
 * G per prompt: softmax(q kᵀ / √Dh) v per row, heads merged, then wo. → (B, 1, d).
 */
export function groupedCrossAttention(g: GraphBuilder, x: Tensor, kv: KvCache, w: AttentionWeights, heads: number, G: number): Tensor {
  const d = x.shape[2] as number;
  const dh = d / heads;
  const q = reshapeTo(g, g.matmul(x, w.wq), [-1, G, heads, dh], ['N', G, heads, dh]); // (N, G, H, Dh)
  const scores = g.mul(g.matmul(g.transpose(q, [0, 2, 1, 3]), g.transpose(kv.k, [0, 1, 3, 2])), 1 / Math.sqrt(dh)); // (N, H, G, P)
  const o = g.transpose(g.matmul(g.softmax(scores), kv.v), [0, 2, 1, 3]); // (N, G, H, Dh)
  return g.matmul(reshapeTo(g, o, [-1, 1, d], ['B', 1, d]), w.wo);
}

/** The pointer-token embedding of ids (B, 1): ptrIn[prompt, id − V] from per-prompt ptrIn (N, P, d). → (B, 1, d). */
export function groupedPointerEmbedding(g: GraphBuilder, ids: Tensor, V: number, ptrIn: Tensor, G: number): Tensor {
  const d = ptrIn.shape[2] as number;
  const idx = reshapeTo(g, g.max(g.sub(ids, V), 0), [-1, G, 1], ['N', G, 1]);
  const wide = g.emit('Expand', [idx, g.ints([1, 1, d])], {}, [{ dtype: 'int64', shape: ['N', G, d] }])[0];
  return reshapeTo(g, g.gatherElements(ptrIn, wide, 1), [-1, 1, d], ['B', 1, d]);
}

/** Pointer logits of q (B, 1, d) against per-prompt keys (N, P, d), scaled by 1/√d. → (B, 1, P). */
export function groupedPointerLogits(g: GraphBuilder, q: Tensor, ptrKeys: Tensor, width: number, G: number): Tensor {
  const P = ptrKeys.shape[1] as number;
  const qg = reshapeTo(g, q, [-1, G, width], ['N', G, width]);
  const s = g.mul(g.matmul(qg, g.transpose(ptrKeys, [0, 2, 1])), 1 / Math.sqrt(width)); // (N, G, P)
  return reshapeTo(g, s, [-1, 1, P], ['B', 1, P]);
}
