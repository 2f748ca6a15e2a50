/**
 * What `anomseer serve` is configured with, validated once at the edge (the CLI) into a frozen
 * object: user input → defaults → compiled options. Every limit is a plain number here; nothing
 * below serve/main.ts reads flags or the environment.
 *
 *   host            address both servers bind (default 127.0.0.1: loopback only)
 *   port            HTTP port (default 7480; 0 = any free port)
 *   grpcPort        gRPC port (default 7481; 0 = any free port; null = no gRPC server)
 *   threads         ONNX Runtime intra-op threads (default 1)
 *   maxBodyBytes    largest HTTP body and gRPC message, bytes (default 4 MiB → 413 /
 *                   RESOURCE_EXHAUSTED)
 *   maxPoints       most values in one series (default 100 000 → 400 / INVALID_ARGUMENT)
 *   maxBatchWindows most windows decoded together in one batch (default 4: on this 2-core CPU
 *                   a batch of 16 gave fewer requests/s than batches of 4 — docs/BENCHMARKS.md "serve")
 *   maxWaitMs       how long the first queued window waits for company, ms (default 5)
 *   batching        true: concurrent requests share decode batches; false: a batch holds the
 *                   windows of one request only (what `--no-batching` and the benchmark's
 *                   "off" rows measure)
 */
import { ConfigError } from '../shared/errors.js';

export interface ServeOptions {
  readonly checkpoint: string;
  readonly host: string;
  readonly port: number;
  readonly grpcPort: number | null;
  readonly threads: number;
  readonly maxBodyBytes: number;
  readonly maxPoints: number;
  readonly maxBatchWindows: number;
  readonly maxWaitMs: number;
  readonly batching: boolean;
  /** Where the bearer token is read from, or written to (0600) when generated. */
  readonly tokenFile: string;
}

export const SERVE_DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  port: 7480,
  grpcPort: 7481 as number | null,
  threads: 1,
  maxBodyBytes: 4 * 1024 * 1024,
  maxPoints: 100_000,
  maxBatchWindows: 4,
  maxWaitMs: 5,
  batching: true,
});

/** Integer ranges of the numeric options, shared by validation and its messages. */
const RANGES = Object.freeze({
  port: [0, 65535],
  grpcPort: [0, 65535],
  threads: [1, 64],
  maxBodyBytes: [1024, 1024 ** 3],
  maxPoints: [1, 10_000_000],
  maxBatchWindows: [1, 1024],
  maxWaitMs: [0, 10_000],
} as const);

const KEYS = ['checkpoint', 'tokenFile', 'host', 'batching', ...Object.keys(RANGES)];

/**
 * Check user input and fill in defaults. Throws ConfigError naming `serve.<field>`, the value
 * and the allowed range. `checkpoint` and `tokenFile` are required (the CLI fills their defaults).
 */
export function validateServeOptions(input: unknown): ServeOptions {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ConfigError('serve', 'expected an object of serve options');
  const r = input as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (!KEYS.includes(key)) throw new ConfigError(`serve.${key}`, `unknown option; valid options are ${KEYS.join(', ')}`);
  }
  const text = (key: string, fallback?: string): string => {
    const v = r[key] ?? fallback;
    if (typeof v !== 'string' || v.trim() === '') throw new ConfigError(`serve.${key}`, `is ${JSON.stringify(v)}; expected a non-empty string`);
    return v;
  };
  const int = (key: keyof typeof RANGES): number => {
    const v = r[key] ?? SERVE_DEFAULTS[key];
    const [min, max] = RANGES[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new ConfigError(`serve.${key}`, `is ${JSON.stringify(v)}; expected an integer in [${min}, ${max}]`);
    }
    return v;
  };
  const host = text('host', SERVE_DEFAULTS.host);
  if (/[\s/]/.test(host)) throw new ConfigError('serve.host', `is "${host}"; expected a host name or IP address`);
  const batching = r.batching ?? SERVE_DEFAULTS.batching;
  if (typeof batching !== 'boolean') throw new ConfigError('serve.batching', `is ${JSON.stringify(batching)}; expected true or false`);
  return Object.freeze({
    checkpoint: text('checkpoint'),
    tokenFile: text('tokenFile'),
    host,
    port: int('port'),
    grpcPort: r.grpcPort === null ? null : int('grpcPort'),
    threads: int('threads'),
    maxBodyBytes: int('maxBodyBytes'),
    maxPoints: int('maxPoints'),
    maxBatchWindows: int('maxBatchWindows'),
    maxWaitMs: int('maxWaitMs'),
    batching,
  });
}

/** True for addresses only this machine can reach. */
export const isLoopback = (host: string): boolean => /^(127\.|::1$|\[::1\]$|localhost$)/.test(host);
