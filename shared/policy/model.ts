/**
 * The policy model: ONE definition (model-layers.ts) built into three ONNX graphs
 * (docs/POLICY.md §model):
 *
 *   encode      features (B, P, F) → memory (B, P, d); with `views`, also the memory views
 *               cross.<i>.k / cross.<i>.v (B, H, P, Dh), ptr.in and ptr.keys (B, P, d)
 *   decodeStep  token (B, 1) int64, position (1,) int64, memory (B, P, d) — or, with
 *               `input: 'views'`, the memory views above (computed once per prompt instead
 *               of once per step) — and past.<i>.k / past.<i>.v (B, H, Tpast, Dh) per layer
 *               → logits (B, V + P), hidden (B, d), present.<i>.k / .v (B, H, Tpast + 1, Dh)
 *   score       inputs (B, T) int64 (<bos> + tokens[:-1]), targets (B, T) int64,
 *               positions (T,) int64 (0..T−1), features (B, P, F) — or memory (B, P, d) with
 *               `source: 'memory'` — and optionally mask_add (B, T, V + P) (grammar mask:
 *               0 allowed, FORBIDDEN otherwise)
 *               → logp (B, T) (log-prob of each target), entropy (B, T) (nats, of the
 *               masked distribution), hidden (B, T, d); with `loss`, also loss and grad.<name>
 *               for every parameter (reverse mode, shared/onnx/autodiff.ts).
 *
 * Parameters are graph inputs (the learner feeds them every step) unless baked with
 * `graph.toModel({ bakedParams: paramsFor(graph, params) })` (workers, one session per
 * weight version). Right padding needs no attention mask: attention is causal, so a
 * padded step never influences an earlier one; the loss weights padded steps by 0.
 */
import { ConfigError } from '../errors.js';
import { addGradients, outputGradients, GraphBuilder } from '../onnx/index.js';
import type { FloatDType, HostArray, Tensor } from '../onnx/index.js';
import type { HostTensor } from '../onnx/runtime.js';
import type { PolicyModelConfig } from './model-config.js';
import { outputSize } from './model-config.js';
import { decoderLayer, embedTokens, encoder, memoryViews, outputHead, paramScope } from './model-layers.js';
import type { MemoryViews } from './model-layers.js';

export interface GraphBuildOptions {
  /** Graph dtype (default float32; float64 for gradient checks). */
  readonly dtype?: FloatDType;
}

/** What a loss builder gets: the score graph's tensors. */
export interface ScoreTensors {
  readonly logp: Tensor;
  readonly entropy: Tensor;
  readonly hidden: Tensor;
  readonly logits: Tensor;
}

/** Builds a scalar loss from the score tensors; may declare its own inputs (advantages, masks…). */
export type LossBuilder = (g: GraphBuilder, t: ScoreTensors) => Tensor;

export interface ScoreOptions extends GraphBuildOptions {
  /** 'features' (default: the encoder runs inside, so its params get gradients) or 'memory'. */
  readonly source?: 'features' | 'memory';
  /**
   * With source 'memory': the memory input holds one row per PROMPT (N, P, d) and the input
   * `row_prompt` (B,) int64 names each sequence's prompt; the memory views are computed once
   * per prompt and gathered per row, so G rows of one prompt share one encoder pass.
   */
  readonly rowPrompt?: boolean;
  /**
   * With a loss and source 'memory': also output `grad.memory` (the memory input's gradient),
   * so the encoder's backward runs once per prompt in `buildEncoderBackwardGraph`.
   */
  readonly memoryGrad?: boolean;
  /** Add the mask_add input (default false). */
  readonly grammarMask?: boolean;
  /** When given: outputs `loss` and `grad.<param>` for every parameter of the graph. */
  readonly loss?: LossBuilder;
}

/** Names of the memory-view tensors (encode outputs / decodeStep inputs with `views`). */
export const viewNames = (cfg: PolicyModelConfig): string[] => [
  ...Array.from({ length: cfg.decLayers }, (_, i) => [`cross.${i}.k`, `cross.${i}.v`]).flat(),
  'ptr.in',
  'ptr.keys',
];

export function buildEncodeGraph(cfg: PolicyModelConfig, opts: GraphBuildOptions & { readonly views?: boolean } = {}): GraphBuilder {
  const g = new GraphBuilder({ dtype: opts.dtype, name: 'policy-encode' });
  const p = paramScope(g, cfg);
  const memory = encoder(g, p, cfg, g.input('features', ['B', cfg.numPatches, cfg.featureSize]));
  g.output('memory', memory);
  if (opts.views === true) {
    const v = memoryViews(g, p, cfg, memory);
    v.cross.forEach((kv, i) => {
      g.output(`cross.${i}.k`, kv.k);
      g.output(`cross.${i}.v`, kv.v);
    });
    g.output('ptr.in', v.ptrIn);
    g.output('ptr.keys', v.ptrKeys);
  }
  return g;
}

/** Names of the KV-cache inputs and outputs of decoder layer i. */
export const pastNames = (i: number) => ({ k: `past.${i}.k`, v: `past.${i}.v` });
export const presentNames = (i: number) => ({ k: `present.${i}.k`, v: `present.${i}.v` });
/** With `cache: 'buffer'`: the preallocated cache inputs and this step's key/value outputs of layer i. */
export const cacheNames = (i: number) => ({ k: `cache.${i}.k`, v: `cache.${i}.v` });
export const freshNames = (i: number) => ({ k: `new.${i}.k`, v: `new.${i}.v` });

export interface DecodeStepOptions extends GraphBuildOptions {
  /** 'memory' (default): the step projects the memory itself; 'views': fed the memory views. */
  readonly input?: 'memory' | 'views';
  /**
   * 'grow' (default): past.<i>.k/v (B, H, Tpast, Dh) in, present.<i>.k/v (Tpast + 1) out
   * (Concat). 'buffer': cache.<i>.k/v (B, H, C, Dh) in, a caller-owned buffer whose first
   * `position` slots are filled (any C > position), and only this step's new.<i>.k/v
   * (B, H, 1, Dh) out; the caller writes them into slot `position` (shared/policy/kv-cache.ts).
   */
  readonly cache?: 'grow' | 'buffer';
  /**
   * With `input: 'views'`: the rows are G samples per prompt, prompt after prompt (B = N·G),
   * and the memory views are fed once per prompt, leading dim N (model-grouped.ts).
   */
  readonly group?: number;
}

export function buildDecodeStepGraph(cfg: PolicyModelConfig, opts: DecodeStepOptions = {}): GraphBuilder {
  const g = new GraphBuilder({ dtype: opts.dtype, name: 'policy-decode-step' });
  const p = paramScope(g, cfg);
  const token = g.input('token', ['B', 1], 'int64');
  const position = g.input('position', [1], 'int64');
  const [P, d, dh] = [cfg.numPatches, cfg.width, cfg.width / cfg.heads];
  const group = opts.group;
  if (group !== undefined && (opts.input !== 'views' || !Number.isInteger(group) || group < 1)) {
    throw new ConfigError('decodeStep.group', `needs input: 'views' and an integer >= 1, got ${group} with input ${opts.input ?? 'memory'}`);
  }
  const N = group === undefined ? 'B' : 'N';
  const views: MemoryViews =
    (opts.input ?? 'memory') === 'memory'
      ? memoryViews(g, p, cfg, g.input('memory', ['B', P, d]))
      : {
          cross: Array.from({ length: cfg.decLayers }, (_, i) => ({
            k: g.input(`cross.${i}.k`, [N, cfg.heads, P, dh]),
            v: g.input(`cross.${i}.v`, [N, cfg.heads, P, dh]),
          })),
          ptrIn: g.input('ptr.in', [N, P, d]),
          ptrKeys: g.input('ptr.keys', [N, P, d]),
        };
  let x = embedTokens(g, p, cfg, token, position, views.ptrIn, group);
  const buffer = opts.cache === 'buffer';
  for (let i = 0; i < cfg.decLayers; i++) {
    const names = buffer ? cacheNames(i) : pastNames(i);
    const time = buffer ? 'C' : 'Tpast';
    const kv = { k: g.input(names.k, ['B', cfg.heads, time, dh]), v: g.input(names.v, ['B', cfg.heads, time, dh]) };
    const r = decoderLayer(g, p, cfg, i, x, views.cross[i], buffer ? { cache: kv, length: position } : kv, group);
    x = r.x;
    const out = buffer ? freshNames(i) : presentNames(i);
    g.output(out.k, r.present!.k);
    g.output(out.v, r.present!.v);
  }
  const { hidden, logits } = outputHead(g, p, cfg, x, views.ptrKeys, group);
  g.output('logits', g.squeeze(logits, [1]));
  g.output('hidden', g.squeeze(hidden, [1]));
  return g;
}

export function buildScoreGraph(cfg: PolicyModelConfig, opts: ScoreOptions = {}): GraphBuilder {
  const g = new GraphBuilder({ dtype: opts.dtype, name: 'policy-score' });
  const p = paramScope(g, cfg);
  const inputs = g.input('inputs', ['B', 'T'], 'int64');
  const targets = g.input('targets', ['B', 'T'], 'int64');
  const positions = g.input('positions', ['T'], 'int64');
  const fromMemory = (opts.source ?? 'features') === 'memory';
  if (!fromMemory && (opts.rowPrompt === true || opts.memoryGrad === true)) throw new ConfigError('score', "rowPrompt and memoryGrad need source: 'memory'");
  const memory = fromMemory
    ? g.input('memory', [opts.rowPrompt === true ? 'N' : 'B', cfg.numPatches, cfg.width])
    : encoder(g, p, cfg, g.input('features', ['B', cfg.numPatches, cfg.featureSize]));
  const views =
    opts.rowPrompt === true ? gatherViews(g, memoryViews(g, p, cfg, memory), g.input('row_prompt', ['B'], 'int64')) : memoryViews(g, p, cfg, memory);
  let x = embedTokens(g, p, cfg, inputs, positions, views.ptrIn);
  for (let i = 0; i < cfg.decLayers; i++) x = decoderLayer(g, p, cfg, i, x, views.cross[i]).x;
  const head = outputHead(g, p, cfg, x, views.ptrKeys);
  const logits = opts.grammarMask === true ? g.add(head.logits, g.input('mask_add', ['B', 'T', outputSize(cfg)])) : head.logits;
  const lp = g.logSoftmax(logits, -1);
  const logp = g.squeeze(g.gatherElements(lp, g.unsqueeze(targets, [2]), 2), [2]);
  const entropy = g.neg(g.reduceSum(g.mul(g.exp(lp), lp), [2]));
  g.output('logp', logp);
  g.output('entropy', entropy);
  g.output('hidden', head.hidden);
  if (opts.loss !== undefined) {
    const loss = opts.loss(g, { logp, entropy, hidden: head.hidden, logits });
    g.output('loss', loss);
    outputGradients(g, addGradients(g, loss, opts.memoryGrad === true ? [...g.params, memory] : g.params));
  }
  return g;
}

/** Each memory view (N, …) gathered to the rows (B, …) that read it. */
function gatherViews(g: GraphBuilder, v: MemoryViews, rowPrompt: Tensor): MemoryViews {
  return {
    cross: v.cross.map((kv) => ({ k: g.gather(kv.k, rowPrompt), v: g.gather(kv.v, rowPrompt) })),
    ptrIn: g.gather(v.ptrIn, rowPrompt),
    ptrKeys: g.gather(v.ptrKeys, rowPrompt),
  };
}

/**
 * The encoder's half of a split backward pass: features (N, P, F) and `grad_memory` (N, P, d)
 * (∂L/∂memory, summed over every decoder pass that read the memory) → `grad.<param>` for the
 * encoder's parameters, as the gradient of Σ memory ⊙ grad_memory. With the decoder's
 * `memoryGrad` outputs this gives the same gradients as one graph over encoder and decoder,
 * while the encoder runs once per prompt instead of once per sequence.
 */
export function buildEncoderBackwardGraph(cfg: PolicyModelConfig, opts: GraphBuildOptions = {}): GraphBuilder {
  const g = new GraphBuilder({ dtype: opts.dtype, name: 'policy-encoder-backward' });
  const p = paramScope(g, cfg);
  const memory = encoder(g, p, cfg, g.input('features', ['N', cfg.numPatches, cfg.featureSize]));
  const seed = g.input('grad_memory', ['N', cfg.numPatches, cfg.width]);
  outputGradients(g, addGradients(g, g.reduceSum(g.mul(memory, seed)), g.params));
  return g;
}

/** The subset of `params` that `g` declares (for toModel's bakedParams or as feeds). */
export function paramsFor<T extends HostArray>(g: GraphBuilder, params: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const t of g.params) {
    const v = params[t.name];
    if (v === undefined) throw new ConfigError('params', `no value for parameter "${t.name}" of graph ${g.name}`);
    out[t.name] = v;
  }
  return out;
}

/** `params` as session feeds (name → { data, dims }) for the parameters `g` declares. */
export function paramFeeds(g: GraphBuilder, params: Readonly<Record<string, HostArray>>): Record<string, HostTensor> {
  const out: Record<string, HostTensor> = {};
  for (const t of g.params) {
    const data = params[t.name];
    if (data === undefined) throw new ConfigError('params', `no value for parameter "${t.name}" of graph ${g.name}`);
    out[t.name] = { data, dims: t.shape as number[] };
  }
  return out;
}
