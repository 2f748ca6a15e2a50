/**
 * The bearer token every request to `anomseer serve` carries (all routes but /healthz, every
 * gRPC call). In order:
 *
 *   1. ANOMSEER_TOKEN, when set;
 *   2. the token file, when it exists (its first line);
 *   3. otherwise a new 64-hex-digit token, written to the token file with mode 0600 (created
 *      exclusively, so two servers starting at once cannot overwrite each other's file).
 *
 * The full token is never logged: `maskToken` shows 4 + 4 characters and the length.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { validateToken } from '../proto/auth.js';
import { ConfigError } from '../shared/errors.js';

export interface ServeToken {
  readonly token: string;
  /** Where it came from, for the log line (never the token itself). */
  readonly source: 'env' | 'file' | 'generated';
  /** A warning to print (e.g. a token file others can read), or undefined. */
  readonly warning?: string;
}

/** `abcd…wxyz (64 chars)`: enough to tell tokens apart, never enough to use one. */
export function maskToken(token: string): string {
  return `${token.slice(0, 4)}…${token.slice(-4)} (${token.length} chars)`;
}

export function resolveServeToken(env: Readonly<Record<string, string | undefined>>, tokenFile: string): ServeToken {
  const fromEnv = env.ANOMSEER_TOKEN;
  if (fromEnv !== undefined && fromEnv !== '') return { token: validateToken(fromEnv, 'ANOMSEER_TOKEN'), source: 'env' };
  if (existsSync(tokenFile)) {
    let text: string;
    try {
      text = readFileSync(tokenFile, 'utf8');
    } catch (err) {
      throw new ConfigError('--token-file', `cannot read ${tokenFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    const token = validateToken(text.split('\n')[0]!.trim(), '--token-file');
    const mode = statSync(tokenFile).mode & 0o777;
    const warning = (mode & 0o077) !== 0 ? `${tokenFile} is readable by others (mode ${mode.toString(8)}); chmod 600 it` : undefined;
    return { token, source: 'file', ...(warning === undefined ? {} : { warning }) };
  }
  const token = randomBytes(32).toString('hex');
  mkdirSync(dirname(tokenFile), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    throw new ConfigError('--token-file', `cannot create ${tokenFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return { token, source: 'generated' };
}
