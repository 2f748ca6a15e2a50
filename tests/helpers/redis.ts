/**
 * A real redis-server for integration tests: a free loopback port (./ports.ts),
 * `redis-server --port P --bind 127.0.0.1 --save "" --appendonly no [--requirepass PW]`, wait until
 * it answers PING as itself (INFO's process_id; with the generous limit of ./wait.ts), and stop()
 * kills it; restart() kills it and starts a new one on the same port (without persistence: the
 * state is gone, as after a Redis restart without AOF). With `persistence: 'aof'` it runs
 * `--appendonly yes --appendfsync always` in a temp directory, so a restart (even after SIGKILL)
 * finds every acknowledged write, as production should run it (docs/STATE.md "Durability"). A
 * missing redis-server FAILS the test with the install command; the tests never skip.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { EVENT_LIMIT_MS, eventually } from './wait.js';
import { freePort } from './ports.js';

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

/** The redis-server binary, or an Error telling how to install it. */
export function redisServerBinary(bin = 'redis-server'): string {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) {
    throw new Error(`redis-server not found (${bin}): these tests need a real Redis 7; install it with: apt-get install -y redis-server`);
  }
  return bin;
}

async function pingUntilReady(host: string, port: number, child: ChildProcess, limitMs: number, password?: string): Promise<void> {
  await eventually(
    `redis-server on ${host}:${port} answers PING`,
    async () => {
      if (child.exitCode !== null) throw new RedisExited(child.exitCode);
      const client = new Redis({ host, port, password, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false });
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
 * Start redis-server on a free loopback port (or `port`); resolves once it answers PING. The port
 * was free a moment before redis-server binds it; when another process took it in between, it
 * starts again on another port (not when `port` was given).
 */
export async function startRedis(
  opts: { bin?: string; readyLimitMs?: number; password?: string; port?: number; persistence?: 'none' | 'aof' } = {},
): Promise<RedisServer> {
  const bin = redisServerBinary(opts.bin);
  const host = '127.0.0.1';
  const auth = opts.password === undefined ? [] : ['--requirepass', opts.password];
  const dir = opts.persistence === 'aof' ? mkdtempSync(join(tmpdir(), 'anomseer-redis-aof-')) : undefined;
  const durability = dir === undefined ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir];
  type Running = { child: ChildProcess; exited: Promise<void> };
  const launch = async (port: number): Promise<Running | { err: Error; out: string }> => {
    const child = spawn(bin, ['--port', String(port), '--bind', host, '--save', '', ...durability, ...auth], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    // 'close': its output is all read by then.
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    // Never outlive this process (a test or bench that dies or is interrupted): kill on exit.
    const onExit = () => child.kill('SIGKILL');
    process.once('exit', onExit);
    void exited.then(() => process.off('exit', onExit));
    try {
      await pingUntilReady(host, port, child, opts.readyLimitMs ?? EVENT_LIMIT_MS, opts.password);
    } catch (err) {
      child.kill('SIGKILL');
      await exited;
      return { err: err as Error, out };
    }
    return { child, exited };
  };
  let port = opts.port ?? (await freePort());
  let current: Running | undefined;
  for (let attempt = 1; current === undefined; attempt++) {
    const r = await launch(port);
    if ('child' in r) current = r;
    else if (r.err instanceof RedisExited && /address already in use/i.test(r.out) && opts.port === undefined && attempt < 5) port = await freePort();
    else {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
      throw new Error(`${r.err.message}:\n${r.out}`);
    }
  }
  let running: Running = current;
  const clients: Redis[] = [];
  const kill = async () => {
    if (running.child.exitCode === null) running.child.kill('SIGKILL');
    await running.exited;
  };
  return {
    host,
    port,
    password: opts.password,
    get pid() {
      return running.child.pid;
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
      const r = await launch(port);
      if (!('child' in r)) throw new Error(`${r.err.message}:\n${r.out}`);
      running = r;
    },
  };
}
