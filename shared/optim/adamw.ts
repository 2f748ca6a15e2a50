/**
 * AdamW as torch.optim.AdamW computes it (Loshchilov & Hutter, decoupled weight
 * decay; amsgrad off, maximize off). For each parameter p with gradient g, at
 * update t = 1, 2, …:
 *
 *   p ← p · (1 − lr · wd)                      (skipped for noDecay parameters)
 *   m ← β1 · m + (1 − β1) · g
 *   v ← β2 · v + (1 − β2) · g²
 *   p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + eps)
 *
 * Moments are stored in Float32Array, like torch's `exp_avg` / `exp_avg_sq` for
 * float32 parameters: the checkpoint's moments then load straight into a torch
 * optimizer, they take half the memory and file size of float64, and float32
 * loses nothing that matters (the parameters themselves are float32). Each
 * element's arithmetic is done in float64 and rounded once when stored, which is
 * at least as accurate as torch's float32 kernels.
 *
 * Parameters are updated IN PLACE: the optimizer owns the update of the arrays
 * it is given (as torch's does); gradients are only read.
 */
import { ConfigError, ShapeError } from '../errors.js';
import type { Tensor } from '../checkpoint/safetensors.js';

/** A named parameter; `shape` (default [length]) is only used for the stored moments. */
export interface NamedParam {
  readonly name: string;
  readonly data: Float32Array;
  readonly shape?: readonly number[];
}

export interface AdamWOptions {
  /** Learning rate (default 1e-4; see ADAMW_DEFAULTS). Overridable per step. */
  readonly lr?: number;
  readonly betas?: readonly [number, number];
  readonly eps?: number;
  /** Decoupled weight decay coefficient wd. */
  readonly weightDecay?: number;
  /** Parameters that get no weight decay (default: biases and norm gains, defaultNoDecay). */
  readonly noDecay?: (name: string) => boolean;
}

/**
 * Defaults. betas, eps and weight decay are torch's. lr is 1e-4 rather than torch's
 * 1e-3: a policy-gradient update on an already-trained policy must stay within
 * the PPO clip range (ε = 0.2) of the sampling policy, and 1e-3 routinely
 * overshoots it; the job config sets the real value.
 */
export const ADAMW_DEFAULTS = Object.freeze({ lr: 1e-4, betas: [0.9, 0.999] as const, eps: 1e-8, weightDecay: 0.01 });

/**
 * No decay for biases and normalisation gains (the usual transformer recipe):
 * a name ending in "bias" or "gain", or containing "norm" or a "ln" segment,
 * e.g. `blocks.0.attn.bias`, `blocks.0.ln1.weight`, `final_norm.weight`.
 */
export function defaultNoDecay(name: string): boolean {
  return /(bias|gain)$/i.test(name) || /norm/i.test(name) || /(^|[._])ln(_?\w*)?[._]/i.test(name);
}

/** Optimizer state for a checkpoint: the update count t and moments `m.<name>`, `v.<name>` (F32). */
export interface AdamWState {
  readonly step: number;
  readonly tensors: Record<string, Tensor>;
}

interface Slot {
  readonly p: NamedParam;
  readonly m: Float32Array;
  readonly v: Float32Array;
  readonly decay: boolean;
}

export class AdamW {
  private readonly slots: Slot[];
  private readonly byName = new Map<string, Slot>();
  private t = 0;
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;

  constructor(params: readonly NamedParam[], opts: AdamWOptions = {}) {
    this.lr = opts.lr ?? ADAMW_DEFAULTS.lr;
    [this.beta1, this.beta2] = opts.betas ?? ADAMW_DEFAULTS.betas;
    this.eps = opts.eps ?? ADAMW_DEFAULTS.eps;
    this.weightDecay = opts.weightDecay ?? ADAMW_DEFAULTS.weightDecay;
    checkLr(this.lr, 'adamw.lr');
    for (const [i, b] of [this.beta1, this.beta2].entries()) {
      if (!(b >= 0 && b < 1)) throw new ConfigError(`adamw.betas[${i}]`, `must be in [0, 1), got ${b}`);
    }
    if (!(this.eps > 0 && Number.isFinite(this.eps))) throw new ConfigError('adamw.eps', `must be a positive number, got ${this.eps}`);
    if (!(this.weightDecay >= 0 && Number.isFinite(this.weightDecay))) throw new ConfigError('adamw.weightDecay', `must be ≥ 0, got ${this.weightDecay}`);
    const noDecay = opts.noDecay ?? defaultNoDecay;
    this.slots = params.map((p, i) => {
      if (this.byName.has(p.name)) throw new ConfigError(`params[${i}].name`, `duplicate parameter name "${p.name}"`);
      if (p.shape !== undefined && p.shape.reduce((a, d) => a * d, 1) !== p.data.length) {
        throw new ShapeError(`AdamW: parameter "${p.name}" has shape [${p.shape.join(', ')}] but ${p.data.length} values`);
      }
      const slot = { p, m: new Float32Array(p.data.length), v: new Float32Array(p.data.length), decay: !noDecay(p.name) };
      this.byName.set(p.name, slot);
      return slot;
    });
  }

  /** Number of updates applied so far (torch's `state['step']`). */
  get stepCount(): number {
    return this.t;
  }

  /** Names of the parameters that receive weight decay. */
  decayedNames(): string[] {
    return this.slots.filter((s) => s.decay).map((s) => s.p.name);
  }

  /**
   * Apply one update. `grads` must hold exactly one Float32Array per parameter, of the
   * parameter's length. `lr` overrides the constructor's (for a schedule);
   * `gradScale` multiplies every gradient on the fly (the clipGradNorm scale),
   * so the caller's gradient arrays are never modified.
   */
  step(grads: Readonly<Record<string, Float32Array>>, opts: { lr?: number; gradScale?: number } = {}): void {
    const lr = opts.lr ?? this.lr;
    const scale = opts.gradScale ?? 1;
    checkLr(lr, 'lr');
    if (!(Number.isFinite(scale) && scale >= 0)) throw new ConfigError('gradScale', `must be a finite number ≥ 0, got ${scale}`);
    for (const name of Object.keys(grads)) {
      if (!this.byName.has(name))
        throw new ShapeError(`AdamW.step: gradient "${name}" matches no parameter; parameters are ${[...this.byName.keys()].join(', ')}`);
    }
    for (const s of this.slots) {
      const g = Object.hasOwn(grads, s.p.name) ? grads[s.p.name] : undefined;
      if (g === undefined) throw new ShapeError(`AdamW.step: no gradient for parameter "${s.p.name}"`);
      if (g.length !== s.p.data.length) throw new ShapeError(`AdamW.step: gradient "${s.p.name}" has ${g.length} values, parameter has ${s.p.data.length}`);
    }
    this.t += 1;
    const { beta1, beta2, eps } = this;
    const stepSize = lr / (1 - beta1 ** this.t);
    const bc2Sqrt = Math.sqrt(1 - beta2 ** this.t);
    for (const s of this.slots) {
      const p = s.p.data,
        m = s.m,
        v = s.v,
        g = grads[s.p.name];
      const keep = s.decay ? 1 - lr * this.weightDecay : 1;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i] * scale;
        m[i] = beta1 * m[i] + (1 - beta1) * gi;
        v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
        p[i] = p[i] * keep - (stepSize * m[i]) / (Math.sqrt(v[i]) / bc2Sqrt + eps);
      }
    }
  }

  /** Copy of the state, as checkpoint tensors `m.<name>`, `v.<name>` (F32, the parameter's shape). */
  state(): AdamWState {
    const tensors: Record<string, Tensor> = {};
    for (const s of this.slots) {
      const shape = [...(s.p.shape ?? [s.p.data.length])];
      tensors[`m.${s.p.name}`] = { dtype: 'F32', shape, data: s.m.slice() };
      tensors[`v.${s.p.name}`] = { dtype: 'F32', shape: [...shape], data: s.v.slice() };
    }
    return { step: this.t, tensors };
  }

  /**
   * Restore a state produced by `state()` (possibly via a checkpoint). Every parameter
   * needs both moments with matching length; extra tensors are an error.
   */
  loadState(state: AdamWState): void {
    if (!Number.isSafeInteger(state.step) || state.step < 0) throw new ShapeError(`AdamW.loadState: step must be a non-negative integer, got ${state.step}`);
    const expected = new Set(this.slots.flatMap((s) => [`m.${s.p.name}`, `v.${s.p.name}`]));
    for (const name of Object.keys(state.tensors)) {
      if (!expected.has(name)) throw new ShapeError(`AdamW.loadState: tensor "${name}" matches no parameter moment`);
    }
    const fetch = (name: string, n: number): ArrayLike<number> => {
      const t = Object.hasOwn(state.tensors, name) ? state.tensors[name] : undefined;
      if (t === undefined) throw new ShapeError(`AdamW.loadState: missing "${name}"; the optimizer state does not match the model`);
      if (!(t.data instanceof Float32Array || t.data instanceof Float64Array))
        throw new ShapeError(`AdamW.loadState: "${name}" must be F32 or F64, got ${t.dtype}`);
      if (t.data.length !== n) throw new ShapeError(`AdamW.loadState: "${name}" has ${t.data.length} values, parameter has ${n}`);
      return t.data;
    };
    // Check everything before touching anything, so a bad state leaves the optimizer unchanged.
    const loaded = this.slots.map((s) => [fetch(`m.${s.p.name}`, s.m.length), fetch(`v.${s.p.name}`, s.v.length)] as const);
    this.slots.forEach((s, i) => {
      s.m.set(loaded[i][0]);
      s.v.set(loaded[i][1]);
    });
    this.t = state.step;
  }
}

function checkLr(lr: number, field: string): void {
  if (!(lr >= 0 && Number.isFinite(lr))) throw new ConfigError(field, `learning rate must be a finite number ≥ 0, got ${lr}`);
}
