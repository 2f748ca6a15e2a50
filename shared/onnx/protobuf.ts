/**
 * A minimal protocol-buffers WRITER: just enough wire format to emit ONNX models.
 *
 * Wire types (protobuf encoding spec): 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.
 * A field key is the varint `(fieldNumber << 3) | wireType`.
 * Integers are written as 64-bit two's complement varints, so a negative int64 (e.g. an
 * ONNX `axis = -1`) takes ten bytes, as every protobuf reader expects for int32/int64 fields.
 * Repeated scalars are written PACKED (one length-delimited field); onnx.proto is proto2,
 * where packed is not the default, but the spec requires parsers to accept both forms,
 * and packed keeps dims/ints/floats compact.
 *
 * Worked example (from the protobuf docs): field 1 = 150 encodes as `08 96 01`.
 */

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

const MASK64 = (1n << 64n) - 1n;

/** Appends encoded fields to a growing list of byte chunks; `finish()` concatenates them. */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  private key(field: number, wire: number): void {
    if (!Number.isInteger(field) || field < 1 || field > 536870911) {
      throw new RangeError(`protobuf field number must be an integer in [1, 2^29-1], got ${field}`);
    }
    this.push(encodeVarint(field * 8 + wire));
  }

  /** int32 / int64 / uint64 / enum / bool as a varint (negative values as 64-bit two's complement). */
  varint(field: number, value: number | bigint | boolean): this {
    this.key(field, WIRE_VARINT);
    this.push(encodeVarint(typeof value === 'boolean' ? (value ? 1 : 0) : value));
    return this;
  }

  /** `float` field: 4 bytes little-endian IEEE-754 single. */
  float(field: number, value: number): this {
    this.key(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }

  /** `double` field: 8 bytes little-endian IEEE-754 double. */
  double(field: number, value: number): this {
    this.key(field, WIRE_FIXED64);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, value, true);
    this.push(b);
    return this;
  }

  /** `bytes` field (length-delimited). */
  bytes(field: number, value: Uint8Array): this {
    this.key(field, WIRE_LEN);
    this.push(encodeVarint(value.length));
    this.push(value);
    return this;
  }

  /** `string` field, UTF-8. */
  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** Embedded message: `build` writes the child's fields into a fresh writer. */
  message(field: number, build: (w: ProtoWriter) => void): this {
    const child = new ProtoWriter();
    build(child);
    return this.bytes(field, child.finish());
  }

  /** Packed repeated varints (int32 / int64). Writes nothing for an empty list, as proto does. */
  packedVarints(field: number, values: ArrayLike<number | bigint>): this {
    if (values.length === 0) return this;
    const inner = new ProtoWriter();
    for (let i = 0; i < values.length; i++) inner.push(encodeVarint(values[i]));
    return this.bytes(field, inner.finish());
  }

  /** Packed repeated `float` (fixed32 each). */
  packedFloats(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    const b = new Uint8Array(4 * values.length);
    const dv = new DataView(b.buffer);
    for (let i = 0; i < values.length; i++) dv.setFloat32(4 * i, values[i], true);
    return this.bytes(field, b);
  }

  /** Packed repeated `double` (fixed64 each). */
  packedDoubles(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    const b = new Uint8Array(8 * values.length);
    const dv = new DataView(b.buffer);
    for (let i = 0; i < values.length; i++) dv.setFloat64(8 * i, values[i], true);
    return this.bytes(field, b);
  }

  /** All fields written so far, as one buffer. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

/**
 * Base-128 varint of a 64-bit integer: 7 bits per byte, low group first, high bit = "more".
 * Negative numbers wrap to their unsigned 64-bit two's complement (always 10 bytes).
 */
export function encodeVarint(value: number | bigint): Uint8Array {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`varint needs a safe integer, got ${value}`);
    // Fast path for the common small non-negative case (field keys, lengths, dims).
    if (value >= 0 && value < 2 ** 31) {
      const out: number[] = [];
      let v = value;
      while (v >= 0x80) {
        out.push((v & 0x7f) | 0x80);
        v >>>= 7;
      }
      out.push(v);
      return Uint8Array.from(out);
    }
  }
  let v = BigInt(value) & MASK64;
  if (typeof value === 'bigint' && (value < -(1n << 63n) || value > MASK64)) {
    throw new RangeError(`varint out of 64-bit range: ${value}`);
  }
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}
