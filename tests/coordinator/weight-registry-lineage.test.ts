// The weight registry with a blob store, when the job's history is set back (a learner resume
// rolls the job back to its checkpoint, docs/CLUSTER.md "Learner resume") or the blob store holds
// bytes that are not the job's (docs/STATE.md "Weight blobs", fallback): what is served, what is
// read back, and what the learner is asked to publish again (`wanted()`, TakeGroups
// weights_wanted). Real MemoryStore and MemoryWeightBlobs, a manual clock.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chunkWeights, sha256Hex } from '../../proto/chunks.js';
import { NotFoundError } from '../../proto/errors.js';
import { MemoryStore } from '../../coordinator/state/memory-store.js';
import { MemoryWeightBlobs } from '../../coordinator/state/weight-blobs.js';
import type { JobRecord } from '../../coordinator/state/store.js';
import { WeightRegistry } from '../../coordinator/service/weight-registry.js';

const bytesOf = (lineage: string, version: number) => Buffer.from(`weights of version ${version}, lineage ${lineage}`);

async function setup() {
  const store = new MemoryStore({ jobId: 'lineage' });
  await store.initJob('cfg', 1, 'state-1');
  const blobs = new MemoryWeightBlobs({ keep: 4 });
  const log: string[] = [];
  const registry = (): WeightRegistry => new WeightRegistry({ store, blobs, clock: () => 1000, keep: 4, logger: (l) => log.push(l) });
  const publish = (r: WeightRegistry, lineage: string, version: number) =>
    r.publish([...chunkWeights(bytesOf(lineage, version), { version, step: version - 1 })]);
  const refused = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: unknown) => e,
    );
  return { store, blobs, log, registry, publish, refused };
}

test('a resume back to version 1: versions above it are neither served nor read back from their blobs; the new lineage overwrites them', async () => {
  const { store, blobs, registry, publish, refused } = await setup();
  const r = registry();
  await publish(r, 'a', 1);
  const atOne = (await store.getJob())!;
  await publish(r, 'a', 2);
  await publish(r, 'a', 3);
  assert.equal(await blobs.versions(), [1, 2, 3]);
  r.reset(atOne);
  assert.is(r.latest, 1);
  for (const v of [2, 3]) assert.instance(await refused(r.get(v)), NotFoundError, `version ${v} of the dropped lineage`);
  assert.equal((await r.get(0)).bytes, bytesOf('a', 1), 'the checkpoint version is served');
  assert.is(await r.wanted(), 0, 'its bytes are held: nothing wanted');
  // A restarted coordinator on the rolled-back state (the store's latest is 1 after the claim).
  const again = registry();
  again.restore(atOne);
  assert.instance(await refused(again.get(2)), NotFoundError, 'above the latest: never read back');
  assert.is(await again.wanted(), 0, 'version 1 read back from its blob');
  // The new lineage publishes 2: its blob replaces the dropped one.
  await store.claimLearner({
    mode: 'resume',
    now: 2,
    rebuild: false,
    point: { version: 1, step: 0, sha256: atOne.weightSha256, epochId: 'state-1', trained: [] },
  });
  await publish(again, 'b', 2);
  assert.equal((await blobs.get(2))?.bytes, bytesOf('b', 2));
  assert.equal((await again.get(2)).bytes, bytesOf('b', 2));
});

test("the blob of the latest version is not the job's (another sha256): not served, the learner is asked for it", async () => {
  const { store, log, registry, publish, refused } = await setup();
  await publish(registry(), 'a', 1);
  const job = (await store.getJob())!;
  const other: JobRecord = { ...job, weightSha256: sha256Hex(bytesOf('b', 1)) };
  const r = registry();
  r.restore(other);
  assert.instance(await refused(r.get(1)), NotFoundError);
  assert.is(await r.wanted(), 1);
  assert.ok(
    log.some((l) => /version 1 in the blob store is not the job's/.test(l)),
    log.join('\n'),
  );
});

test('no blob of the latest version (blob store emptied): wanted() names it until it is published again', async () => {
  const { store, registry, publish } = await setup();
  await publish(registry(), 'a', 1);
  const job = (await store.getJob())!;
  const r = new WeightRegistry({ store, blobs: new MemoryWeightBlobs({ keep: 4 }), clock: () => 1000, keep: 4 });
  r.restore(job);
  assert.is(await r.wanted(), 1);
  await publish(r, 'a', 1);
  assert.is(await r.wanted(), 0);
});

test.run();
