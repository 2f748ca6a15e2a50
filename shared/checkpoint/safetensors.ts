/**
 * The safetensors file format (Hugging Face), read and written byte for byte
 * as the reference Rust/Python library does:
 *
 *   [0, 8)        N: header length in bytes, unsigned 64-bit little-endian
 *   [8, 8+N)      UTF-8 JSON header, padded with spaces (0x20) to a multiple of 8:
 *                 { "__metadata__": { string: string },            (optional, first)
 *                   "<name>": { "dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end] }, … }
 *   [8+N, end)    the byte buffer: each tensor's elements, C order, little-endian,
 *                 at [begin, end) relative to the start of the buffer; tensors are
 *                 contiguous, start at 0, do not overlap and cover the buffer exactly.
 *
 * Layout order on write is the reference library's: dtype alignment descending
 * (I64, F64, F32, I32, BF16, F16, U8), then name ascending (UTF-8 bytes). With the
 * header padded to 8 bytes this puts every tensor at an offset aligned to its
 * element size, and it makes `save_file` in Python and `encodeSafetensors` here
 * produce the same bytes for the same tensors. Metadata keys are sorted, so the
 * output depends only on the contents, never on insertion order.
 *
 * Reading validates everything and throws a DataError naming the file and the
 * tensor or field. Data is always copied out of the input (offsets from other
 * writers may be unaligned, and the result must not alias the caller's buffer).
 */
import { DataError, ShapeError } from '../errors.js';
import { bf16BitsToF32, f16BitsToF32 } from './half.js';

export type Dtype = 'F64' | 'I64' | 'F32' | 'I32' | 'BF16' | 'F16' | 'U8';
export type TensorData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

/** One tensor: `data.length` equals the product of `shape` (1 for shape []). */
export interface Tensor {
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

export interface Safetensors {
  /** Decoded tensors; F16 and BF16 are widened to Float32Array (dtype keeps the file's name). */
  readonly tensors: Record<string, Tensor>;
  readonly metadata: Record<string, string>;
}

/** Bytes per element, and the order rank used for layout (higher first). */
export const DTYPE_INFO: Readonly<Record<Dtype, { readonly bytes: number; readonly rank: number }>> = Object.freeze({
  I64: { bytes: 8, rank: 13 },
  F64: { bytes: 8, rank: 12 },
  F32: { bytes: 4, rank: 11 },
  I32: { bytes: 4, rank: 9 },
  BF16: { bytes: 2, rank: 8 },
  F16: { bytes: 2, rank: 7 },
  U8: { bytes: 1, rank: 1 },
});

/** Reference library limit: a larger header is rejected as corrupt. */
export const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const utf8 = new TextEncoder();

/** Byte-wise UTF-8 comparison, as Rust's `String` ordering. */
function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function arrayMatches(dtype: Dtype, data: TensorData): boolean {
  switch (dtype) {
    case 'F32':
      return data instanceof Float32Array;
    case 'F64':
      return data instanceof Float64Array;
    case 'I64':
      return data instanceof BigInt64Array;
    case 'I32':
      return data instanceof Int32Array;
    case 'U8':
      return data instanceof Uint8Array;
    default:
      return false; // F16/BF16 are read-only here
  }
}

/** Define an own property even for names like `__proto__` (header keys are untrusted). */
function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Serialize tensors (and optional string metadata) to safetensors bytes.
 * `__metadata__` is written only when `metadata` has at least one key.
 * Throws ShapeError for a dtype/array mismatch, a shape that does not match the
 * data length, a reserved or empty name, or an F16/BF16 tensor (write unsupported).
 */
export function encodeSafetensors(tensors: Readonly<Record<string, Tensor>>, metadata?: Readonly<Record<string, string>>): Uint8Array {
  if (!LITTLE_ENDIAN) throw new ShapeError('safetensors: this platform is big-endian; only little-endian hosts are supported');
  const names = Object.keys(tensors);
  for (const name of names) {
    const t = tensors[name];
    if (name === '' || name === METADATA_KEY) throw new ShapeError(`safetensors: tensor name ${JSON.stringify(name)} is reserved; rename the tensor`);
    if (!Object.hasOwn(DTYPE_INFO, t.dtype))
      throw new ShapeError(`safetensors: tensor "${name}" has unknown dtype ${JSON.stringify(t.dtype)}; use one of ${Object.keys(DTYPE_INFO).join(', ')}`);
    if (!arrayMatches(t.dtype, t.data)) {
      throw new ShapeError(
        `safetensors: tensor "${name}" has dtype ${t.dtype} but a ${t.data.constructor.name}; ` +
          `expected F32↔Float32Array, F64↔Float64Array, I64↔BigInt64Array, I32↔Int32Array, U8↔Uint8Array (F16/BF16 cannot be written)`,
      );
    }
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      throw new ShapeError(`safetensors: tensor "${name}" has shape [${t.shape.join(', ')}]; dimensions must be non-negative integers`);
    if (numel(t.shape) !== t.data.length)
      throw new ShapeError(`safetensors: tensor "${name}" has shape [${t.shape.join(', ')}] (${numel(t.shape)} elements) but ${t.data.length} values`);
  }
  names.sort((a, b) => DTYPE_INFO[tensors[b].dtype].rank - DTYPE_INFO[tensors[a].dtype].rank || compareUtf8(a, b));

  const header: Record<string, unknown> = {};
  const metaKeys = metadata ? Object.keys(metadata).sort(compareUtf8) : [];
  if (metaKeys.length > 0) {
    const meta: Record<string, string> = {};
    for (const k of metaKeys) {
      const v = metadata![k];
      if (typeof v !== 'string') throw new ShapeError(`safetensors: metadata "${k}" must be a string, got ${typeof v}`);
      setOwn(meta, k, v);
    }
    header[METADATA_KEY] = meta;
  }
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    const end = offset + t.data.byteLength;
    setOwn(header, name, { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, end] });
    offset = end;
  }
  const json = utf8.encode(JSON.stringify(header));
  const n = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + n + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  let at = 8 + n;
  for (const name of names) {
    const d = tensors[name].data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
    at += d.byteLength;
  }
  return out;
}

interface Entry {
  readonly name: string;
  readonly dtype: Dtype;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

function parseEntry(file: string, name: string, raw: unknown, dataLength: number): Entry {
  const bad = (field: string, msg: string) => new DataError(file, msg, { field: `${name}.${field}` });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new DataError(file, `tensor entry must be an object with dtype, shape, data_offsets`, { field: name });
  const o = raw as Record<string, unknown>;
  if (typeof o.dtype !== 'string' || !Object.hasOwn(DTYPE_INFO, o.dtype)) {
    throw bad('dtype', `unsupported dtype ${JSON.stringify(o.dtype)}; this reader knows ${Object.keys(DTYPE_INFO).join(', ')}`);
  }
  const dtype = o.dtype as Dtype;
  if (!Array.isArray(o.shape) || !o.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw bad('shape', `must be an array of non-negative integers, got ${JSON.stringify(o.shape)}`);
  }
  const shape = o.shape as number[];
  const offs = o.data_offsets;
  if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((x) => Number.isSafeInteger(x) && x >= 0)) {
    throw bad('data_offsets', `must be [begin, end] with non-negative integers, got ${JSON.stringify(offs)}`);
  }
  const [begin, end] = offs as [number, number];
  if (begin > end) throw bad('data_offsets', `begin ${begin} is after end ${end}`);
  if (end > dataLength) throw bad('data_offsets', `end ${end} is past the ${dataLength}-byte data buffer; the file is truncated or the header is wrong`);
  const bytes = numel(shape) * DTYPE_INFO[dtype].bytes;
  if (!Number.isSafeInteger(bytes) || bytes !== end - begin) {
    throw bad('data_offsets', `span ${end - begin} bytes does not match shape [${shape.join(', ')}] × ${DTYPE_INFO[dtype].bytes} bytes (${dtype}) = ${bytes}`);
  }
  return { name, dtype, shape, begin, end };
}

function readData(bytes: Uint8Array, at: number, e: Entry): TensorData {
  // slice() copies into a fresh, aligned ArrayBuffer: safe for any source offset.
  const buf = bytes.buffer.slice(bytes.byteOffset + at + e.begin, bytes.byteOffset + at + e.end);
  switch (e.dtype) {
    case 'F32':
      return new Float32Array(buf);
    case 'F64':
      return new Float64Array(buf);
    case 'I64':
      return new BigInt64Array(buf);
    case 'I32':
      return new Int32Array(buf);
    case 'U8':
      return new Uint8Array(buf);
    case 'F16':
      return f16BitsToF32(new Uint16Array(buf));
    case 'BF16':
      return bf16BitsToF32(new Uint16Array(buf));
  }
}

/**
 * Parse and validate safetensors bytes. `file` names the source in errors.
 * Checks: header length vs file size, UTF-8, JSON object, `__metadata__` values are
 * strings, dtype known, shape × dtype size == offsets span, offsets in range,
 * tensors contiguous from 0 without overlap or gap, nothing after the last tensor.
 */
export function decodeSafetensors(bytes: Uint8Array, file = '<safetensors>'): Safetensors {
  if (!LITTLE_ENDIAN) throw new DataError(file, 'this platform is big-endian; only little-endian hosts are supported');
  if (bytes.length < 8) throw new DataError(file, `is ${bytes.length} bytes; a safetensors file starts with an 8-byte header length`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8))
    throw new DataError(file, `header length ${n} exceeds the ${bytes.length - 8} bytes after the length field; the file is truncated or not safetensors`);
  if (n > BigInt(MAX_HEADER_BYTES)) throw new DataError(file, `header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const hl = Number(n);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + hl));
  } catch {
    throw new DataError(file, 'header is not valid UTF-8', { field: 'header' });
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    throw new DataError(file, `header is not valid JSON (${(err as Error).message})`, { field: 'header' });
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new DataError(file, 'header must be a JSON object', { field: 'header' });

  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  const dataLength = bytes.length - 8 - hl;
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new DataError(file, 'must be an object of strings', { field: METADATA_KEY });
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new DataError(file, `value must be a string, got ${JSON.stringify(v)}`, { field: `${METADATA_KEY}.${k}` });
        setOwn(metadata, k, v);
      }
      continue;
    }
    entries.push(parseEntry(file, name, raw, dataLength));
  }

  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const e of entries) {
    if (e.begin < expected)
      throw new DataError(file, `bytes [${e.begin}, ${e.end}) overlap the previous tensor, which ends at ${expected}`, { field: `${e.name}.data_offsets` });
    if (e.begin > expected)
      throw new DataError(file, `starts at ${e.begin} but the previous tensor ends at ${expected}; tensors must be contiguous`, {
        field: `${e.name}.data_offsets`,
      });
    expected = e.end;
  }
  if (expected !== dataLength) {
    throw new DataError(
      file,
      `tensors cover ${expected} bytes of the ${dataLength}-byte data buffer; ${dataLength - expected} trailing bytes are not part of any tensor`,
    );
  }

  const at = 8 + hl;
  const tensors: Record<string, Tensor> = {};
  for (const e of entries) setOwn(tensors, e.name, { dtype: e.dtype, shape: e.shape, data: readData(bytes, at, e) });
  return { tensors, metadata };
}
