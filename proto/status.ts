/**
 * Errors ↔ gRPC status: one table (ERROR_TABLE) used in both directions.
 *
 * Server: `callback(toStatus(err))` (unary, client streaming) or `call.emit('error', toStatus(err))`
 * (server streaming). The status carries the gRPC code of the table, the error message as
 * details, and `anomseer-error-bin` metadata holding the class name and typed fields as JSON.
 * Client: `fromStatus(serviceError)` revives the same class with the same fields and message;
 * a status without that metadata (transport failure, deadline, foreign server) becomes an
 * RpcError carrying the code.
 *
 *   class                 code                  why
 *   ConfigError           INVALID_ARGUMENT (3)  the request is wrong; retrying sends it again
 *   InvalidArgumentError  INVALID_ARGUMENT (3)  a request field or wire payload is malformed
 *   DataError             INVALID_ARGUMENT (3)
 *   ShapeError            INVALID_ARGUMENT (3)  e.g. G rollouts expected, got another count
 *   NotFoundError         NOT_FOUND (5)         unknown id: a bug or a restarted coordinator
 *   LeaseExpiredError     FAILED_PRECONDITION (9) the lease was real but is gone: drop, lease again
 *   StaleWeightsError     FAILED_PRECONDITION (9) fetch newer weights first, then sample again
 *   JobStateError         FAILED_PRECONDITION (9) the job's state is not the one the caller knew: stop, say why
 *   LearnerFencedError    FAILED_PRECONDITION (9) a newer learner holds the job: the older one stops
 *   UnavailableError      UNAVAILABLE (14)      the server's Redis is down: retry with backoff
 *   JobStoppedError       FAILED_PRECONDITION (9) an operator stopped the job: checkpoint and exit
 *   ChecksumMismatchError DATA_LOSS (15)        bytes corrupted in transit: fetch again
 *   MessageTooLargeError  RESOURCE_EXHAUSTED (8) a field over its own limit: send less
 *   UnauthenticatedError  UNAUTHENTICATED (16)  fix the token; retrying cannot help
 *   anything else         INTERNAL (13)         a server bug; details name the class
 *
 * RETRYABLE_CODES = { UNAVAILABLE, DEADLINE_EXCEEDED }. UNAVAILABLE is the transport (server
 * down, restarting, connection reset). DEADLINE_EXCEEDED is retryable because every RPC is
 * idempotent by construction (request_id, lease_id, ack_batch_id, start_index; see
 * docs/PROTOCOL.md). RESOURCE_EXHAUSTED is NOT retryable: grpc-js raises it for a message
 * over the size limit, and the same message fails the same way every time.
 */
import * as grpc from '@grpc/grpc-js';
import { AnomseerError, ConfigError, DataError, InvalidArgumentError, ShapeError } from '../shared/errors.js';
import {
  ChecksumMismatchError,
  JobStateError,
  JobStoppedError,
  LeaseExpiredError,
  LearnerFencedError,
  MessageTooLargeError,
  NotFoundError,
  RpcError,
  StaleWeightsError,
  UnauthenticatedError,
  UnavailableError,
} from './errors.js';
import type { JobStateReason } from './errors.js';

/** Metadata key of the error payload (binary: UTF-8 JSON `{ name, fields }`). */
export const ERROR_METADATA_KEY = 'anomseer-error-bin';

/** What a handler answers with: the shape grpc-js accepts from callbacks and `emit('error')`. */
export interface RpcStatus {
  code: grpc.status;
  details: string;
  metadata: grpc.Metadata;
}

type Fields = Record<string, string | number | null>;

/** One row of the table: a class, its code, and how its typed fields travel. */
export interface ErrorCodec {
  readonly name: string;
  readonly status: grpc.status;
  /** True when err belongs to this row. */
  readonly matches: (err: unknown) => boolean;
  readonly fields: (err: AnomseerError) => Fields;
  /** Rebuild the error from its fields and full message. */
  readonly revive: (fields: Fields, message: string) => AnomseerError;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
/** The part of a message after a `prefix: ` the constructor adds again. */
const after = (message: string, prefix: string): string => (message.startsWith(`${prefix}: `) ? message.slice(prefix.length + 2) : message);

function row<E extends AnomseerError>(
  cls: abstract new (...args: never[]) => E,
  status: grpc.status,
  fields: (err: E) => Fields,
  revive: (fields: Fields, message: string) => E,
): ErrorCodec {
  return Object.freeze({
    name: cls.name,
    status,
    matches: (err: unknown) => err instanceof cls,
    fields: (err: AnomseerError) => fields(err as E),
    revive,
  });
}

/** The one mapping from anomseer error classes to gRPC codes (first match wins). */
export const ERROR_TABLE: readonly ErrorCodec[] = Object.freeze([
  row(
    ConfigError,
    grpc.status.INVALID_ARGUMENT,
    (e) => ({ field: e.field }),
    (f, m) => new ConfigError(str(f.field), after(m, str(f.field))),
  ),
  row(
    InvalidArgumentError,
    grpc.status.INVALID_ARGUMENT,
    (e) => ({ field: e.field }),
    (f, m) => new InvalidArgumentError(str(f.field), after(m, str(f.field))),
  ),
  row(
    DataError,
    grpc.status.INVALID_ARGUMENT,
    (e) => ({ file: e.file, line: e.line ?? null, field: e.field ?? null }),
    (f, m) => {
      const opts: { line?: number; field?: string } = {};
      if (typeof f.line === 'number') opts.line = f.line;
      if (typeof f.field === 'string') opts.field = f.field;
      // The constructor prefixes "file, line N, field "x": " again; strip what it will add.
      const where = new DataError(str(f.file), '', opts).message; // ends with ": "
      return new DataError(str(f.file), m.startsWith(where) ? m.slice(where.length) : m, opts);
    },
  ),
  row(
    ShapeError,
    grpc.status.INVALID_ARGUMENT,
    () => ({}),
    (_f, m) => new ShapeError(m),
  ),
  row(
    NotFoundError,
    grpc.status.NOT_FOUND,
    (e) => ({ kind: e.kind, id: e.id }),
    (f, m) => {
      const base = `unknown ${str(f.kind)} "${str(f.id)}"`;
      return new NotFoundError(str(f.kind), str(f.id), m.startsWith(`${base}; `) ? m.slice(base.length + 2) : '');
    },
  ),
  row(
    LeaseExpiredError,
    grpc.status.FAILED_PRECONDITION,
    (e) => ({ leaseId: e.leaseId, deadlineMs: e.deadlineMs }),
    (f) => new LeaseExpiredError(str(f.leaseId), num(f.deadlineMs)),
  ),
  row(
    StaleWeightsError,
    grpc.status.FAILED_PRECONDITION,
    (e) => ({ used: e.used, min: e.min }),
    (f) => new StaleWeightsError(num(f.used), num(f.min)),
  ),
  row(
    JobStoppedError,
    grpc.status.FAILED_PRECONDITION,
    (e) => ({ jobId: e.jobId, stoppedAtMs: e.stoppedAtMs, reason: e.reason }),
    (f) => new JobStoppedError(str(f.jobId), num(f.stoppedAtMs), str(f.reason)),
  ),
  row(
    ChecksumMismatchError,
    grpc.status.DATA_LOSS,
    (e) => ({ version: e.version, expected: e.expected, actual: e.actual }),
    (f) => new ChecksumMismatchError(num(f.version), str(f.expected), str(f.actual)),
  ),
  row(
    MessageTooLargeError,
    grpc.status.RESOURCE_EXHAUSTED,
    (e) => ({ field: e.field, bytes: e.bytes, limit: e.limit }),
    (f) => new MessageTooLargeError(str(f.field), num(f.bytes), num(f.limit)),
  ),
  row(
    JobStateError,
    grpc.status.FAILED_PRECONDITION,
    (e) => ({ reason: e.reason }),
    (f, m) => new JobStateError(str(f.reason) as JobStateReason, m),
  ),
  row(
    LearnerFencedError,
    grpc.status.FAILED_PRECONDITION,
    (e) => ({ epoch: e.epoch, current: e.current }),
    (f, m) => Object.assign(new LearnerFencedError(num(f.epoch), num(f.current)), { message: m }),
  ),
  row(
    UnavailableError,
    grpc.status.UNAVAILABLE,
    () => ({}),
    (_f, m) => new UnavailableError(m),
  ),
  row(
    UnauthenticatedError,
    grpc.status.UNAUTHENTICATED,
    () => ({}),
    (_f, m) => new UnauthenticatedError(m),
  ),
]);

/** Codes worth retrying with backoff; everything else fails the call at once. */
export const RETRYABLE_CODES: ReadonlySet<grpc.status> = new Set([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]);

/** Name of a gRPC code, e.g. 16 → "UNAUTHENTICATED". */
export function codeName(code: number): string {
  return (grpc.status as unknown as Record<number, string | undefined>)[code] ?? `UNKNOWN_CODE_${code}`;
}

function isStatusLike(err: unknown): err is { code: number; details?: unknown; message?: unknown; metadata?: unknown } {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as { code?: unknown }).code === 'number' &&
    Number.isInteger((err as { code: number }).code) &&
    (err as { code: number }).code >= 0 &&
    (err as { code: number }).code <= 16
  );
}

/**
 * Server side: the status to answer for any thrown value. Anomseer errors go through the table;
 * a status-like object (e.g. a ServiceError from a call this handler made) keeps its code;
 * anything else is INTERNAL with the error's name and message as details.
 */
export function toStatus(err: unknown): RpcStatus {
  const metadata = new grpc.Metadata();
  if (err instanceof AnomseerError) {
    const codec = ERROR_TABLE.find((c) => c.matches(err));
    if (codec !== undefined) {
      metadata.set(ERROR_METADATA_KEY, Buffer.from(JSON.stringify({ name: codec.name, fields: codec.fields(err) }), 'utf8'));
      return { code: codec.status, details: err.message, metadata };
    }
    return { code: grpc.status.INTERNAL, details: `${err.name} (${err.code}): ${err.message}`, metadata };
  }
  if (isStatusLike(err)) {
    const details = typeof err.details === 'string' ? err.details : typeof err.message === 'string' ? err.message : '';
    return { code: err.code, details, metadata: err.metadata instanceof grpc.Metadata ? err.metadata : metadata };
  }
  if (err instanceof Error) return { code: grpc.status.INTERNAL, details: `${err.name}: ${err.message}`, metadata };
  return { code: grpc.status.INTERNAL, details: `non-error thrown: ${String(err)}`, metadata };
}

/**
 * Client side: the anomseer error behind a failed call. A status sent by toStatus revives its
 * class (same fields, same message); UNAUTHENTICATED without payload becomes
 * UnauthenticatedError; anything else becomes RpcError with the code.
 */
export function fromStatus(err: Partial<grpc.StatusObject> & { message?: string }): AnomseerError {
  const code = typeof err.code === 'number' ? err.code : grpc.status.UNKNOWN;
  const details = typeof err.details === 'string' ? err.details : typeof err.message === 'string' ? err.message : '';
  const payload = err.metadata instanceof grpc.Metadata ? err.metadata.get(ERROR_METADATA_KEY)[0] : undefined;
  if (Buffer.isBuffer(payload)) {
    try {
      const parsed = JSON.parse(payload.toString('utf8')) as { name?: unknown; fields?: unknown };
      const codec = ERROR_TABLE.find((c) => c.name === parsed.name && c.status === code);
      if (codec !== undefined && typeof parsed.fields === 'object' && parsed.fields !== null) {
        return codec.revive(parsed.fields as Fields, details);
      }
    } catch {
      // A malformed payload is treated as absent: the code still says what happened.
    }
  }
  if (code === grpc.status.UNAUTHENTICATED) return new UnauthenticatedError(details);
  return new RpcError(code, codeName(code), details);
}

/** True when a failed call may be retried (after backoff): its code is in RETRYABLE_CODES. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof RpcError) return RETRYABLE_CODES.has(err.grpcCode);
  if (err instanceof UnavailableError) return true;
  if (err instanceof AnomseerError) return false;
  return isStatusLike(err) && RETRYABLE_CODES.has(err.code);
}
