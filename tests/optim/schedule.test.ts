import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { constantLr, scheduleFromConfig, warmupConstantLr, warmupCosineLr } from '../../shared/optim/schedule.js';
import { ConfigError } from '../../shared/errors.js';

const near = (a: number, b: number) => assert.ok(Math.abs(a - b) <= 1e-15, `${a} vs ${b}`);

test('constant is the same at every step', () => {
  const f = scheduleFromConfig({ name: 'constant', lr: 3e-4 });
  for (const s of [0, 1, 100, 10000]) assert.is(f(s), 3e-4);
  assert.is(constantLr(2, 5), 2);
});

test('warmup rises linearly, reaches the peak on its last step, then stays constant', () => {
  const f = scheduleFromConfig({ name: 'warmup-constant', lr: 1e-4, warmupSteps: 10 });
  near(f(0), 1e-5); // the first update is not spent at lr 0
  near(f(4), 5e-5);
  near(f(9), 1e-4);
  assert.is(f(10), 1e-4);
  assert.is(f(500), 1e-4);
  assert.is(warmupConstantLr(1, 0, 0), 1); // no warmup
});

test('warmup + cosine: peak after warmup, half way at the midpoint, minLr at totalSteps and after', () => {
  const f = scheduleFromConfig({ name: 'warmup-cosine', lr: 1e-4, warmupSteps: 10, totalSteps: 250, minLr: 1e-5 });
  near(f(0), 1e-5);
  near(f(9), 1e-4);
  near(f(10), 1e-4);
  near(f(130), 1e-5 + 0.5 * 9e-5); // progress (130 − 10) / 240 = ½ → cos term ½
  near(f(70), 1e-5 + 9e-5 * 0.5 * (1 + Math.cos(Math.PI / 4))); // progress ¼
  near(f(250), 1e-5);
  near(f(1000), 1e-5);
  for (let s = 11; s <= 250; s++) assert.ok(f(s) <= f(s - 1), `not decreasing at ${s}`);
});

test('cosine without warmup starts at the peak and the default floor is 0', () => {
  assert.is(warmupCosineLr(1, 0, 100, 0, 0), 1);
  const f = scheduleFromConfig({ name: 'warmup-cosine', lr: 1, totalSteps: 100 });
  near(f(100), 0);
});

test('a bad config is a ConfigError naming the field; an unknown name lists the valid ones', () => {
  const err = (fn: () => unknown, re: RegExp) => assert.throws(fn, (e: unknown) => e instanceof ConfigError && re.test((e as Error).message));
  err(
    () => scheduleFromConfig({ name: 'linear' as never, lr: 1 }),
    /schedule\.name: unknown schedule "linear"; valid: constant, warmup-constant, warmup-cosine/,
  );
  err(() => scheduleFromConfig({ name: 'constant', lr: 0 }), /schedule\.lr: must be a positive number, got 0/);
  err(
    () => scheduleFromConfig({ name: 'warmup-cosine', lr: 1, warmupSteps: 10, totalSteps: 10 }),
    /schedule\.totalSteps: must be greater than warmupSteps \(10\), got 10/,
  );
  err(() => scheduleFromConfig({ name: 'warmup-cosine', lr: 1 }), /schedule\.totalSteps: is required/);
  err(() => scheduleFromConfig({ name: 'warmup-constant', lr: 1, warmupSteps: 2.5 }), /schedule\.warmupSteps: must be a non-negative integer, got 2\.5/);
  err(() => scheduleFromConfig({ name: 'warmup-cosine', lr: 1, totalSteps: 5, minLr: 2 }), /schedule\.minLr: must be in \[0, lr = 1\], got 2/);
});

test('a negative or fractional step is a RangeError', () => {
  const f = scheduleFromConfig({ name: 'constant', lr: 1 });
  assert.throws(
    () => f(-1),
    (e: unknown) => e instanceof RangeError,
  );
  assert.throws(
    () => f(1.5),
    (e: unknown) => e instanceof RangeError,
  );
});

test.run();
