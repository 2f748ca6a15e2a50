/**
 * A randomized cluster run against a StateStore, for the accounting invariants of the contract
 * (store-contract.ts) and for comparing two implementations decision by decision
 * (redis-store.test.ts). Every random choice comes from one seeded Rng; time is a manual clock.
 */
import * as assert from 'uvu/assert';
import { Rng } from '../../shared/rng.js';
import type { Batch, Lease, StateStore, StoredGroup } from '../../coordinator/state/store.js';

const T0 = 1_764_000_000_000;
const TIMEOUT = 1_000; // lease timeout, ms
const INFO = { host: 'h', device: 'cpu' };

export interface SimStats {
  readonly steps: number;
  readonly expired: number;
  readonly released: number;
  readonly duplicates: number;
  readonly workers: number;
  /** Every store answer in order, for comparing implementations. */
  readonly trace: string[];
}

/**
 * Many workers join, lease, work, die (never submit), submit late, submit twice, shut down
 * gracefully; a learner takes batches and sometimes loses the answer (never acknowledges that
 * delivery). The test calls expireLeases itself before every step, so it sees every expiry.
 */
export async function simulate(store: StateStore, seed: number): Promise<SimStats> {
  const take = (s: StateStore, workerId: string, max: number, now: number, extra: { requestId: string }) =>
    s.takeLeases({ workerId, max, now, leaseTimeoutMs: TIMEOUT, minWeightVersion: 0, requestId: extra.requestId });
  const rng = new Rng(seed);
  const P = 40;
  let now = T0;
  let nextWorker = 0;
  const alive = new Set<string>();
  const work: { workerId: string; lease: Lease; at: number; twice: boolean }[] = [];
  let expiredSeen = 0;
  let releasedSeen = 0;
  let accepted = 0;
  let duplicates = 0;
  const trained: StoredGroup[] = [];
  const trace: string[] = [];
  let held: Batch | null = null;

  await store.enqueueEpoch(
    0,
    Array.from({ length: P }, (_, i) => `s${i}`),
    now,
  );
  let step = 0;
  for (; step < 20_000; step++) {
    now += 20 + rng.int(200);
    const expired = await store.expireLeases(now);
    expiredSeen += expired.length;
    if (expired.length > 0) trace.push(`${now} expired ${expired.map((l) => l.leaseId).join(',')}`);
    if (step === 150) {
      assert.is(await store.enqueueEpoch(0, ['again'], now), false);
      await store.enqueueEpoch(
        1,
        Array.from({ length: P }, (_, i) => `s${i}`),
        now,
      );
    }
    const u = rng.uniform();
    if (alive.size < 2 || u < 0.04) {
      const id = `w${nextWorker++}`;
      await store.registerWorker(id, INFO, now);
      alive.add(id);
    } else if (u < 0.07) {
      // A worker dies: no release, no submission; its leases must expire.
      const id = [...alive][rng.int(alive.size)]!;
      alive.delete(id);
      for (let i = work.length - 1; i >= 0; i--) if (work[i]!.workerId === id) work.splice(i, 1);
    } else if (u < 0.11) {
      // SIGTERM: release everything, then deregister (a worker that holds work, when one does).
      const busy = [...alive].filter((w) => work.some((x) => x.workerId === w));
      const pool = busy.length > 0 ? busy : [...alive];
      const id = pool[rng.int(pool.length)]!;
      alive.delete(id);
      for (let i = work.length - 1; i >= 0; i--) if (work[i]!.workerId === id) work.splice(i, 1);
      releasedSeen += (await store.releaseLeases(id, 'all', now)).released.length;
      await store.deregisterWorker(id, now);
    } else if (u < 0.45) {
      const id = [...alive][rng.int(alive.size)]!;
      const requestId = `${id}-${step}`;
      const got = await take(store, id, 1 + rng.int(3), now, { requestId });
      trace.push(`${now} ${id} leased ${got.map((l) => `${l.leaseId}=${l.epoch}:${l.promptId}`).join(',')}`);
      if (rng.bernoulli(0.1)) assert.equal(await take(store, id, 3, now, { requestId }), got, 'a retry gets the same leases');
      for (const lease of got) {
        const late = rng.bernoulli(0.15);
        const at = now + (late ? TIMEOUT + rng.int(3 * TIMEOUT) : 50 + rng.int(TIMEOUT - 100));
        work.push({ workerId: id, lease, at, twice: rng.bernoulli(0.1) });
      }
    } else if (u < 0.6) {
      // The learner: acknowledge what it holds (usually), then take the next batch.
      if (held !== null && rng.bernoulli(0.75)) {
        if (await store.ackBatch(held.batchId, now)) trained.push(...held.groups);
      }
      held = await store.takeBatch({ max: 1 + rng.int(8), now, ackTimeoutMs: 1500 });
      if (held !== null) trace.push(`${now} batch ${held.batchId}#${held.delivery} ${held.groups.map((g) => g.leaseId).join(',')}`);
    }
    // Workers finish due work, some submit twice.
    for (let i = work.length - 1; i >= 0; i--) {
      const w = work[i]!;
      if (w.at > now) continue;
      work.splice(i, 1);
      for (let k = 0; k < (w.twice ? 2 : 1); k++) {
        const r = await store.submitGroup({
          leaseId: w.lease.leaseId,
          workerId: w.lease.workerId,
          promptId: w.lease.promptId,
          weightVersion: 1,
          payload: w.lease.leaseId,
          now,
        });
        trace.push(`${now} submit ${w.lease.leaseId} ${r.status === 'accepted' ? r.status : r.reason}`);
        if (r.status === 'accepted') accepted += 1;
        else duplicates += 1;
      }
    }
    const c = await store.counters();
    // Every item not done is in exactly one place: the queue or a live lease.
    assert.is(c.promptsDone + c.inFlight + c.queued, c.promptsTotal, `step ${step}: done + inFlight + queued = total`);
    assert.is(c.groupsReady + c.groupsTaken, c.promptsDone, `step ${step}: ready + taken = done`);
    if (step > 150 && c.groupsAcked === 2 * P) break;
  }

  const c = await store.counters();
  assert.is(c.promptsTotal, 2 * P);
  assert.is(c.promptsDone, c.promptsTotal, 'every prompt done');
  assert.is(c.groupsTaken, c.promptsTotal);
  assert.is(c.groupsAcked, c.promptsTotal, 'every group acknowledged');
  assert.equal([c.inFlight, c.queued, c.groupsReady], [0, 0, 0]);
  assert.is(accepted, c.promptsTotal);
  assert.is(c.duplicatesDropped, duplicates);
  assert.is(c.expired, expiredSeen);
  assert.is(c.released, releasedSeen);
  assert.is(c.requeued, expiredSeen + releasedSeen, 'requeued = expired + released leases');
  const keys = trained.map((g) => `${g.epoch}:${g.promptId}`);
  assert.is(new Set(keys).size, keys.length, 'no prompt trained twice');
  assert.is(keys.length, 2 * P, 'no prompt lost');
  // The run exercised what it claims to.
  assert.ok(expiredSeen > 0 && releasedSeen > 0 && duplicates > 0, `expired ${expiredSeen}, released ${releasedSeen}, duplicates ${duplicates}`);
  await store.close();
  return { steps: step, expired: expiredSeen, released: releasedSeen, duplicates, workers: nextWorker, trace };
}
