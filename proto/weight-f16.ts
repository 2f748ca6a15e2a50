/**
 * The F16 wire encoding of a weight file (job key `cluster.broadcastF16`, docs/PROTOCOL.md
 * "F16 on the wire"): the published model.safetensors with every F32 tensor rounded to IEEE
 * binary16, other tensors and the metadata unchanged. About half the bytes; a worker reads the
 * result with the ordinary safetensors reader, which widens F16 to Float32Array exactly.
 *
 * Precision (round to nearest, ties to even), for every finite F32 value x and its F16 round
 * trip y:
 *   |x| >= 2^-14 (≈ 6.1e-5, the smallest normal F16):  |y − x| <= 2^-11 · |x|  (≈ 4.9e-4 relative)
 *   |x| <  2^-14 (F16 subnormals):                      |y − x| <= 2^-25       (≈ 3.0e-8 absolute)
 *   ±0, ±Inf and NaN stay what they are. A finite |x| that would round to Inf (|x| >= 65520)
 *   is refused with F16RangeError: the caller then sends the file as F32.
 * Values that F16 holds exactly (for example 0.5, −3, 1024) come back bit for bit.
 */
import { DTYPE_INFO } from '../shared/checkpoint/safetensors.js';
import type { Dtype } from '../shared/checkpoint/safetensors.js';
import { AnomseerError, DataError } from '../shared/errors.js';

/** Largest finite F16 value. */
export const F16_MAX = 65504;

/** A tensor holds a finite value F16 cannot represent (it would become ±Inf). */
export class F16RangeError extends AnomseerError {
  constructor(
    readonly tensor: string,
    readonly value: number,
  ) {
    super('E_SHAPE', `tensor "${tensor}" holds ${value}, beyond the F16 range (±${F16_MAX}); send this version as F32`);
    this.name = 'F16RangeError';
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** One float32 bit pattern → the binary16 bit pattern nearest to it (ties to even). */
export function f32BitsToF16(b: number): number {
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant === 0 ? 0 : 0x200 | (mant >>> 13)); // Inf, NaN (stays NaN)
  const e = exp - 127 + 15; // F16 biased exponent
  if (e >= 0x1f) return sign | 0x7c00; // too large: Inf (callers refuse this for finite input)
  if (e <= 0) {
    // An F16 subnormal (or zero): m · 2^-24 with m = (1.mant · 2^(exp-127)) / 2^-24.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const tie = 1 << (shift - 1);
    if (rest > tie || (rest === tie && (half & 1) === 1)) half += 1;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half += 1; // a carry moves into the exponent, as it should
  return sign | half;
}

/** A number → its nearest binary16 bit pattern. */
export function numberToF16Bits(x: number): number {
  f32[0] = x;
  return f32BitsToF16(u32[0]!);
}

/** F32 values → F16 bit patterns; F16RangeError (naming `tensor`) for a finite value past ±65504 after rounding. */
export function f32ToF16(values: Float32Array, tensor = 'values'): Uint16Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < bits.length; i++) {
    const h = f32BitsToF16(bits[i]!);
    if ((h & 0x7fff) === 0x7c00 && Number.isFinite(values[i]!)) throw new F16RangeError(tensor, values[i]!);
    out[i] = h;
  }
  return out;
}

interface HeaderEntry {
  dtype: Dtype;
  shape: number[];
  data_offsets: [number, number];
}

/**
 * The F16 wire file of a safetensors file: F32 tensors rounded to F16, everything else as it
 * was, laid out as the reference writer orders tensors (dtype alignment descending, then name).
 * DataError for a file that is not safetensors; F16RangeError when a value does not fit.
 */
export function encodeF16Wire(file: Uint8Array, name = 'weight file'): Uint8Array {
  if (file.length < 8) throw new DataError(name, `is ${file.length} bytes; not a safetensors file`);
  const n = Number(new DataView(file.buffer, file.byteOffset, 8).getBigUint64(0, true));
  if (n > file.length - 8) throw new DataError(name, `header length ${n} exceeds the file; not a safetensors file`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(file.buffer, file.byteOffset + 8, n).toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new DataError(name, `header is not JSON (${(err as Error).message})`);
  }
  const data = file.subarray(8 + n);
  const tensors: { name: string; dtype: Dtype; shape: number[]; bytes: Uint8Array }[] = [];
  for (const [key, raw] of Object.entries(header)) {
    if (key === '__metadata__') continue;
    const e = raw as HeaderEntry;
    const [begin, end] = e.data_offsets;
    const src = data.subarray(begin, end);
    if (e.dtype !== 'F32') {
      tensors.push({ name: key, dtype: e.dtype, shape: e.shape, bytes: src });
      continue;
    }
    const aligned = new Float32Array(src.buffer.slice(src.byteOffset, src.byteOffset + src.byteLength));
    const half = f32ToF16(aligned, key);
    tensors.push({ name: key, dtype: 'F16', shape: e.shape, bytes: new Uint8Array(half.buffer) });
  }
  tensors.sort((a, b) => DTYPE_INFO[b.dtype].rank - DTYPE_INFO[a.dtype].rank || Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  const out: Record<string, unknown> = {};
  if (header.__metadata__ !== undefined) out.__metadata__ = header.__metadata__;
  let offset = 0;
  for (const t of tensors) {
    // defineProperty: a tensor named "__proto__" stays a plain key.
    Object.defineProperty(out, t.name, {
      value: { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.length] },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    offset += t.bytes.length;
  }
  const json = Buffer.from(JSON.stringify(out), 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  const result = Buffer.alloc(8 + padded + offset, 0x20);
  result.writeBigUInt64LE(BigInt(padded), 0);
  json.copy(result, 8);
  let at = 8 + padded;
  for (const t of tensors) {
    result.set(t.bytes, at);
    at += t.bytes.length;
  }
  return result;
}
