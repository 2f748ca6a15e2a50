/**
 * 16-bit float formats widened to float32, for reading F16 and BF16 tensors
 * out of safetensors files written elsewhere (PyTorch checkpoints are often
 * half precision). Both conversions are exact: every F16 and BF16 value is
 * representable in float32, including subnormals, ±Inf and NaN.
 *
 * Input is the raw little-endian bit pattern, one uint16 per element.
 */

/**
 * IEEE 754 binary16 (1 sign, 5 exponent, 10 mantissa bits) → float32.
 * Examples: 0x3c00 → 1, 0xc000 → −2, 0x0001 → 2⁻²⁴ (smallest subnormal),
 * 0x7c00 → +Inf, 0x7e00 → NaN.
 */
export function f16BitsToF32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = f16ToNumber(bits[i]);
  return out;
}

/** One binary16 bit pattern → its value (exact as a double, hence exact as a float32). */
export function f16ToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24; // zero and subnormals: mant · 2⁻¹⁴ · 2⁻¹⁰
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/**
 * bfloat16 (the top 16 bits of a float32) → float32: shift the pattern into
 * the high half of a 32-bit word. Examples: 0x3f80 → 1, 0x4049 → 3.140625.
 */
export function bf16BitsToF32(bits: Uint16Array): Float32Array {
  const words = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) words[i] = bits[i] << 16;
  return new Float32Array(words.buffer);
}
