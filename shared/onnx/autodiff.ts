/**
 * Reverse-mode autodiff over the IR: appends the backward pass to the same graph as ONNX
 * nodes, so one session computes loss and gradients together.
 *
 * Algorithm (forward nodes are already in topological order, since a node can only use
 * tensors that existed when it was built):
 *   1. mark the float tensors that depend on a requested param (forward scan);
 *   2. seed ∂L/∂L = 1 and walk the nodes in reverse; each node whose output has a gradient
 *      and which has a marked input calls its VJP rule (vjp-rules.ts) for the marked inputs;
 *   3. a tensor used by several consumers gets the Add of their contributions (fan-out).
 * Because every consumer of a tensor comes after its producer, a tensor's gradient is
 * complete by the time the walk reaches its producer.
 */
import { ConfigError, ShapeError } from '../errors.js';
import { isFloat } from './dtypes.js';
import { UnsupportedOpError } from './errors.js';
import type { GraphBuilder } from './graph.js';
import type { Tensor } from './graph-core.js';
import { formatShape } from './shape.js';
import { VJP_RULES } from './vjp-rules.js';
import { checkGradShape } from './vjp-helpers.js';

/**
 * Appends ∂loss/∂p for every `p` in `params` to graph `g` and returns them, keyed by param.
 * `loss` must hold exactly one element (shape [] or all ones). `params` may be any float
 * tensors of `g` (usually `g.params`; graph inputs work too, e.g. for gradient checks).
 * A param the loss does not depend on gets zeros. A path through an op without a VJP rule
 * throws UnsupportedOpError naming the op.
 */
export function addGradients(g: GraphBuilder, loss: Tensor, params: readonly Tensor[]): Map<Tensor, Tensor> {
  if (loss.graph !== g) throw new ConfigError('loss', `${loss.name} belongs to another graph`);
  if (!isFloat(loss.dtype) || !loss.shape.every((d) => d === 1)) {
    throw new ShapeError(`loss must be a float scalar (shape [] or all 1s), got ${loss.dtype}${formatShape(loss.shape)}`);
  }
  for (const p of params) {
    if (p.graph !== g) throw new ConfigError('params', `${p.name} belongs to another graph`);
    if (!isFloat(p.dtype)) throw new ConfigError('params', `${p.name} is ${p.dtype}; gradients exist only for float tensors`);
  }

  const forward = g.nodes.slice();
  const wanted = new Set<Tensor>(params);
  for (const node of forward) {
    if (node.inputs.some((t) => t !== null && wanted.has(t))) {
      for (const o of node.outputs) if (isFloat(o.dtype)) wanted.add(o);
    }
  }

  const grads = new Map<Tensor, Tensor>();
  grads.set(loss, loss.rank === 0 ? g.scalar(1, loss.dtype) : g.const([1], loss.shape as number[], loss.dtype));

  for (let k = forward.length - 1; k >= 0; k--) {
    const node = forward[k];
    const gy = grads.get(node.outputs[0]);
    if (gy === undefined) continue;
    const needs = node.inputs.map((t) => t !== null && wanted.has(t));
    if (!needs.some(Boolean)) continue;
    const rule = VJP_RULES[node.op];
    if (rule === undefined || node.outputs.length !== 1) throw new UnsupportedOpError(node.op, node.name, Object.keys(VJP_RULES));
    const dx = rule(g, node, gy, needs);
    node.inputs.forEach((t, i) => {
      const d = dx[i];
      if (t === null || !needs[i] || d === undefined) return;
      checkGradShape(t, d, node.op);
      const prev = grads.get(t);
      grads.set(t, prev === undefined ? d : g.add(prev, d));
    });
  }

  const result = new Map<Tensor, Tensor>();
  for (const p of params) result.set(p, grads.get(p) ?? g.zerosLike(p));
  return result;
}

/**
 * Declares each gradient as a graph output named `prefix + param.name` (default 'grad.'),
 * so a learner session returns them by name next to the loss.
 */
export function outputGradients(g: GraphBuilder, grads: ReadonlyMap<Tensor, Tensor>, prefix = 'grad.'): string[] {
  const names: string[] = [];
  for (const [p, d] of grads) {
    g.output(prefix + p.name, d);
    names.push(prefix + p.name);
  }
  return names;
}
