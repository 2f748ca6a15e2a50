/**
 * ONNX `Loop` (opset 16+): a body graph run until its condition output is false or a trip
 * count is reached, carrying tensors from one run to the next — what an iteration that stops
 * on a test (Sinkhorn on its marginal error) needs inside one session run.
 *
 *   const [x] = loop(g, { maxTrips: 49, cond: g.greater(err0, tol), carried: [x0] }, (b, [x]) => {
 *     const next = b.mul(x, b.outer(K));          // b.outer: a tensor of the enclosing graph
 *     return { cond: b.greater(errorOf(next), tol), carried: [next] };
 *   });
 *
 * The body is its own GraphBuilder; `outer(t)` names a tensor of the enclosing graph in it
 * (ONNX subgraphs read enclosing values by name). Every name the body defines gets a
 * `loop<k>/` prefix when it is emitted, so generated names never clash with the enclosing
 * graph's. Carried tensors keep their dtype and shape from one trip to the next.
 */
import { GraphBuilder } from './graph.js';
import { Tensor } from './graph-core.js';
import type { GraphDef } from './onnx-model.js';
import { ShapeError } from '../errors.js';

/** The body's builder: a GraphBuilder that can also read tensors of the enclosing graph. */
export class LoopBody extends GraphBuilder {
  readonly #outer: GraphBuilder;
  constructor(outer: GraphBuilder, name: string) {
    super({ dtype: outer.dtype, name });
    this.#outer = outer;
  }

  /** `t` of the enclosing graph, readable in the body (no copy: the same name). */
  outer(t: Tensor): Tensor {
    if (t.graph !== this.#outer) throw new ShapeError(`Loop body: ${t.name} is not a tensor of the enclosing graph`);
    return new Tensor(this, t.name, t.dtype, t.shape, 'node');
  }
}

export interface LoopOptions {
  /** Largest number of body runs (an int, ≥ 0). */
  readonly maxTrips: number;
  /** bool scalar: false skips the body entirely. */
  readonly cond: Tensor;
  /** Loop-carried values, in order (their final values are the Loop's outputs). */
  readonly carried: readonly Tensor[];
}

/** Emits a Loop node in `g`; returns the final values of the carried tensors. */
export function loop(
  g: GraphBuilder,
  o: LoopOptions,
  body: (b: LoopBody, carried: readonly Tensor[], trip: Tensor) => { cond: Tensor; carried: readonly Tensor[] },
): Tensor[] {
  if (!Number.isInteger(o.maxTrips) || o.maxTrips < 0) throw new ShapeError(`Loop: maxTrips must be an integer >= 0, got ${o.maxTrips}`);
  if (o.cond.dtype !== 'bool' || o.cond.rank !== 0) throw new ShapeError(`Loop: cond must be a bool scalar, got ${o.cond}`);
  const b = new LoopBody(g, `loop${g.nodes.filter((n) => n.op === 'Loop').length}`);
  const trip = b.input('trip', [], 'int64');
  b.input('cond_in', [], 'bool');
  const ins = o.carried.map((t, k) => b.input(`carried_in_${k}`, t.shape, t.dtype));
  const res = body(b, ins, trip);
  if (res.carried.length !== o.carried.length)
    throw new ShapeError(`Loop: the body returns ${res.carried.length} carried values, expected ${o.carried.length}`);
  if (res.cond.dtype !== 'bool' || res.cond.rank !== 0) throw new ShapeError(`Loop: the body's cond must be a bool scalar, got ${res.cond}`);
  b.output('cond_out', res.cond);
  res.carried.forEach((t, k) => {
    if (t.dtype !== o.carried[k].dtype) throw new ShapeError(`Loop: carried value ${k} changes dtype (${o.carried[k]} → ${t})`);
    b.output(`carried_out_${k}`, t);
  });
  const def = scoped(b.toGraphDef(), `${b.name}/`);
  const maxTrips = g.const([BigInt(o.maxTrips)], [], 'int64');
  return g.emit(
    'Loop',
    [maxTrips, o.cond, ...o.carried],
    { body: { type: 'graph', value: def } },
    o.carried.map((t) => ({ dtype: t.dtype, shape: t.shape })),
  );
}

/** Prefixes every name the body defines (inputs, initializers, node outputs); enclosing names stay. */
function scoped(def: GraphDef, prefix: string): GraphDef {
  const own = new Set<string>([...def.inputs.map((v) => v.name), ...def.initializers.map((t) => t.name!), ...def.nodes.flatMap((n) => n.outputs)]);
  const re = (name: string) => (own.has(name) ? prefix + name : name);
  return {
    ...def,
    nodes: def.nodes.map((n) => ({
      ...n,
      name: n.name === undefined ? undefined : prefix + n.name,
      inputs: n.inputs.map((i) => (i === '' ? i : re(i))),
      outputs: n.outputs.map(re),
    })),
    initializers: def.initializers.map((t) => ({ ...t, name: re(t.name!) })),
    inputs: def.inputs.map((v) => ({ ...v, name: re(v.name) })),
    outputs: def.outputs.map((v) => ({ ...v, name: re(v.name) })),
  };
}
