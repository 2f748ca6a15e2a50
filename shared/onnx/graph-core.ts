/**
 * The tensor-graph IR: symbolic tensors, nodes (one per ONNX node), graph inputs, trainable
 * params, constants and outputs, and the serialisation to ONNX bytes. Op methods with shape
 * rules live in graph.ts (GraphBuilder extends this class); gradients in autodiff.ts.
 *
 * A node here IS an ONNX node: its op name is the ONNX op_type, its attributes are ONNX
 * attributes, and axes-like arguments that opset 17 takes as inputs are int64 constants
 * carrying their values (`Tensor.value`), so gradient rules can read them back.
 */
import { ConfigError, ShapeError } from '../errors.js';
import { dtypeOfArray, toArray } from './dtypes.js';
import type { DType, FloatDType, HostArray } from './dtypes.js';
import { DEFAULT_IR_VERSION, DEFAULT_OPSET, encodeModel } from './onnx-model.js';
import type { AttributeValue, GraphDef, TensorData, ValueInfo } from './onnx-model.js';
import { checkShape, formatShape, onnxDim, staticSize } from './shape.js';
import type { Dim, Shape } from './shape.js';

export type TensorKind = 'input' | 'param' | 'const' | 'node';

/** A symbolic tensor: a name in the ONNX graph plus its element type and static shape. */
export class Tensor {
  constructor(
    readonly graph: GraphCore,
    readonly name: string,
    readonly dtype: DType,
    readonly shape: Shape,
    readonly kind: TensorKind,
    /** Values of a constant (initializer); undefined otherwise. */
    readonly value?: HostArray,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `${this.name}: ${this.dtype}${formatShape(this.shape)}`;
  }
}

/** One ONNX node. `inputs[i] === null` is an omitted optional input. */
export interface Node {
  readonly op: string;
  readonly name: string;
  readonly inputs: readonly (Tensor | null)[];
  readonly outputs: readonly Tensor[];
  readonly attrs: Readonly<Record<string, AttributeValue>>;
}

export interface GraphOptions {
  /** Element type of params, scalars and constants created without an explicit dtype. Default 'float32'. */
  readonly dtype?: FloatDType;
  /** ONNX graph name. Default 'anomseer'. */
  readonly name?: string;
}

export interface ModelOptions {
  /**
   * Param values to bake into the model as initializers (keyed by param name); those params
   * are no longer graph inputs. Params not listed stay inputs, fed per run (the learner's way).
   */
  readonly bakedParams?: Readonly<Record<string, HostArray>>;
  readonly irVersion?: number;
  readonly opsetVersion?: number;
}

export class GraphCore {
  readonly dtype: FloatDType;
  readonly name: string;
  readonly nodes: Node[] = [];
  readonly inputs: Tensor[] = [];
  readonly params: Tensor[] = [];
  readonly consts: Tensor[] = [];
  readonly outputs: { readonly name: string; readonly tensor: Tensor }[] = [];
  private readonly names = new Set<string>();
  private readonly constCache = new Map<string, Tensor>();
  private counter = 0;

  constructor(opts: GraphOptions = {}) {
    const dtype = opts.dtype ?? 'float32';
    if (dtype !== 'float32' && dtype !== 'float64') {
      throw new ConfigError('dtype', `must be 'float32' or 'float64', got ${JSON.stringify(dtype)}`);
    }
    this.dtype = dtype;
    this.name = opts.name ?? 'anomseer';
  }

  /** A graph input fed at run time (data, indices, masks). `dtype` defaults to the graph's. */
  input(name: string, shape: Shape, dtype: DType = this.dtype): Tensor {
    const t = new Tensor(this, this.claim(name, 'input'), dtype, checkShape(`input ${name}`, shape), 'input');
    this.inputs.push(t);
    return t;
  }

  /** A trainable weight of the graph dtype: a graph input, or an initializer when baked (see ModelOptions). */
  param(name: string, shape: Shape): Tensor {
    const s = checkShape(`param ${name}`, shape);
    if (staticSize(s) === undefined) throw new ShapeError(`param ${name}: shape must be fixed, got ${formatShape(s)}`);
    const t = new Tensor(this, this.claim(name, 'param'), this.dtype, s, 'param');
    this.params.push(t);
    return t;
  }

  /** A constant (always an initializer). `values` length must equal the shape's size. */
  const(values: ArrayLike<number | bigint | boolean> | HostArray, shape: readonly number[], dtype: DType = this.dtype): Tensor {
    const data = ArrayBuffer.isView(values) && dtypeOfArray(values as HostArray) === dtype ? (values as HostArray).slice() : toArray(dtype, values);
    const size = staticSize(shape);
    if (size !== data.length) throw new ShapeError(`const: shape ${formatShape(shape)} holds ${size} values, got ${data.length}`);
    const t = new Tensor(this, this.fresh('const'), dtype, shape.slice(), 'const', data);
    this.consts.push(t);
    return t;
  }

  /** A cached scalar constant (rank 0). */
  scalar(value: number, dtype: DType = this.dtype): Tensor {
    return this.cached(`s:${dtype}:${Object.is(value, -0) ? '-0' : value}`, () => this.const([value], [], dtype));
  }

  /** A cached 1-D int64 constant, for axes, shapes, pads and the like. */
  ints(values: readonly number[]): Tensor {
    return this.cached(`i:${values.join(',')}`, () =>
      this.const(
        values.map((v) => BigInt(v)),
        [values.length],
        'int64',
      ),
    );
  }

  /** Declares `t` as graph output `name` (through an Identity node, so any tensor can be an output). */
  output(name: string, t: Tensor): Tensor {
    this.own(t);
    const out = new Tensor(this, this.claim(name, 'output'), t.dtype, t.shape, 'node');
    this.nodes.push({ op: 'Identity', name: this.fresh('n_Identity'), inputs: [t], outputs: [out], attrs: {} });
    this.outputs.push({ name, tensor: out });
    return out;
  }

  /**
   * Low-level: appends one ONNX node. Op methods in GraphBuilder call this after checking
   * shapes; it is public so rarely used ops can be added without touching the builder.
   */
  emit(op: string, inputs: readonly (Tensor | null)[], attrs: Record<string, AttributeValue>, outs: readonly { dtype: DType; shape: Shape }[]): Tensor[] {
    for (const t of inputs) if (t !== null) this.own(t);
    const outputs = outs.map((o) => new Tensor(this, this.fresh(op.toLowerCase()), o.dtype, o.shape.slice(), 'node'));
    this.nodes.push({ op, name: this.fresh(`n_${op}`), inputs: inputs.slice(), outputs, attrs });
    return outputs;
  }

  /** The plain ONNX graph description (what toModel encodes). */
  toGraphDef(opts: ModelOptions = {}): GraphDef {
    const baked = opts.bakedParams ?? {};
    const byName = new Map(this.params.map((p) => [p.name, p]));
    for (const name of Object.keys(baked)) {
      if (!byName.has(name)) {
        throw new ConfigError('bakedParams', `"${name}" is not a param of this graph; params: ${[...byName.keys()].join(', ') || '(none)'}`);
      }
    }
    const initializers: TensorData[] = this.consts.map((c) => ({ name: c.name, dims: c.shape as number[], data: c.value! }));
    const inputs: ValueInfo[] = this.inputs.map(valueInfo);
    for (const p of this.params) {
      const v = baked[p.name];
      if (v === undefined) {
        inputs.push(valueInfo(p));
        continue;
      }
      if (dtypeOfArray(v) !== p.dtype || v.length !== staticSize(p.shape)) {
        throw new ShapeError(`bakedParams.${p.name}: expected ${p.dtype} with ${staticSize(p.shape)} values, got ${dtypeOfArray(v)} with ${v.length}`);
      }
      initializers.push({ name: p.name, dims: p.shape as number[], data: v });
    }
    return {
      name: this.name,
      nodes: this.nodes.map((n) => ({
        opType: n.op,
        name: n.name,
        inputs: n.inputs.map((t) => (t === null ? '' : t.name)),
        outputs: n.outputs.map((t) => t.name),
        attributes: n.attrs,
      })),
      initializers,
      inputs,
      outputs: this.outputs.map((o) => valueInfo(o.tensor)),
    };
  }

  /** ONNX model bytes, ready for `createSession` (IR 8, opset 17 unless overridden). */
  toModel(opts: ModelOptions = {}): Uint8Array {
    return encodeModel({
      graph: this.toGraphDef(opts),
      irVersion: opts.irVersion ?? DEFAULT_IR_VERSION,
      opsetVersion: opts.opsetVersion ?? DEFAULT_OPSET,
    });
  }

  private own(t: Tensor): void {
    if (t.graph !== this) throw new ConfigError('tensor', `${t.name} belongs to another graph`);
  }

  private claim(name: string, what: string): string {
    if (typeof name !== 'string' || name.length === 0) throw new ConfigError(what, 'name must be a non-empty string');
    if (this.names.has(name)) throw new ConfigError(what, `name "${name}" is already used in this graph`);
    this.names.add(name);
    return name;
  }

  /** A generated name; the leading '_' keeps generated names apart from user names. */
  private fresh(prefix: string): string {
    let name: string;
    do name = `_${prefix}_${this.counter++}`;
    while (this.names.has(name));
    this.names.add(name);
    return name;
  }

  private cached(key: string, make: () => Tensor): Tensor {
    let t = this.constCache.get(key);
    if (t === undefined) {
      t = make();
      this.constCache.set(key, t);
    }
    return t;
  }
}

function valueInfo(t: Tensor): ValueInfo {
  return { name: t.name, dtype: t.dtype, shape: t.shape.map((d: Dim) => onnxDim(d)) };
}
