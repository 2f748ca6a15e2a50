/**
 * Per-token TimerPO loss terms (docs/METHOD.md §6, step 5), in plain float64. The learner's
 * ONNX graph computes the same quantities with gradients; these functions are the
 * reference it is tested against.
 *
 *   ρ_t = exp(logp_new − logp_old)
 *   surrogate_t = min(ρ_t A, clip(ρ_t, 1−ε, 1+ε) A)
 *   k3 KL_t = exp(logp_ref − logp_new) − (logp_ref − logp_new) − 1      (≥ 0, low variance)
 *   loss = −mean_t(surrogate_t) + β_KL · mean_t(KL_t) − β_ent · mean_t(entropy_t)
 * Means are token means over the unmasked response tokens of the batch.
 */
export interface SurrogateOptions {
  /** PPO clip ε (paper: 0.2). */
  readonly clipEps?: number;
  /** KL coefficient β_KL (paper: 0.001). */
  readonly klCoef?: number;
  /** Entropy bonus coefficient (paper: 0.001). */
  readonly entropyCoef?: number;
}

export const SURROGATE_DEFAULTS = Object.freeze({ clipEps: 0.2, klCoef: 0.001, entropyCoef: 0.001 });

export function clippedSurrogate(logpNew: number, logpOld: number, A: number, clipEps: number = SURROGATE_DEFAULTS.clipEps): number {
  const rho = Math.exp(logpNew - logpOld);
  const clipped = Math.min(Math.max(rho, 1 - clipEps), 1 + clipEps);
  return Math.min(rho * A, clipped * A);
}

export function klK3(logpNew: number, logpRef: number): number {
  const d = logpRef - logpNew;
  return Math.exp(d) - d - 1;
}

export interface TokenBatch {
  readonly logpNew: ArrayLike<number>;
  readonly logpOld: ArrayLike<number>;
  readonly logpRef: ArrayLike<number>;
  /** Entropy of the policy's distribution at each token (nats). */
  readonly entropy: ArrayLike<number>;
  /** Advantage per token (the response's A_i repeated over its tokens). */
  readonly advantage: ArrayLike<number>;
  /** 1 for response tokens that count, 0 for padding/prompt. */
  readonly mask: ArrayLike<number>;
}

export interface LossParts {
  readonly loss: number;
  readonly surrogate: number;
  readonly kl: number;
  readonly entropy: number;
  /** Share of counted tokens whose ratio was clipped. */
  readonly clipFraction: number;
  readonly tokens: number;
}

/** Token-mean TimerPO loss over a batch, with its parts (for logging and tests). */
export function timerpoLoss(b: TokenBatch, opts: SurrogateOptions = {}): LossParts {
  const clipEps = opts.clipEps ?? SURROGATE_DEFAULTS.clipEps;
  const klCoef = opts.klCoef ?? SURROGATE_DEFAULTS.klCoef;
  const entropyCoef = opts.entropyCoef ?? SURROGATE_DEFAULTS.entropyCoef;
  let n = 0,
    sur = 0,
    kl = 0,
    ent = 0,
    clipped = 0;
  for (let t = 0; t < b.mask.length; t++) {
    if (!b.mask[t]) continue;
    n++;
    sur += clippedSurrogate(b.logpNew[t], b.logpOld[t], b.advantage[t], clipEps);
    kl += klK3(b.logpNew[t], b.logpRef[t]);
    ent += b.entropy[t];
    const rho = Math.exp(b.logpNew[t] - b.logpOld[t]);
    if (rho < 1 - clipEps || rho > 1 + clipEps) clipped++;
  }
  if (n === 0) return { loss: 0, surrogate: 0, kl: 0, entropy: 0, clipFraction: 0, tokens: 0 };
  sur /= n;
  kl /= n;
  ent /= n;
  return { loss: -sur + klCoef * kl - entropyCoef * ent, surrogate: sur, kl, entropy: ent, clipFraction: clipped / n, tokens: n };
}
