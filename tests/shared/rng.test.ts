import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../shared/rng.js';

test('the same seed gives the same stream', () => {
  const a = new Rng(3407),
    b = new Rng(3407);
  for (let i = 0; i < 1000; i++) assert.is(a.uniform(), b.uniform());
});

test('different seeds give different streams', () => {
  const a = new Rng(1),
    b = new Rng(2);
  let same = 0;
  for (let i = 0; i < 100; i++) if (a.nextU32() === b.nextU32()) same++;
  assert.ok(same < 3);
});

test('state() and fromState() resume the exact stream', () => {
  const a = new Rng(42);
  for (let i = 0; i < 17; i++) a.uniform();
  const b = Rng.fromState(a.state());
  for (let i = 0; i < 100; i++) assert.is(a.normal(), b.normal());
});

test('fork(key) depends on seed and key only, not on position', () => {
  const a = new Rng(7),
    b = new Rng(7);
  for (let i = 0; i < 50; i++) b.uniform();
  assert.is(a.fork('prompt-3/v2').uniform(), b.fork('prompt-3/v2').uniform());
  assert.is.not(a.fork('prompt-3/v2').uniform(), a.fork('prompt-3/v3').uniform());
});

test('uniform is in [0,1) with mean near 1/2; normal has mean 0 and std 1', () => {
  const r = new Rng(123);
  const n = 200_000;
  let su = 0,
    sn = 0,
    sn2 = 0;
  for (let i = 0; i < n; i++) {
    const u = r.uniform();
    assert.ok(u >= 0 && u < 1);
    su += u;
    const z = r.normal();
    sn += z;
    sn2 += z * z;
  }
  assert.ok(Math.abs(su / n - 0.5) < 0.005);
  assert.ok(Math.abs(sn / n) < 0.01);
  assert.ok(Math.abs(Math.sqrt(sn2 / n) - 1) < 0.01);
});

test('exponential has the requested mean; int stays in range', () => {
  const r = new Rng(9);
  let s = 0;
  for (let i = 0; i < 100_000; i++) s += r.exponential(20);
  assert.ok(Math.abs(s / 100_000 - 20) < 0.3);
  for (let i = 0; i < 1000; i++) {
    const k = r.int(5);
    assert.ok(Number.isInteger(k) && k >= 0 && k < 5);
  }
});

test('a bad seed is a RangeError that names the allowed range', () => {
  assert.throws(() => new Rng(-1), /seed must be an integer in \[0, 4294967295\]/);
  assert.throws(() => new Rng(1.5), /seed must be an integer/);
});

test.run();
