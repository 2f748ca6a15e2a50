// The StateStore contract against Redis: a real redis-server on a free loopback port, started
// once for the file; every case uses its own job id (key prefix). Fails (never skips) without
// redis-server.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RedisStore, jobKeys, loadScripts } from '../../coordinator/state/redis-store.js';
import { redisServerBinary, startRedis } from '../helpers/redis.js';
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
