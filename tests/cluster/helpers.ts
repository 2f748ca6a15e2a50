// Shared pieces of the cluster tests: a tiny job, synthetic records, typed clients.
import * as grpc from '@grpc/grpc-js';
import { bearerInterceptor } from '../../proto/auth.js';
import { createClient } from '../../proto/load.js';
import { channelOptions } from '../../proto/options.js';
import type { Timers } from '../../coordinator/service/coordinator-service.js';
import type { CoordinatorClient, WeightsClient } from '../../proto/types.js';
import { applyOverrides, loadJobFile } from '../../shared/config/load.js';
import type { JobConfig } from '../../shared/config/job.js';
import type { SeriesRecord } from '../../shared/series/record.js';
import type { Rollout } from '../../proto/types.js';
import { policySpecFromJob, tokenizerOf } from '../../shared/policy/spec.js';

export const TOKEN = 'test-token-0123456789abcdef';

/** examples/smoke.yaml with overrides, e.g. { "train.steps": "2" }. */
export function smokeJob(overrides: Record<string, string> = {}): JobConfig {
  return applyOverrides(loadJobFile('examples/smoke.yaml'), overrides);
}

/** n synthetic records r0..r(n-1), 16 points each, every other one with an interval. */
export function fakeRecords(n: number): SeriesRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `r${i}`,
    series: Float64Array.from({ length: 16 }, (_, t) => Math.sin(t + i)),
    intervals: i % 2 === 0 ? [] : [[4, 6] as const],
    type: i % 2 === 0 ? ('normal' as const) : ('global point' as const),
  }));
}

export function clients(address: string, token = TOKEN): { coord: CoordinatorClient; weights: WeightsClient; close(): void } {
  const opts = { ...channelOptions(), interceptors: [bearerInterceptor(token)] };
  const coord = createClient('Coordinator', address, grpc.credentials.createInsecure(), opts);
  const weights = createClient('Weights', address, grpc.credentials.createInsecure(), opts);
  return {
    coord,
    weights,
    close: () => {
      coord.close();
      weights.close();
    },
  };
}

/** A manual clock: read with now(), move with advance(ms). */
export function manualClock(start = 1_800_000_000_000): { now: () => number; advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

/** A short complete trace each: what a worker of `job` could sample for a series of n points (G of them). */
export function validRollouts(
  job: JobConfig,
  n: number,
  texts: readonly string[] = ['<think> the series </think>\n<answer>[]</answer>\n<class>normal</class>'],
): Rollout[] {
  const tok = tokenizerOf(policySpecFromJob(job));
  return Array.from({ length: job.rollout.groupSize }, (_, i) => {
    const ids = tok.encodeTrace(texts[i % texts.length]!, n);
    return { index: i, token_ids: ids, logprobs: ids.map((_t, j) => -0.25 * ((j + i) % 3)), text: tok.decodeTrace(ids, n), truncated: false };
  });
}

/**
 * The coordinator's timers, held by the test: no delay ever elapses (no lease-expiry sweep, no
 * long-poll timeout), so whatever the coordinator does was caused by a call or by the test
 * (`expireNow()`, moving the manual clock). A zero-delay timeout (work deferred to the next turn
 * of the event loop, e.g. the intake's coalesced wake-up) still runs. `set` lists every timeout
 * scheduled and whether it was cleared.
 */
export function heldTimers(): Timers & { readonly set: { ms: number; cleared: boolean }[] } {
  const set: { ms: number; cleared: boolean }[] = [];
  return {
    set,
    setTimeout: (fn, ms) => {
      const entry = { ms, cleared: false };
      set.push(entry);
      if (ms <= 0)
        setImmediate(() => {
          if (!entry.cleared) fn();
        });
      return entry;
    },
    clearTimeout: (handle) => {
      if (handle !== undefined) (handle as { cleared: boolean }).cleared = true;
    },
    setInterval: () => undefined,
    clearInterval: () => {},
  };
}
