/**
 * The StateStore contract: one suite, run against every implementation
 * (memory-store.test.ts, redis-store.test.ts). Time is a manual clock (`now` numbers); nothing
 * sleeps. Each case gets a fresh store under its own job id.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JobStateError, NotFoundError, StaleWeightsError } from '../../proto/errors.js';
import { InvalidArgumentError } from '../../shared/errors.js';
import { StateConflictError } from '../../coordinator/state/errors.js';
import type { Lease, StateStore } from '../../coordinator/state/store.js';
import { simulate } from './store-simulation.js';

export interface StoreHarness {
  readonly store: StateStore;
  /**
   * A store object on the same state (Redis: a new connection; memory: the same object).
   */
  readonly reopen?: () => Promise<StateStore>;
}

export type MakeStore = (jobId: string) => Promise<StoreHarness>;

export const T0 = 1_764_000_000_000; // 2025-11-24, ms since epoch
export const TIMEOUT = 1_000; // lease timeout, ms
const INFO = { host: 'h', device: 'cpu' };

async function rejects(p: Promise<unknown>, cls: new (...a: never[]) => Error, msg: RegExp, _what = ''): Promise<Error> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, cls);
    assert.match((err as Error).message, msg);
    return err as Error;
  }
  assert.unreachable(`expected a ${cls.name}, the call resolved`);
  throw new Error('unreachable');
}

const ids = (ls: readonly Lease[]) => ls.map((l) => l.promptId);

export function runStoreContract(name: string, makeStore: MakeStore): void {
  let n = 0;
  const fresh = async (prompts = 0, workers: readonly string[] = ['w1']) => {
    n += 1;
    const h = await makeStore(`contract-${n}`);
    await h.store.initJob('cfg', T0);
    for (const w of workers) await h.store.registerWorker(w, INFO, T0);
    if (prompts > 0)
      await h.store.enqueueEpoch(
        0,
        Array.from({ length: prompts }, (_, i) => `p${i}`),
        T0,
      );
    return h;
  };
  const take = (s: StateStore, workerId: string, max: number, now: number, extra: { requestId?: string; minWeightVersion?: number } = {}) =>
    s.takeLeases({ workerId, max, now, leaseTimeoutMs: TIMEOUT, minWeightVersion: extra.minWeightVersion ?? 0, requestId: extra.requestId ?? '' });
  const submit = (s: StateStore, lease: Lease, now: number, weightVersion = 1, payload: unknown = `g:${lease.leaseId}`) =>
    s.submitGroup({ leaseId: lease.leaseId, workerId: lease.workerId, promptId: lease.promptId, weightVersion, payload, now });

  // ---- job record ----------------------------------------------------------------------------

  test(`${name}: initJob creates the record once and refuses another config`, async () => {
    const { store } = await makeStore(`contract-job-${++n}`);
    assert.is(await store.getJob(), null);
    const a = await store.initJob('hash-a', T0);
    assert.equal(a, {
      jobId: store.jobId,
      configHash: 'hash-a',
      step: 0,
      weightVersion: 0,
      weightSha256: '',
      createdAtMs: T0,
      updatedAtMs: T0,
      epochId: '',
      learnerEpoch: 0,
    });
    assert.equal(await store.initJob('hash-a', T0 + 5), a);
    await rejects(store.initJob('hash-b', T0), StateConflictError, /configHash: job ".*" was started with config hash-a, not hash-b/);
    await store.close();
  });

  test(`${name}: publishVersion accepts latest + 1, repeats as no-ops, refuses gaps and rewrites`, async () => {
    const { store } = await makeStore(`contract-pub-${++n}`);
    await rejects(store.publishVersion({ version: 1, step: 0, sha256: 'aa', now: T0 }), NotFoundError, /unknown job/);
    await store.initJob('cfg', T0);
    const v1 = await store.publishVersion({ version: 1, step: 0, sha256: 'aa', now: T0 + 1 });
    assert.equal([v1.weightVersion, v1.step, v1.weightSha256, v1.updatedAtMs], [1, 0, 'aa', T0 + 1]);
    assert.equal(await store.publishVersion({ version: 1, step: 0, sha256: 'aa', now: T0 + 2 }), v1);
    await rejects(
      store.publishVersion({ version: 1, step: 0, sha256: 'bb', now: T0 }),
      StateConflictError,
      /latest version 1 .*cannot publish version 1 \(sha256 bb\)/,
    );
    await rejects(store.publishVersion({ version: 3, step: 2, sha256: 'cc', now: T0 }), StateConflictError, /cannot publish version 3/);
    const v2 = await store.publishVersion({ version: 2, step: 1, sha256: 'dd', now: T0 + 3 });
    assert.equal([v2.weightVersion, v2.step, v2.weightSha256], [2, 1, 'dd']);
    assert.equal(await store.getJob(), v2);
    await store.close();
  });

  // ---- queue and leases ----------------------------------------------------------------------

  test(`${name}: leases come from the queue front in enqueue order, epoch after epoch, once per epoch`, async () => {
    const { store } = await fresh(3);
    assert.is(await store.enqueueEpoch(0, ['x'], T0), false, 'an epoch is enqueued once');
    assert.is(await store.enqueueEpoch(1, ['p0', 'p1'], T0), true);
    const ls = await take(store, 'w1', 4, T0);
    assert.equal(
      ls.map((l) => [l.epoch, l.promptId]),
      [
        [0, 'p0'],
        [0, 'p1'],
        [0, 'p2'],
        [1, 'p0'],
      ],
    );
    assert.ok(ls.every((l) => l.workerId === 'w1' && l.deadlineMs === T0 + TIMEOUT && l.takenAtMs === T0));
    assert.is(new Set(ls.map((l) => l.leaseId)).size, 4);
    const c = await store.counters();
    assert.equal([c.promptsTotal, c.inFlight, c.queued], [5, 4, 1]);
    assert.equal(ids(await store.listLeases()), ['p0', 'p1', 'p2', 'p0']);
    await store.close();
  });

  test(`${name}: takeLeases refuses an unknown worker with NotFoundError`, async () => {
    const { store } = await fresh(2);
    await rejects(take(store, 'ghost', 1, T0), NotFoundError, /unknown worker "ghost"; register/);
    assert.is((await store.counters()).queued, 2);
    await store.close();
  });

  test(`${name}: a retried request id returns the same leases and takes nothing more`, async () => {
    const { store } = await fresh(5);
    const a = await take(store, 'w1', 2, T0, { requestId: 'r1' });
    const b = await take(store, 'w1', 2, T0 + 10, { requestId: 'r1' });
    assert.equal(b, a);
    const c = await take(store, 'w1', 2, T0 + 10, { requestId: 'r2' });
    assert.equal(ids(c), ['p2', 'p3']);
    assert.is((await store.counters()).inFlight, 4);
    await store.close();
  });

  test(`${name}: a lease expires exactly at its deadline and its prompt goes back to the queue front`, async () => {
    const { store } = await fresh(3);
    const [l0] = await take(store, 'w1', 1, T0);
    assert.equal(await store.expireLeases(T0 + TIMEOUT - 1), [], 'still live 1 ms before the deadline');
    assert.is((await store.counters()).inFlight, 1);
    const expired = await store.expireLeases(T0 + TIMEOUT);
    assert.equal(expired, [l0!]);
    const c = await store.counters();
    assert.equal([c.inFlight, c.queued, c.expired, c.requeued], [0, 3, 1, 1]);
    const [again] = await take(store, 'w1', 1, T0 + TIMEOUT);
    assert.is(again!.promptId, 'p0', 'the expired prompt is first in line');
    assert.is.not(again!.leaseId, l0!.leaseId, 'with a new lease id');
    await store.close();
  });

  test(`${name}: takeLeases expires due leases first`, async () => {
    const { store } = await fresh(1, ['w1', 'w2']);
    await take(store, 'w1', 1, T0);
    assert.equal(await take(store, 'w2', 1, T0 + TIMEOUT - 1), []);
    assert.equal(ids(await take(store, 'w2', 1, T0 + TIMEOUT)), ['p0']);
    assert.is((await store.counters()).expired, 1);
    await store.close();
  });

  test(`${name}: a heartbeat renews the worker's listed live leases and reports the others lost`, async () => {
    const { store } = await fresh(3, ['w1', 'w2']);
    const [a, b] = await take(store, 'w1', 2, T0);
    const [c] = await take(store, 'w2', 1, T0);
    const hb = await store.heartbeat({ workerId: 'w1', now: T0 + 900, leaseIds: [a!.leaseId, c!.leaseId, 'L-nope'], leaseTimeoutMs: TIMEOUT });
    assert.equal(hb.lost, [c!.leaseId, 'L-nope']);
    const expired = await store.expireLeases(T0 + TIMEOUT);
    assert.equal(expired.map((l) => l.leaseId).sort(), [b!.leaseId, c!.leaseId].sort(), 'the renewed lease lives on');
    assert.equal(
      (await store.listLeases()).map((l) => [l.leaseId, l.deadlineMs]),
      [[a!.leaseId, T0 + 1900]],
    );
    const later = await store.heartbeat({ workerId: 'w1', now: T0 + 1900, leaseIds: [a!.leaseId, b!.leaseId], leaseTimeoutMs: TIMEOUT });
    assert.equal(later.lost, [a!.leaseId, b!.leaseId], 'a lease is lost from its deadline on');
    const w1 = (await store.listWorkers()).find((w) => w.workerId === 'w1');
    assert.is(w1!.lastSeenMs, T0 + 1900);
    await rejects(store.heartbeat({ workerId: 'ghost', now: T0, leaseIds: [], leaseTimeoutMs: TIMEOUT }), NotFoundError, /unknown worker "ghost"/);
    await store.close();
  });

  test(`${name}: on SIGTERM a worker's leases are released to the queue front at once`, async () => {
    const { store } = await fresh(5, ['w1', 'w2']);
    const mine = await take(store, 'w1', 3, T0);
    const [theirs] = await take(store, 'w2', 1, T0);
    const r = await store.releaseLeases('w1', 'all', T0 + 5);
    assert.equal(
      r.released,
      mine.map((l) => l.leaseId),
    );
    assert.equal(r.unknown, []);
    const again = await store.releaseLeases('w1', [mine[0]!.leaseId, theirs!.leaseId], T0 + 6);
    assert.equal(again, { released: [], unknown: [mine[0]!.leaseId, theirs!.leaseId] }, 'released twice, or not mine: unknown');
    const c = await store.counters();
    assert.equal([c.inFlight, c.queued, c.released, c.requeued, c.expired], [1, 4, 3, 3, 0]);
    assert.equal(ids(await take(store, 'w2', 4, T0 + 7)), ['p0', 'p1', 'p2', 'p4']);
    await store.close();
  });

  test(`${name}: releasing some leases keeps the given order at the queue front`, async () => {
    const { store } = await fresh(4);
    const ls = await take(store, 'w1', 3, T0);
    const r = await store.releaseLeases('w1', [ls[2]!.leaseId, ls[0]!.leaseId], T0);
    assert.equal(r.released, [ls[2]!.leaseId, ls[0]!.leaseId]);
    assert.equal(ids(await take(store, 'w1', 3, T0)), ['p2', 'p0', 'p3']);
    await store.close();
  });

  test(`${name}: deregistering a worker releases its leases and forgets it`, async () => {
    const { store } = await fresh(2, ['w1', 'w2']);
    await take(store, 'w1', 2, T0);
    assert.is(await store.deregisterWorker('w1', T0 + 1), true);
    assert.is(await store.deregisterWorker('w1', T0 + 2), false);
    assert.equal(
      (await store.listWorkers()).map((w) => w.workerId),
      ['w2'],
    );
    const c = await store.counters();
    assert.equal([c.inFlight, c.queued, c.released], [0, 2, 2]);
    await rejects(take(store, 'w1', 1, T0 + 3), NotFoundError, /unknown worker "w1"/);
    await store.close();
  });

  test(`${name}: 150,000 ids in one heartbeat, release or epoch: no stack overflow, the order kept`, async () => {
    const { store } = await fresh(0);
    const many = Array.from({ length: 150_000 }, (_, i) => `q${i}`);
    assert.is(await store.enqueueEpoch(0, many, T0), true);
    assert.is(await store.enqueueEpoch(0, many, T0), false, 'still once per epoch');
    assert.is((await store.counters()).queued, 150_000);
    const ls = await take(store, 'w1', 3, T0);
    assert.equal(ids(ls), ['q0', 'q1', 'q2']);
    const ghosts = Array.from({ length: 150_000 }, (_, i) => `L-ghost-${i}`);
    const hb = await store.heartbeat({ workerId: 'w1', now: T0 + 500, leaseIds: [ls[0]!.leaseId, ...ghosts, ls[2]!.leaseId], leaseTimeoutMs: TIMEOUT });
    assert.is(hb.lost.length, 150_000);
    assert.equal([hb.lost[0], hb.lost[149_999]], ['L-ghost-0', 'L-ghost-149999'], 'lost ids in the order sent');
    assert.equal(
      (await store.expireLeases(T0 + TIMEOUT)).map((l) => l.leaseId),
      [ls[1]!.leaseId],
      'the two listed leases were renewed',
    );
    const r = await store.releaseLeases('w1', [ls[2]!.leaseId, ...ghosts, ls[0]!.leaseId], T0 + TIMEOUT);
    assert.equal(r.released, [ls[2]!.leaseId, ls[0]!.leaseId]);
    assert.is(r.unknown.length, 150_000);
    assert.equal(ids(await take(store, 'w1', 4, T0 + TIMEOUT)), ['q2', 'q0', 'q1', 'q3'], 'released in the order given, before the expired one');
    await store.close();
  });

  test(`${name}: a lease submitted by another worker or for another prompt is refused and stays live`, async () => {
    const { store } = await fresh(2, ['a', 'b']);
    const [l] = await take(store, 'a', 1, T0);
    const base = { leaseId: l!.leaseId, workerId: 'a', promptId: l!.promptId, weightVersion: 1, payload: 'g', now: T0 + 1 };
    await rejects(store.submitGroup({ ...base, workerId: 'b' }), InvalidArgumentError, /^lease_id: lease "L\d+" was handed to worker "a", not "b"/);
    await rejects(store.submitGroup({ ...base, promptId: 'p1' }), InvalidArgumentError, /^prompt_id: is "p1"; lease "L\d+" is for prompt "p0"/);
    await rejects(store.submitGroups([base, { ...base, leaseId: 'L404' }]), NotFoundError, /unknown lease "L404"/, 'a batch with one bad group applies none');
    const c = await store.counters();
    assert.equal([c.promptsDone, c.inFlight, c.duplicatesDropped], [0, 1, 0]);
    assert.equal(
      (await store.submitGroups([base, base])).map((x) => x.status),
      ['accepted', 'duplicate'],
      'the same lease twice in one batch: the second is a duplicate',
    );
    await store.close();
  });

  // ---- submissions ---------------------------------------------------------------------------

  test(`${name}: submitting the same lease twice counts once`, async () => {
    const { store } = await fresh(2);
    const [l] = await take(store, 'w1', 1, T0);
    const first = await submit(store, l!, T0 + 10);
    assert.equal(first, {
      status: 'accepted',
      group: { epoch: 0, promptId: 'p0', leaseId: l!.leaseId, workerId: 'w1', weightVersion: 1, submittedAtMs: T0 + 10, payload: `g:${l!.leaseId}` },
    });
    assert.equal(await submit(store, l!, T0 + 20), { status: 'duplicate', reason: 'lease-already-accepted' });
    const c = await store.counters();
    assert.equal([c.promptsDone, c.duplicatesDropped, c.inFlight, c.groupsReady], [1, 1, 0, 1]);
    assert.is((await store.listWorkers())[0]!.groupsAccepted, 1);
    await store.close();
  });

  test(`${name}: a late submission is dropped as a duplicate when the reassigned lease completed first`, async () => {
    const { store } = await fresh(1, ['a', 'b']);
    const [la] = await take(store, 'a', 1, T0);
    const [lb] = await take(store, 'b', 1, T0 + TIMEOUT);
    assert.is(lb!.promptId, la!.promptId);
    assert.is((await submit(store, lb!, T0 + 1500)).status, 'accepted');
    assert.equal(await submit(store, la!, T0 + 1600), { status: 'duplicate', reason: 'prompt-already-done' });
    const c = await store.counters();
    assert.equal([c.promptsDone, c.duplicatesDropped, c.requeued, c.inFlight, c.queued], [1, 1, 1, 0, 0]);
    await store.close();
  });

  test(`${name}: first complete submission wins: a late group that comes first is accepted once and cancels the reassigned lease`, async () => {
    const { store } = await fresh(1, ['a', 'b']);
    const [la] = await take(store, 'a', 1, T0);
    const [lb] = await take(store, 'b', 1, T0 + TIMEOUT);
    const late = await submit(store, la!, T0 + 1200);
    assert.is(late.status, 'accepted');
    assert.equal(await store.listLeases(), [], 'b no longer holds a live lease');
    const hb = await store.heartbeat({ workerId: 'b', now: T0 + 1300, leaseIds: [lb!.leaseId], leaseTimeoutMs: TIMEOUT });
    assert.equal(hb.lost, [lb!.leaseId], 'b learns it lost the lease');
    assert.equal(await submit(store, lb!, T0 + 1400), { status: 'duplicate', reason: 'prompt-already-done' });
    const c = await store.counters();
    assert.equal([c.promptsDone, c.duplicatesDropped, c.inFlight, c.queued, c.groupsReady], [1, 1, 0, 0, 1]);
    await store.close();
  });

  test(`${name}: a late group for an expired prompt still in the queue takes it out of the queue`, async () => {
    const { store } = await fresh(2);
    const [l] = await take(store, 'w1', 1, T0);
    await store.expireLeases(T0 + TIMEOUT);
    assert.is((await store.counters()).queued, 2);
    assert.is((await submit(store, l!, T0 + 1100)).status, 'accepted');
    const c = await store.counters();
    assert.equal([c.queued, c.promptsDone, c.requeued], [1, 1, 1]);
    assert.equal(ids(await take(store, 'w1', 5, T0 + 1200)), ['p1']);
    await store.close();
  });

  test(`${name}: a group sampled with weights older than the lease allows is refused and the lease stays`, async () => {
    const { store } = await fresh(1);
    const [l] = await take(store, 'w1', 1, T0, { minWeightVersion: 3 });
    assert.is(l!.minWeightVersion, 3);
    const err = (await rejects(submit(store, l!, T0 + 10, 2), StaleWeightsError, /weight version 2 is older than the minimum 3/)) as StaleWeightsError;
    assert.equal([err.used, err.min], [2, 3]);
    assert.equal((await store.counters()).staleDropped, 1);
    assert.is((await store.listLeases()).length, 1);
    assert.is((await submit(store, l!, T0 + 20, 3)).status, 'accepted');
    await store.close();
  });

  test(`${name}: submitting a lease never issued is NotFoundError`, async () => {
    const { store } = await fresh(1);
    await rejects(
      store.submitGroup({ leaseId: 'L999', workerId: 'w1', promptId: 'p0', weightVersion: 1, payload: '', now: T0 }),
      NotFoundError,
      /unknown lease "L999"/,
    );
    await store.close();
  });

  test(`${name}: payloads and prompt ids travel unchanged (colons, digits, unicode)`, async () => {
    const { store } = await fresh(0);
    await store.enqueueEpoch(7, ['a:b:c', '0012', 'ünï'], T0);
    const ls = await take(store, 'w1', 3, T0);
    assert.equal(ids(ls), ['a:b:c', '0012', 'ünï']);
    const payload = JSON.stringify({ rollouts: [{ text: 'é"\\\n', logprobs: [-0.1, -2.5e-8] }] });
    const r = await submit(store, ls[1]!, T0, 1, payload);
    assert.is(r.status === 'accepted' && r.group.payload, payload);
    assert.is(r.status === 'accepted' && r.group.promptId, '0012');
    await store.close();
  });

  // ---- outbox --------------------------------------------------------------------------------

  const fill = async (store: StateStore, k: number) => {
    const ls = await take(store, 'w1', k, T0);
    for (const l of ls) await submit(store, l, T0 + 1);
    return ls;
  };

  test(`${name}: takeBatch hands ready groups in submission order, at most max, then null`, async () => {
    const { store } = await fresh(5);
    assert.is(await store.takeBatch({ max: 4, now: T0, ackTimeoutMs: 500 }), null);
    await fill(store, 5);
    const b1 = await store.takeBatch({ max: 4, now: T0 + 2, ackTimeoutMs: 500 });
    assert.equal(
      b1!.groups.map((g) => g.promptId),
      ['p0', 'p1', 'p2', 'p3'],
    );
    assert.equal([b1!.delivery, b1!.ackDeadlineMs], [1, T0 + 502]);
    const b2 = await store.takeBatch({ max: 4, now: T0 + 3, ackTimeoutMs: 500 });
    assert.equal(
      b2!.groups.map((g) => g.promptId),
      ['p4'],
    );
    assert.is.not(b2!.batchId, b1!.batchId);
    assert.is(await store.takeBatch({ max: 4, now: T0 + 4, ackTimeoutMs: 500 }), null, 'nothing due, nothing ready');
    const c = await store.counters();
    assert.equal([c.groupsTaken, c.groupsReady, c.groupsAcked], [5, 0, 0]);
    await store.close();
  });

  test(`${name}: an unacknowledged batch is handed out again after its own timeout, never after its acknowledgement`, async () => {
    const { store } = await fresh(3);
    await fill(store, 3);
    const b1 = (await store.takeBatch({ max: 2, now: T0 + 10, ackTimeoutMs: 500 }))!;
    const b2 = (await store.takeBatch({ max: 2, now: T0 + 400, ackTimeoutMs: 500 }))!;
    assert.is(await store.takeBatch({ max: 2, now: T0 + 509, ackTimeoutMs: 500 }), null, '1 ms before the ack deadline: not yet');
    const again = (await store.takeBatch({ max: 2, now: T0 + 510, ackTimeoutMs: 500 }))!;
    assert.equal([again.batchId, again.delivery, again.ackDeadlineMs], [b1.batchId, 2, T0 + 1010]);
    assert.equal(again.groups, b1.groups, 'the same groups');
    assert.is(await store.ackBatch(b1.batchId, T0 + 600), true);
    assert.is(await store.ackBatch(b1.batchId, T0 + 601), false, 'acknowledging again changes nothing');
    const next = (await store.takeBatch({ max: 2, now: T0 + 5000, ackTimeoutMs: 500 }))!;
    assert.is(next.batchId, b2.batchId, 'only the unacknowledged batch comes back');
    assert.is(await store.ackBatch(b2.batchId, T0 + 5001), true);
    assert.is(await store.takeBatch({ max: 2, now: T0 + 99_000, ackTimeoutMs: 500 }), null);
    const c = await store.counters();
    assert.equal([c.groupsTaken, c.groupsAcked, c.promptsDone], [3, 3, 3]);
    await rejects(store.ackBatch(12345, T0), NotFoundError, /unknown batch "12345"/);
    await store.close();
  });

  test(`${name}: redeliverOpen (a coordinator's first take after a restart) hands out the oldest open batch before its timeout, never a new one`, async () => {
    const { store } = await fresh(5);
    await fill(store, 5);
    const b1 = (await store.takeBatch({ max: 2, now: T0 + 10, ackTimeoutMs: 600_000 }))!;
    const b2 = (await store.takeBatch({ max: 2, now: T0 + 20, ackTimeoutMs: 600_000 }))!;
    const again = (await store.takeBatch({ max: 2, now: T0 + 30, ackTimeoutMs: 600_000, redeliverOpen: true }))!;
    assert.equal([again.batchId, again.delivery, again.ackDeadlineMs], [b1.batchId, 2, T0 + 30 + 600_000]);
    assert.equal(again.groups, b1.groups);
    assert.is(await store.ackBatch(b1.batchId, T0 + 40), true);
    assert.is((await store.takeBatch({ max: 2, now: T0 + 50, ackTimeoutMs: 600_000, redeliverOpen: true }))!.batchId, b2.batchId);
    assert.is(await store.ackBatch(b2.batchId, T0 + 60), true);
    assert.is(await store.takeBatch({ max: 2, now: T0 + 70, ackTimeoutMs: 600_000, redeliverOpen: true }), null, 'nothing open: no new batch either');
    const c = await store.counters();
    assert.equal([c.groupsTaken, c.groupsAcked, c.groupsReady], [4, 4, 1]);
    await store.close();
  });

  // ---- workers -------------------------------------------------------------------------------

  test(`${name}: registering again refreshes info and last-seen, keeps the registration time`, async () => {
    const { store } = await fresh(0, []);
    const a = await store.registerWorker('w1', { host: 'h1', device: 'cpu' }, T0);
    assert.equal(a, { workerId: 'w1', host: 'h1', device: 'cpu', registeredAtMs: T0, lastSeenMs: T0, groupsAccepted: 0 });
    await store.registerWorker('w0', INFO, T0 + 1);
    const b = await store.registerWorker('w1', { host: 'h2', device: 'cuda:0' }, T0 + 50);
    assert.equal(b, { workerId: 'w1', host: 'h2', device: 'cuda:0', registeredAtMs: T0, lastSeenMs: T0 + 50, groupsAccepted: 0 });
    assert.equal(
      (await store.listWorkers()).map((w) => w.workerId),
      ['w0', 'w1'],
    );
    await store.close();
  });

  // ---- accounting ----------------------------------------------------------------------------

  test(`${name}: randomized cluster: every prompt is trained exactly once and the counters add up`, async () => {
    await simulate((await fresh(0, [])).store, 20261128);
  });

  // ---- learner claims and resumes (docs/STATE.md rule 9) --------------------------------------

  test(`${name}: a fresh learner claims an untrained job; once a version exists a fresh claim is refused`, async () => {
    const { store } = await makeStore(`contract-claim-${++n}`);
    await store.initJob('cfg', T0, 'E1');
    const a = await store.claimLearner({ mode: 'fresh', now: T0 + 1 });
    assert.equal([a.reset, a.job.learnerEpoch, a.job.epochId, a.previousVersion], ['none', 1, 'E1', 0]);
    assert.is((await store.claimLearner({ mode: 'fresh', now: T0 + 2 })).job.learnerEpoch, 2, 'a second fresh learner before v1: it takes over');
    await store.publishVersion({ version: 1, step: 0, sha256: 'a1', now: T0 + 3 });
    const err = await rejects(store.claimLearner({ mode: 'fresh', now: T0 + 4 }), JobStateError, /already has weight version 1 \(learner epoch 2\).*--resume/);
    assert.is((err as JobStateError).reason, 'started');
    assert.is((await store.getJob())!.learnerEpoch, 2, 'a refused claim changes nothing');
    await store.close();
  });

  /** v1..v3 published; epoch 1 = p0..p3, epoch 2 = p0, p1; 1:p0, 1:p1 acknowledged, 1:p2 in an open batch, 2:p0 ready; 1:p3 and 2:p1 leased. */
  const trainedState = async () => {
    const h = await fresh(0, ['w1']);
    const s = h.store;
    for (const [v, sha] of [
      [1, 'a1'],
      [2, 'a2'],
      [3, 'a3'],
    ] as const)
      await s.publishVersion({ version: v, step: v - 1, sha256: sha, now: T0 });
    await s.enqueueEpoch(1, ['p0', 'p1', 'p2', 'p3'], T0);
    await s.enqueueEpoch(2, ['p0', 'p1'], T0);
    const ls = await take(s, 'w1', 6, T0, { requestId: 'r1' });
    const byItem = new Map(ls.map((l) => [`${l.epoch}:${l.promptId}`, l]));
    await submit(s, byItem.get('1:p0')!, T0 + 1, 1);
    await submit(s, byItem.get('1:p1')!, T0 + 1, 1);
    await submit(s, byItem.get('1:p2')!, T0 + 1, 2);
    await submit(s, byItem.get('2:p0')!, T0 + 1, 3);
    const a = (await s.takeBatch({ max: 2, now: T0 + 2, ackTimeoutMs: 500 }))!;
    await s.ackBatch(a.batchId, T0 + 3);
    const b = (await s.takeBatch({ max: 1, now: T0 + 3, ackTimeoutMs: 500 }))!;
    return { h, s, byItem, b, epochId: (await s.getJob())!.epochId };
  };

  test(`${name}: a resume resets the state to the checkpoint: trained items stay done, held groups of its versions are kept, the rest is sampled again`, async () => {
    const { s, byItem, b, epochId } = await trainedState();
    const r = await s.claimLearner({
      mode: 'resume',
      now: T0 + 10,
      rebuild: false,
      point: { version: 2, step: 1, sha256: 'a2', epochId, trained: ['1:p0'] },
    });
    // 1:p1 was acknowledged after the checkpoint (its group is gone), 2:p0 was sampled with v3: discarded; 1:p2 (v2) kept.
    assert.equal([r.reset, r.previousVersion, r.discarded, r.kept], ['rolled-back', 3, 2, 1]);
    assert.equal([r.job.weightVersion, r.job.step, r.job.weightSha256, r.job.learnerEpoch, r.job.updatedAtMs], [2, 1, 'a2', 1, T0 + 10]);
    const c = await s.counters();
    assert.equal(
      [c.promptsTotal, c.promptsDone, c.inFlight, c.queued, c.groupsReady, c.groupsTaken, c.groupsAcked, c.groupsDiscarded],
      [2, 2, 0, 0, 1, 1, 1, 2],
    );
    assert.equal(await s.listLeases(), [], 'live leases are void');
    assert.is(await s.ackBatch(b.batchId, T0 + 11), false, 'the open batch was closed: never handed out again');
    const again = (await s.takeBatch({ max: 8, now: T0 + 12, ackTimeoutMs: 500 }))!;
    assert.equal(
      again.groups.map((g) => [g.epoch, g.promptId, g.weightVersion]),
      [[1, 'p2', 2]],
    );
    assert.is(again.delivery, 1);
    // The history is cut at v2: v3 is published anew.
    assert.is((await s.publishVersion({ version: 3, step: 2, sha256: 'b3', now: T0 + 13 })).weightSha256, 'b3');
    // Epochs go again, without the done items; an old request id takes new leases.
    assert.is(await s.enqueueEpoch(1, ['p0', 'p1', 'p2', 'p3'], T0 + 14), true);
    const fresh1 = await take(s, 'w1', 8, T0 + 15, { requestId: 'r1' });
    assert.equal(
      fresh1.map((l) => `${l.epoch}:${l.promptId}`),
      ['1:p1', '1:p3'],
    );
    // A lease taken before the resume never wins again; its heartbeat reports it lost.
    const old = byItem.get('1:p3')!;
    assert.equal(await submit(s, old, T0 + 16, 3), { status: 'duplicate', reason: 'lease-void' });
    assert.equal((await s.heartbeat({ workerId: 'w1', now: T0 + 16, leaseIds: [old.leaseId], leaseTimeoutMs: TIMEOUT })).lost, [old.leaseId]);
    assert.is((await submit(s, fresh1[1]!, T0 + 17, 3)).status, 'accepted', 'its new lease is accepted');
    const end = await s.counters();
    assert.equal([end.promptsTotal, end.promptsDone, end.inFlight, end.queued, end.duplicatesDropped], [4, 3, 1, 0, 1]);
    await s.close();
  });

  test(`${name}: a resume the state does not hold is refused, unless the checkpoint may rebuild it`, async () => {
    const { s, epochId } = await trainedState();
    const point = { version: 2, step: 1, sha256: 'a2', epochId, trained: ['1:p0'] };
    const cases = [
      { point: { ...point, epochId: 'other' }, reason: 'lost', msg: /trained against state other .* coordinator holds state .*--rebuild-state/ },
      { point: { ...point, version: 4, step: 3 }, reason: 'behind', msg: /checkpoint holds version 4 .* latest is 3/ },
      { point: { ...point, sha256: 'zz' }, reason: 'mismatch', msg: /sha256 zz\) are not version 2 .*\(sha256 a2\)/ },
    ] as const;
    for (const c of cases) {
      const err = await rejects(s.claimLearner({ mode: 'resume', now: T0 + 10, rebuild: false, point: c.point }), JobStateError, c.msg);
      assert.is((err as JobStateError).reason, c.reason);
    }
    const j = (await s.getJob())!;
    assert.equal([j.weightVersion, j.learnerEpoch], [3, 0], 'refusals change nothing');
    const r = await s.claimLearner({ mode: 'resume', now: T0 + 11, rebuild: true, point: { ...point, epochId: 'other', version: 5, step: 4, sha256: 'c5' } });
    assert.equal([r.reset, r.job.weightVersion, r.job.weightSha256, r.job.learnerEpoch, r.job.epochId], ['rebuilt', 5, 'c5', 1, epochId]);
    await s.close();
  });

  test(`${name}: an empty state is rebuilt from a checkpoint: its items done and acknowledged, the others enqueued`, async () => {
    const { store } = await makeStore(`contract-rebuild-${++n}`);
    await store.initJob('cfg', T0, 'E2');
    await store.registerWorker('w1', INFO, T0);
    const r = await store.claimLearner({
      mode: 'resume',
      now: T0 + 1,
      rebuild: true,
      point: { version: 3, step: 2, sha256: 'c3', epochId: 'E1', trained: ['1:p0', '1:p1', '2:p0'] },
    });
    assert.equal([r.reset, r.previousVersion, r.discarded, r.kept, r.job.weightVersion, r.job.epochId], ['rebuilt', 0, 0, 0, 3, 'E2']);
    let c = await store.counters();
    assert.equal([c.promptsTotal, c.promptsDone, c.groupsTaken, c.groupsAcked], [3, 3, 3, 3]);
    await store.enqueueEpoch(1, ['p0', 'p1', 'p2'], T0 + 2);
    await store.enqueueEpoch(2, ['p0', 'p1'], T0 + 2);
    assert.equal(
      (await take(store, 'w1', 8, T0 + 3)).map((l) => `${l.epoch}:${l.promptId}`),
      ['1:p2', '2:p1'],
    );
    c = await store.counters();
    assert.equal([c.promptsTotal, c.promptsDone, c.inFlight], [5, 3, 2]);
    // Without permission the same claim is refused: the state was created after the checkpoint.
    const { store: other } = await makeStore(`contract-rebuild-${++n}`);
    await other.initJob('cfg', T0, 'E3');
    await rejects(
      other.claimLearner({ mode: 'resume', now: T0, rebuild: false, point: { version: 3, step: 2, sha256: 'c3', epochId: 'E1', trained: [] } }),
      JobStateError,
      /trained against state E1/,
    );
    await store.close();
    await other.close();
  });

  // ---- stop ----------------------------------------------------------------------------------

  test(`${name}: a stop is kept: the first time and reason stay, learnerTold only goes to true, a new store object reads it`, async () => {
    const h = await fresh();
    const s = h.store;
    assert.is(await s.getStop(), null);
    await s.saveStop({ atMs: T0 + 1, reason: 'wrong lr — ünïcode', learnerTold: false });
    await s.saveStop({ atMs: T0 + 9, reason: 'a second stop', learnerTold: false });
    assert.equal(await s.getStop(), { atMs: T0 + 1, reason: 'wrong lr — ünïcode', learnerTold: false });
    await s.saveStop({ atMs: T0 + 9, reason: 'a second stop', learnerTold: true });
    await s.saveStop({ atMs: T0 + 9, reason: '', learnerTold: false });
    const kept = { atMs: T0 + 1, reason: 'wrong lr — ünïcode', learnerTold: true };
    assert.equal(await s.getStop(), kept);
    if (h.reopen !== undefined) {
      await s.close();
      const s2 = await h.reopen();
      assert.equal(await s2.getStop(), kept);
      await s2.close();
    } else await s.close();
  });

  test(`${name}: a stop without a reason reads back as the empty reason`, async () => {
    const { store } = await fresh();
    await store.saveStop({ atMs: T0, reason: '', learnerTold: true });
    assert.equal(await store.getStop(), { atMs: T0, reason: '', learnerTold: true });
    await store.close();
  });

  // ---- restart -------------------------------------------------------------------------------

  test(`${name}: a new store object on the same state sees the job, queue, leases, outbox and counters`, async () => {
    const h = await fresh(4);
    if (h.reopen === undefined) {
      // A store without reopen keeps state only in its object: re-creating it starts a new job,
      // so there is nothing to check here.
      await h.store.close();
      return;
    }
    const s1 = h.store;
    await s1.publishVersion({ version: 1, step: 0, sha256: 'ab', now: T0 });
    const [l0, l1] = await take(s1, 'w1', 2, T0, { requestId: 'req' });
    await submit(s1, l0!, T0 + 5);
    const batch = (await s1.takeBatch({ max: 8, now: T0 + 6, ackTimeoutMs: 100 }))!;
    const before = await s1.counters();
    await s1.close();

    const s2 = await h.reopen();
    assert.equal((await s2.getJob())!.weightVersion, 1);
    assert.equal(await s2.counters(), before);
    assert.equal(await s2.listLeases(), [l1!]);
    assert.equal(await take(s2, 'w1', 2, T0 + 7, { requestId: 'req' }), [l0!, l1!], 'the request id is remembered');
    const again = (await s2.takeBatch({ max: 8, now: T0 + 106, ackTimeoutMs: 100 }))!;
    assert.equal([again.batchId, again.groups], [batch.batchId, batch.groups]);
    assert.is((await s2.expireLeases(T0 + TIMEOUT)).length, 1);
    assert.equal(ids(await take(s2, 'w1', 9, T0 + TIMEOUT)), ['p1', 'p2', 'p3']);
    await s2.close();
  });
}
