/**
 * Channel and server options every anomseer process uses, and per-call deadlines.
 *
 * Sizes: one limit (`maxMessageBytes`, default 64 MiB, the job's `cluster.maxMessageBytes`)
 * caps sending and receiving on both sides. Weight chunks (1 MiB by default) are the largest
 * messages by far; a SubmitGroup of 8 rollouts × 160 tokens is about 15 KB, a lease with a
 * 1000-point series about 8 KB. A message over the limit fails with RESOURCE_EXHAUSTED.
 *
 * Keepalive: the client pings an idle connection every `keepaliveTimeMs` (30 s) and drops it
 * when the answer takes longer than `keepaliveTimeoutMs` (10 s), so a worker parked on a
 * WatchVersions stream or a learner in a TakeGroups long poll notices a dead coordinator
 * within 40 s instead of at the TCP timeout (minutes). Pings are permitted without calls
 * for the same reason. The server pings with the same settings to find dead workers.
 * (grpc-js servers accept these pings; a C-core server would need its ping policy relaxed.)
 */
import type * as grpc from '@grpc/grpc-js';
import { ConfigError } from '../shared/errors.js';

export const MiB = 1024 * 1024;

export interface TransportOptions {
  /** Largest message sent or received, bytes. */
  maxMessageBytes: number;
  /** Idle time before a keepalive ping, ms. */
  keepaliveTimeMs: number;
  /** Time to wait for the ping's answer before closing the connection, ms. */
  keepaliveTimeoutMs: number;
}

export const TRANSPORT_DEFAULTS: Readonly<TransportOptions> = Object.freeze({
  maxMessageBytes: 64 * MiB,
  keepaliveTimeMs: 30_000,
  keepaliveTimeoutMs: 10_000,
});

/** Limits of each option, shared by validation and its messages. */
const RANGES: Readonly<Record<keyof TransportOptions, readonly [number, number]>> = Object.freeze({
  maxMessageBytes: [1024, 2 ** 31 - 1],
  keepaliveTimeMs: [1000, 24 * 3600 * 1000],
  keepaliveTimeoutMs: [100, 3600 * 1000],
});

/** Deadline of one unary call when the caller gives none, ms (the job's `cluster.rpcDeadline`). */
export const DEFAULT_CALL_DEADLINE_MS = 30_000;

/**
 * Check user input (undefined = all defaults) and fill in defaults. Throws ConfigError naming
 * `${path}.<field>`, the value and the allowed range.
 */
export function validateTransportOptions(input: unknown, path = 'transport'): TransportOptions {
  if (input === undefined) return { ...TRANSPORT_DEFAULTS };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ConfigError(path, `expected an object with ${Object.keys(RANGES).join(', ')}; got ${Array.isArray(input) ? 'an array' : String(input)}`);
  }
  const record = input as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(key in RANGES)) throw new ConfigError(`${path}.${key}`, `unknown option; valid options are ${Object.keys(RANGES).join(', ')}`);
  }
  const out: TransportOptions = { ...TRANSPORT_DEFAULTS };
  for (const key of Object.keys(RANGES) as (keyof TransportOptions)[]) {
    const v = record[key];
    if (v === undefined) continue;
    const [min, max] = RANGES[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new ConfigError(`${path}.${key}`, `is ${JSON.stringify(v)}; expected an integer in [${min}, ${max}]`);
    }
    out[key] = v;
  }
  return out;
}

/** Options of a client channel (pass to `createClient` / a client constructor). */
export function channelOptions(input?: Partial<TransportOptions>): grpc.ClientOptions {
  const o = validateTransportOptions(input);
  return {
    'grpc.max_send_message_length': o.maxMessageBytes,
    'grpc.max_receive_message_length': o.maxMessageBytes,
    'grpc.keepalive_time_ms': o.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': o.keepaliveTimeoutMs,
    'grpc.keepalive_permit_without_calls': 1,
  };
}

/** Options of a server (pass to `new grpc.Server(...)`). */
export function serverOptions(input?: Partial<TransportOptions>): grpc.ServerOptions {
  const o = validateTransportOptions(input);
  return {
    'grpc.max_send_message_length': o.maxMessageBytes,
    'grpc.max_receive_message_length': o.maxMessageBytes,
    'grpc.keepalive_time_ms': o.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': o.keepaliveTimeoutMs,
  };
}

/**
 * The absolute deadline of a call that may take `ms` milliseconds from `now` (ms since epoch,
 * injectable for tests). Use as `{ deadline: callDeadline(5000) }`.
 * Streams that live for the whole job (WatchVersions) take no deadline.
 */
export function callDeadline(ms: number, now: number = Date.now()): Date {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) {
    throw new ConfigError('deadline', `is ${String(ms)} ms; expected a finite number > 0`);
  }
  return new Date(now + ms);
}

/**
 * Bounds of what one call may carry besides the byte limit, so that a huge list or a huge
 * rollout is refused with INVALID_ARGUMENT naming the field before any work is done on it
 * (docs/PROTOCOL.md "Size limits"). Defaults fit the largest job the config allows
 * (rollout.maxNewTokens <= 8192) with room to spare.
 */
export interface RpcLimits {
  /** Lease ids in one Heartbeat or ReleaseLeases. */
  readonly maxLeaseIdsPerCall: number;
  /** Leases one LeasePrompts hands out at most (a larger max_prompts gets this many). */
  readonly maxPromptsPerCall: number;
  /** Groups in one SubmitGroups. */
  readonly maxGroupsPerCall: number;
  /** Rollouts in one group (the job's G must be no larger). */
  readonly maxRolloutsPerGroup: number;
  /** Tokens (and log-probs) of one rollout. */
  readonly maxTokensPerRollout: number;
  /** Characters of one rollout's text. */
  readonly maxTextChars: number;
  /** Characters of an id (worker, lease, prompt, request). */
  readonly maxIdChars: number;
}

export const RPC_LIMITS: RpcLimits = Object.freeze({
  maxLeaseIdsPerCall: 10_000,
  maxPromptsPerCall: 1024,
  maxGroupsPerCall: 256,
  maxRolloutsPerGroup: 256,
  maxTokensPerRollout: 8192,
  maxTextChars: 262_144,
  maxIdChars: 256,
});
