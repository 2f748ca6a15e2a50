/**
 * The grounded reward's optimal transport (docs/METHOD.md §6.2) for a whole prompt group in
 * one ONNX graph, in float64: the same formulas, operation order and iteration count as the
 * plain-loop reference in sinkhorn.ts, but the cost matrix is one batched GEMM and each
 * Sinkhorn half-step one batched GEMV, run by ONNX Runtime's kernels instead of JS loops
 * (the plain loops cost ~1.9 s for 80 rollouts; this graph ~0.2 s: docs/BENCHMARKS.md
 * `learner-update`).
 *
 * Inputs (R rows of one prompt, right-padded to T; S ExpCoT steps):
 *   H      (R, T, d) float32   response hidden states (row r valid for t < len_r)
 *   valid  (R, T)    bool      true where t < len_r (every row needs len_r ≥ 1)
 *   E      (S, d)    float32   the prompt's ExpCoT hidden states
 * Output:
 *   W      (R,)      float64   OT cost W_r = Σ_ts T_ts C_ts of each row
 *
 * Per row, exactly as sinkhorn.ts: C = max(0, 1 − cos(h_t, e_s)) (cos 0 for a zero vector),
 * a = softmax_t(‖h_t‖) over valid t, b = softmax_s(‖e_s‖), K = exp(−C/ε), u = a/(Kv),
 * v = b/(Kᵀu) (a zero denominator gives 0), starting from v = 1. Padded steps have a_t = 0,
 * so u_t = 0 and they add exact zeros to every sum: padding changes no value, only the
 * summation order inside the kernels (results agree with the loops to ~1e-14 relative;
 * tests/timerpo/sinkhorn-graph.test.ts).
 */
import { GraphBuilder } from '../onnx/index.js';
import type { Tensor } from '../onnx/index.js';
import { OT_DEFAULTS } from './sinkhorn.js';

export interface OtGraphOptions {
  /** Hidden width d. */
  readonly width: number;
  /** ε_OT (paper: 0.08). */
  readonly epsOt?: number;
  /** Sinkhorn iterations (paper: 50), unrolled into the graph. */
  readonly iterations?: number;
}

/** Builds the per-prompt-group OT graph (inputs H, valid, E; output W). */
export function buildOtGraph(o: OtGraphOptions): GraphBuilder {
  const epsOt = o.epsOt ?? OT_DEFAULTS.epsOt;
  const iterations = o.iterations ?? OT_DEFAULTS.iterations;
  if (!(epsOt > 0)) throw new RangeError(`buildOtGraph: epsOt must be > 0, got ${epsOt}`);
  if (!Number.isInteger(iterations) || iterations < 1) throw new RangeError(`buildOtGraph: iterations must be an integer >= 1, got ${iterations}`);
  const g = new GraphBuilder({ dtype: 'float64', name: 'grounding-ot' });
  const d = o.width;
  const H = g.cast(g.input('H', ['R', 'T', d], 'float32'), 'float64');
  const valid = g.input('valid', ['R', 'T'], 'bool');
  const E = g.cast(g.input('E', ['S', d], 'float32'), 'float64');
  const nh = g.sqrt(g.reduceSum(g.mul(H, H), [2])); // (R, T)
  const ne = g.sqrt(g.reduceSum(g.mul(E, E), [1])); // (S,)
  const dot = g.matmul(H, g.transpose(E, [1, 0])); // (R, T, S)
  const den = g.mul(g.unsqueeze(nh, [2]), ne);
  const C = g.max(g.sub(1, safeDiv(g, dot, den)), 0);
  const K = g.exp(g.div(C, -epsOt)); // (R, T, S)
  const a = g.unsqueeze(g.softmax(g.where(valid, nh, -Infinity), 1), [2]); // (R, T, 1)
  const b = g.unsqueeze(g.softmax(ne, 0), [0]); // (1, S)
  // u is a column (R, T, 1) and v a row (R, 1, S), so both half-steps read K in place:
  // Kv = K · vᵀ and Kᵀu = (uᵀ K)ᵀ; no transposed copy of K is made.
  // First half-step with v = 1: K·1 is the row sum of K, exactly as the loop computes it.
  // (A vector's transpose is a Reshape: the same numbers in the same order, no copy.)
  const asRow = (x: Tensor) => g.reshape(x, [0, 1, -1]);
  const asColumn = (x: Tensor) => g.reshape(x, [0, -1, 1]);
  let u = safeDiv(g, a, g.reduceSum(K, [2], true));
  let v = safeDiv(g, b, g.matmul(asRow(u), K));
  for (let it = 1; it < iterations; it++) {
    u = safeDiv(g, a, g.matmul(K, asColumn(v)));
    v = safeDiv(g, b, g.matmul(asRow(u), K));
  }
  const plan = g.mul(g.mul(u, K), v); // (R, T, S): u_t K_ts v_s
  g.output('W', g.reduceSum(g.mul(plan, C), [1, 2]));
  return g;
}

/** num / den where den > 0, else 0 (the loop's safeDiv; the unused quotient never escapes Where). */
function safeDiv(g: GraphBuilder, num: Tensor, den: Tensor): Tensor {
  return g.where(g.greater(den, 0), g.div(num, den), 0);
}
