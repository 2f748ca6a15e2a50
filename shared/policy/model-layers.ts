/**
 * The policy's layers over the engine (shared/onnx): a lazy parameter scope, full
 * (bidirectional) attention for the encoder and cross-attention, the encoder stack, the
 * memory views the decoder reads, the decoder input embedding with pointer tokens, one
 * decoder layer (teacher-forced or with a KV cache) and the output head with pointer
 * logits. Shapes: B batch, T steps, P patches, d width, H heads, Dh = d / H, V text tokens.
 */
import { bufferedSelfAttention, cachedSelfAttention, causalSelfAttention, mlp } from '../onnx/index.js';
import type { AttentionWeights, GraphBuilder, KvCache, MlpWeights, Tensor } from '../onnx/index.js';
import { ConfigError } from '../errors.js';
import type { PolicyModelConfig } from './model-config.js';
import { paramShapes } from './model-config.js';
import { groupedCrossAttention, groupedPointerEmbedding, groupedPointerLogits } from './model-grouped.js';

/** Returns the graph param `name`, creating it on first use (so a graph holds only what it uses). */
export type ParamScope = (name: string) => Tensor;

export function paramScope(g: GraphBuilder, cfg: PolicyModelConfig): ParamScope {
  const shapes = paramShapes(cfg);
  const made = new Map<string, Tensor>();
  return (name) => {
    let t = made.get(name);
    if (t === undefined) {
      const shape = shapes[name];
      if (shape === undefined) throw new ConfigError('model', `no parameter named "${name}"; see paramShapes`);
      t = g.param(name, shape);
      made.set(name, t);
    }
    return t;
  };
}

const attnWeights = (p: ParamScope, pre: string): AttentionWeights => ({ wq: p(`${pre}.wq`), wk: p(`${pre}.wk`), wv: p(`${pre}.wv`), wo: p(`${pre}.wo`) });
const mlpWeights = (p: ParamScope, pre: string): MlpWeights => ({ w1: p(`${pre}.w1`), b1: p(`${pre}.b1`), w2: p(`${pre}.w2`), b2: p(`${pre}.b2`) });
const norm = (g: GraphBuilder, p: ParamScope, pre: string, x: Tensor) => g.layerNorm(x, p(`${pre}.g`), p(`${pre}.b`));

/** x (B, T, d) · w → (B, H, T, Dh). */
function heads4(g: GraphBuilder, x: Tensor, w: Tensor, heads: number): Tensor {
  const d = x.shape[2] as number;
  return g.transpose(g.reshape(g.matmul(x, w), [0, 0, heads, d / heads]), [0, 2, 1, 3]);
}

/**
 * Unmasked multi-head attention of queries x (B, T, d) over keys/values kv (B, H, S, Dh):
 * softmax(q kᵀ / √Dh) v, heads merged, then wo.
 */
export function attendAll(g: GraphBuilder, x: Tensor, kv: KvCache, w: AttentionWeights, heads: number): Tensor {
  const d = x.shape[2] as number;
  const q = heads4(g, x, w.wq, heads);
  const scores = g.mul(g.matmul(q, g.transpose(kv.k, [0, 1, 3, 2])), 1 / Math.sqrt(d / heads));
  const o = g.reshape(g.transpose(g.matmul(g.softmax(scores), kv.v), [0, 2, 1, 3]), [0, 0, d]);
  return g.matmul(o, w.wo);
}

/** attendAll over keys/values projected from m (B, S, d): the encoder's self-attention when m = x. */
export function fullAttention(g: GraphBuilder, x: Tensor, m: Tensor, w: AttentionWeights, heads: number): Tensor {
  return attendAll(g, x, { k: heads4(g, m, w.wk, heads), v: heads4(g, m, w.wv, heads) }, w, heads);
}

/**
 * What the decoder reads from the memory, computed once per prompt: each layer's
 * cross-attention keys/values (B, H, P, Dh), the pointer-token input embeddings
 * memory · dec.ptr.in (B, P, d) and the pointer keys memory · dec.ptr.k (B, P, d).
 */
export interface MemoryViews {
  readonly cross: readonly KvCache[];
  readonly ptrIn: Tensor;
  readonly ptrKeys: Tensor;
}

export function memoryViews(g: GraphBuilder, p: ParamScope, cfg: PolicyModelConfig, memory: Tensor): MemoryViews {
  const cross = Array.from({ length: cfg.decLayers }, (_, i) => ({
    k: heads4(g, memory, p(`dec.${i}.cross.wk`), cfg.heads),
    v: heads4(g, memory, p(`dec.${i}.cross.wv`), cfg.heads),
  }));
  return { cross, ptrIn: g.matmul(memory, p('dec.ptr.in')), ptrKeys: g.matmul(memory, p('dec.ptr.k')) };
}

/** Patch features (B, P, F) → memory (B, P, d): linear embedding + positions + pre-LN layers + final LN. */
export function encoder(g: GraphBuilder, p: ParamScope, cfg: PolicyModelConfig, feats: Tensor): Tensor {
  let x = g.add(g.add(g.matmul(feats, p('enc.patch.w')), p('enc.patch.b')), p('enc.pos'));
  for (let i = 0; i < cfg.encLayers; i++) {
    const h = norm(g, p, `enc.${i}.ln1`, x);
    x = g.add(x, fullAttention(g, h, h, attnWeights(p, `enc.${i}.attn`), cfg.heads));
    x = g.add(x, mlp(g, norm(g, p, `enc.${i}.ln2`, x), mlpWeights(p, `enc.${i}.mlp`)));
  }
  return norm(g, p, 'enc.ln', x);
}

/**
 * Decoder input embedding of ids (B, T) int64 at positions (T,) int64: a text id t < V
 * embeds as dec.tok[t]; a pointer id V + k as ptrIn[b, k] = memory[b, k] · dec.ptr.in (the
 * patch it names), so the decoder sees WHERE it pointed. Plus dec.pos[position]. → (B, T, d).
 */
export function embedTokens(g: GraphBuilder, p: ParamScope, cfg: PolicyModelConfig, ids: Tensor, positions: Tensor, ptrIn: Tensor, group?: number): Tensor {
  const V = cfg.vocabSize;
  const text = g.gather(p('dec.tok'), g.min(ids, V - 1)); // (B, T, d); pointer ids read row V−1, replaced below
  // with `group` (decode step, T = 1): ptrIn is per prompt (N, P, d), rows grouped G per prompt (model-grouped.ts)
  const ptr =
    group === undefined
      ? g.gatherElements(ptrIn, g.expandLike(g.unsqueeze(g.max(g.sub(ids, V), 0), [2]), text), 1) // (B, T, d)
      : groupedPointerEmbedding(g, ids, V, ptrIn, group);
  const isPtr = g.unsqueeze(g.greaterOrEqual(ids, V), [2]);
  return g.add(g.where(isPtr, ptr, text), g.gather(p('dec.pos'), positions));
}

/** A preallocated self-attention cache (B, H, C, Dh) of which the first `length` slots are filled. */
export interface CacheBuffer {
  readonly cache: KvCache;
  /** int64 (1,): filled slots = the step's position. */
  readonly length: Tensor;
}

/**
 * One pre-LN decoder layer. Self-attention: causal over x without a cache; with a KvCache
 * `past` it uses and grows it (Concat: `present` = past + this step); with a CacheBuffer it
 * reads the buffer in place and returns only this step's key/value (`present` (B, H, 1, Dh)).
 * With `group` the cross keys/values are per prompt (N, H, P, Dh), rows grouped G per prompt.
 */
export function decoderLayer(
  g: GraphBuilder,
  p: ParamScope,
  cfg: PolicyModelConfig,
  i: number,
  x: Tensor,
  cross: KvCache,
  past?: KvCache | CacheBuffer,
  group?: number,
): { x: Tensor; present?: KvCache } {
  const h = norm(g, p, `dec.${i}.ln1`, x);
  const w = attnWeights(p, `dec.${i}.self`);
  let present: KvCache | undefined;
  let sa: Tensor;
  if (past === undefined) sa = causalSelfAttention(g, h, w, cfg.heads);
  else if ('cache' in past) ({ y: sa, fresh: present } = bufferedSelfAttention(g, h, w, cfg.heads, past.cache, past.length));
  else ({ y: sa, present } = cachedSelfAttention(g, h, w, cfg.heads, past));
  let y = g.add(x, sa);
  const hx = norm(g, p, `dec.${i}.ln2`, y);
  const wx = attnWeights(p, `dec.${i}.cross`);
  y = g.add(y, group === undefined ? attendAll(g, hx, cross, wx, cfg.heads) : groupedCrossAttention(g, hx, cross, wx, cfg.heads, group));
  y = g.add(y, mlp(g, norm(g, p, `dec.${i}.ln3`, y), mlpWeights(p, `dec.${i}.mlp`)));
  return { x: y, present };
}

/**
 * Final LN and the two heads: hidden (B, T, d) and logits (B, T, V + P) =
 * [h · dec.out.w + dec.out.b ; (h · dec.ptr.q) ptrKeysᵀ / √d], ptrKeys = memory · dec.ptr.k.
 */
export function outputHead(
  g: GraphBuilder,
  p: ParamScope,
  cfg: PolicyModelConfig,
  x: Tensor,
  ptrKeys: Tensor,
  group?: number,
): { hidden: Tensor; logits: Tensor } {
  const hidden = norm(g, p, 'dec.ln', x);
  const text = g.add(g.matmul(hidden, p('dec.out.w')), p('dec.out.b'));
  const q = g.matmul(hidden, p('dec.ptr.q'));
  const ptr =
    group === undefined ? g.mul(g.matmul(q, g.transpose(ptrKeys, [0, 2, 1])), 1 / Math.sqrt(cfg.width)) : groupedPointerLogits(g, q, ptrKeys, cfg.width, group);
  return { hidden, logits: g.concat([text, ptr], 2) };
}
