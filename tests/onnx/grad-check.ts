/**
 * Test helper: gradient check of a graph fragment against central finite differences in ORT.
 * The scalar loss is Σ out ⊙ R with a fixed random R, so every element of the VJP is probed.
 */
import { Rng } from '../../shared/rng.js';
import { GraphBuilder, addGradients } from '../../shared/onnx/index.js';
import type { DType, FloatDType, HostArray, Shape, Tensor } from '../../shared/onnx/index.js';
import { createSession } from '../../shared/onnx/runtime.js';
import type { HostTensor } from '../../shared/onnx/runtime.js';

export interface InputSpec {
  /** Static shape declared to the graph (may hold symbols). */
  readonly shape: Shape;
  /** Run-time dims fed. Default: `shape` (must then be static). */
  readonly dims?: readonly number[];
  /** Values; default: N(0, 1) from the case's seed. */
  readonly values?: readonly (number | bigint | boolean)[];
  /** Default: the case dtype. Only float inputs are differentiated. */
  readonly dtype?: DType;
}

export interface GradCase {
  readonly name: string;
  readonly dtype?: FloatDType;
  readonly inputs: Readonly<Record<string, InputSpec>>;
  readonly build: (g: GraphBuilder, t: Record<string, Tensor>) => Tensor;
  /** Inputs to differentiate; default every float input. */
  readonly wrt?: readonly string[];
  readonly seed?: number;
}

export interface GradResult {
  /** ‖analytic − numeric‖₂ / (‖analytic‖₂ + ‖numeric‖₂), per input. */
  readonly relErr: Record<string, number>;
  /** Op types in the forward graph (before the backward pass was added). */
  readonly ops: Set<string>;
  readonly analytic: Record<string, Float64Array>;
}

function makeFeeds(c: GradCase): Record<string, HostTensor> {
  const rng = new Rng(c.seed ?? 7);
  const feeds: Record<string, HostTensor> = {};
  for (const [name, spec] of Object.entries(c.inputs)) {
    const dims = spec.dims ?? (spec.shape as number[]);
    const n = dims.reduce((p, d) => p * d, 1);
    const dtype = spec.dtype ?? c.dtype ?? 'float64';
    const vals = spec.values ?? Array.from({ length: n }, () => rng.normal());
    feeds[name] = { data: hostArray(dtype, vals), dims };
  }
  return feeds;
}

export function hostArray(dtype: DType, vals: readonly (number | bigint | boolean)[]): HostArray {
  switch (dtype) {
    case 'float32':
      return Float32Array.from(vals, Number);
    case 'float64':
      return Float64Array.from(vals, Number);
    case 'int64':
      return BigInt64Array.from(vals, (v) => BigInt(v));
    case 'int32':
      return Int32Array.from(vals, Number);
    case 'bool':
      return Uint8Array.from(vals, (v) => (v ? 1 : 0));
  }
}

function declare(c: GradCase, withR: boolean) {
  const g = new GraphBuilder({ dtype: c.dtype ?? 'float64' });
  const t: Record<string, Tensor> = {};
  for (const [name, spec] of Object.entries(c.inputs)) t[name] = g.input(name, spec.shape, spec.dtype ?? g.dtype);
  const ops0 = g.nodes.length;
  const out = c.build(g, t);
  const ops = new Set(g.nodes.slice(ops0).map((n) => n.op));
  if (!withR) {
    g.output('out', out);
    return { g, t, out, ops };
  }
  const r = g.input('probe_r', out.shape);
  const loss = g.reduceSum(g.mul(out, r));
  g.output('loss', loss);
  return { g, t, out, ops, loss };
}

/** Runs the check; h is the finite-difference step (default 1e-5 in float64, 1e-2 in float32). */
export async function gradCheck(c: GradCase, h?: number): Promise<GradResult> {
  const dtype = c.dtype ?? 'float64';
  const step = h ?? (dtype === 'float64' ? 1e-5 : 1e-2);
  const feeds = makeFeeds(c);
  const probe = declare(c, false);
  const probeSession = await createSession(probe.g.toModel());
  const outDims = (await probeSession.run(feeds)).out.dims;
  const rng = new Rng((c.seed ?? 7) + 1);
  const rCount = outDims.reduce((p, d) => p * d, 1);
  const withR: Record<string, HostTensor> = {
    ...feeds,
    probe_r: {
      data: hostArray(
        dtype,
        Array.from({ length: rCount }, () => rng.normal()),
      ),
      dims: outDims,
    },
  };

  const fwd = declare(c, true);
  const lossSession = await createSession(fwd.g.toModel());
  const bwd = declare(c, true);
  const wrt = c.wrt ?? Object.keys(c.inputs).filter((k) => ['float32', 'float64'].includes(c.inputs[k].dtype ?? dtype));
  const grads = addGradients(
    bwd.g,
    bwd.loss!,
    wrt.map((k) => bwd.t[k]),
  );
  for (const k of wrt) bwd.g.output(`grad.${k}`, grads.get(bwd.t[k])!);
  const gradSession = await createSession(bwd.g.toModel());
  const res = await gradSession.run(withR);

  const relErr: Record<string, number> = {};
  const analytic: Record<string, Float64Array> = {};
  for (const k of wrt) {
    const a = Float64Array.from(res[`grad.${k}`].data as Float64Array);
    const x = withR[k].data as Float64Array | Float32Array;
    const num = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const keep = x[i];
      x[i] = keep + step;
      const up = Number((await lossSession.run(withR)).loss.data[0]);
      x[i] = keep - step;
      const down = Number((await lossSession.run(withR)).loss.data[0]);
      x[i] = keep;
      num[i] = (up - down) / (2 * step);
    }
    relErr[k] = relativeError(a, num);
    analytic[k] = a;
  }
  return { relErr, ops: fwd.ops, analytic };
}

export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0,
    na = 0,
    nb = 0;
  for (let i = 0; i < a.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    na += a[i] ** 2;
    nb += b[i] ** 2;
  }
  const denom = Math.sqrt(na) + Math.sqrt(nb);
  return denom === 0 ? 0 : Math.sqrt(diff) / denom;
}
