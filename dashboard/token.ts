/**
 * The token of `anomseer dashboard <root>` (as `anomseer serve` does it, serve/token.ts). In order:
 *
 *   1. ANOMSEER_TOKEN, when set;
 *   2. the token file, when it exists (its first line);
 *   3. otherwise a new 64-hex-digit token, written to the token file with mode 0600 (created
 *      exclusively, so two dashboards starting at once cannot overwrite each other's file).
 *
 * The full token is never printed: `maskToken` shows 4 + 4 characters and the length, and the
 * link names where the token is (`?token=<the token in FILE>`).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { validateToken } from '../proto/auth.js';
import { ConfigError } from '../shared/errors.js';

export interface DashboardToken {
  readonly token: string;
  /** Where it came from (never the token itself). */
  readonly source: 'env' | 'file' | 'generated';
  /** A warning to print (a token file others can read), or undefined. */
  readonly warning?: string;
}

/** `abcd…wxyz (64 chars)`: enough to tell tokens apart, never enough to use one. */
export function maskToken(token: string): string {
  return `${token.slice(0, 4)}…${token.slice(-4)} (${token.length} chars)`;
}

export function resolveDashboardToken(env: Readonly<Record<string, string | undefined>>, tokenFile: string): DashboardToken {
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

/** The token file of a training run: beside its checkpoints, readable by its owner only. */
export const RUN_TOKEN_FILE = 'dashboard.token';

/**
 * The one line `train` prints for its dashboard: the link without the token, where the token is,
 * and the token masked — a log collected by CI or a cluster never holds a usable token.
 */
export function dashboardLinkLine(url: string, t: DashboardToken, tokenFile: string): string {
  if (t.source === 'env') return `dashboard: ${url}?token=<ANOMSEER_TOKEN>`;
  const how = t.source === 'generated' ? 'generated' : 'read';
  return `dashboard: ${url}?token=<the token in ${tokenFile}>  (token ${maskToken(t.token)} ${how}; set ANOMSEER_TOKEN to choose it)`;
}
