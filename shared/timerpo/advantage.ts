/**
 * TimerPO advantages (docs/METHOD.md §6, steps 1, 3, 4). All arrays hold B = groups × G
 * values laid out group by group: entry g*G + i is response i of group g.
 *
 *   Â_main_i = R_i − mean_g(R)            (optionally ÷ (std_g(R) + 1e-6))
 *   Â_TsR_i  = s_i − mean_g(s)
 *   Â⊥       = Â_TsR − (⟨Â_TsR, Â_main⟩ / (‖Â_main‖² + 1e−8)) · Â_main   (per group)
 *   A_i      = Â_main_i + α · Â⊥_i
 *
 * Estimators sit in a registry keyed by name (`grpo`, `timerpo-no-proj`, `timerpo`),
 * so ablations are a config value; an unknown name is a ConfigError listing the valid names.
 */
import { ConfigError } from '../errors.js';

export interface AdvantageOptions {
  /** Group size G (paper: 5). */
  readonly groupSize: number;
  /** Weight α of the grounded term (paper: 0.3). */
  readonly alpha?: number;
  /** Divide the main advantage by the group's reward std (the paper's code does not). */
  readonly normalizeStd?: boolean;
}

function checkGroups(x: ArrayLike<number>, G: number, name: string): number {
  if (!Number.isInteger(G) || G < 1) throw new ConfigError('groupSize', `must be a positive integer, got ${G}`);
  if (x.length % G !== 0) throw new RangeError(`${name} has ${x.length} entries, not a multiple of groupSize ${G}`);
  return x.length / G;
}

/** Â_main: rewards centred per group (and optionally scaled by the group std). */
export function advMain(rewards: ArrayLike<number>, groupSize: number, normalizeStd = false): Float64Array {
  const groups = checkGroups(rewards, groupSize, 'rewards');
  const out = new Float64Array(rewards.length);
  for (let g = 0; g < groups; g++) {
    const o = g * groupSize;
    let m = 0;
    for (let i = 0; i < groupSize; i++) m += rewards[o + i];
    m /= groupSize;
    let v = 0;
    for (let i = 0; i < groupSize; i++) v += (rewards[o + i] - m) ** 2;
    const sd = Math.sqrt(v / groupSize);
    for (let i = 0; i < groupSize; i++) out[o + i] = normalizeStd ? (rewards[o + i] - m) / (sd + 1e-6) : rewards[o + i] - m;
  }
  return out;
}

/** Â_TsR: grounded rewards centred per group. */
export function advGrounded(s: ArrayLike<number>, groupSize: number): Float64Array {
  return advMain(s, groupSize, false);
}

/** Per-group orthogonal projection of Â_TsR off Â_main (result ⟂ Â_main within each group). */
export function projectOrthogonal(advTsr: ArrayLike<number>, advMainV: ArrayLike<number>, groupSize: number): Float64Array {
  const groups = checkGroups(advTsr, groupSize, 'advTsr');
  if (advMainV.length !== advTsr.length) throw new RangeError(`advMain has ${advMainV.length} entries, advTsr ${advTsr.length}`);
  const out = new Float64Array(advTsr.length);
  for (let g = 0; g < groups; g++) {
    const o = g * groupSize;
    let dot = 0,
      nn = 0;
    for (let i = 0; i < groupSize; i++) {
      dot += advTsr[o + i] * advMainV[o + i];
      nn += advMainV[o + i] * advMainV[o + i];
    }
    const k = dot / (nn + 1e-8);
    for (let i = 0; i < groupSize; i++) out[o + i] = advTsr[o + i] - k * advMainV[o + i];
  }
  return out;
}

export interface AdvantageParts {
  readonly advMain: Float64Array;
  readonly advGrounded: Float64Array;
  readonly advProjected: Float64Array;
  /** Final per-response advantage A_i, applied to every response token. */
  readonly advantage: Float64Array;
}

type Estimator = (rewards: ArrayLike<number>, grounded: ArrayLike<number> | undefined, opts: AdvantageOptions) => AdvantageParts;

function needGrounded(grounded: ArrayLike<number> | undefined, name: string): ArrayLike<number> {
  if (grounded === undefined) throw new ConfigError('estimator', `"${name}" needs grounded rewards (ExpCoT hidden states); none were given`);
  return grounded;
}

/** The estimator registry (verl-style): name → pure function. */
export const ESTIMATORS: Readonly<Record<'grpo' | 'timerpo-no-proj' | 'timerpo', Estimator>> = Object.freeze({
  grpo: (rewards, grounded, opts) => {
    const am = advMain(rewards, opts.groupSize, opts.normalizeStd);
    const zero = new Float64Array(am.length);
    const ag = grounded ? advGrounded(grounded, opts.groupSize) : zero;
    return { advMain: am, advGrounded: ag, advProjected: zero, advantage: am };
  },
  'timerpo-no-proj': (rewards, grounded, opts) => {
    const alpha = opts.alpha ?? 0.3;
    const am = advMain(rewards, opts.groupSize, opts.normalizeStd);
    const ag = advGrounded(needGrounded(grounded, 'timerpo-no-proj'), opts.groupSize);
    const a = am.map((v, i) => v + alpha * ag[i]);
    return { advMain: am, advGrounded: ag, advProjected: ag, advantage: a };
  },
  timerpo: (rewards, grounded, opts) => {
    const alpha = opts.alpha ?? 0.3;
    const am = advMain(rewards, opts.groupSize, opts.normalizeStd);
    const ag = advGrounded(needGrounded(grounded, 'timerpo'), opts.groupSize);
    const ap = projectOrthogonal(ag, am, opts.groupSize);
    const a = am.map((v, i) => v + alpha * ap[i]);
    return { advMain: am, advGrounded: ag, advProjected: ap, advantage: a };
  },
});

export type EstimatorName = keyof typeof ESTIMATORS;

export function estimatorByName(name: string): Estimator {
  if (!Object.hasOwn(ESTIMATORS, name)) {
    throw new ConfigError('estimator', `unknown estimator "${name}"; valid: ${Object.keys(ESTIMATORS).join(', ')}`);
  }
  return ESTIMATORS[name as EstimatorName];
}
