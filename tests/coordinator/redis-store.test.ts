// The StateStore contract against Redis: a real redis-server on a free loopback port, started
// once for the file; every case uses its own job id (key prefix). Fails (never skips) without
// redis-server.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RedisStore, jobKeys, loadScripts } from '../../coordinator/state/redis-store.js';
import { parseRedisTarget, redisConnector } from '../../coordinator/state/redis-connection.js';
import { JobStateError, UnavailableError } from '../../proto/errors.js';
import { ConfigError } from '../../shared/errors.js';
import { freePort } from '../helpers/ports.js';
import { redisServerBinary, startRedis } from '../helpers/redis.js';
import { eventually, within } from '../helpers/wait.js';
import type { RedisServer } from '../helpers/redis.js';
import { MemoryStore } from '../../coordinator/state/memory-store.js';
import { runStoreContract } from './store-contract.js';
import { simulate } from './store-simulation.js';

let server: RedisServer | undefined;

test.before(async () => {
  server = await startRedis();
});

test.after(async () => {
  await server?.stop();
});

const open = (jobId: string) => RedisStore.open({ jobId, connect: () => server!.connect() });

runStoreContract('redis', async (jobId) => ({ store: await open(jobId), reopen: () => open(jobId) }));

test('redis: every script is NAME-<keys>.lua with a header listing its KEYS, ARGV and result', () => {
  const scripts = loadScripts();
  assert.ok(scripts.length >= 11);
  for (const s of scripts) {
    const header = /^--\[\[([\s\S]*?)\]\]/.exec(s.lua)?.[1] ?? '';
    const keys = [...header.matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1]));
    assert.equal(
      keys,
      Array.from({ length: s.numberOfKeys }, (_, i) => i + 1),
      `${s.file}: KEYS[1..${s.numberOfKeys}] in the header`,
    );
    assert.match(header, /ARGV\[1\]/, `${s.file}: ARGV listed`);
    assert.match(header, /Result:/, `${s.file}: result documented`);
    const used = Math.max(0, ...[...s.lua.slice(header.length).matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1])));
    assert.ok(used <= s.numberOfKeys, `${s.file}: uses KEYS[${used}] beyond its key count`);
  }
});

test('redis: the Lua scripts make the same decisions as the memory store in the same randomized run', async () => {
  for (const seed of [1, 2, 3]) {
    const mem = new MemoryStore({ jobId: `diff-${seed}` });
    const red = await open(`diff-${seed}`);
    await mem.initJob('cfg', 0);
    await red.initJob('cfg', 0);
    const a = await simulate(mem, seed);
    const b = await simulate(red, seed);
    assert.ok(a.trace.length > 200, `seed ${seed}: a long run`);
    assert.equal(b.trace, a.trace, `seed ${seed}: same leases, expiries, submissions and batches`);
  }
});

test('redis: keys live under anomseer:<jobId>: and two jobs do not see each other', async () => {
  const a = await open('iso-a');
  const b = await open('iso-b');
  await a.initJob('cfg-a', 1);
  await b.initJob('cfg-b', 1);
  await a.registerWorker('w', { host: 'h', device: 'cpu' }, 1);
  await a.enqueueEpoch(0, ['p'], 1);
  assert.is((await b.counters()).promptsTotal, 0);
  assert.equal(await b.listWorkers(), []);
  const raw = server!.connect();
  const keys = (await raw.keys('anomseer:iso-a:*')).sort();
  assert.equal(keys, [jobKeys('iso-a').counters, jobKeys('iso-a').epochs, jobKeys('iso-a').job, jobKeys('iso-a').queue, jobKeys('iso-a').workers].sort());
  raw.disconnect();
  await a.close();
  await b.close();
});

test('redis: a job record missing while other state of the job exists is "incomplete", never a new job; replaceIncomplete deletes the remains', async () => {
  const a = await open('orphan');
  await a.initJob('cfg', 1, 'E1');
  await a.registerWorker('w', { host: 'h', device: 'cpu' }, 1);
  await a.enqueueEpoch(1, ['p'], 1);
  const raw = server!.connect();
  await raw.del(jobKeys('orphan').job); // e.g. evicted under maxmemory
  try {
    await a.initJob('cfg', 2, 'E2');
    assert.unreachable('expected JobStateError');
  } catch (err) {
    assert.instance(err, JobStateError);
    assert.is((err as JobStateError).reason, 'incomplete');
    assert.match((err as Error).message, /job "orphan" has no job record but other state \(counters\).*--rebuild-state/);
  }
  const job = await a.initJob('cfg', 3, 'E3', true);
  assert.equal([job.epochId, job.createdAtMs], ['E3', 3]);
  assert.equal((await raw.keys('anomseer:orphan:*')).sort(), [jobKeys('orphan').job]);
  raw.disconnect();
  await a.close();
});

test('redis: open() fails within its timeout when nothing listens, naming host:port (never the password)', async () => {
  const port = await freePort();
  const target = parseRedisTarget(`redis://:s3cret@127.0.0.1:${port}`, { env: {} });
  const started = Date.now();
  try {
    await RedisStore.open({ jobId: 'nobody', connect: redisConnector(target, () => 50), openTimeoutMs: 1500 });
    assert.unreachable('expected UnavailableError');
  } catch (err) {
    assert.instance(err, UnavailableError);
    assert.match((err as Error).message, new RegExp(`cannot reach redis 127\\.0\\.0\\.1:${port} within 1\\.5 s \\(.*ECONNREFUSED`));
    assert.not.match((err as Error).message, /s3cret/);
  }
  assert.ok(Date.now() - started < 60_000);
});

test('redis: a password-protected server: the right password opens, none or a wrong one is one ConfigError line', async () => {
  const locked = await startRedis({ password: 'right-password-123' });
  try {
    const url = `redis://127.0.0.1:${locked.port}`;
    for (const [what, target] of [
      ['no password', parseRedisTarget(url, { env: {} })],
      ['a wrong one', parseRedisTarget(url, { env: { REDIS_PASSWORD: 'wrong-password' } })],
    ] as const) {
      try {
        await RedisStore.open({ jobId: 'pw', connect: redisConnector(target, () => 50), openTimeoutMs: 30_000 });
        assert.unreachable(`${what}: expected ConfigError`);
      } catch (err) {
        assert.instance(err, ConfigError, what);
        assert.match((err as Error).message, new RegExp(`^redis password: redis 127\\.0\\.0\\.1:${locked.port} refused it \\((NOAUTH|WRONGPASS)`), what);
        assert.not.match((err as Error).message, /wrong-password|\n/, what);
      }
    }
    const ok = await RedisStore.open({
      jobId: 'pw',
      connect: redisConnector(parseRedisTarget(url, { env: { REDIS_PASSWORD: 'right-password-123' } }), () => 50),
    });
    assert.is((await ok.initJob('cfg', 1, 'E')).epochId, 'E');
    await ok.close();
  } finally {
    await locked.stop();
  }
});

test('redis: restarted without persistence: one "down", one "up", one "lost" (the fingerprint is gone); calls meanwhile are UnavailableError', async () => {
  const r = await startRedis();
  const events: string[] = [];
  try {
    const store = await RedisStore.open({
      jobId: 'restart',
      connect: redisConnector(parseRedisTarget(`redis://127.0.0.1:${r.port}`, { env: {} }), () => 100),
      events: { down: (m) => events.push(`down ${m}`), up: () => events.push('up'), lost: (m) => events.push(`lost ${m}`) },
    });
    await store.initJob('cfg', 1, 'E1');
    await r.stop();
    await eventually('the outage is seen', () => (events.length > 0 ? true : undefined));
    try {
      await store.counters();
      assert.unreachable('expected UnavailableError');
    } catch (err) {
      assert.instance(err, UnavailableError);
      assert.match((err as Error).message, /state store \(redis 127\.0\.0\.1:\d+\) is unreachable.*retry/);
    }
    await new Promise((res) => setTimeout(res, 500)); // several failed reconnects: still one "down"
    await r.restart();
    await within(
      eventually('the loss is told', () => (events.some((e) => e.startsWith('lost')) ? true : undefined)),
      'lost event',
    );
    assert.is(events.filter((e) => e.startsWith('down')).length, 1, events.join('\n'));
    assert.match(events[0]!, /^down redis 127\.0\.0\.1:\d+ unreachable/);
    assert.equal(events.slice(1), ['up', events[2]!]);
    assert.match(events[2]!, /^lost the state of job restart is gone from redis 127\.0\.0\.1:\d+ \(no job record after a reconnect\)/);
    await store.close();
  } finally {
    await r.stop();
  }
});

test('redis: a missing redis-server fails with the command that installs it', () => {
  assert.throws(() => redisServerBinary('/nonexistent/redis-server'), /install it with: apt-get install -y redis-server/);
});

test('redis: a job id that cannot be part of a key is a config error', async () => {
  try {
    await open('bad id:x');
    assert.unreachable('expected a config error');
  } catch (err) {
    assert.match((err as Error).message, /jobId: "bad id:x" must be letters/);
  }
});

test.run();
