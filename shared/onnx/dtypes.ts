/**
 * Element types the engine uses, with their ONNX `TensorProto.DataType` codes and the host
 * typed array ORT's Node binding expects for each (bool travels as one byte per element).
 */
export type DType = 'float32' | 'float64' | 'int64' | 'int32' | 'bool';

/** Floating types: the only ones gradients flow through. */
export type FloatDType = 'float32' | 'float64';

/** Host buffers accepted by ORT's Node binding for the types above. */
export type HostArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

interface DTypeInfo {
  /** `TensorProto.DataType` enum value from onnx.proto. */
  readonly onnx: number;
  readonly bytes: number;
}

/** onnx.proto: FLOAT = 1, INT32 = 6, INT64 = 7, BOOL = 9, DOUBLE = 11. */
export const DTYPES: Readonly<Record<DType, DTypeInfo>> = Object.freeze({
  float32: { onnx: 1, bytes: 4 },
  int32: { onnx: 6, bytes: 4 },
  int64: { onnx: 7, bytes: 8 },
  bool: { onnx: 9, bytes: 1 },
  float64: { onnx: 11, bytes: 8 },
});

export function isFloat(d: DType): d is FloatDType {
  return d === 'float32' || d === 'float64';
}

/** The dtype a host array carries (Uint8Array is read as bool). */
export function dtypeOfArray(a: HostArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof Int32Array) return 'int32';
  return 'bool';
}

/** A new zero-filled host array of `dtype` with `n` elements. */
export function allocArray(dtype: DType, n: number): HostArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'int64':
      return new BigInt64Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'bool':
      return new Uint8Array(n);
  }
}

/** A host array of `dtype` holding `values` (numbers, bigints or booleans). */
export function toArray(dtype: DType, values: ArrayLike<number | bigint | boolean>): HostArray {
  const out = allocArray(dtype, values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (out instanceof BigInt64Array) out[i] = BigInt(v);
    else out[i] = Number(v);
  }
  return out;
}
