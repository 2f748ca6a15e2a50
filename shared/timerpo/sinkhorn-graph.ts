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
 * Outputs:
 *   W           (R,)  float64   OT cost W_r = Σ_ts T_ts C_ts of each row
 *   iterations  ()    int64     Sinkhorn iterations run (all rows of the group run the same)
 *   marginalError (R,) float64  Σ_t |Σ_s T_ts − a_t| of each row's plan (its column marginals
 *                                are exact: the last half-step fits them); tolerance > 0 only
 *   plan        (R, T, S) float64  the transport plans, with `withPlan` only
 *
 * Early stopping (`tolerance` > 0): after each iteration the row-marginal L1 error of every
 * row's plan is measured (with the K·v the next iteration needs anyway), and the iterations
 * stop once the largest error in the group is ≤ tolerance, at most `iterations` in all; the
 * loop is an ONNX Loop (shared/onnx/loop.ts) inside the same session run. With tolerance 0
 * (the default) the graph is the fixed unrolled iterations of the paper, as before.
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
import { loop } from '../onnx/loop.js';
import { OT_DEFAULTS } from './sinkhorn.js';

export interface OtGraphOptions {
  /** Hidden width d. */
  readonly width: number;
  /** ε_OT (paper: 0.08). */
  readonly epsOt?: number;
  /** Sinkhorn iterations (paper: 50): all of them unrolled, or the cap with a tolerance. */
  readonly iterations?: number;
  /** Stop once every row's row-marginal L1 error is ≤ this (default 0: always `iterations`). */
  readonly tolerance?: number;
  /** Also output `plan` (R, T, S) float64, the transport plans (tests and bench). */
  readonly withPlan?: boolean;
}

/** Builds the per-prompt-group OT graph (inputs H, valid, E; output W). */
export function buildOtGraph(o: OtGraphOptions): GraphBuilder {
  const epsOt = o.epsOt ?? OT_DEFAULTS.epsOt;
  const iterations = o.iterations ?? OT_DEFAULTS.iterations;
  const tolerance = o.tolerance ?? 0;
  if (!(tolerance >= 0 && tolerance < Infinity)) throw new RangeError(`buildOtGraph: tolerance must be a finite number >= 0, got ${tolerance}`);
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
  if (tolerance === 0) {
    for (let it = 1; it < iterations; it++) {
      u = safeDiv(g, a, g.matmul(K, asColumn(v)));
      v = safeDiv(g, b, g.matmul(asRow(u), K));
    }
    g.output('iterations', g.const([BigInt(iterations)], [], 'int64'));
  } else {
    // The same half-steps in a Loop that carries K·v: the next iteration's u = a / (K·v), and
    // the stopping test's row marginals u ⊙ (K·v) of the current plan.
    const errorOf = (b_: GraphBuilder, uu: Tensor, kv: Tensor, aa: Tensor) => b_.reduceSum(abs(b_, b_.sub(b_.mul(uu, kv), aa)), [1, 2]);
    const going = (b_: GraphBuilder, err: Tensor) => b_.greater(reduceMaxAll(b_, err), tolerance);
    const kv = g.matmul(K, asColumn(v));
    const err = errorOf(g, u, kv, a);
    const out = loop(g, { maxTrips: iterations - 1, cond: going(g, err), carried: [u, v, kv, err, g.const([1n], [], 'int64')] }, (bd, [, , kvIn, , n]) => {
      const [Kb, ab, bb] = [bd.outer(K), bd.outer(a), bd.outer(b)];
      const un = safeDiv(bd, ab, kvIn);
      const vn = safeDiv(bd, bb, bd.matmul(bd.reshape(un, [0, 1, -1]), Kb));
      const kvn = bd.matmul(Kb, bd.reshape(vn, [0, -1, 1]));
      const e = errorOf(bd, un, kvn, ab);
      return { cond: going(bd, e), carried: [un, vn, kvn, e, bd.add(n, bd.const([1n], [], 'int64'))] };
    });
    [u, v] = out;
    g.output('marginalError', out[3]);
    g.output('iterations', out[4]);
  }
  const plan = g.mul(g.mul(u, K), v); // (R, T, S): u_t K_ts v_s
  if (o.withPlan === true) g.output('plan', plan);
  g.output('W', g.reduceSum(g.mul(plan, C), [1, 2]));
  return g;
}

function abs(g: GraphBuilder, x: Tensor): Tensor {
  return g.emit('Abs', [x], {}, [x])[0];
}

/** The largest entry of x, a scalar (opset 17 ReduceMax: axes as an attribute; none = all). */
function reduceMaxAll(g: GraphBuilder, x: Tensor): Tensor {
  return g.emit('ReduceMax', [x], { keepdims: { type: 'int', value: 0 } }, [{ dtype: x.dtype, shape: [] }])[0];
}

/** num / den where den > 0, else 0 (the loop's safeDiv; the unused quotient never escapes Where). */
function safeDiv(g: GraphBuilder, num: Tensor, den: Tensor): Tensor {
  return g.where(g.greater(den, 0), g.div(num, den), 0);
}
