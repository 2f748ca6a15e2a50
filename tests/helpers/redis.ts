/**
 * A real redis-server for integration tests: a free loopback port (bind port 0, read it, close),
 * `redis-server --port P --bind 127.0.0.1 --save "" --appendonly no`, wait until it answers PING
 * as itself (INFO's process_id; with the generous limit of ./wait.ts), and stop() kills it. A
 * missing redis-server FAILS the test with the install command; the tests never skip.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { EVENT_LIMIT_MS, eventually } from './wait.js';

export interface RedisServer {
  readonly host: string;
  readonly port: number;
  /** A new client; retries are off so a dead server fails fast in tests. */
  connect(): Redis;
  stop(): Promise<void>;
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

async function pingUntilReady(host: string, port: number, child: ChildProcess, limitMs: number): Promise<void> {
  await eventually(
    `redis-server on ${host}:${port} answers PING`,
    async () => {
      if (child.exitCode !== null) throw new RedisExited(child.exitCode);
      const client = new Redis({ host, port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false });
      client.on('error', () => {});
      try {
        await client.connect();
        if ((await client.ping()) !== 'PONG') return undefined;
        // Another process may have taken the port between freePort() and redis-server's bind
        // (then this one exits with "address already in use"): the server answering must be ours.
        const pid = /^process_id:(\d+)/m.exec(await client.info('server'))?.[1];
        if (Number(pid) !== child.pid) throw new Error(`a process other than ours (pid ${pid}) answers on port ${port}`);
        return true;
      } finally {
        client.disconnect();
      }
    },
    { limitMs, everyMs: 20, stopOn: (err) => err instanceof RedisExited },
  );
}

class RedisExited extends Error {
  constructor(readonly code: number) {
    super(`redis-server exited with code ${code}`);
  }
}

/**
 * Start redis-server on a free loopback port; resolves once it answers PING. The port was free
 * a moment before redis-server binds it; when another process took it in between, it starts
 * again on another port.
 */
export async function startRedis(opts: { bin?: string; readyLimitMs?: number } = {}): Promise<RedisServer> {
  const bin = redisServerBinary(opts.bin);
  const host = '127.0.0.1';
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(bin, ['--port', String(port), '--bind', host, '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    // 'close': its output is all read by then.
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    try {
      await pingUntilReady(host, port, child, opts.readyLimitMs ?? EVENT_LIMIT_MS);
    } catch (err) {
      child.kill('SIGKILL');
      await exited;
      if (err instanceof RedisExited && /address already in use/i.test(out) && attempt < 5) continue;
      throw new Error(`${(err as Error).message}:\n${out}`);
    }
    const clients: Redis[] = [];
    return {
      host,
      port,
      connect() {
        const c = new Redis({ host, port, retryStrategy: () => null, maxRetriesPerRequest: 1 });
        c.on('error', () => {});
        clients.push(c);
        return c;
      },
      async stop() {
        for (const c of clients) c.disconnect();
        if (child.exitCode === null) child.kill('SIGKILL');
        await exited;
      },
    };
  }
}
