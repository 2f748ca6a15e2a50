/**
 * A real redis-server for integration tests: a free loopback port (bind port 0, read it, close),
 * `redis-server --port P --bind 127.0.0.1 --save "" --appendonly no [--requirepass PW]`, wait until
 * it answers PING, and stop() kills it; restart() kills it and starts a new one on the same port
 * (without persistence: the state is gone, as after a Redis restart without AOF). With
 * `persistence: 'aof'` it runs `--appendonly yes --appendfsync always` in a temp directory, so a
 * restart (even after SIGKILL) finds every acknowledged write, as production should run it
 * (docs/STATE.md "Durability"). A missing redis-server FAILS the test with the install command;
 * the tests never skip.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export interface RedisServer {
  readonly host: string;
  readonly port: number;
  /** The password it requires (--requirepass), if any. */
  readonly password?: string;
  /** A new client; retries are off so a dead server fails fast in tests. */
  connect(): Redis;
  /** SIGKILL and wait for the exit. */
  stop(): Promise<void>;
  /**
   * SIGKILL, then start a server on the same port; resolves once it answers PING. Without
   * persistence its state is gone; with AOF it is read back.
   */
  restart(): Promise<void>;
  /** The running server's pid. */
  readonly pid: number | undefined;
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The redis-server binary, or an Error telling how to install it. */
export function redisServerBinary(bin = 'redis-server'): string {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) {
    throw new Error(`redis-server not found (${bin}): these tests need a real Redis 7; install it with: apt-get install -y redis-server`);
  }
  return bin;
}

async function pingUntilReady(host: string, port: number, child: ChildProcess, log: () => string, timeoutMs: number, password?: string): Promise<void> {
  const started = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}:\n${log()}`);
    const client = new Redis({ host, port, password, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    client.on('error', () => {});
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch {
      // not listening yet
    } finally {
      client.disconnect();
    }
    if (performance.now() - started > timeoutMs) throw new Error(`redis-server on ${host}:${port} did not answer PING within ${timeoutMs} ms:\n${log()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Start redis-server on a free loopback port (or `port`); resolves once it answers PING. */
export async function startRedis(
  opts: { bin?: string; readyTimeoutMs?: number; password?: string; port?: number; persistence?: 'none' | 'aof' } = {},
): Promise<RedisServer> {
  const bin = redisServerBinary(opts.bin);
  const host = '127.0.0.1';
  const port = opts.port ?? (await freePort());
  const auth = opts.password === undefined ? [] : ['--requirepass', opts.password];
  const dir = opts.persistence === 'aof' ? mkdtempSync(join(tmpdir(), 'anomseer-redis-aof-')) : undefined;
  const durability = dir === undefined ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir];
  const launch = async () => {
    const child = spawn(bin, ['--port', String(port), '--bind', host, '--save', '', ...durability, ...auth], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // Never outlive this process (a test or bench that dies or is interrupted): kill on exit.
    const onExit = () => child.kill('SIGKILL');
    process.once('exit', onExit);
    void exited.then(() => process.off('exit', onExit));
    try {
      await pingUntilReady(host, port, child, () => out, opts.readyTimeoutMs ?? 10_000, opts.password);
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
    return { child, exited };
  };
  let current = await launch();
  const clients: Redis[] = [];
  const kill = async () => {
    if (current.child.exitCode === null) current.child.kill('SIGKILL');
    await current.exited;
  };
  return {
    host,
    port,
    password: opts.password,
    get pid() {
      return current.child.pid;
    },
    connect() {
      const c = new Redis({ host, port, password: opts.password, retryStrategy: () => null, maxRetriesPerRequest: 1 });
      c.on('error', () => {});
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) c.disconnect();
      await kill();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await kill();
      current = await launch();
    },
  };
}
