/**
 * Retrying failed calls: a pure backoff policy `(attempt) => ms | null` and a loop that retries
 * only what `isRetryable` allows (UNAVAILABLE, DEADLINE_EXCEEDED; see proto/status.ts).
 * Chance and time are injected, so a test replays a retry sequence exactly.
 *
 * Example (base 100 ms, factor 2, cap 5 s, 6 attempts, full jitter):
 *   attempt 1 → up to 100 ms, 2 → up to 200 ms, 3 → 400, 4 → 800, 5 → 1600, 6 → null (give up)
 */
import { ConfigError } from '../shared/errors.js';
import { isRetryable } from './status.js';

/** Wait before retry number `attempt` (1 = first retry), ms; null = give up. */
export type RetryPolicy = (attempt: number) => number | null;

export interface BackoffOptions {
  /** Delay ceiling before the first retry, ms. */
  baseMs: number;
  /** Largest delay, ms. */
  maxMs: number;
  /** Give up when this attempt would start (attempts include the first call). */
  maxAttempts: number;
  /** Uniform [0, 1) source; the delay is rng() × ceiling ("full jitter"). Inject a seeded one. */
  rng: () => number;
}

/** Exponential backoff with full jitter: ceiling(attempt) = min(maxMs, baseMs · 2^(attempt−1)). */
export function exponentialBackoff(opts: BackoffOptions): RetryPolicy {
  if (!(opts.baseMs > 0) || !Number.isFinite(opts.baseMs)) throw new ConfigError('retry.baseMs', `is ${opts.baseMs}; expected a finite number > 0`);
  if (!(opts.maxMs >= opts.baseMs) || !Number.isFinite(opts.maxMs)) throw new ConfigError('retry.maxMs', `is ${opts.maxMs}; expected a finite number >= retry.baseMs (${opts.baseMs})`);
  if (!Number.isInteger(opts.maxAttempts) || opts.maxAttempts < 1) throw new ConfigError('retry.maxAttempts', `is ${opts.maxAttempts}; expected an integer >= 1`);
  return (attempt) => {
    if (attempt + 1 > opts.maxAttempts) return null;
    const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** (attempt - 1));
    return Math.floor(opts.rng() * ceiling);
  };
}

/**
 * Run `call` until it succeeds, fails with a non-retryable error, or the policy gives up; the
 * last error is rethrown. `sleep` is injected (tests pass one that records and resolves at once).
 */
export async function withRetry<T>(call: () => Promise<T>, policy: RetryPolicy, sleep: (ms: number) => Promise<void>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (err) {
      const wait = isRetryable(err) ? policy(attempt) : null;
      if (wait === null) throw err;
      await sleep(wait);
    }
  }
}
