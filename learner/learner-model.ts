/**
 * The learner's view of the policy: ONNX Runtime sessions built from the one model
 * definition (shared/policy/model.ts), with the weights fed as inputs so an update needs no
 * session rebuild.
 *
 * The bucketed path (what timerpoStep runs) splits the model at the encoder memory:
 *
 *   encode        features (N, P, F) → memory (N, P, d)                     once per prompt
 *   scoreRows     memory, row_prompt (B,), tokens → logp, entropy, hidden    per length bucket
 *   timerpoRows   … + logp_old, logp_ref, advantage, token_count
 *                 → loss, stats.*, grad.<decoder param>, grad.memory         per length bucket
 *   encoderBack   features, Σ grad.memory → grad.<encoder param>            once per step
 *
 * so the G rows of a prompt share one encoder pass and no bucket computes another's padding.
 * The per-bucket gradients and the encoder's add up to the gradient of the whole batch's
 * loss (token mean over all rows: the loss divides by the whole batch's `token_count`).
 *
 * The plain path (one padded batch, encoder inside; `score`, `timerpoGrads`,
 * `imitationGrads`) is kept: the warm start uses it, and tests and bench/learner-update.ts
 * compare the two. Its sessions are built on first use.
 */
import type { GraphBuilder, Tensor } from '../shared/onnx/index.js';
import { createSession } from '../shared/onnx/runtime.js';
import type { HostTensor, OrtSession } from '../shared/onnx/runtime.js';
import type { PolicyModelConfig } from '../shared/policy/model-config.js';
import { buildEncodeGraph, buildEncoderBackwardGraph, buildScoreGraph, paramFeeds } from '../shared/policy/model.js';
import type { LossBuilder, ScoreTensors } from '../shared/policy/model.js';
import { timerpoLossBuilder } from '../shared/policy/timerpo-loss.js';
import { buildOtGraph } from '../shared/timerpo/sinkhorn-graph.js';
import type { SurrogateOptions } from '../shared/timerpo/surrogate.js';
import type { OtRunner } from './grounding.js';
import type { Bucket } from './length-buckets.js';
import type { PackedBatch } from './sequence-batch.js';

import type { Params } from '../shared/policy/model-config.js';

/** Token-mean negative log-likelihood over the response mask (teacher forcing). */
export const imitationLoss: LossBuilder = (g: GraphBuilder, t: ScoreTensors): Tensor => {
  const mask = g.input('response_mask', ['B', 'T']);
  return g.div(g.neg(g.reduceSum(g.mul(t.logp, mask))), g.max(g.reduceSum(mask), 1));
};

/** The same NLL divided by the input `token_count` (the whole batch's Σ mask, for length buckets). */
export const imitationLossBucketed: LossBuilder = (g: GraphBuilder, t: ScoreTensors): Tensor => {
  const mask = g.input('response_mask', ['B', 'T']);
  return g.div(g.neg(g.reduceSum(g.mul(t.logp, mask))), g.input('token_count', []));
};

export interface GradResult {
  readonly loss: number;
  readonly grads: Params;
  readonly stats: Record<string, number>;
}

export interface ScoreResult {
  readonly logp: Float32Array;
  readonly entropy: Float32Array;
  /** (B, T, d) row-major. */
  readonly hidden: Float32Array;
}

/** TimerPO inputs of one bucket: logp_old and logp_ref (B, T), advantage (B,) in slot order. */
export interface BucketLossInputs {
  readonly logpOld: Float32Array;
  readonly logpRef: Float32Array;
  readonly advantage: Float32Array;
}

interface Compiled {
  readonly graph: GraphBuilder;
  readonly session: OrtSession;
}

type SessionOpts = { device: string; threads: number };

async function compile(graph: GraphBuilder, so: SessionOpts): Promise<Compiled> {
  return { graph, session: await createSession(graph.toModel(), so) };
}

export class LearnerModel {
  private plain: Promise<{ score: Compiled; rl: Compiled; im: Compiled }> | undefined;
  private readonly ot = new Map<string, Promise<Compiled>>();
  /**
   * Reference log-probs already computed, by reference weight set (object identity: the
   * reference weights are never changed in place) and by sample: with
   * train.updatesPerBatch > 1 the same rollouts are updated on again and need no new
   * reference pass (learner/step-passes.ts).
   */
  readonly refLogps = new WeakMap<object, WeakMap<object, Float32Array>>();

  private constructor(
    readonly cfg: PolicyModelConfig,
    private readonly loss: SurrogateOptions,
    private readonly so: SessionOpts,
    private readonly enc: Compiled,
    private readonly scoreRowsC: Compiled,
    private readonly rlRows: Compiled,
    private readonly imRows: Compiled,
    private readonly encBack: Compiled,
  ) {}

  static async create(cfg: PolicyModelConfig, loss: SurrogateOptions, opts: { device?: string; threads?: number } = {}): Promise<LearnerModel> {
    const so = { device: opts.device ?? 'cpu', threads: opts.threads ?? 1 };
    const rows = { source: 'memory', rowPrompt: true, grammarMask: true } as const;
    const [enc, score, rl, im, back] = await Promise.all([
      compile(buildEncodeGraph(cfg), so),
      compile(buildScoreGraph(cfg, rows), so),
      compile(buildScoreGraph(cfg, { ...rows, memoryGrad: true, loss: timerpoLossBuilder({ ...loss, normalizer: 'input' }) }), so),
      compile(buildScoreGraph(cfg, { ...rows, memoryGrad: true, loss: imitationLossBucketed }), so),
      compile(buildEncoderBackwardGraph(cfg), so),
    ]);
    return new LearnerModel(cfg, loss, so, enc, score, rl, im, back);
  }

  // ---- bucketed path ---------------------------------------------------------------------

  /** Encoder memory (N, P, d) of `features` (N, P, F) under `params`. */
  async encode(params: Params, features: HostTensor): Promise<HostTensor> {
    const out = await this.enc.session.run({ features, ...paramFeeds(this.enc.graph, params) }, ['memory']);
    return out.memory;
  }

  /** Forward pass of each bucket over `memory` (one row per prompt): log-probs, entropies, hidden states. */
  async scoreBuckets(params: Params, memory: HostTensor, buckets: readonly Bucket[]): Promise<ScoreResult[]> {
    const pf = paramFeeds(this.scoreRowsC.graph, params);
    const out: ScoreResult[] = [];
    for (const b of buckets) {
      const { response_mask: _m, ...feeds } = b.feeds;
      const r = await this.scoreRowsC.session.run({ ...feeds, memory, ...pf }, ['logp', 'entropy', 'hidden']);
      out.push({ logp: r.logp.data as Float32Array, entropy: r.entropy.data as Float32Array, hidden: r.hidden.data as Float32Array });
    }
    return out;
  }

  /**
   * TimerPO loss and gradients of the whole batch, bucket by bucket: `features` and `memory`
   * (N, P, d, this step's encoder output under `params`) of the prompts, the token count of
   * the whole batch. Loss, stats and gradients are the sums of the buckets' shares.
   */
  async timerpoGradsBuckets(
    params: Params,
    features: HostTensor,
    memory: HostTensor,
    buckets: readonly Bucket[],
    inputs: readonly BucketLossInputs[],
    tokenCount: number,
  ): Promise<GradResult> {
    return this.gradsBuckets(this.rlRows, params, features, memory, buckets, tokenCount, (b, k) => ({
      logp_old: { data: inputs[k].logpOld, dims: [b.B, b.T] },
      logp_ref: { data: inputs[k].logpRef, dims: [b.B, b.T] },
      advantage: { data: inputs[k].advantage, dims: [b.B, 1] },
    }));
  }

  /**
   * Imitation (warm-start) NLL and gradients, bucket by bucket: each bucket's `response_mask`
   * holds its token weights, and `tokenCount` is their sum over the whole batch.
   */
  async imitationGradsBuckets(params: Params, features: HostTensor, memory: HostTensor, buckets: readonly Bucket[], tokenCount: number): Promise<GradResult> {
    return this.gradsBuckets(this.imRows, params, features, memory, buckets, tokenCount, () => ({}));
  }

  /** Runs a rows loss graph per bucket and the encoder backward once; sums loss, stats and gradients. */
  private async gradsBuckets(
    c: Compiled,
    params: Params,
    features: HostTensor,
    memory: HostTensor,
    buckets: readonly Bucket[],
    tokenCount: number,
    extra: (b: Bucket, k: number) => Record<string, HostTensor>,
  ): Promise<GradResult> {
    const pf = paramFeeds(c.graph, params);
    const count: HostTensor = { data: Float32Array.of(Math.max(1, tokenCount)), dims: [] };
    const grads: Params = {};
    const stats: Record<string, number> = {};
    let loss = 0;
    let gradMemory: Float32Array | undefined;
    for (const [k, b] of buckets.entries()) {
      const out = await c.session.run({ ...b.feeds, memory, ...extra(b, k), token_count: count, ...pf });
      const part = collect(out, c.graph);
      loss += part.loss;
      for (const [name, v] of Object.entries(part.stats)) stats[name] = (stats[name] ?? 0) + v;
      for (const [name, gr] of Object.entries(part.grads)) addInto(grads, name, gr);
      const gm = out['grad.memory'].data as Float32Array;
      if (gradMemory === undefined) gradMemory = gm;
      else for (let i = 0; i < gm.length; i++) gradMemory[i] += gm[i];
    }
    const back = await this.encBack.session.run({
      features,
      grad_memory: { data: gradMemory ?? new Float32Array(memory.data.length), dims: memory.dims },
      ...paramFeeds(this.encBack.graph, params),
    });
    for (const p of this.encBack.graph.params) addInto(grads, p.name, back[`grad.${p.name}`].data as Float32Array);
    return { loss, grads, stats };
  }

  /** The grounding OT graph (shared/timerpo/sinkhorn-graph.ts) for ε_OT and iterations, built on first use. */
  otRunner(o: { epsOt: number; iterations: number }): OtRunner {
    const key = `${o.epsOt}/${o.iterations}`;
    let c = this.ot.get(key);
    if (c === undefined) {
      c = compile(buildOtGraph({ width: this.cfg.width, ...o }), this.so);
      this.ot.set(key, c);
    }
    const compiled = c;
    return async (feeds) => (await compiled).session.run(feeds);
  }

  // ---- plain path (one padded batch, encoder inside) --------------------------------------

  private plainSessions() {
    if (this.plain === undefined) {
      const s = this.so;
      this.plain = Promise.all([
        compile(buildScoreGraph(this.cfg, { grammarMask: true }), s),
        compile(buildScoreGraph(this.cfg, { grammarMask: true, loss: timerpoLossBuilder(this.loss) }), s),
        compile(buildScoreGraph(this.cfg, { grammarMask: true, loss: imitationLoss }), s),
      ]).then(([score, rl, im]) => ({ score, rl, im }));
    }
    return this.plain;
  }

  /** Forward pass only: per-token log-probs, entropies and final hidden states. */
  async score(params: Params, batch: PackedBatch): Promise<ScoreResult> {
    const { score } = await this.plainSessions();
    const { response_mask: _m, ...feeds } = batch.feeds;
    const out = await score.session.run({ ...feeds, ...paramFeeds(score.graph, params) }, ['logp', 'entropy', 'hidden']);
    return { logp: out.logp.data as Float32Array, entropy: out.entropy.data as Float32Array, hidden: out.hidden.data as Float32Array };
  }

  /** TimerPO loss and gradients; `advantage` is one value per row, `logpOld`/`logpRef` (B, T). */
  async timerpoGrads(
    params: Params,
    batch: PackedBatch,
    extra: { logpOld: Float32Array; logpRef: Float32Array; advantage: Float32Array },
  ): Promise<GradResult> {
    const { rl } = await this.plainSessions();
    const feeds: Record<string, HostTensor> = {
      ...batch.feeds,
      logp_old: { data: extra.logpOld, dims: [batch.B, batch.T] },
      logp_ref: { data: extra.logpRef, dims: [batch.B, batch.T] },
      advantage: { data: extra.advantage, dims: [batch.B, 1] },
      ...paramFeeds(rl.graph, params),
    };
    return collect(await rl.session.run(feeds), rl.graph);
  }

  /** Imitation (warm-start) loss and gradients of the batch's target sequences. */
  async imitationGrads(params: Params, batch: PackedBatch): Promise<GradResult> {
    const { im } = await this.plainSessions();
    return collect(await im.session.run({ ...batch.feeds, ...paramFeeds(im.graph, params) }), im.graph);
  }

  async dispose(): Promise<void> {
    const all = [this.enc, this.scoreRowsC, this.rlRows, this.imRows, this.encBack, ...(await Promise.all(this.ot.values()))];
    if (this.plain !== undefined) all.push(...Object.values(await this.plain));
    await Promise.all(all.map((c) => c.session.dispose()));
  }
}

/** grads[name] += g (the first contribution is taken as it is). */
function addInto(grads: Params, name: string, g: Float32Array): void {
  const acc = grads[name];
  if (acc === undefined) grads[name] = g;
  else for (let i = 0; i < g.length; i++) acc[i] += g[i];
}

function collect(out: Record<string, HostTensor>, g: GraphBuilder): GradResult {
  const grads: Params = {};
  for (const p of g.params) grads[p.name] = out[`grad.${p.name}`].data as Float32Array;
  const stats: Record<string, number> = {};
  for (const [k, v] of Object.entries(out)) if (k.startsWith('stats.')) stats[k.slice(6)] = Number(v.data[0]);
  return { loss: Number(out.loss.data[0]), grads, stats };
}
