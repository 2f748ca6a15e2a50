/**
 * Composite layers built only from primitive ops, so autodiff needs no extra rules for them
 * and their backward is exactly the chain rule through the primitives.
 */
import type { GraphBuilder } from './graph.js';
import type { Tensor } from './graph-core.js';

/** sqrt(2/π), the GELU tanh-approximation constant (Hendrycks & Gimpel 2016). */
const GELU_C = Math.sqrt(2 / Math.PI);

/**
 * GELU, tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
 * x³ is x·x·x rather than Pow, which is exact and cheaper.
 */
export function gelu(g: GraphBuilder, x: Tensor): Tensor {
  const x3 = g.mul(g.mul(x, x), x);
  const inner = g.mul(g.add(x, g.mul(x3, 0.044715)), GELU_C);
  return g.mul(g.mul(x, 0.5), g.add(g.tanh(inner), 1));
}

/**
 * Layer norm over the last axis: (x − mean) / sqrt(var + eps) · gamma + beta,
 * with the biased variance (mean of squared deviations), as in PyTorch.
 * x: (..., D); gamma, beta: (D,) or omitted.
 */
export function layerNorm(g: GraphBuilder, x: Tensor, gamma?: Tensor, beta?: Tensor, eps = 1e-5): Tensor {
  const mu = g.reduceMean(x, [-1], true);
  const xc = g.sub(x, mu);
  const variance = g.reduceMean(g.mul(xc, xc), [-1], true);
  let y = g.div(xc, g.sqrt(g.add(variance, eps)));
  if (gamma !== undefined) y = g.mul(y, gamma);
  if (beta !== undefined) y = g.add(y, beta);
  return y;
}
