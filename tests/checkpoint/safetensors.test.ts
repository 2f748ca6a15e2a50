import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeSafetensors, encodeSafetensors, type Tensor } from '../../shared/checkpoint/safetensors.js';
import { DataError, ShapeError } from '../../shared/errors.js';
import { Rng } from '../../shared/rng.js';

const ascii = (s: string) => [...Buffer.from(s, 'utf8')];
const u64le = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff, 0, 0, 0, 0];
const bytesOf = (a: Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array) => [...new Uint8Array(a.buffer, a.byteOffset, a.byteLength)];

/** A file from a header string (padded by the caller or not) and data bytes. */
function build(header: string, data: number[], n = Buffer.byteLength(header)): Uint8Array {
  return new Uint8Array([...u64le(n), ...ascii(header), ...data]);
}

test('a round trip keeps every dtype, shape and value', () => {
  const r = new Rng(1);
  const tensors: Record<string, Tensor> = {
    'w.f32': { dtype: 'F32', shape: [3, 4], data: Float32Array.from({ length: 12 }, () => r.normal()) },
    'w.f64': { dtype: 'F64', shape: [5], data: Float64Array.from({ length: 5 }, () => r.normal()) },
    ids: { dtype: 'I64', shape: [2, 1], data: BigInt64Array.from([-3n, 9007199254740993n]) },
    count: { dtype: 'I32', shape: [], data: Int32Array.from([-7]) },
    mask: { dtype: 'U8', shape: [3], data: Uint8Array.from([0, 1, 255]) },
    empty: { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
  };
  const back = decodeSafetensors(encodeSafetensors(tensors, { note: 'hi' }));
  assert.equal(back.metadata, { note: 'hi' });
  assert.equal(Object.keys(back.tensors).sort(), Object.keys(tensors).sort());
  for (const [name, t] of Object.entries(tensors)) {
    assert.is(back.tensors[name].dtype, t.dtype, name);
    assert.equal(back.tensors[name].shape, t.shape, name);
    assert.equal([...back.tensors[name].data], [...t.data], name);
    assert.is(back.tensors[name].data.constructor, t.data.constructor, name);
  }
});

test('byte-exact layout: one F32 [1,2,3] tensor, 64-byte header needing no padding', () => {
  const data = Float32Array.from([0, 1, 2, 3, 4, 5]);
  const out = encodeSafetensors({ 'attn.0': { dtype: 'F32', shape: [1, 2, 3], data } });
  const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
  assert.is(header.length, 64); // counted by hand: already a multiple of 8
  const floats = [0, 0, 0, 0, 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40, 0, 0, 0x80, 0x40, 0, 0, 0xa0, 0x40]; // 0..5 as f32 LE
  assert.equal([...out], [64, 0, 0, 0, 0, 0, 0, 0, ...ascii(header), ...floats]);
});

test('byte-exact layout: a 65-byte header is padded with 7 spaces to 72', () => {
  const out = encodeSafetensors({ attn0: { dtype: 'F32', shape: [1, 1, 2, 3], data: Float32Array.from([0, 1, 2, 3, 4, 5]) } });
  const header = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}';
  assert.is(header.length, 65);
  assert.equal([...out.subarray(0, 8)], [72, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal([...out.subarray(8, 80)], [...ascii(header), 32, 32, 32, 32, 32, 32, 32]);
  assert.is(out.length, 8 + 72 + 24);
});

test('byte-exact layout: no tensors gives "{}" plus 6 spaces; metadata alone is padded to 40', () => {
  assert.equal([...encodeSafetensors({})], [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
  const meta = '{"__metadata__":{"framework":"pt"}}'; // 35 bytes → 40
  assert.equal([...encodeSafetensors({}, { framework: 'pt' })], [40, 0, 0, 0, 0, 0, 0, 0, ...ascii(meta), 32, 32, 32, 32, 32]);
});

// What safetensors.torch.save_file({"weight": f32[2,2], "bias": f32[2], "step": i64[]}, metadata={"format": "pt"})
// writes: __metadata__ first, tensors by dtype alignment (I64 before F32) then name, header padded to 8.
const pyHeader =
  '{"__metadata__":{"format":"pt"},' +
  '"step":{"dtype":"I64","shape":[],"data_offsets":[0,8]},' +
  '"bias":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},' +
  '"weight":{"dtype":"F32","shape":[2,2],"data_offsets":[16,32]}}';
const pyPadded = pyHeader + ' '.repeat((8 - (pyHeader.length % 8)) % 8);
const pyData = [...bytesOf(BigInt64Array.from([250n])), ...bytesOf(Float32Array.from([0.5, -0.25])), ...bytesOf(Float32Array.from([1, 2, 3, 4]))];

test('a file in the Python library layout decodes to its tensors and metadata', () => {
  const got = decodeSafetensors(build(pyPadded, pyData), 'py.safetensors');
  assert.equal(got.metadata, { format: 'pt' });
  assert.equal(got.tensors.step, { dtype: 'I64', shape: [], data: BigInt64Array.from([250n]) });
  assert.equal([...got.tensors.bias.data], [0.5, -0.25]);
  assert.equal(got.tensors.weight.shape, [2, 2]);
  assert.equal([...got.tensors.weight.data], [1, 2, 3, 4]);
});

test('the encoder writes the same bytes as the Python library for the same tensors', () => {
  const out = encodeSafetensors(
    {
      weight: { dtype: 'F32', shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) },
      bias: { dtype: 'F32', shape: [2], data: Float32Array.from([0.5, -0.25]) },
      step: { dtype: 'I64', shape: [], data: BigInt64Array.from([250n]) },
    },
    { format: 'pt' },
  );
  assert.equal([...out], [...build(pyPadded, pyData)]);
});

test('the layout order is F64 > F32 > U8 by alignment, then by name, so every tensor is aligned', () => {
  const out = encodeSafetensors({
    a: { dtype: 'U8', shape: [3], data: Uint8Array.from([1, 2, 3]) },
    b: { dtype: 'F32', shape: [1], data: Float32Array.from([1]) },
    c: { dtype: 'F64', shape: [1], data: Float64Array.from([1]) },
    d: { dtype: 'F32', shape: [1], data: Float32Array.from([2]) },
  });
  const n = Number(new DataView(out.buffer).getBigUint64(0, true));
  const header = JSON.parse(Buffer.from(out.subarray(8, 8 + n)).toString('utf8'));
  assert.equal(Object.keys(header), ['c', 'b', 'd', 'a']);
  assert.equal(header.c.data_offsets, [0, 8]);
  assert.equal(header.b.data_offsets, [8, 12]);
  assert.equal(header.d.data_offsets, [12, 16]);
  assert.equal(header.a.data_offsets, [16, 19]);
});

test('unaligned offsets (U8 before F32, odd buffer offset) are read correctly', () => {
  // Name-ordered layout of older writers: a U8[3] first puts the F32 at data offset 3.
  const header = '{"a":{"dtype":"U8","shape":[3],"data_offsets":[0,3]},"b":{"dtype":"F32","shape":[2],"data_offsets":[3,11]}}';
  const file = build(header, [7, 8, 9, ...bytesOf(Float32Array.from([1.5, -2]))]);
  const shifted = new Uint8Array(file.length + 1);
  shifted.set(file, 1);
  const got = decodeSafetensors(shifted.subarray(1));
  assert.equal([...got.tensors.a.data], [7, 8, 9]);
  assert.equal([...got.tensors.b.data], [1.5, -2]);
});

test('F16 and BF16 tensors are widened to Float32Array, exactly', () => {
  const f16 = [0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00, 0x00, 0x7c, 0xff, 0x7b, 0x00, 0x7e]; // 1, −2, 2⁻²⁴, +Inf, 65504, NaN
  const bf16 = [0x80, 0x3f, 0x49, 0x40]; // 1, 3.140625
  const header = '{"h":{"dtype":"F16","shape":[6],"data_offsets":[0,12]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[12,16]}}';
  const got = decodeSafetensors(build(header, [...f16, ...bf16]));
  const h = got.tensors.h.data as Float32Array;
  assert.ok(h instanceof Float32Array);
  assert.equal([...h.subarray(0, 5)], [1, -2, 2 ** -24, Infinity, 65504]);
  assert.ok(Number.isNaN(h[5]));
  assert.equal([...got.tensors.b.data], [1, 3.140625]);
  assert.is(got.tensors.h.dtype, 'F16');
});

test('the same tensors and metadata in a different insertion order give the same bytes', () => {
  const w = { dtype: 'F32' as const, shape: [2], data: Float32Array.from([1, 2]) };
  const b = { dtype: 'F32' as const, shape: [1], data: Float32Array.from([3]) };
  const i = { dtype: 'I32' as const, shape: [1], data: Int32Array.from([4]) };
  const x = encodeSafetensors({ w, b, i }, { z: '1', a: '2' });
  const y = encodeSafetensors({ i, b, w }, { a: '2', z: '1' });
  assert.equal([...x], [...y]);
});

test('encoding rejects a dtype that does not match the array, and a shape that does not match the length', () => {
  assert.throws(
    () => encodeSafetensors({ w: { dtype: 'F64', shape: [1], data: Float32Array.from([1]) } }),
    (e: unknown) => e instanceof ShapeError && /"w".*F64.*Float32Array/.test((e as Error).message),
  );
  assert.throws(
    () => encodeSafetensors({ w: { dtype: 'F32', shape: [2, 2], data: Float32Array.from([1]) } }),
    (e: unknown) => e instanceof ShapeError && /"w".*\[2, 2\].*4 elements.*1 values/.test((e as Error).message),
  );
  assert.throws(
    () => encodeSafetensors({ __metadata__: { dtype: 'F32', shape: [0], data: new Float32Array(0) } }),
    (e: unknown) => e instanceof ShapeError && /reserved/.test((e as Error).message),
  );
});

const ok = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
const eight = [0, 0, 0x80, 0x3f, 0, 0, 0, 0x40];
const corrupt: [string, () => Uint8Array, RegExp][] = [
  ['shorter than the length field', () => new Uint8Array([1, 2, 3]), /bad\.st: is 3 bytes/],
  ['header length past the end of the file', () => build(ok, eight, 1000), /header length 1000 exceeds the \d+ bytes/],
  ['header length beyond 2^53', () => new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0xff, 123, 125]), /header length \d+ exceeds/],
  ['header not UTF-8', () => new Uint8Array([...u64le(2), 0xff, 0xfe]), /field "header": header is not valid UTF-8/],
  ['header not JSON', () => build('{"a":', []), /field "header": header is not valid JSON/],
  ['header a JSON array', () => build('[]', []), /field "header": header must be a JSON object/],
  ['unknown dtype', () => build('{"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}', eight), /field "a\.dtype": unsupported dtype "Q4"/],
  ['shape with a negative dimension', () => build('{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}', eight), /field "a\.shape"/],
  ['missing data_offsets', () => build('{"a":{"dtype":"F32","shape":[2]}}', eight), /field "a\.data_offsets": must be \[begin, end\]/],
  [
    'shape × dtype size ≠ span',
    () => build('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', eight),
    /field "a\.data_offsets": span 8 bytes does not match shape \[3\] × 4 bytes \(F32\) = 12/,
  ],
  ['begin after end', () => build('{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}', eight), /field "a\.data_offsets": begin 8 is after end 0/],
  [
    'offsets past the data',
    () => build('{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}', eight),
    /field "a\.data_offsets": end 16 is past the 8-byte data buffer/,
  ],
  [
    'overlapping tensors',
    () => build('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', eight),
    /field "b\.data_offsets": bytes \[4, 8\) overlap/,
  ],
  [
    'a gap between tensors',
    () => build('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[2],"data_offsets":[6,8]}}', eight),
    /field "b\.data_offsets": starts at 6 but the previous tensor ends at 4/,
  ],
  ['trailing garbage', () => build(ok, [...eight, 1, 2, 3]), /tensors cover 8 bytes of the 11-byte data buffer; 3 trailing bytes/],
  ['metadata value not a string', () => build('{"__metadata__":{"step":3}}', []), /field "__metadata__\.step": value must be a string/],
  ['a tensor entry that is not an object', () => build('{"a":5}', []), /field "a": tensor entry must be an object/],
];

for (const [what, make, message] of corrupt) {
  test(`a corrupt file is a DataError naming the file and the field: ${what}`, () => {
    try {
      decodeSafetensors(make(), 'bad.st');
      assert.unreachable('decoded a corrupt file');
    } catch (err) {
      assert.instance(err, DataError);
      assert.is((err as DataError).file, 'bad.st');
      assert.match((err as Error).message, message);
    }
  });
}

test('the table of corrupt files starts from a valid file', () => {
  assert.equal([...decodeSafetensors(build(ok, eight)).tensors.a.data], [1, 2]);
});

test('a header key "__proto__" is kept as a tensor, not turned into a prototype', () => {
  const got = decodeSafetensors(build('{"__proto__":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', [5]));
  assert.equal(Object.keys(got.tensors), ['__proto__']);
  assert.equal([...Object.getOwnPropertyDescriptor(got.tensors, '__proto__')!.value.data], [5]);
});

test.run();
