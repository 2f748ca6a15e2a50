/**
 * Dashboard access: every HTTP request and websocket upgrade carries the job's token, either
 * as `?token=<token>` in the URL (what a browser tab opened from the printed link sends) or
 * as `Authorization: Bearer <token>` (scripts, curl). Anything else is refused with 401 and
 * no data.
 *
 * The comparison hashes both tokens with sha256 and compares the digests with
 * crypto.timingSafeEqual, as proto/auth.ts does for gRPC calls, so neither the token's length
 * nor a matching prefix shows in the response time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { validateToken } from '../proto/auth.js';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** The token a request offers: the `token` query parameter, else a Bearer header, else undefined. */
export function offeredToken(req: Pick<IncomingMessage, 'url' | 'headers'>): string | undefined {
  const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
  const q = url.searchParams.get('token');
  if (q !== null && q !== '') return q;
  const h = req.headers.authorization;
  if (typeof h === 'string') {
    const m = /^Bearer +(\S+)$/i.exec(h.trim());
    if (m !== null) return m[1];
  }
  return undefined;
}

/**
 * A checker for one job token (validated by proto/auth's rules: at least 16 visible ASCII
 * characters). The returned function answers whether a request carries that token.
 */
export function tokenChecker(token: string, field = 'dashboard token'): (req: Pick<IncomingMessage, 'url' | 'headers'>) => boolean {
  const expected = digest(validateToken(token, field));
  return (req) => {
    const offered = offeredToken(req);
    return offered !== undefined && timingSafeEqual(digest(offered), expected);
  };
}
