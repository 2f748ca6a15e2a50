/**
 * Entropic optimal transport for TimerPO's grounded reward (docs/METHOD.md §6, step 2).
 *
 * Given the policy's final hidden states over its response tokens H (T × d)
 * and over the ExpCoT tokens E (S × d), the cost is C_ts = max(0, 1 − cos(h_t, e_s)),
 * the marginals are a = softmax(‖h_t‖), b = softmax(‖e_s‖), and Sinkhorn runs in
 * float64 with ε_OT = 0.08 for 50 iterations:
 *   K = exp(−C/ε),  u = a / (K v),  v = b / (Kᵀ u),  T = diag(u) K diag(v),  W = Σ T ⊙ C.
 * The grounded reward is s = clip(exp(−W/τ), 0, 1) with τ = 0.5. No gradient flows here.
 */

export interface SinkhornOptions {
  /** Entropic regularisation ε_OT (paper: 0.08). */
  readonly epsOt?: number;
  /** Fixed number of Sinkhorn iterations (paper: 50). */
  readonly iterations?: number;
  /**
   * Optional early stop (default 0: off, always `iterations`): stop once the plan's row
   * marginals are within `tolerance` of a (L1, measured before each row update). Off in
   * the learner: on real hidden states 50 iterations have not converged (W still moves by
   * ~4e-7 relative from iteration 49 to 50), so any useful tolerance would change results.
   */
  readonly tolerance?: number;
}

export interface SinkhornResult {
  /** Transport plan T, row-major (rows × cols). */
  readonly plan: Float64Array;
  /** Transport cost W = Σ T ⊙ C. */
  readonly cost: number;
  /** Iterations run (= `iterations` unless `tolerance` stopped earlier). */
  readonly iterations: number;
}

export const OT_DEFAULTS = Object.freeze({ epsOt: 0.08, iterations: 50, tau: 0.5 });

/**
 * Sinkhorn–Knopp iterations on cost C (rows × cols) with marginals a (rows) and b (cols).
 * A division by an underflowed K·v entry yields 0 mass for that row instead of NaN.
 */
export function sinkhorn(C: Float64Array, rows: number, cols: number, a: Float64Array, b: Float64Array, opts: SinkhornOptions = {}): SinkhornResult {
  const epsOt = opts.epsOt ?? OT_DEFAULTS.epsOt;
  const iterations = opts.iterations ?? OT_DEFAULTS.iterations;
  if (C.length !== rows * cols) throw new RangeError(`sinkhorn: C has ${C.length} entries, expected rows*cols = ${rows * cols}`);
  if (a.length !== rows || b.length !== cols) throw new RangeError(`sinkhorn: marginals have lengths ${a.length}, ${b.length}; expected ${rows}, ${cols}`);
  if (!(epsOt > 0)) throw new RangeError(`sinkhorn: epsOt must be > 0, got ${epsOt}`);
  const K = new Float64Array(rows * cols);
  for (let i = 0; i < K.length; i++) K[i] = Math.exp(-C[i] / epsOt);
  const u = new Float64Array(rows).fill(1);
  const v = new Float64Array(cols).fill(1);
  const tolerance = opts.tolerance ?? 0;
  const safeDiv = (num: number, den: number) => (den > 0 ? num / den : 0);
  let it = 0;
  for (; it < iterations; it++) {
    let err = 0;
    for (let t = 0; t < rows; t++) {
      let kv = 0;
      for (let s = 0; s < cols; s++) kv += K[t * cols + s] * v[s];
      if (it > 0) err += Math.abs(u[t] * kv - a[t]);
      u[t] = safeDiv(a[t], kv);
    }
    if (tolerance > 0 && it > 0 && err <= tolerance) break;
    for (let s = 0; s < cols; s++) {
      let ktu = 0;
      for (let t = 0; t < rows; t++) ktu += K[t * cols + s] * u[t];
      v[s] = safeDiv(b[s], ktu);
    }
  }
  const plan = new Float64Array(rows * cols);
  let cost = 0;
  for (let t = 0; t < rows; t++) {
    for (let s = 0; s < cols; s++) {
      const p = u[t] * K[t * cols + s] * v[s];
      plan[t * cols + s] = p;
      cost += p * C[t * cols + s];
    }
  }
  return { plan, cost, iterations: Math.min(it, iterations) };
}

/** Softmax of the L2 norms of the rows of X (rows × d). */
export function normSoftmax(X: ArrayLike<number>, rows: number, d: number): Float64Array {
  const norms = new Float64Array(rows);
  let max = -Infinity;
  for (let t = 0; t < rows; t++) {
    let ss = 0;
    for (let k = 0; k < d; k++) ss += X[t * d + k] * X[t * d + k];
    norms[t] = Math.sqrt(ss);
    if (norms[t] > max) max = norms[t];
  }
  let z = 0;
  for (let t = 0; t < rows; t++) {
    norms[t] = Math.exp(norms[t] - max);
    z += norms[t];
  }
  for (let t = 0; t < rows; t++) norms[t] /= z;
  return norms;
}

/** C_ts = max(0, 1 − cos(h_t, e_s)); a zero vector has cosine 0 with everything. */
export function cosineCost(H: ArrayLike<number>, T: number, E: ArrayLike<number>, S: number, d: number): Float64Array {
  const C = new Float64Array(T * S);
  const nh = rowNorms(H, T, d);
  const ne = rowNorms(E, S, d);
  for (let t = 0; t < T; t++) {
    for (let s = 0; s < S; s++) {
      let dot = 0;
      for (let k = 0; k < d; k++) dot += H[t * d + k] * E[s * d + k];
      const den = nh[t] * ne[s];
      const cos = den > 0 ? dot / den : 0;
      C[t * S + s] = Math.max(0, 1 - cos);
    }
  }
  return C;
}

function rowNorms(X: ArrayLike<number>, rows: number, d: number): Float64Array {
  const out = new Float64Array(rows);
  for (let t = 0; t < rows; t++) {
    let ss = 0;
    for (let k = 0; k < d; k++) ss += X[t * d + k] * X[t * d + k];
    out[t] = Math.sqrt(ss);
  }
  return out;
}

export interface GroundedRewardOptions extends SinkhornOptions {
  /** Temperature τ of s = exp(−W/τ) (paper: 0.5). */
  readonly tau?: number;
}

/**
 * The grounded reward of one response: s = clip(exp(−W/τ), 0, 1) where W is the
 * OT cost between response hidden states H (T × d) and ExpCoT hidden states E (S × d).
 */
export function groundedReward(
  H: ArrayLike<number>,
  T: number,
  E: ArrayLike<number>,
  S: number,
  d: number,
  opts: GroundedRewardOptions = {},
): { s: number; W: number; plan: Float64Array } {
  const tau = opts.tau ?? OT_DEFAULTS.tau;
  if (!(tau > 0)) throw new RangeError(`groundedReward: tau must be > 0, got ${tau}`);
  if (T === 0 || S === 0) return { s: 0, W: Number.NaN, plan: new Float64Array(0) };
  const C = cosineCost(H, T, E, S, d);
  const a = normSoftmax(H, T, d);
  const b = normSoftmax(E, S, d);
  const { plan, cost } = sinkhorn(C, T, S, a, b, opts);
  const s = Math.min(1, Math.max(0, Math.exp(-cost / tau)));
  return { s, W: cost, plan };
}
