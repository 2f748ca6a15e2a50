/**
 * The subset of ONNX's protobuf messages the engine emits, as plain objects, and their encoder.
 * Field numbers are those of onnx/onnx.proto (IR version 8/9); each encoder lists its fields.
 * There is no reader: tests check the bytes by loading them into ONNX Runtime.
 */
import { ProtoWriter } from './protobuf.js';
import { DTYPES, dtypeOfArray } from './dtypes.js';
import type { DType, HostArray } from './dtypes.js';
import { ShapeError } from '../errors.js';

/** IR version 8 (ONNX 1.10+) reads in every ORT since 1.10 and fits opset 17. */
export const DEFAULT_IR_VERSION = 8;
/**
 * Opset 17: ReduceSum/Squeeze/Unsqueeze/Slice/Pad/Split take axes-like arguments as INPUTS
 * (since 13), ReduceMean/ReduceProd still as the `axes` ATTRIBUTE (until 18), and
 * ScatterND/ScatterElements accept `reduction = "add"` (since 16). ORT 1.30 implements it fully.
 */
export const DEFAULT_OPSET = 17;

/** A constant tensor: an initializer or a TENSOR attribute. Stored as little-endian raw_data. */
export interface TensorData {
  readonly name?: string;
  readonly dims: readonly number[];
  readonly data: HostArray;
}

export type AttributeValue =
  | { readonly type: 'int'; readonly value: number | bigint }
  | { readonly type: 'ints'; readonly value: readonly (number | bigint)[] }
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'floats'; readonly value: readonly number[] }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'tensor'; readonly value: TensorData }
  /** A subgraph (Loop's `body`); names it uses but does not define come from the enclosing graph. */
  | { readonly type: 'graph'; readonly value: GraphDef };

export interface NodeDef {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name?: string;
  /** '' (default ONNX domain) unless set. */
  readonly domain?: string;
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

/** A declared graph input/output: element type and shape (number = fixed, string = symbolic, null = unknown). */
export interface ValueInfo {
  readonly name: string;
  readonly dtype: DType;
  /** Omitted: rank unknown. */
  readonly shape?: readonly (number | string | null)[];
}

export interface GraphDef {
  readonly name: string;
  readonly nodes: readonly NodeDef[];
  readonly initializers: readonly TensorData[];
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  readonly valueInfo?: readonly ValueInfo[];
}

export interface ModelDef {
  readonly graph: GraphDef;
  readonly irVersion?: number;
  readonly opsetVersion?: number;
  readonly producerName?: string;
  readonly producerVersion?: string;
}

// onnx.proto AttributeProto.AttributeType
const ATTR_TYPE = { float: 1, int: 2, string: 3, tensor: 4, graph: 5, floats: 6, ints: 7 } as const;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** ModelProto: ir_version=1, producer_name=2, producer_version=3, graph=7, opset_import=8. */
export function encodeModel(m: ModelDef): Uint8Array {
  const w = new ProtoWriter();
  w.varint(1, m.irVersion ?? DEFAULT_IR_VERSION);
  w.string(2, m.producerName ?? 'anomseer');
  if (m.producerVersion !== undefined) w.string(3, m.producerVersion);
  w.message(7, (g) => writeGraph(g, m.graph));
  // OperatorSetIdProto: domain=1 ('' = default ai.onnx domain), version=2.
  w.message(8, (o) => o.string(1, '').varint(2, m.opsetVersion ?? DEFAULT_OPSET));
  return w.finish();
}

/** GraphProto: node=1, name=2, initializer=5, input=11, output=12, value_info=13. */
function writeGraph(w: ProtoWriter, g: GraphDef): void {
  for (const n of g.nodes) w.message(1, (x) => writeNode(x, n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, (x) => writeTensor(x, t));
  for (const v of g.inputs) w.message(11, (x) => writeValueInfo(x, v));
  for (const v of g.outputs) w.message(12, (x) => writeValueInfo(x, v));
  for (const v of g.valueInfo ?? []) w.message(13, (x) => writeValueInfo(x, v));
}

/** NodeProto: input=1, output=2, name=3, op_type=4, attribute=5, domain=7. */
function writeNode(w: ProtoWriter, n: NodeDef): void {
  // An empty input name is ONNX's "optional input omitted" and must be kept positionally.
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name !== undefined) w.string(3, n.name);
  w.string(4, n.opType);
  for (const [name, a] of Object.entries(n.attributes ?? {})) w.message(5, (x) => writeAttribute(x, name, a));
  if (n.domain !== undefined && n.domain !== '') w.string(7, n.domain);
}

/** AttributeProto: name=1, f=2, i=3, s=4, t=5, g=6, floats=7, ints=8, type=20. */
function writeAttribute(w: ProtoWriter, name: string, a: AttributeValue): void {
  w.string(1, name);
  switch (a.type) {
    case 'float':
      w.float(2, a.value);
      break;
    case 'int':
      w.varint(3, a.value);
      break;
    case 'string':
      w.string(4, a.value);
      break;
    case 'tensor':
      w.message(5, (x) => writeTensor(x, a.value));
      break;
    case 'graph':
      w.message(6, (x) => writeGraph(x, a.value));
      break;
    case 'floats':
      w.packedFloats(7, a.value);
      break;
    case 'ints':
      w.packedVarints(8, a.value);
      break;
  }
  w.varint(20, ATTR_TYPE[a.type]);
}

/** TensorProto: dims=1, data_type=2, name=8, raw_data=9 (little-endian bytes). */
function writeTensor(w: ProtoWriter, t: TensorData): void {
  const count = t.dims.reduce((p, d) => p * d, 1);
  if (count !== t.data.length) {
    throw new ShapeError(`tensor ${t.name ?? '(attribute)'}: dims [${t.dims.join(', ')}] hold ${count} elements but data has ${t.data.length}`);
  }
  w.packedVarints(1, t.dims);
  w.varint(2, DTYPES[dtypeOfArray(t.data)].onnx);
  if (t.name !== undefined) w.string(8, t.name);
  w.bytes(9, rawBytes(t.data));
}

/** ValueInfoProto: name=1, type=2 → TypeProto.tensor_type=1 → elem_type=1, shape=2 → dim=1 → dim_value=1 | dim_param=2. */
function writeValueInfo(w: ProtoWriter, v: ValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.varint(1, DTYPES[v.dtype].onnx);
      if (v.shape === undefined) return;
      // A scalar still needs an (empty) shape message, or ORT reads the rank as unknown.
      tensor.message(2, (shape) => {
        for (const d of v.shape!) {
          shape.message(1, (dim) => {
            if (typeof d === 'number') dim.varint(1, d);
            else if (typeof d === 'string') dim.string(2, d);
          });
        }
      });
    }),
  );
}

function rawBytes(a: HostArray): Uint8Array {
  const view = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (LITTLE_ENDIAN || a.BYTES_PER_ELEMENT === 1) return view.slice();
  // Big-endian host: swap each element's bytes (raw_data is little-endian by definition).
  const out = view.slice();
  const k = a.BYTES_PER_ELEMENT;
  for (let i = 0; i < out.length; i += k) out.subarray(i, i + k).reverse();
  return out;
}
