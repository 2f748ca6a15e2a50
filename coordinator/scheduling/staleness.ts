/**
 * Bounded staleness (config `cluster.maxStaleness`, default 0), as pure functions.
 *
 * The learner's latest published weight version is V; a worker holding version w may start a
 * rollout iff 0 < w <= V and V − w <= S (S = maxStaleness). So with S = 2 and V = 7, workers on
 * 5, 6 or 7 may lease, a worker on 4 must fetch first. S = 0 is fully synchronous: while the
 * learner is at version k (about to run step k), leases are only handed out against version k,
 * and a group sampled with k − 1 is refused at submission (StaleWeightsError).
 *
 * The lease records `minWeightVersion(V, S)` taken when it was handed out; the submission check
 * (`acceptsSubmission`) compares against that number, so a lease stays valid for the versions it
 * was promised even when the learner publishes meanwhile.
 */
import { ConfigError } from '../../shared/errors.js';

/** Lowest version a rollout may use while the latest is `latest`: max(1, V − S), or 0 before any. */
export function minWeightVersion(latest: number, maxStaleness: number): number {
  if (latest <= 0) return 0;
  return Math.max(1, latest - maxStaleness);
}

export type RolloutVerdict =
  | { readonly ok: true; readonly minWeightVersion: number }
  /**
   * no-weights: nothing is published yet (wait for version 1);
   * stale: the worker's version is more than S behind (fetch `fetchVersion`);
   * ahead: the worker claims a version the coordinator has not published (fetch `fetchVersion`).
   */
  | { readonly ok: false; readonly reason: 'no-weights' | 'stale' | 'ahead'; readonly fetchVersion: number };

/** May a worker holding `held` start a rollout while the latest version is `latest`? */
export function checkRollout(latest: number, held: number, maxStaleness: number): RolloutVerdict {
  if (latest <= 0) return { ok: false, reason: 'no-weights', fetchVersion: 0 };
  if (held > latest) return { ok: false, reason: 'ahead', fetchVersion: latest };
  if (held <= 0 || latest - held > maxStaleness) return { ok: false, reason: 'stale', fetchVersion: latest };
  return { ok: true, minWeightVersion: minWeightVersion(latest, maxStaleness) };
}

/** True when a group sampled with `used` may be accepted for a lease promising `leaseMin`. */
export function acceptsSubmission(used: number, leaseMin: number): boolean {
  return used >= leaseMin;
}

/** Parse `cluster.maxStaleness`: an integer in [0, 1000]. */
export function validateMaxStaleness(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 1000) {
    throw new ConfigError('cluster.maxStaleness', `must be an integer in [0, 1000] (0 = synchronous), got ${JSON.stringify(value)}`);
  }
  return value;
}
