// What a worker holds while it receives and relays a version (rollout-worker/held-weights.ts):
// chunks only in order and of the announced shape, hashed once as they land, a corrupt copy reset
// (its relays fail), relays served each chunk as it arrives, evicted versions end their relays;
// a relay called early waits for the version to begin; and the egress cap (proto/chunk-stream.ts
// EgressPacer) on a manual clock.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { EgressPacer } from '../../proto/chunk-stream.js';
import { chunkWeights, describeWeights } from '../../proto/chunks.js';
import { ChecksumMismatchError, NotFoundError } from '../../proto/errors.js';
import type { WeightChunk, WeightVersion } from '../../proto/types.js';
import { HeldWeights, IncomingVersion } from '../../rollout-worker/held-weights.js';
import { ShapeError } from '../../shared/errors.js';

const BYTES = Buffer.from(Array.from({ length: 100 }, (_, i) => (i * 7) % 256));
const info = (version = 1, bytes = BYTES): WeightVersion => describeWeights(bytes, { version, step: 0, chunkBytes: 30 });
const chunks = (version = 1, bytes = BYTES): WeightChunk[] => [...chunkWeights(bytes, { version, step: 0, chunkBytes: 30 })];

test('chunks in order fill the file; the last one checks the sha256 and completes it', () => {
  const v = new IncomingVersion(info());
  const cs = chunks();
  assert.is(cs.length, 4);
  cs.forEach((c, i) => {
    assert.is(v.complete, false);
    v.accept(c);
    assert.is(v.chunks, i + 1);
  });
  assert.ok(v.complete);
  assert.ok(v.buffer.equals(BYTES));
  assert.ok(v.chunk(3).data.equals(BYTES.subarray(90)), 'a served chunk is the held bytes');
});

const BAD: [string, (c: WeightChunk[]) => WeightChunk, RegExp][] = [
  ['a skipped chunk', (c) => c[1]!, /chunk 1 arrived; expected chunk 0/],
  ['another version', (c) => ({ ...c[0]!, version: 2 }), /does not belong to version 1/],
  ['another file', (c) => ({ ...c[0]!, sha256: 'ab'.repeat(32) }), /does not belong to version 1/],
  ['a wrong offset', (c) => ({ ...c[0]!, offset: 5 }), /holds bytes \[5, 35\); expected \[0, 30\)/],
  ['a short chunk', (c) => ({ ...c[0]!, data: c[0]!.data.subarray(1) }), /expected \[0, 30\)/],
];
for (const [what, pick, message] of BAD) {
  test(`${what} is refused (ShapeError) and nothing is taken`, () => {
    const v = new IncomingVersion(info());
    assert.throws(
      () => v.accept(pick(chunks())),
      (e: unknown) => e instanceof ShapeError && message.test(e.message),
    );
    assert.is(v.chunks, 0);
  });
}

test('a corrupt copy fails its checksum at the last chunk and starts over at chunk 0; relays of it fail', async () => {
  const v = new IncomingVersion(info());
  const relay = (async () => {
    const out: number[] = [];
    for await (const c of v.chunksFrom(0)) out.push(c.index);
    return out;
  })().catch((e: unknown) => e);
  const cs = chunks();
  v.accept({ ...cs[0]!, data: Buffer.alloc(30) });
  v.accept(cs[1]!);
  v.accept(cs[2]!);
  assert.throws(
    () => v.accept(cs[3]!),
    (e: unknown) => e instanceof ChecksumMismatchError,
  );
  assert.equal([v.chunks, v.complete], [0, false]);
  assert.instance(await relay, ChecksumMismatchError);
  for (const c of cs) v.accept(c);
  assert.ok(v.complete && v.buffer.equals(BYTES), 'a good copy after the reset completes');
});

test('a relay gets each chunk as soon as it lands, and ends after the last', async () => {
  const v = new IncomingVersion(info());
  const seen: number[] = [];
  const relay = (async () => {
    for await (const c of v.chunksFrom(1)) seen.push(c.index);
  })();
  const cs = chunks();
  v.accept(cs[0]!);
  v.accept(cs[1]!);
  await new Promise((r) => setImmediate(r));
  assert.equal(seen, [1], 'chunk 1 relayed before chunk 2 exists');
  v.accept(cs[2]!);
  v.accept(cs[3]!);
  await relay;
  assert.equal(seen, [1, 2, 3]);
});

test('HeldWeights keeps the newest two versions; an evicted one ends its relays with NOT_FOUND', async () => {
  const h = new HeldWeights(2);
  const v1 = h.begin(info(1));
  const waiting = v1.waitFor(0).catch((e: unknown) => e);
  h.begin(info(2));
  assert.is(h.get(1), v1, 'two versions held');
  h.begin(info(3));
  assert.is(h.get(1), undefined);
  assert.instance(await waiting, NotFoundError);
  assert.equal(
    h.held().map((x) => x.version),
    [2, 3],
  );
  assert.is(h.get(0)?.version, 3, '0 = the newest held');
});

test('a dropped version (its fetch gave up) ends its relays, and the next fetch starts afresh', async () => {
  const h = new HeldWeights();
  const v = h.begin(info(1));
  v.accept(chunks()[0]!);
  const relay = v.waitFor(1).catch((e: unknown) => e);
  h.drop(1, new NotFoundError('weight version', '1', 'gone'));
  assert.instance(await relay, NotFoundError);
  assert.is(h.get(1), undefined);
  const again = h.begin(info(1));
  assert.ok(again !== v && again.chunks === 0);
});

test('whenBegun: a version newer than any held is waited for until a fetch begins it; an older one, or one never begun, answers undefined', async () => {
  const h = new HeldWeights();
  const early = h.whenBegun(1, 60_000);
  const v1 = h.begin(info(1));
  assert.is(await early, v1, 'resolved by begin, long before its limit');
  assert.is(await h.whenBegun(1, 60_000), v1, 'held: at once');
  h.begin(info(3));
  assert.is(await h.whenBegun(2, 60_000), undefined, 'older than the newest held: at once');
  const skipped = h.whenBegun(4, 60_000);
  h.begin(info(5));
  assert.is(await skipped, undefined, 'a newer version began instead');
  assert.is(await h.whenBegun(6, 10), undefined, 'never begun: undefined after the wait');
});

test('begin returns the version held for the same file, and a fresh one for another file of the same number', () => {
  const h = new HeldWeights();
  const a = h.begin(info(1));
  a.accept(chunks()[0]!);
  assert.is(h.begin(info(1)), a);
  const other = Buffer.from(createHash('sha256').update('x').digest());
  const b = h.begin(info(1, other));
  assert.ok(b !== a);
  assert.equal(h.held(), [{ version: 1, chunks: 0, complete: false }]);
});

test('EgressPacer: chunks leave at the cap on average, whatever the number of streams sharing it', async () => {
  let now = 0;
  const waits: number[] = [];
  const pacer = new EgressPacer({
    bytesPerSecond: 1000,
    clock: () => now,
    sleep: async (ms) => {
      waits.push(ms);
    },
  });
  await pacer.take(500); // starts at once, holds the link 500 ms
  await pacer.take(500); // waits 500 ms
  now = 600;
  await pacer.take(1000); // the link is free at 1000: waits 400 ms
  now = 5000;
  await pacer.take(10); // idle link: at once
  assert.equal(waits, [500, 400]);
  assert.throws(() => new EgressPacer({ bytesPerSecond: 0, clock: () => 0, sleep: async () => {} }), /expected a number > 0/);
});

test.run();
