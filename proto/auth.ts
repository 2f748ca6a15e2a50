/**
 * Bearer-token auth: every call carries `authorization: Bearer <token>` metadata with the job's
 * cluster token, and every handler is wrapped in `requireToken`.
 *
 * Client: `bearerInterceptor(token)` in the client options' `interceptors` works on any channel,
 * including insecure loopback ones (tests, single-machine runs). `bearerCallCredentials(token)`
 * is the same header as call credentials, for TLS channels
 * (`credentials.combineChannelCredentials(ssl, bearerCallCredentials(t))`); grpc-js refuses to
 * combine call credentials with insecure channels.
 *
 * Server: `requireToken(handler, token)` answers UNAUTHENTICATED (16) without running the
 * handler when the header is missing, malformed or carries another token. The comparison hashes
 * both tokens with sha256 and compares the digests with crypto.timingSafeEqual, so neither the
 * length nor any prefix of the expected token leaks through timing.
 */
import * as grpc from '@grpc/grpc-js';
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../shared/errors.js';
import { UnauthenticatedError } from './errors.js';
import { toStatus } from './status.js';

export const AUTH_METADATA_KEY = 'authorization';

/** Shortest token accepted: 16 characters (generate one with `openssl rand -hex 32`). */
export const MIN_TOKEN_LENGTH = 16;

/** Visible ASCII without spaces: what an HTTP/2 header value can hold unencoded. */
const TOKEN_CHARS = /^[\x21-\x7e]+$/;

/** Check a configured token; throws ConfigError naming `field`. */
export function validateToken(input: unknown, field = 'token'): string {
  if (typeof input !== 'string') throw new ConfigError(field, `expected a string, got ${input === null ? 'null' : typeof input}`);
  if (input.length < MIN_TOKEN_LENGTH) {
    throw new ConfigError(field, `is ${input.length} characters; expected at least ${MIN_TOKEN_LENGTH} (e.g. \`openssl rand -hex 32\`)`);
  }
  if (!TOKEN_CHARS.test(input)) throw new ConfigError(field, 'must be visible ASCII without spaces (it travels in an HTTP/2 header)');
  return input;
}

/** The cluster token: the token file when given, else ANOMSEER_TOKEN. */
export function tokenFrom(env: Readonly<Record<string, string | undefined>>, tokenFile: string | undefined): string {
  if (tokenFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(tokenFile, 'utf8');
    } catch (err) {
      throw new ConfigError(
        '--token-file',
        `cannot read ${tokenFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); give the file the coordinator wrote its token to`,
      );
    }
    return validateToken(text.trim(), '--token-file');
  }
  const t = env.ANOMSEER_TOKEN;
  if (t === undefined || t === '')
    throw new ConfigError('ANOMSEER_TOKEN', 'is not set; export the cluster token the coordinator printed the path of, or pass --token-file');
  return validateToken(t, 'ANOMSEER_TOKEN');
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Client interceptor adding `authorization: Bearer <token>` to every call. */
export function bearerInterceptor(token: string): grpc.Interceptor {
  const value = `Bearer ${validateToken(token)}`;
  return (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set(AUTH_METADATA_KEY, value);
        next(metadata, listener);
      },
    });
}

/** The same header as call credentials, for TLS channels. */
export function bearerCallCredentials(token: string): grpc.CallCredentials {
  const value = `Bearer ${validateToken(token)}`;
  return grpc.credentials.createFromMetadataGenerator((_params, callback) => {
    const metadata = new grpc.Metadata();
    metadata.set(AUTH_METADATA_KEY, value);
    callback(null, metadata);
  });
}

/**
 * Why `metadata` fails to authenticate against the expected token's sha256 digest, or
 * undefined when it passes.
 */
function rejection(metadata: grpc.Metadata, expected: Buffer): UnauthenticatedError | undefined {
  const values = metadata.get(AUTH_METADATA_KEY);
  if (values.length === 0) {
    return new UnauthenticatedError(
      `missing "${AUTH_METADATA_KEY}" metadata: every call must send "${AUTH_METADATA_KEY}: Bearer <token>" with the cluster token`,
    );
  }
  if (values.length > 1) return new UnauthenticatedError(`${values.length} "${AUTH_METADATA_KEY}" values; send exactly one "Bearer <token>"`);
  const value = values[0];
  const match = typeof value === 'string' ? /^Bearer +(\S+)$/i.exec(value.trim()) : null;
  if (match === null) return new UnauthenticatedError(`"${AUTH_METADATA_KEY}" metadata must be "Bearer <token>"`);
  if (!timingSafeEqual(digest(match[1]!), expected)) {
    return new UnauthenticatedError('wrong bearer token: this client and the coordinator are configured with different cluster tokens');
  }
  return undefined;
}

/**
 * Wrap one handler (unary, server-, client- or bidi-streaming) so it only runs for calls that
 * carry the right token; others get UNAUTHENTICATED.
 */
export function requireToken<H extends grpc.UntypedHandleCall>(handler: H, token: string): H {
  const expected = digest(validateToken(token));
  const run = handler as unknown as (call: { metadata: grpc.Metadata; emit(event: 'error', s: unknown): boolean }, callback?: unknown) => void;
  const guarded = (call: { metadata: grpc.Metadata; emit(event: 'error', s: unknown): boolean }, callback?: unknown): void => {
    const err = rejection(call.metadata, expected);
    if (err === undefined) {
      run(call, callback);
      return;
    }
    // Unary and client-streaming handlers answer through the callback; streams through 'error'.
    if (typeof callback === 'function') (callback as grpc.sendUnaryData<unknown>)(toStatus(err), null);
    else call.emit('error', toStatus(err));
  };
  return guarded as unknown as H;
}

/** Wrap every handler of a service table with requireToken. */
export function requireTokenAll<T extends Record<string, grpc.UntypedHandleCall>>(handlers: T, token: string): T {
  const out: Record<string, grpc.UntypedHandleCall> = {};
  for (const [name, h] of Object.entries(handlers)) out[name] = requireToken(h, token);
  return out as T;
}
