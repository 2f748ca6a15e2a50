import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as grpc from '@grpc/grpc-js';
import { LeaseExpiredError, RpcError } from '../../proto/errors.js';
import { exponentialBackoff, withRetry } from '../../proto/retry.js';
import { ConfigError } from '../../shared/errors.js';

const unavailable = () => new RpcError(grpc.status.UNAVAILABLE, 'UNAVAILABLE', 'connection refused');

test('exponentialBackoff doubles the ceiling up to maxMs and gives up after maxAttempts', () => {
  const policy = exponentialBackoff({ baseMs: 100, maxMs: 500, maxAttempts: 6, rng: () => 0.999999 });
  assert.equal([1, 2, 3, 4, 5, 6].map(policy), [99, 199, 399, 499, 499, null]);
  const none = exponentialBackoff({ baseMs: 100, maxMs: 500, maxAttempts: 6, rng: () => 0 });
  assert.equal([1, 2].map(none), [0, 0]);
});

test('exponentialBackoff refuses bad options with a ConfigError naming the field', () => {
  const ok = { baseMs: 100, maxMs: 500, maxAttempts: 3, rng: Math.random };
  const CASES: [Partial<typeof ok>, string][] = [
    [{ baseMs: 0 }, 'retry.baseMs'],
    [{ maxMs: 50 }, 'retry.maxMs'],
    [{ maxAttempts: 0 }, 'retry.maxAttempts'],
    [{ maxAttempts: 1.5 }, 'retry.maxAttempts'],
  ];
  for (const [patch, field] of CASES) {
    assert.throws(
      () => exponentialBackoff({ ...ok, ...patch }),
      (e: unknown) => e instanceof ConfigError && e.field === field,
    );
  }
});

test('withRetry retries UNAVAILABLE with the policy delays, then returns the success', async () => {
  const slept: number[] = [];
  let calls = 0;
  const result = await withRetry(
    async () => {
      calls += 1;
      if (calls < 3) throw unavailable();
      return 'ok';
    },
    (attempt) => attempt * 10,
    async (ms) => {
      slept.push(ms);
    },
  );
  assert.is(result, 'ok');
  assert.equal(slept, [10, 20]);
});

test('withRetry rethrows a non-retryable error at once', async () => {
  let calls = 0;
  const err = await withRetry(
    async () => {
      calls += 1;
      throw new LeaseExpiredError('lease-1', 0);
    },
    () => 1,
    async () => {},
  ).catch((e: unknown) => e);
  assert.instance(err, LeaseExpiredError);
  assert.is(calls, 1);
});

test('withRetry rethrows the last error when the policy gives up', async () => {
  let calls = 0;
  const err = await withRetry(
    async () => {
      calls += 1;
      throw unavailable();
    },
    exponentialBackoff({ baseMs: 1, maxMs: 1, maxAttempts: 3, rng: () => 0 }),
    async () => {},
  ).catch((e: unknown) => e);
  assert.instance(err, RpcError);
  assert.is(calls, 3);
});

test.run();
