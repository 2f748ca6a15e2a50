/**
 * The learner's view of the policy: three ONNX Runtime sessions built from the one
 * model definition (shared/policy/model.ts), with the weights fed as inputs so an
 * update needs no session rebuild:
 *
 *   score     → logp (B, T), entropy (B, T), hidden (B, T, d)      (no gradient)
 *   timerpo   → loss, grad.<param>, stats.*                        (docs/METHOD.md §6 step 5)
 *   imitation → loss = token-mean NLL of the target trace, grad.<param>   (warm start)
 */
import type { GraphBuilder, Tensor } from '../shared/onnx/index.js';
import { createSession } from '../shared/onnx/runtime.js';
import type { HostTensor, OrtSession } from '../shared/onnx/runtime.js';
import type { PolicyModelConfig } from '../shared/policy/model-config.js';
import { buildScoreGraph, paramFeeds } from '../shared/policy/model.js';
import type { LossBuilder, ScoreTensors } from '../shared/policy/model.js';
import { timerpoLossBuilder } from '../shared/policy/timerpo-loss.js';
import type { SurrogateOptions } from '../shared/timerpo/surrogate.js';
import type { PackedBatch } from './sequence-batch.js';

import type { Params } from '../shared/policy/model-config.js';

/** Token-mean negative log-likelihood over the response mask (teacher forcing). */
export const imitationLoss: LossBuilder = (g: GraphBuilder, t: ScoreTensors): Tensor => {
  const mask = g.input('response_mask', ['B', 'T']);
  return g.div(g.neg(g.reduceSum(g.mul(t.logp, mask))), g.max(g.reduceSum(mask), 1));
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

export class LearnerModel {
  private constructor(
    readonly cfg: PolicyModelConfig,
    private readonly scoreGraph: GraphBuilder,
    private readonly scoreSession: OrtSession,
    private readonly rlGraph: GraphBuilder,
    private readonly rlSession: OrtSession,
    private readonly imGraph: GraphBuilder,
    private readonly imSession: OrtSession,
  ) {}

  static async create(cfg: PolicyModelConfig, loss: SurrogateOptions, opts: { device?: string; threads?: number } = {}): Promise<LearnerModel> {
    const so = { device: opts.device ?? 'cpu', threads: opts.threads ?? 1 };
    const score = buildScoreGraph(cfg, { grammarMask: true });
    const rl = buildScoreGraph(cfg, { grammarMask: true, loss: timerpoLossBuilder(loss) });
    const im = buildScoreGraph(cfg, { grammarMask: true, loss: imitationLoss });
    const [s1, s2, s3] = await Promise.all([createSession(score.toModel(), so), createSession(rl.toModel(), so), createSession(im.toModel(), so)]);
    return new LearnerModel(cfg, score, s1, rl, s2, im, s3);
  }

  /** Forward pass only: per-token log-probs, entropies and final hidden states. */
  async score(params: Params, batch: PackedBatch): Promise<ScoreResult> {
    const { response_mask: _m, ...feeds } = batch.feeds;
    const out = await this.scoreSession.run({ ...feeds, ...paramFeeds(this.scoreGraph, params) }, ['logp', 'entropy', 'hidden']);
    return { logp: out.logp.data as Float32Array, entropy: out.entropy.data as Float32Array, hidden: out.hidden.data as Float32Array };
  }

  /** TimerPO loss and gradients; `advantage` is one value per row, `logpOld`/`logpRef` (B, T). */
  async timerpoGrads(
    params: Params,
    batch: PackedBatch,
    extra: { logpOld: Float32Array; logpRef: Float32Array; advantage: Float32Array },
  ): Promise<GradResult> {
    const feeds: Record<string, HostTensor> = {
      ...batch.feeds,
      logp_old: { data: extra.logpOld, dims: [batch.B, batch.T] },
      logp_ref: { data: extra.logpRef, dims: [batch.B, batch.T] },
      advantage: { data: extra.advantage, dims: [batch.B, 1] },
      ...paramFeeds(this.rlGraph, params),
    };
    return collect(await this.rlSession.run(feeds), this.rlGraph);
  }

  /** Imitation (warm-start) loss and gradients of the batch's target sequences. */
  async imitationGrads(params: Params, batch: PackedBatch): Promise<GradResult> {
    return collect(await this.imSession.run({ ...batch.feeds, ...paramFeeds(this.imGraph, params) }), this.imGraph);
  }

  async dispose(): Promise<void> {
    await Promise.all([this.scoreSession.dispose(), this.rlSession.dispose(), this.imSession.dispose()]);
  }
}

function collect(out: Record<string, HostTensor>, g: GraphBuilder): GradResult {
  const grads: Params = {};
  for (const p of g.params) grads[p.name] = out[`grad.${p.name}`].data as Float32Array;
  const stats: Record<string, number> = {};
  for (const [k, v] of Object.entries(out)) if (k.startsWith('stats.')) stats[k.slice(6)] = Number(v.data[0]);
  return { loss: Number(out.loss.data[0]), grads, stats };
}
