/**
 * Retrying failed calls: a pure backoff policy `(attempt, elapsedMs) => ms | null` (the shape of
 * ioredis's `retryStrategy`) and a loop that retries only what `isRetryable` allows
 * (UNAVAILABLE, DEADLINE_EXCEEDED; see proto/status.ts). Chance and time are injected, so a
 * test replays a retry sequence exactly. Every process retries through this module: the
 * learner's calls, the worker's calls and weight fetches, and the learner's progress reports.
 *
 * Example (base 100 ms, cap 5 s, 6 attempts, full jitter):
 *   attempt 1 → up to 100 ms, 2 → up to 200 ms, 3 → 400, 4 → 800, 5 → 1600, 6 → null (give up)
 */
import { ConfigError } from '../shared/errors.js';
import { UnavailableError } from './errors.js';
import { isRetryable } from './status.js';

/**
 * Wait before retry number `attempt` (1 = first retry), ms; null = give up. `elapsedMs` is the
 * time since the first try started (policies bounded by time use it; others ignore it).
 */
export type RetryPolicy = (attempt: number, elapsedMs: number) => number | null;

export interface BackoffOptions {
  /** Delay ceiling before the first retry, ms. */
  baseMs: number;
  /** Largest delay, ms. */
  maxMs: number;
  /** Give up when this attempt would start (attempts include the first call); default unbounded. */
  maxAttempts?: number;
  /** Give up when this much time has passed since the first try, ms; default unbounded. */
  maxElapsedMs?: number;
  /** Uniform [0, 1) source; the delay is rng() × ceiling ("full jitter"). Inject a seeded one. */
  rng: () => number;
}

/** Exponential backoff with full jitter: ceiling(attempt) = min(maxMs, baseMs · 2^(attempt−1)). */
export function exponentialBackoff(opts: BackoffOptions): RetryPolicy {
  if (!(opts.baseMs > 0) || !Number.isFinite(opts.baseMs)) throw new ConfigError('retry.baseMs', `is ${opts.baseMs}; expected a finite number > 0`);
  if (!(opts.maxMs >= opts.baseMs) || !Number.isFinite(opts.maxMs))
    throw new ConfigError('retry.maxMs', `is ${opts.maxMs}; expected a finite number >= retry.baseMs (${opts.baseMs})`);
  const maxAttempts = opts.maxAttempts ?? Number.POSITIVE_INFINITY;
  if (maxAttempts !== Number.POSITIVE_INFINITY && (!Number.isInteger(maxAttempts) || maxAttempts < 1))
    throw new ConfigError('retry.maxAttempts', `is ${opts.maxAttempts}; expected an integer >= 1`);
  const maxElapsed = opts.maxElapsedMs ?? Number.POSITIVE_INFINITY;
  if (!(maxElapsed >= 0)) throw new ConfigError('retry.maxElapsedMs', `is ${opts.maxElapsedMs}; expected a number >= 0`);
  return (attempt, elapsedMs = 0) => {
    if (attempt + 1 > maxAttempts || elapsedMs >= maxElapsed) return null;
    // 2 ** attempt overflows to Infinity long after maxMs caps it; min() keeps it finite.
    const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(attempt - 1, 60));
    return Math.floor(opts.rng() * ceiling);
  };
}

export interface RetryHooks {
  /** Clock for `elapsedMs`, ms (default Date.now). */
  readonly now?: () => number;
  /** Called before each wait: the error, the retry number and the wait (log it once per outage). */
  readonly onRetry?: (err: unknown, attempt: number, waitMs: number) => void;
  /** Which errors may be retried (default proto/status isRetryable). */
  readonly retryable?: (err: unknown) => boolean;
}

/**
 * Run `call` until it succeeds, fails with a non-retryable error, or the policy gives up; the
 * last error is rethrown. `sleep` is injected (tests pass one that records and resolves at once).
 */
export async function withRetry<T>(call: () => Promise<T>, policy: RetryPolicy, sleep: (ms: number) => Promise<void>, hooks: RetryHooks = {}): Promise<T> {
  const now = hooks.now ?? Date.now;
  const retryable = hooks.retryable ?? isRetryable;
  const started = now();
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (err) {
      const wait = retryable(err) ? policy(attempt, now() - started) : null;
      if (wait === null) throw err;
      hooks.onRetry?.(err, attempt, wait);
      await sleep(wait);
    }
  }
}

/** The backoff every role uses unless told otherwise: 200 ms doubling to 5 s, full jitter. */
export const DEFAULT_BACKOFF = Object.freeze({ baseMs: 200, maxMs: 5000 });

/**
 * What a role says while a peer is unreachable (docs/CLUSTER.md "What survives what"): one line
 * when calls start failing with retryable errors, one when a call works again, and the line to
 * stop with when the wait is over — never one line per retry (a 5-minute outage at a 5-s backoff
 * would be 60). Pass `onRetry` to withRetry's hooks and call `ok()` after each success.
 *
 *   learner: coordinator 10.0.0.5:7070 unreachable (gRPC UNAVAILABLE (14): …); retrying for up to 5m (cluster.coordinatorWait)
 *   learner: coordinator 10.0.0.5:7070 reachable again after 62.3 s
 */
export class OutageLog {
  readonly #what: string;
  readonly #log: (line: string) => void;
  readonly #now: () => number;
  readonly #limitMs: number;
  #since: number | undefined;

  constructor(o: { what: string; log: (line: string) => void; now: () => number; limitMs: number }) {
    this.#what = o.what;
    this.#log = o.log;
    this.#now = o.now;
    this.#limitMs = o.limitMs;
  }

  /** True while an outage is going on. */
  get down(): boolean {
    return this.#since !== undefined;
  }

  readonly onRetry = (err: unknown): void => {
    if (this.#since !== undefined) return;
    this.#since = this.#now();
    this.#log(
      `${this.#what} unreachable (${err instanceof Error ? err.message : String(err)}); retrying for up to ${formatWait(this.#limitMs)} (cluster.coordinatorWait)`,
    );
  };

  ok(): void {
    if (this.#since === undefined) return;
    this.#log(`${this.#what} reachable again after ${((this.#now() - this.#since) / 1000).toFixed(1)} s`);
    this.#since = undefined;
  }

  /** The error to stop with when `err` ended the wait: retryable ones are told as the outage they are. */
  gaveUp(err: unknown): unknown {
    if (!isRetryable(err)) return err;
    return new UnavailableError(
      `${this.#what} was unreachable for ${formatWait(this.#limitMs)} (cluster.coordinatorWait; last error: ${err instanceof Error ? err.message : String(err)}); stopping`,
    );
  }
}

/** 300000 → "5m", 90000 → "90s", 1500 → "1.5s". */
export function formatWait(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`;
}
