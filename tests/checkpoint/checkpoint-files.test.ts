import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  canonicalJson,
  checkOptimizerMatchesWeights,
  decodeModelFile,
  decodeOptimizerFile,
  encodeModelFile,
  encodeOptimizerFile,
  sha256Hex,
} from '../../shared/checkpoint/checkpoint-files.js';
import { encodeSafetensors, type Tensor } from '../../shared/checkpoint/safetensors.js';
import { ConfigError, DataError } from '../../shared/errors.js';

const w: Record<string, Tensor> = { 'a.weight': { dtype: 'F32', shape: [2], data: Float32Array.from([1, 2]) } };
const isData = (re: RegExp) => (e: unknown) => e instanceof DataError && re.test((e as Error).message);

test('canonical JSON sorts keys at every level and keeps arrays in order', () => {
  assert.is(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
});

test('canonical JSON refuses values JSON would silently change, naming the path', () => {
  assert.throws(
    () => canonicalJson({ a: [1, NaN] }, 'modelConfig'),
    (e: unknown) => e instanceof ConfigError && /modelConfig\.a\[1\]: NaN cannot be stored/.test((e as Error).message),
  );
  assert.throws(
    () => canonicalJson({ f: () => 1 }),
    (e: unknown) => e instanceof ConfigError && /value\.f: a function/.test((e as Error).message),
  );
});

test('sha256Hex is the standard digest ("abc" test vector)', () => {
  assert.is(sha256Hex(new TextEncoder().encode('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('the model file round-trips weights and config', () => {
  const back = decodeModelFile(encodeModelFile(w, { layers: 2 }), 'model.safetensors');
  assert.equal(back.modelConfig, { layers: 2 });
  assert.equal([...back.weights['a.weight'].data], [1, 2]);
});

test('a safetensors file without the policy format tag is not accepted as a model file', () => {
  assert.throws(
    () => decodeModelFile(encodeSafetensors(w, { format: 'pt' }), 'm.st'),
    isData(/m\.st, field "__metadata__\.format": format is "pt", expected "anomseer-policy\/1"/),
  );
});

test('the optimizer file keeps the update count; a bad count is named', () => {
  const back = decodeOptimizerFile(encodeOptimizerFile({ step: 42, tensors: {} }), 'o.st');
  assert.is(back.step, 42);
  const bad = encodeSafetensors({}, { format: 'anomseer-adamw/1', step: '4.5' });
  assert.throws(() => decodeOptimizerFile(bad, 'o.st'), isData(/field "__metadata__\.step": step "4\.5" is not a non-negative integer/));
});

test('optimizer tensors must be paired moments of existing weights with the same size', () => {
  const m = { dtype: 'F32' as const, shape: [2], data: new Float32Array(2) };
  const fail = (msg: string, field: string) => new Error(`${field}: ${msg}`);
  checkOptimizerMatchesWeights(w, { 'm.a.weight': m, 'v.a.weight': m }, fail);
  checkOptimizerMatchesWeights(w, {}, fail); // a frozen model: no moments at all
  assert.throws(() => checkOptimizerMatchesWeights(w, { 'm.a.weight': m }, fail), /m\.a\.weight: has no partner "v\.a\.weight"/);
  assert.throws(() => checkOptimizerMatchesWeights(w, { 'x.a.weight': m }, fail), /not a moment name/);
  const three = { dtype: 'F32' as const, shape: [3], data: new Float32Array(3) };
  assert.throws(() => checkOptimizerMatchesWeights(w, { 'm.a.weight': three, 'v.a.weight': three }, fail), /has 3 values but weight "a\.weight" has 2/);
});

test.run();
