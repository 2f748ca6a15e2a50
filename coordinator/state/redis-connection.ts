/**
 * Where the coordinator's Redis is and how to reach it (docs/DEPLOY.md "Redis password"):
 *
 *   --redis redis://[[user]:PASSWORD@]host[:port][/db]     (rediss:// for TLS to Redis)
 *   password: --redis-password-file FILE  >  the URL's  >  REDIS_PASSWORD
 *
 * The file is what a Kubernetes Secret mounts; REDIS_PASSWORD is what a Compose env file sets; a
 * password in the URL is visible in `ps`, so prefer the other two. No message ever holds the
 * password: `where` is `redis host:port`.
 *
 * The connector gives ioredis: no offline queue and no per-request retries (a call made while
 * Redis is down fails at once, and the store turns that into UNAVAILABLE for the caller to
 * retry), a connect timeout, and reconnection forever by the injected backoff (the coordinator
 * decides when to give up, not the client).
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { RetryPolicy } from '../../proto/retry.js';
import { ConfigError } from '../../shared/errors.js';

export interface RedisTarget {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly tls: boolean;
  readonly username?: string;
  readonly password?: string;
  /** `redis host:port` (`rediss` with TLS), for messages: never the password. */
  readonly where: string;
}

export interface RedisTargetSources {
  /** REDIS_PASSWORD. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** --redis-password-file. */
  readonly passwordFile?: string;
}

const USAGE = 'expected redis://[:PASSWORD@]host[:port][/db] (or rediss:// for TLS)';

/** Parse `--redis` and find the password; ConfigError naming the flag (the URL shown without its password). */
export function parseRedisTarget(url: string, from: RedisTargetSources): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError('--redis', `is not a URL; ${USAGE}`);
  }
  const shown = `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new ConfigError('--redis', `is "${shown}"; ${USAGE}`);
  if (u.hostname === '') throw new ConfigError('--redis', `has no host; ${USAGE}`);
  const port = u.port === '' ? 6379 : Number(u.port);
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0 || db > 15) throw new ConfigError('--redis', `database "${dbText}" in "${shown}" must be an integer in [0, 15]`);
  let password: string | undefined;
  if (from.passwordFile !== undefined) {
    try {
      password = readFileSync(from.passwordFile, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new ConfigError('--redis-password-file', `cannot read ${from.passwordFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    if (password === '') throw new ConfigError('--redis-password-file', `${from.passwordFile} is empty`);
  } else if (u.password !== '') password = decodeURIComponent(u.password);
  else if (from.env.REDIS_PASSWORD !== undefined && from.env.REDIS_PASSWORD !== '') password = from.env.REDIS_PASSWORD;
  const tls = u.protocol === 'rediss:';
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port,
    db,
    tls,
    username: u.username === '' ? undefined : decodeURIComponent(u.username),
    password,
    where: `${tls ? 'rediss' : 'redis'} ${u.host}`,
  };
}

/** A connector for RedisStore.open: a new ioredis client for `t`, reconnecting by `retry` (attempt → ms). */
export function redisConnector(t: RedisTarget, retry: RetryPolicy, connectTimeoutMs = 5000): () => Redis {
  return () =>
    new Redis({
      host: t.host,
      port: t.port,
      db: t.db,
      username: t.username,
      password: t.password,
      ...(t.tls ? { tls: {} } : {}),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: connectTimeoutMs,
      // A policy that gives up (null) ends the client; the coordinator's never does.
      retryStrategy: (attempt) => retry(attempt, 0),
    });
}
