// The weight blob stores (coordinator/state/weight-blobs.ts): the same contract for memory and
// Redis (a real redis-server), plus what only Redis promises — a new connection (a restarted
// coordinator) reads what the old one wrote, pieces of a cut-short put are cleaned up, and
// damaged bytes are reported, never served.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { MemoryWeightBlobs, RedisWeightBlobs, weightBlobKeys } from '../../coordinator/state/weight-blobs.js';
import type { WeightBlob, WeightBlobStore } from '../../coordinator/state/weight-blobs.js';
import { DataError } from '../../shared/errors.js';
import { startRedis } from '../helpers/redis.js';
import type { RedisServer } from '../helpers/redis.js';

/** A version of `size` deterministic bytes. */
function blob(version: number, size = 1000, salt = ''): WeightBlob {
  const bytes = Buffer.alloc(size);
  for (let off = 0, i = 0; off < size; off += 32, i++) createHash('sha256').update(`${salt}${version}/${i}`).digest().copy(bytes, off);
  return { version, step: version - 1, sha256: createHash('sha256').update(bytes).digest('hex'), publishedAtMs: 1_800_000_000_000 + version, bytes };
}

let redis: RedisServer;
let job = 0;
const stores: [string, (keep: number) => Promise<WeightBlobStore>][] = [
  ['memory', async (keep) => new MemoryWeightBlobs({ keep })],
  ['redis', (keep) => RedisWeightBlobs.open({ jobId: `blobs-${++job}`, connect: () => redis.connect(), keep, pieceBytes: 300 })],
];

test.before(async () => {
  redis = await startRedis();
});
test.after(async () => {
  await redis.stop();
});

for (const [name, open] of stores) {
  test(`${name}: a stored version comes back byte for byte with its step, sha256 and publish time`, async () => {
    const s = await open(2);
    const b = blob(1, 1000);
    await s.put(b);
    const got = await s.get(1);
    assert.ok(got !== undefined);
    assert.ok(got.bytes.equals(b.bytes));
    assert.equal([got.version, got.step, got.sha256, got.publishedAtMs], [b.version, b.step, b.sha256, b.publishedAtMs]);
    assert.is(await s.get(2), undefined, 'never stored');
    await s.close();
  });

  test(`${name}: only the newest \`keep\` versions are kept; older ones are deleted as new ones arrive`, async () => {
    const s = await open(2);
    for (let v = 1; v <= 4; v++) await s.put(blob(v));
    assert.equal(await s.versions(), [3, 4]);
    assert.is(await s.get(2), undefined);
    assert.ok((await s.get(3))?.bytes.equals(blob(3).bytes));
    await s.close();
  });

  test(`${name}: putting the same version again is a no-op; an empty file is a version too`, async () => {
    const s = await open(3);
    await s.put(blob(1));
    await s.put(blob(1));
    await s.put(blob(2, 0));
    assert.equal(await s.versions(), [1, 2]);
    assert.is((await s.get(2))?.bytes.length, 0);
    await s.close();
  });
}

test('redis: keep must be an integer >= 1', async () => {
  try {
    await RedisWeightBlobs.open({ jobId: 'k', connect: () => redis.connect(), keep: 0 });
    assert.unreachable('keep 0 accepted');
  } catch (err) {
    assert.match((err as Error).message, 'expected an integer >= 1');
  }
});

test('redis: a new connection (a restarted coordinator) reads the versions the old one wrote', async () => {
  const a = await RedisWeightBlobs.open({ jobId: 'restart', connect: () => redis.connect(), keep: 2, pieceBytes: 256 });
  await a.put(blob(5, 5000));
  await a.close();
  const b = await RedisWeightBlobs.open({ jobId: 'restart', connect: () => redis.connect(), keep: 2 });
  assert.equal(await b.versions(), [5]);
  assert.ok((await b.get(5))?.bytes.equals(blob(5, 5000).bytes));
  await b.close();
});

test('redis: memory is bounded — the data hash holds only the pieces of the kept versions', async () => {
  const s = await RedisWeightBlobs.open({ jobId: 'bounded', connect: () => redis.connect(), keep: 2, pieceBytes: 100 });
  for (let v = 1; v <= 6; v++) await s.put(blob(v, 1000)); // 10 pieces each
  const c = redis.connect();
  const k = weightBlobKeys('bounded');
  assert.is(await c.hlen(k.data), 20);
  assert.equal((await c.hkeys(k.meta)).sort(), ['5', '6']);
  await s.close();
});

test('redis: a put cut short leaves a pending marker whose pieces the next commits delete; a shorter rewrite drops the extra pieces', async () => {
  const c = redis.connect();
  const k = weightBlobKeys('crash');
  // A put of version 2 that died after two of its pieces (as the coordinator being SIGKILLed would leave it).
  await c.hset(k.meta, 'pending:2', '4');
  await c.hset(k.data, '2:0', 'x', '2:1', 'y');
  const s = await RedisWeightBlobs.open({ jobId: 'crash', connect: () => redis.connect(), keep: 1, pieceBytes: 100 });
  await s.put(blob(2, 150)); // the learner's retry: 2 pieces, the first write named 4
  assert.equal((await c.hkeys(k.data)).sort(), ['2:0', '2:1']);
  assert.ok((await s.get(2))?.bytes.equals(blob(2, 150).bytes));
  await c.hset(k.meta, 'pending:3', '1');
  await c.hset(k.data, '3:0', 'z'); // another cut-short put
  await s.put(blob(4, 50));
  assert.equal((await c.hkeys(k.data)).sort(), ['4:0'], 'versions 2 and the pending 3 are older than keep: deleted');
  assert.equal((await c.hkeys(k.meta)).sort(), ['4']);
  await s.close();
});

test('redis: damaged bytes are reported as DataError, never served', async () => {
  const s = await RedisWeightBlobs.open({ jobId: 'damaged', connect: () => redis.connect(), keep: 2, pieceBytes: 100 });
  await s.put(blob(1, 250));
  const c = redis.connect();
  const k = weightBlobKeys('damaged');
  await c.hset(k.data, '1:1', Buffer.alloc(100, 7));
  for (const [what, damage] of [
    ['flipped bytes', async () => {}],
    ['a missing piece', async () => void (await c.hdel(k.data, '1:2'))],
  ] as const) {
    await damage();
    try {
      await s.get(1);
      assert.unreachable(`${what} served`);
    } catch (err) {
      assert.instance(err, DataError);
      assert.match((err as Error).message, /weight version 1/);
    }
  }
  await s.close();
});

test.run();
