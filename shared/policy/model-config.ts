/**
 * The policy model's configuration, its named parameters and their initialisation
 * (docs/POLICY.md §model). An encoder–decoder transformer:
 *
 *   encoder  patch features (B, P, F) → memory (B, P, d)        encLayers pre-LN layers
 *   decoder  tokens (B, T) + memory   → logits (B, T, V + P)    decLayers pre-LN layers
 *            (causal self-attention, cross-attention to memory, GELU MLP); the last P
 *            logits are POINTER logits ⟨W_q h_t, W_k m_k⟩ / √d over the memory.
 *
 * Parameter names (each a fixed-shape float tensor; see `paramShapes`):
 *   enc.patch.w (F, d)  enc.patch.b (d)  enc.pos (P, d)
 *   enc.<i>.ln1.g/.b  enc.<i>.attn.wq/wk/wv/wo (d, d)  enc.<i>.ln2.g/.b
 *   enc.<i>.mlp.w1 (d, h) .b1 (h) .w2 (h, d) .b2 (d)  enc.ln.g/.b
 *   dec.tok (V, d)  dec.pos (maxLen, d)  dec.ptr.in (d, d)   (pointer-token input embedding)
 *   dec.<i>.ln1  dec.<i>.self.*  dec.<i>.ln2  dec.<i>.cross.*  dec.<i>.ln3  dec.<i>.mlp.*
 *   dec.ln.g/.b  dec.out.w (d, V)  dec.out.b (V)  dec.ptr.q (d, d)  dec.ptr.k (d, d)
 */
import { ConfigError } from '../errors.js';
import type { Rng } from '../rng.js';

export interface PolicyModelConfig {
  /** F: feature length of one patch (features.ts; 256 for the plot variant). */
  readonly featureSize: number;
  /** P: encoder patches = pointer targets (64). */
  readonly numPatches: number;
  /** V: text vocabulary size (vocab.ts). */
  readonly vocabSize: number;
  /** d: model width (128). */
  readonly width: number;
  /** Attention heads (4); must divide width. */
  readonly heads: number;
  readonly encLayers: number;
  readonly decLayers: number;
  /** MLP hidden width (4·d). */
  readonly mlpHidden: number;
  /** Longest decoder sequence, i.e. rows of dec.pos (1024 ≥ the default grammar's 969). */
  readonly maxLen: number;
}

export const DEFAULT_MODEL_CONFIG: Omit<PolicyModelConfig, 'vocabSize'> = Object.freeze({
  featureSize: 256,
  numPatches: 64,
  width: 128,
  heads: 4,
  encLayers: 2,
  decLayers: 3,
  mlpHidden: 512,
  maxLen: 1024,
});

/** Fills defaults and checks every field; errors name the field, the value and the range. */
export function resolveModelConfig(c: Partial<PolicyModelConfig> & { readonly vocabSize: number }): PolicyModelConfig {
  const cfg = { ...DEFAULT_MODEL_CONFIG, ...c };
  const int = (field: keyof PolicyModelConfig, lo: number, hi: number) => {
    const v = cfg[field];
    if (!Number.isInteger(v) || v < lo || v > hi) throw new ConfigError(`model.${field}`, `must be an integer in [${lo}, ${hi}], got ${v}`);
  };
  int('featureSize', 1, 1 << 20);
  int('numPatches', 1, 4096);
  int('vocabSize', 1, 1 << 20);
  int('width', 1, 8192);
  int('heads', 1, 256);
  int('encLayers', 0, 64);
  int('decLayers', 1, 64);
  int('mlpHidden', 1, 65536);
  int('maxLen', 1, 1 << 16);
  if (cfg.width % cfg.heads !== 0) throw new ConfigError('model.heads', `must divide model.width = ${cfg.width}, got ${cfg.heads}`);
  return Object.freeze(cfg);
}

/** V + P: the decoder's output space. */
export function outputSize(cfg: PolicyModelConfig): number {
  return cfg.vocabSize + cfg.numPatches;
}

/** Every parameter's shape, in a fixed order. */
export function paramShapes(cfg: PolicyModelConfig): Record<string, number[]> {
  const { featureSize: F, numPatches: P, vocabSize: V, width: d, mlpHidden: h, maxLen } = cfg;
  const s: Record<string, number[]> = {};
  const ln = (p: string) => {
    s[`${p}.g`] = [d];
    s[`${p}.b`] = [d];
  };
  const attn = (p: string) => {
    for (const w of ['wq', 'wk', 'wv', 'wo']) s[`${p}.${w}`] = [d, d];
  };
  const mlp = (p: string) => {
    s[`${p}.w1`] = [d, h];
    s[`${p}.b1`] = [h];
    s[`${p}.w2`] = [h, d];
    s[`${p}.b2`] = [d];
  };
  s['enc.patch.w'] = [F, d];
  s['enc.patch.b'] = [d];
  s['enc.pos'] = [P, d];
  for (let i = 0; i < cfg.encLayers; i++) {
    ln(`enc.${i}.ln1`);
    attn(`enc.${i}.attn`);
    ln(`enc.${i}.ln2`);
    mlp(`enc.${i}.mlp`);
  }
  ln('enc.ln');
  s['dec.tok'] = [V, d];
  s['dec.pos'] = [maxLen, d];
  s['dec.ptr.in'] = [d, d];
  for (let i = 0; i < cfg.decLayers; i++) {
    ln(`dec.${i}.ln1`);
    attn(`dec.${i}.self`);
    ln(`dec.${i}.ln2`);
    attn(`dec.${i}.cross`);
    ln(`dec.${i}.ln3`);
    mlp(`dec.${i}.mlp`);
  }
  ln('dec.ln');
  s['dec.out.w'] = [d, V];
  s['dec.out.b'] = [V];
  s['dec.ptr.q'] = [d, d];
  s['dec.ptr.k'] = [d, d];
  return s;
}

/** Total number of scalar parameters. */
export function countParams(cfg: PolicyModelConfig): number {
  return Object.values(paramShapes(cfg)).reduce((t, sh) => t + sh.reduce((p, x) => p * x, 1), 0);
}

/** Init std of ordinary weights (GPT-2's 0.02). */
export const INIT_STD = 0.02;

/**
 * Scaled normal init: weights and embeddings N(0, 0.02²); residual output projections
 * (attn wo, mlp w2) N(0, (0.02/√(2L))²) with L the stack's layer count (GPT-2); layer-norm
 * gains 1; biases 0. Each tensor draws from rng.fork(name), so adding a parameter does not
 * change the others.
 */
/** The policy's parameters by name (shapes: paramShapes), float32. */
export type Params = Record<string, Float32Array>;

export function initParams(cfg: PolicyModelConfig, rng: Rng): Params {
  const out: Record<string, Float32Array> = {};
  for (const [name, shape] of Object.entries(paramShapes(cfg))) {
    const n = shape.reduce((p, x) => p * x, 1);
    const a = new Float32Array(n);
    if (/\.g$/.test(name) && /ln/.test(name)) a.fill(1);
    else if (!/\.(b|b1|b2)$/.test(name)) {
      const layers = name.startsWith('enc.') ? cfg.encLayers : cfg.decLayers;
      const std = /\.(wo|w2)$/.test(name) ? INIT_STD / Math.sqrt(2 * Math.max(1, layers)) : INIT_STD;
      const r = rng.fork(name);
      for (let i = 0; i < n; i++) a[i] = r.normal(0, std);
    }
    out[name] = a;
  }
  return out;
}

/** The same parameters as Float64Array (for float64 graphs: gradient checks). */
export function toFloat64(params: Readonly<Record<string, Float32Array>>): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  for (const [k, v] of Object.entries(params)) out[k] = Float64Array.from(v);
  return out;
}
