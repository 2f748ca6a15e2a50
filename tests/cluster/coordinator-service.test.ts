// The Coordinator and Weights services over real gRPC on 127.0.0.1, with a memory store, a
// manual clock and timers the test holds (no sweep or long-poll timeout fires by itself): tests
// act as workers and as the learner.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chunkWeights, assembleWeights } from '../../proto/chunks.js';
import type * as grpc from '@grpc/grpc-js';
import { collect } from '../../proto/call.js';
import { rpc } from '../helpers/rpc.js';
import { fromStatus } from '../../proto/status.js';
import { ChecksumMismatchError, NotFoundError, StaleWeightsError, UnauthenticatedError } from '../../proto/errors.js';
import type { CoordinatorClient, WeightChunk, WeightVersion, WeightsClient } from '../../proto/types.js';
import { MemoryStore } from '../../coordinator/state/memory-store.js';
import { createCoordinator, serveCoordinator } from '../../coordinator/service/server.js';
import type { Coordinator, RunningServer } from '../../coordinator/service/server.js';
import { ConfigError, InvalidArgumentError } from '../../shared/errors.js';
import { runRemoteTraining } from '../../learner/remote-loop.js';
import { EVENT_LIMIT_MS, eventually, within } from '../helpers/wait.js';
import { TOKEN, clients, fakeRecords, heldTimers, manualClock, smokeJob, validRollouts } from './helpers.js';

interface Ctx {
  c: Coordinator;
  srv: RunningServer;
  coord: CoordinatorClient;
  weights: WeightsClient;
  clock: ReturnType<typeof manualClock>;
  timers: ReturnType<typeof heldTimers>;
  close(): Promise<void>;
}

/** A coordinator for 2 steps × 4 prompts of 6 records, G = 4, lease timeout 10 s. */
async function setup(overrides: Record<string, string> = {}): Promise<Ctx> {
  const clock = manualClock();
  const timers = heldTimers();
  const job = smokeJob({ 'train.steps': '2', ...overrides });
  const c = createCoordinator(job, {
    store: new MemoryStore({ jobId: 'test' }),
    clock: clock.now,
    timers,
    logger: () => {},
    records: fakeRecords(6),
    chunkBytes: 16,
  });
  const srv = await serveCoordinator(c, { listen: '127.0.0.1:0', token: TOKEN, logger: () => {} });
  const cl = clients(srv.address);
  return {
    c,
    srv,
    coord: cl.coord,
    weights: cl.weights,
    clock,
    timers,
    close: async () => {
      cl.close();
      await srv.close();
    },
  };
}

function publish(weights: WeightsClient, bytes: Uint8Array, version: number, step: number, chunkBytes = 7): Promise<{ published: WeightVersion | null }> {
  return new Promise((resolve, reject) => {
    const call = weights.PublishWeights((err, res) => (err ? reject(err) : resolve(res!)));
    for (const ch of chunkWeights(bytes, { version, step, chunkBytes })) call.write(ch);
    call.end();
  });
}

const register = (coord: CoordinatorClient, id = '') => rpc(coord, coord.RegisterWorker, { worker_id: id, host: 'h', device: 'cpu', capabilities: null });
const lease = (coord: CoordinatorClient, worker: string, version: number, max = 2, requestId = '') =>
  rpc(coord, coord.LeasePrompts, { worker_id: worker, max_prompts: max, weight_version: version, request_id: requestId });
const GOOD = validRollouts(smokeJob(), 16);
/** n valid rollouts for a 16-point series (G = 4 in these jobs). */
const rollouts = (n: number) => Array.from({ length: n }, (_, i) => ({ ...GOOD[i % GOOD.length]!, index: i }));
const submit = (coord: CoordinatorClient, worker: string, l: { lease_id: string; prompt_id: string }, version: number, n = 4) =>
  rpc(coord, coord.SubmitGroup, {
    worker_id: worker,
    lease_id: l.lease_id,
    prompt_id: l.prompt_id,
    weight_version: version,
    rollouts: rollouts(n),
    timing: null,
  });
const take = (coord: CoordinatorClient, ack = 0, min = 0, max = 8, wait = 0) =>
  rpc(coord, coord.TakeGroups, { learner_id: 'L', max_groups: max, min_groups: min, wait_ms: wait, ack_batch_id: ack });

const WEIGHTS = Buffer.from('pretend these are the bytes of model.safetensors');

test('a call without the cluster token is refused with UNAUTHENTICATED', async () => {
  const t = await setup();
  const bad = clients(t.srv.address, 'another-token-0123456789');
  try {
    const err = await rpc(bad.coord, bad.coord.GetStatus, {}).catch((e: unknown) => e);
    assert.instance(err, UnauthenticatedError);
    assert.match((err as Error).message, /different cluster tokens/);
  } finally {
    bad.close();
    await t.close();
  }
});

test('a worker registers, gets an id and the job timing; nothing is leased before version 1', async () => {
  const t = await setup();
  try {
    const r = await register(t.coord);
    assert.is(r.worker_id, 'w1');
    assert.is(r.group_size, 4);
    assert.is(r.lease_timeout_ms, 10_000);
    assert.is(r.heartbeat_interval_ms, 1000);
    assert.is(r.weight_version, 0);
    const l = await lease(t.coord, 'w1', 0);
    assert.equal(l.leases, []);
    assert.ok(l.retry_after_ms > 0);
    assert.is(l.job_done, false);
  } finally {
    await t.close();
  }
});

test('published weights are checked, announced, and fetched in chunks with resume', async () => {
  const t = await setup();
  try {
    const watch = t.weights.WatchVersions({ worker_id: 'w', after_version: 0 });
    const seen = new Promise<WeightVersion>((resolve) => watch.on('data', resolve));
    watch.on('error', () => {});
    const { published } = await publish(t.weights, WEIGHTS, 1, 0);
    assert.is(published!.version, 1);
    assert.is((await seen).version, 1);
    watch.cancel();
    const v = await rpc(t.weights, t.weights.GetVersion, {});
    assert.is(v.sha256, published!.sha256);
    const all = await collect(t.weights.FetchWeights({ version: 0, start_index: 0, worker_id: 'w' }));
    assert.ok(Buffer.from(assembleWeights(all)).equals(WEIGHTS));
    const rest = await collect(t.weights.FetchWeights({ version: 1, start_index: 1, worker_id: 'w' }));
    assert.is(rest[0]!.index, 1);
    assert.is(rest.length, all.length - 1);
    const missing = await collect(t.weights.FetchWeights({ version: 9, start_index: 0, worker_id: 'w' })).catch((e: unknown) => e);
    assert.instance(missing, NotFoundError);
  } finally {
    await t.close();
  }
});

test('a publish whose bytes do not hash to the announced sha256 fails with DATA_LOSS and publishes nothing', async () => {
  const t = await setup();
  try {
    const err = await new Promise<unknown>((resolve) => {
      const call = t.weights.PublishWeights((e) => resolve(e));
      for (const ch of chunkWeights(WEIGHTS, { version: 1, step: 0, chunkBytes: 8 })) {
        call.write(ch.index === 1 ? ({ ...ch, data: Buffer.alloc(ch.data.length) } as WeightChunk) : ch);
      }
      call.end();
    });
    assert.is((err as { code: number }).code, 15);
    assert.instance(fromStatus(err as grpc.ServiceError), ChecksumMismatchError);
    assert.is((await rpc(t.weights, t.weights.GetVersion, {})).version, 0);
  } finally {
    await t.close();
  }
});

test('with max_staleness 0 a worker on an old version gets no lease, a StaleWeightsError and a fetch command', async () => {
  const t = await setup();
  try {
    await register(t.coord, 'a');
    await publish(t.weights, WEIGHTS, 1, 0);
    await publish(t.weights, Buffer.from('version two'), 2, 1);
    const err = await lease(t.coord, 'a', 1).catch((e: unknown) => e);
    assert.instance(err, StaleWeightsError);
    assert.is((err as StaleWeightsError).min, 2);
    const hb = await rpc(t.coord, t.coord.Heartbeat, {
      worker_id: 'a',
      state: 'WORKER_STATE_IDLE',
      weight_version: 1,
      rollouts_per_second: 0,
      lease_ids: [],
      sent_at_ms: 0,
      cpu_cores: 0,
      rss_bytes: 0,
    });
    assert.is(hb.commands[0]!.action, 'fetch_weights');
    assert.is(hb.commands[0]!.fetch_weights!.version, 2);
    assert.is((await lease(t.coord, 'a', 2)).leases.length, 2);
  } finally {
    await t.close();
  }
});

test('a lease carries the series and seed key; a group is accepted once, its repeat is a counted duplicate', async () => {
  const t = await setup();
  try {
    await register(t.coord, 'a');
    await publish(t.weights, WEIGHTS, 1, 0);
    const { leases } = await lease(t.coord, 'a', 1, 2, 'req-1');
    assert.is(leases.length, 2);
    assert.is(leases[0]!.series.length, 16);
    assert.is(leases[0]!.seed_key, '3407/rollout');
    assert.is(leases[0]!.min_weight_version, 1);
    const again = await lease(t.coord, 'a', 1, 2, 'req-1');
    assert.equal(
      again.leases.map((l) => l.lease_id),
      leases.map((l) => l.lease_id),
      'same request id, same leases',
    );
    assert.equal(await submit(t.coord, 'a', leases[0]!, 1), { accepted: true, duplicate: false });
    assert.equal(await submit(t.coord, 'a', leases[0]!, 1), { accepted: false, duplicate: true });
    const wrong = await submit(t.coord, 'a', leases[1]!, 1, 3).catch((e: unknown) => e);
    assert.instance(wrong, InvalidArgumentError);
    assert.match((wrong as Error).message, /^rollouts: has 3 rollouts; the job's group size G is 4/);
    const s = await rpc(t.coord, t.coord.GetStatus, {});
    assert.is(s.prompts!.done, 1);
    assert.is(s.prompts!.duplicates_dropped, 1);
    assert.is(s.prompts!.total, 8);
    assert.is(s.workers[0]!.groups_submitted, 1);
  } finally {
    await t.close();
  }
});

test('the learner takes complete groups with labels; a retry before the ack gets the same batch', async () => {
  const t = await setup();
  try {
    await register(t.coord, 'a');
    await publish(t.weights, WEIGHTS, 1, 0);
    const { leases } = await lease(t.coord, 'a', 1, 4);
    for (const l of leases) await submit(t.coord, 'a', l, 1);
    const b1 = await take(t.coord, 0, 4, 8, 1000);
    assert.is(b1.groups.length, 4);
    assert.ok(b1.groups.every((g) => g.rollouts.length === 4 && g.label !== null && g.series.length === 16));
    assert.is(b1.groups[0]!.rollouts[0]!.logprobs[1], -0.25);
    const retry = await take(t.coord, 0, 4, 8, 0);
    assert.is(retry.batch_id, b1.batch_id);
    const empty = await take(t.coord, b1.batch_id, 0, 8, 0);
    assert.is(empty.batch_id, 0);
    assert.is(empty.job_done, false, 'step 2 is not done yet');
    const s = await rpc(t.coord, t.coord.GetStatus, {});
    assert.is(s.prompts!.queued, 0, 'step 2 waits for version 2');
  } finally {
    await t.close();
  }
});

test('a long poll answers as soon as min_groups are ready', async () => {
  const t = await setup();
  try {
    await register(t.coord, 'a');
    await publish(t.weights, WEIGHTS, 1, 0);
    const { leases } = await lease(t.coord, 'a', 1, 2);
    const polled = take(t.coord, 0, 2, 8, 20_000);
    // The poll is waiting (its 20 s timer is set) before any group arrives.
    const wait = await eventually('the long poll waits', () => t.timers.set.find((x) => x.ms === 20_000));
    await submit(t.coord, 'a', leases[0]!, 1);
    await submit(t.coord, 'a', leases[1]!, 1);
    const b = await within(polled, 'the long poll answers');
    assert.is(b.groups.length, 2);
    // The held timer never fires: the answer came from the second group, and the wait was cleared.
    assert.ok(wait.cleared, 'the wait timer is cleared once the poll answers');
  } finally {
    await t.close();
  }
});

test('an expired lease is lost to its worker, requeued, and leased by another worker', async () => {
  const t = await setup();
  try {
    await register(t.coord, 'a');
    await register(t.coord, 'b');
    await publish(t.weights, WEIGHTS, 1, 0);
    const { leases } = await lease(t.coord, 'a', 1, 1);
    t.clock.advance(10_000);
    assert.is(await t.c.service.expireNow(), 1);
    const hb = await rpc(t.coord, t.coord.Heartbeat, {
      worker_id: 'a',
      state: 'WORKER_STATE_ROLLING_OUT',
      weight_version: 1,
      rollouts_per_second: 0,
      lease_ids: [leases[0]!.lease_id],
      sent_at_ms: 0,
      cpu_cores: 0,
      rss_bytes: 0,
    });
    assert.equal(hb.lost_lease_ids, [leases[0]!.lease_id]);
    const other = await lease(t.coord, 'b', 1, 1);
    assert.is(other.leases[0]!.prompt_id, leases[0]!.prompt_id);
    const s = await rpc(t.coord, t.coord.GetStatus, {});
    assert.is(s.prompts!.requeued, 1);
  } finally {
    await t.close();
  }
});

test('released leases go back to the queue at once', async () => {
  const t = await setup();
  try {
    await register(t.coord, 'a');
    await publish(t.weights, WEIGHTS, 1, 0);
    const { leases } = await lease(t.coord, 'a', 1, 2);
    const r = await rpc(t.coord, t.coord.ReleaseLeases, { worker_id: 'a', lease_ids: [], reason: 'RELEASE_REASON_SHUTDOWN', detail: '' });
    assert.is(r.released, 2);
    const again = await rpc(t.coord, t.coord.ReleaseLeases, {
      worker_id: 'a',
      lease_ids: [leases[0]!.lease_id],
      reason: 'RELEASE_REASON_SHUTDOWN',
      detail: '',
    });
    assert.equal(again.unknown_lease_ids, [leases[0]!.lease_id]);
    const s = await rpc(t.coord, t.coord.GetStatus, {});
    assert.is(s.prompts!.queued, 4);
    assert.is(s.workers[0]!.state, 'WORKER_STATE_STOPPED');
  } finally {
    await t.close();
  }
});

test('only after every group is acknowledged do leasing and taking say job_done', async () => {
  const t = await setup({ 'train.steps': '1' });
  try {
    await register(t.coord, 'a');
    await publish(t.weights, WEIGHTS, 1, 0);
    const { leases } = await lease(t.coord, 'a', 1, 4);
    for (const l of leases) await submit(t.coord, 'a', l, 1);
    const b = await take(t.coord, 0, 4, 4, 0);
    // Sampled and taken but not acknowledged: a learner dying now may resume from an older
    // checkpoint and need workers again, so they are not told the job is done yet.
    assert.is((await lease(t.coord, 'a', 1)).job_done, false);
    const done = await take(t.coord, b.batch_id, 0, 4, 0);
    assert.is(done.job_done, true);
    assert.is((await lease(t.coord, 'a', 1)).job_done, true);
  } finally {
    await t.close();
  }
});

test('a late group for an expired lease wins when it is first; the requeued copy is then a duplicate', async () => {
  const t = await setup();
  try {
    await register(t.coord, 'a');
    await register(t.coord, 'b');
    await publish(t.weights, WEIGHTS, 1, 0);
    const { leases } = await lease(t.coord, 'a', 1, 1);
    t.clock.advance(10_000);
    await t.c.service.expireNow();
    const other = await lease(t.coord, 'b', 1, 1);
    assert.is(other.leases[0]!.prompt_id, leases[0]!.prompt_id);
    assert.equal(await submit(t.coord, 'a', leases[0]!, 1), { accepted: true, duplicate: false });
    assert.equal(await submit(t.coord, 'b', other.leases[0]!, 1), { accepted: false, duplicate: true });
    const hb = await rpc(t.coord, t.coord.Heartbeat, {
      worker_id: 'b',
      state: 'WORKER_STATE_ROLLING_OUT',
      weight_version: 1,
      rollouts_per_second: 0,
      lease_ids: [other.leases[0]!.lease_id],
      sent_at_ms: 0,
      cpu_cores: 0,
      rss_bytes: 0,
    });
    assert.equal(hb.lost_lease_ids, [other.leases[0]!.lease_id], 'the loser hears its lease was cancelled');
  } finally {
    await t.close();
  }
});

test('a drained worker is told so on its next heartbeat and gets no more leases', async () => {
  const t = await setup();
  try {
    await register(t.coord, 'a');
    await publish(t.weights, WEIGHTS, 1, 0);
    assert.ok(t.c.service.drainWorker('a'));
    const hb = await rpc(t.coord, t.coord.Heartbeat, {
      worker_id: 'a',
      state: 'WORKER_STATE_IDLE',
      weight_version: 1,
      rollouts_per_second: 0,
      lease_ids: [],
      sent_at_ms: 0,
      cpu_cores: 0,
      rss_bytes: 0,
    });
    assert.equal(
      hb.commands.map((c) => c.action),
      ['drain'],
    );
    assert.equal((await lease(t.coord, 'a', 1)).leases, []);
  } finally {
    await t.close();
  }
});

test('acknowledging a batch id never handed out is NOT_FOUND; an unknown worker cannot lease', async () => {
  const t = await setup();
  try {
    await publish(t.weights, WEIGHTS, 1, 0);
    const bad = await take(t.coord, 42).catch((e: unknown) => e);
    assert.instance(bad, NotFoundError);
    assert.is((bad as NotFoundError).kind, 'batch');
    const nobody = await lease(t.coord, 'ghost', 1).catch((e: unknown) => e);
    assert.instance(nobody, NotFoundError);
    assert.is((nobody as NotFoundError).kind, 'worker');
  } finally {
    await t.close();
  }
});

test('with max_staleness 1 workers sample one step ahead, and no group can be more than one version stale when trained', async () => {
  const t = await setup({ 'cluster.maxStaleness': '1', 'train.steps': '3' });
  try {
    await register(t.coord, 'a');
    await publish(t.weights, WEIGHTS, 1, 0);
    assert.is((await rpc(t.coord, t.coord.GetStatus, {})).prompts!.queued, 8, 'steps 1 and 2 are enqueued with version 1');
    const first = await lease(t.coord, 'a', 1, 1);
    assert.is(first.leases[0]!.min_weight_version, 1);
    assert.equal(await submit(t.coord, 'a', first.leases[0]!, 1), { accepted: true, duplicate: false });
    await publish(t.weights, Buffer.from('version two'), 2, 1);
    // Step 3 is now in the queue; it is trained with version 3, so it needs rollouts of >= 2.
    const err = await lease(t.coord, 'a', 1, 1).catch((e: unknown) => e);
    assert.instance(err, StaleWeightsError);
    assert.is((err as StaleWeightsError).min, 2);
    const next = await lease(t.coord, 'a', 2, 1);
    assert.is(next.leases[0]!.min_weight_version, 2);
  } finally {
    await t.close();
  }
});

test('a learner started with another config than the coordinator refuses to train', async () => {
  const t = await setup();
  try {
    const err = await runRemoteTraining(smokeJob({ 'train.steps': '2', 'optim.lr': '0.001' }), {
      coord: t.coord,
      weights: t.weights,
      rpcDeadlineMs: EVENT_LIMIT_MS,
      sleep: async () => {},
      clock: () => new Date(),
      log: () => {},
    }).catch((e: unknown) => e);
    assert.instance(err, ConfigError);
    assert.match((err as Error).message, /same job file/);
  } finally {
    await t.close();
  }
});

test.run();
