/**
 * Errors → HTTP status, one table, first match wins (the HTTP twin of proto/status.ts):
 *
 *   class                                         status  why
 *   InvalidArgumentError, ConfigError, DataError,  400     the request is wrong; sending it again fails again
 *     ShapeError
 *   MessageTooLargeError                           413     the body is over --max-body-bytes
 *   UnauthenticatedError                           401     no bearer token, or the wrong one
 *   UnsupportedMediaTypeError                      415     a body that says it is not JSON
 *   NotFoundRouteError                             404     no such route
 *   MethodNotAllowedError                          405     the route exists for another method
 *   anything else                                  500     a server bug; the body says only "internal error"
 *
 * The body is always JSON: {"error": {"code": "E_INVALID_ARGUMENT", "field": "series[3]",
 * "message": "series[3]: expected a finite number, got Infinity"}} (field when the error has one).
 */
import { AnomseerError, ConfigError, DataError, InvalidArgumentError, ShapeError } from '../shared/errors.js';
import { MessageTooLargeError, UnauthenticatedError } from '../proto/errors.js';

/** A request body whose content-type is not JSON. */
export class UnsupportedMediaTypeError extends AnomseerError {
  constructor(readonly contentType: string) {
    super('E_MEDIA_TYPE', `content-type "${contentType}" is not JSON; send "content-type: application/json"`);
  }
}

/** A path the server does not serve. */
export class NotFoundRouteError extends AnomseerError {
  constructor(readonly path: string) {
    super('E_NOT_FOUND', `no route ${path}; routes: POST /v1/detect, GET /metrics, GET /healthz`);
  }
}

/** A route asked for with another method. */
export class MethodNotAllowedError extends AnomseerError {
  constructor(
    readonly method: string,
    readonly allow: string,
  ) {
    super('E_METHOD', `${method} is not served here; use ${allow}`);
  }
}

const TABLE: readonly (readonly [abstract new (...args: never[]) => Error, number])[] = [
  [InvalidArgumentError, 400],
  [ConfigError, 400],
  [DataError, 400],
  [ShapeError, 400],
  [MessageTooLargeError, 413],
  [UnauthenticatedError, 401],
  [UnsupportedMediaTypeError, 415],
  [NotFoundRouteError, 404],
  [MethodNotAllowedError, 405],
];

export interface HttpError {
  readonly status: number;
  readonly body: { readonly error: { readonly code: string; readonly message: string; readonly field?: string } };
}

/** The status and JSON body of any thrown value. */
export function httpErrorOf(err: unknown): HttpError {
  const row = TABLE.find(([cls]) => err instanceof cls);
  if (row === undefined || !(err instanceof AnomseerError))
    return { status: 500, body: { error: { code: 'E_INTERNAL', message: 'internal error; see the server log' } } };
  const field = (err as { field?: unknown }).field;
  return { status: row[1], body: { error: { code: err.code, message: err.message, ...(typeof field === 'string' ? { field } : {}) } } };
}
