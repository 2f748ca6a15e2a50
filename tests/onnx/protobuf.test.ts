// The protobuf writer produces the byte sequences of the protobuf encoding guide.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ProtoWriter, encodeVarint } from '../../shared/onnx/protobuf.js';

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');

test('field 1 = 150 encodes as 08 96 01 (the guide example)', () => {
  assert.is(hex(new ProtoWriter().varint(1, 150).finish()), '08 96 01');
});

test('a string field encodes key, length and UTF-8 bytes', () => {
  assert.is(hex(new ProtoWriter().string(2, 'testing').finish()), '12 07 74 65 73 74 69 6e 67');
});

test('an embedded message is length-delimited (field 3 holding field 1 = 150)', () => {
  assert.is(hex(new ProtoWriter().message(3, (w) => w.varint(1, 150)).finish()), '1a 03 08 96 01');
});

test('packed varints [3, 270, 86942] in field 4 encode as in the guide', () => {
  assert.is(hex(new ProtoWriter().packedVarints(4, [3, 270, 86942]).finish()), '22 06 03 8e 02 9e a7 05');
});

test('negative int64 values take ten bytes of two’s complement', () => {
  assert.is(hex(encodeVarint(-1)), 'ff ff ff ff ff ff ff ff ff 01');
  assert.is(hex(encodeVarint(-2n)), 'fe ff ff ff ff ff ff ff ff 01');
});

test('large values: 2^31, 2^53 − 1 and 2^63 − 1', () => {
  assert.is(hex(encodeVarint(2 ** 31)), '80 80 80 80 08');
  assert.is(hex(encodeVarint(Number.MAX_SAFE_INTEGER)), 'ff ff ff ff ff ff ff 0f');
  assert.is(hex(encodeVarint((1n << 63n) - 1n)), 'ff ff ff ff ff ff ff ff 7f');
});

test('float and double fields are little-endian fixed32 / fixed64 with wire types 5 and 1', () => {
  assert.is(hex(new ProtoWriter().float(2, 1).finish()), '15 00 00 80 3f');
  assert.is(hex(new ProtoWriter().double(1, -2).finish()), '09 00 00 00 00 00 00 00 c0');
});

test('packed floats and doubles are one length-delimited run', () => {
  assert.is(hex(new ProtoWriter().packedFloats(7, [1, -2]).finish()), '3a 08 00 00 80 3f 00 00 00 c0');
  assert.is(hex(new ProtoWriter().packedDoubles(1, [1]).finish()), '0a 08 00 00 00 00 00 00 f0 3f');
});

test('an empty packed list writes nothing, as protobuf omits empty repeated fields', () => {
  assert.is(new ProtoWriter().packedVarints(1, []).packedFloats(2, []).finish().length, 0);
});

test('field numbers beyond 15 use a two-byte key (field 20 varint = a0 01)', () => {
  assert.is(hex(new ProtoWriter().varint(20, 4).finish()), 'a0 01 04');
});

test('invalid field numbers and non-integer varints are refused', () => {
  assert.throws(() => new ProtoWriter().varint(0, 1), /field number/);
  assert.throws(() => encodeVarint(1.5), /safe integer/);
  assert.throws(() => encodeVarint(1n << 64n), /64-bit range/);
});

test.run();
