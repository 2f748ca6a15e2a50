// The F16 wire encoding (cluster.broadcastF16): F32 → F16 rounding, to nearest with ties to
// even, checked value by value against the documented bounds; the wire file is a valid
// safetensors file the ordinary reader widens back, with the other tensors and the metadata
// untouched; values F16 cannot hold are refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeSafetensors, encodeSafetensors } from '../../shared/checkpoint/safetensors.js';
import { f16ToNumber } from '../../shared/checkpoint/half.js';
import { F16RangeError, F16_MAX, encodeF16Wire, f32ToF16, numberToF16Bits } from '../../proto/weight-f16.js';
import { Rng } from '../../shared/rng.js';
import { DataError } from '../../shared/errors.js';

/** value → expected F16 bits (IEEE 754 binary16, round to nearest, ties to even). */
const CASES: [string, number, number][] = [
  ['one', 1, 0x3c00],
  ['minus two', -2, 0xc000],
  ['a half', 0.5, 0x3800],
  ['largest finite', 65504, 0x7bff],
  ['rounds down to the largest finite', 65519, 0x7bff],
  ['smallest normal', 2 ** -14, 0x0400],
  ['smallest subnormal', 2 ** -24, 0x0001],
  ['half the smallest subnormal ties to even (0)', 2 ** -25, 0x0000],
  ['just over half the smallest subnormal rounds up', 2 ** -25 * (1 + 2 ** -10), 0x0001],
  ['1 + 2^-11 ties to even (1)', 1 + 2 ** -11, 0x3c00],
  ['1 + 3·2^-11 ties to even (1 + 2^-9)', 1 + 3 * 2 ** -11, 0x3c02],
  ['1/3', 1 / 3, 0x3555],
  ['a subnormal rounding into the normals', 2 ** -14 - 2 ** -26, 0x0400],
  ['negative zero', -0, 0x8000],
  ['+Inf', Infinity, 0x7c00],
  ['-Inf', -Infinity, 0xfc00],
];

for (const [name, value, bits] of CASES) {
  test(`F32 → F16: ${name}`, () => {
    assert.is(numberToF16Bits(value), bits, `0x${numberToF16Bits(value).toString(16)}`);
  });
}

test('NaN stays NaN', () => {
  assert.ok(Number.isNaN(f16ToNumber(numberToF16Bits(NaN))));
});

test('every F16 value comes back bit for bit (round trip F16 → F32 → F16)', () => {
  for (let h = 0; h < 0x10000; h++) {
    if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) continue; // NaN payloads
    assert.is(numberToF16Bits(f16ToNumber(h)), h, `0x${h.toString(16)}`);
  }
});

test('round trip error bound: relative 2^-11 from 2^-14 up, absolute 2^-25 below (1e5 values over 40 octaves)', () => {
  const rng = new Rng(11);
  const values = new Float32Array(100_000);
  for (let i = 0; i < values.length; i++) values[i] = (rng.uniform() < 0.5 ? -1 : 1) * 2 ** rng.range(-30, 15.99);
  const back = f32ToF16(values);
  let worstRel = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    const y = f16ToNumber(back[i]!);
    const err = Math.abs(y - x);
    if (Math.abs(x) >= 2 ** -14) {
      assert.ok(err <= 2 ** -11 * Math.abs(x), `x = ${x}: y = ${y}, relative error ${err / Math.abs(x)}`);
      worstRel = Math.max(worstRel, err / Math.abs(x));
    } else assert.ok(err <= 2 ** -25, `x = ${x}: y = ${y}, absolute error ${err}`);
  }
  // The bound is tight: some value gets close to it (so the check above can fail).
  assert.ok(worstRel > 0.9 * 2 ** -11, `worst relative error ${worstRel}`);
});

test('a finite value beyond ±65504 after rounding is refused with the tensor named', () => {
  assert.throws(
    () => f32ToF16(Float32Array.from([1, -65520]), 'layer.w'),
    (e: unknown) => e instanceof F16RangeError && e.tensor === 'layer.w' && e.value === -65520 && /beyond the F16 range/.test(e.message),
  );
  assert.is(f32ToF16(Float32Array.from([F16_MAX]))[0], 0x7bff);
});

test('the wire file: F32 tensors become F16 (half the data), others and the metadata stay, the reader widens it back', () => {
  const rng = new Rng(3);
  const w = Float32Array.from({ length: 1000 }, () => rng.normal() * 0.02);
  const b = Float32Array.from([0.5, -3, 1024, 0]);
  const ids = Int32Array.from([7, -1, 65536]);
  const file = encodeSafetensors(
    { 'layer.w': { dtype: 'F32', shape: [10, 100], data: w }, 'layer.b': { dtype: 'F32', shape: [4], data: b }, ids: { dtype: 'I32', shape: [3], data: ids } },
    { format: 'x', config: '{"a":1}' },
  );
  const wire = encodeF16Wire(file);
  assert.ok(wire.length < file.length * 0.6, `${wire.length} vs ${file.length} bytes`);
  const back = decodeSafetensors(wire, 'wire');
  assert.equal(back.metadata, { format: 'x', config: '{"a":1}' });
  assert.equal(Object.fromEntries(Object.entries(back.tensors).map(([k, t]) => [k, [t.dtype, t.shape]])), {
    'layer.w': ['F16', [10, 100]],
    'layer.b': ['F16', [4]],
    ids: ['I32', [3]],
  });
  assert.equal(Array.from(back.tensors['layer.b']!.data as Float32Array), [0.5, -3, 1024, 0], 'values F16 holds come back exactly');
  assert.equal(Array.from(back.tensors.ids!.data as Int32Array), [7, -1, 65536]);
  const wb = back.tensors['layer.w']!.data as Float32Array;
  for (let i = 0; i < w.length; i++) {
    const bound = Math.abs(w[i]!) >= 2 ** -14 ? 2 ** -11 * Math.abs(w[i]!) : 2 ** -25;
    assert.ok(Math.abs(wb[i]! - w[i]!) <= bound, `w[${i}]`);
  }
});

test('not a safetensors file: DataError', () => {
  assert.throws(
    () => encodeF16Wire(new Uint8Array(4)),
    (e: unknown) => e instanceof DataError && /not a safetensors file/.test(e.message),
  );
  const bad = new Uint8Array(16);
  new DataView(bad.buffer).setBigUint64(0, 1000n, true);
  assert.throws(
    () => encodeF16Wire(bad),
    (e: unknown) => e instanceof DataError && /exceeds the file/.test(e.message),
  );
});

test.run();
