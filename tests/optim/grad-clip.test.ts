import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clipGradNorm } from '../../shared/optim/grad-clip.js';
import { ConfigError } from '../../shared/errors.js';
import { Rng } from '../../shared/rng.js';

test('the global norm of {a: [3, 0], b: [4]} is 5 and the scale to 1 is 1/(5 + 1e-6)', () => {
  const res = clipGradNorm({ a: Float32Array.from([3, 0]), b: Float32Array.from([4]) });
  assert.equal(res, { finite: true, totalNorm: 5, scale: 1 / (5 + 1e-6) });
});

test('a norm under maxNorm gives scale exactly 1', () => {
  const res = clipGradNorm({ a: Float32Array.from([0.375, 0.5]) }, 1); // exact in float32; norm √0.390625 = 0.625
  assert.is(res.totalNorm, 0.625);
  assert.is(res.scale, 1);
});

test('all-zero gradients give norm 0 and scale 1 (the 1e-6 keeps it finite)', () => {
  assert.equal(clipGradNorm({ a: new Float32Array(4) }), { finite: true, totalNorm: 0, scale: 1 });
});

test('the norm over random tensors matches a plain loop and scaling brings it to maxNorm', () => {
  const r = new Rng(4);
  const grads = { x: Float32Array.from({ length: 100 }, () => r.normal()), y: Float32Array.from({ length: 7 }, () => r.normal(0, 3)) };
  let s = 0;
  for (const g of Object.values(grads)) for (const v of g) s += v * v;
  const res = clipGradNorm(grads, 2);
  assert.ok(Math.abs(res.totalNorm - Math.sqrt(s)) < 1e-12);
  let scaled = 0;
  for (const g of Object.values(grads)) for (const v of g) scaled += (v * res.scale) ** 2;
  assert.ok(Math.abs(Math.sqrt(scaled) - 2) < 1e-5, `clipped norm ${Math.sqrt(scaled)}`);
});

test('a NaN gradient is reported with the first bad parameter and index, and scale 0', () => {
  const res = clipGradNorm({ ok: Float32Array.from([1, 2]), bad: Float32Array.from([0, NaN, Infinity]), later: Float32Array.from([NaN]) });
  assert.is(res.finite, false);
  if (res.finite) return;
  assert.is(res.badParam, 'bad');
  assert.is(res.badIndex, 1);
  assert.ok(Number.isNaN(res.totalNorm));
  assert.is(res.scale, 0);
});

test('an infinite gradient is reported as totalNorm Infinity', () => {
  const res = clipGradNorm({ w: Float32Array.from([1, -Infinity]) });
  assert.equal(res, { finite: false, totalNorm: Infinity, scale: 0, badParam: 'w', badIndex: 1 });
});

test('gradients are not modified', () => {
  const g = Float32Array.from([30, 40]);
  clipGradNorm({ g }, 1);
  assert.equal([...g], [30, 40]);
});

test('maxNorm must be positive and finite', () => {
  assert.throws(
    () => clipGradNorm({}, 0),
    (e: unknown) => e instanceof ConfigError && /maxNorm: must be a positive finite number, got 0/.test((e as Error).message),
  );
});

test.run();
