/**
 * The TimerPO loss (docs/METHOD.md §6, step 5) as a score-graph LossBuilder, so one learner
 * session returns the loss and every parameter gradient. Same formula and token mean
 * as the float64 reference `timerpoLoss` in shared/timerpo/surrogate.ts:
 *
 *   ρ_t   = exp(logp_t − logp_old_t)
 *   sur_t = min(ρ_t A_i, clip(ρ_t, 1 − ε, 1 + ε) A_i)
 *   kl_t  = exp(logp_ref_t − logp_t) − (logp_ref_t − logp_t) − 1          (k3)
 *   loss  = Σ_t m_t (−sur_t + β_KL kl_t − β_ent H_t) / max(1, Σ_t m_t)
 *
 * Inputs it declares: logp_old (B, T), logp_ref (B, T), advantage (B, 1) (the response's
 * A_i, the same on every token), response_mask (B, T) (1 = counted token, 0 = padding).
 * With `normalizer: 'input'` it also declares token_count () (the divisor of every mean).
 * Extra outputs: stats.surrogate, stats.kl, stats.entropy (token means) and
 * stats.clip_fraction (share of counted tokens whose ratio left [1 − ε, 1 + ε]).
 */
import { ConfigError } from '../errors.js';
import type { GraphBuilder, Tensor } from '../onnx/index.js';
import { SURROGATE_DEFAULTS } from '../timerpo/surrogate.js';
import type { SurrogateOptions } from '../timerpo/surrogate.js';
import type { LossBuilder, ScoreTensors } from './model.js';

export interface TimerpoLossOptions extends SurrogateOptions {
  /**
   * The token count the means divide by: 'mask' (default) = max(1, Σ response_mask) of this
   * batch; 'input' = a scalar input `token_count` (the whole batch's count when the batch is
   * split into length buckets, so the buckets' losses, stats and gradients add up to the
   * whole batch's).
   */
  readonly normalizer?: 'mask' | 'input';
}

export function timerpoLossBuilder(opts: TimerpoLossOptions = {}): LossBuilder {
  const clipEps = opts.clipEps ?? SURROGATE_DEFAULTS.clipEps;
  const klCoef = opts.klCoef ?? SURROGATE_DEFAULTS.klCoef;
  const entropyCoef = opts.entropyCoef ?? SURROGATE_DEFAULTS.entropyCoef;
  if (!(clipEps > 0 && clipEps < 1)) throw new ConfigError('clipEps', `must be in (0, 1), got ${clipEps}`);
  if (!(klCoef >= 0)) throw new ConfigError('klCoef', `must be >= 0, got ${klCoef}`);
  if (!(entropyCoef >= 0)) throw new ConfigError('entropyCoef', `must be >= 0, got ${entropyCoef}`);
  return (g: GraphBuilder, t: ScoreTensors): Tensor => {
    const logpOld = g.input('logp_old', ['B', 'T']);
    const logpRef = g.input('logp_ref', ['B', 'T']);
    const adv = g.input('advantage', ['B', 1]);
    const mask = g.input('response_mask', ['B', 'T']);
    const rho = g.exp(g.sub(t.logp, logpOld));
    const sur = g.min(g.mul(rho, adv), g.mul(g.clip(rho, 1 - clipEps, 1 + clipEps), adv));
    const d = g.sub(logpRef, t.logp);
    const kl = g.sub(g.sub(g.exp(d), d), 1);
    const count = opts.normalizer === 'input' ? g.input('token_count', []) : g.max(g.reduceSum(mask), 1);
    const mean = (x: Tensor) => g.div(g.reduceSum(g.mul(x, mask)), count);
    const outside = g.cast(g.greater(g.max(g.sub(rho, 1 + clipEps), g.sub(1 - clipEps, rho)), 0), g.dtype);
    g.output('stats.surrogate', mean(sur));
    g.output('stats.kl', mean(kl));
    g.output('stats.entropy', mean(t.entropy));
    g.output('stats.clip_fraction', mean(outside));
    const perToken = g.sub(g.add(g.neg(sur), g.mul(kl, klCoef)), g.mul(t.entropy, entropyCoef));
    return mean(perToken);
  };
}
