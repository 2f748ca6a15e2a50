// A coordinator that restarts on a durable store (one MemoryStore outliving two coordinators,
// as Redis outlives coordinator processes), over real gRPC on 127.0.0.1:
//   - right after a publish, with a blob store that outlived it too (as Redis keeps the weight
//     blobs): the new process reads the bytes back, TakeGroups wants nothing;
//   - right after a publish, the bytes in no blob store (none, or one that lost them: the
//     fallback): the new process knows the version but not its bytes; TakeGroups asks the
//     learner for them at once (weights_wanted) instead of waiting for groups that cannot come,
//     the learner publishes the same bytes again, workers fetch them;
//   - with a batch handed out in an answer that never arrived: the new process gives that batch
//     to the learner's next TakeGroups at once, not after the 10-minute ack timeout.
// And a store that is unreachable at the moment a version is published (Redis restarting): the
// step that version releases is enqueued by the sweep once the store answers (it was lost: a
// soak run stalled there), and the failure is not logged at every tick; a batch taken by a
// store call whose answer was lost (Redis died after running it) goes to the learner's retry.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type * as grpc from '@grpc/grpc-js';
import { assembleWeights, chunkWeights } from '../../proto/chunks.js';
import { collect, unary } from '../../proto/call.js';
import { NotFoundError, UnavailableError } from '../../proto/errors.js';
import { learnerMetadata } from '../../proto/learner-fence.js';
import type { LearnerFence } from '../../proto/learner-fence.js';
import { fromStatus } from '../../proto/status.js';
import type { CoordinatorClient, PublishWeightsResponse, WeightChunk, WeightsClient } from '../../proto/types.js';
import { MemoryStore } from '../../coordinator/state/memory-store.js';
import { MemoryWeightBlobs } from '../../coordinator/state/weight-blobs.js';
import type { Batch, TakeBatchInput } from '../../coordinator/state/store.js';
import { createCoordinator, serveCoordinator } from '../../coordinator/service/server.js';
import { EVENT_LIMIT_MS, eventually, within } from '../helpers/wait.js';
import { TOKEN, clients, fakeRecords, manualClock, smokeJob, validRollouts } from './helpers.js';

const JOB = smokeJob({ 'train.steps': '2' });
const BYTES = Buffer.from('the weights of version 1, as the learner holds them');

/** A coordinator process on `store` (the same epochId: the state is the store's), with `blobs` when given. */
async function coordinatorOn(store: MemoryStore, clock: ReturnType<typeof manualClock>, blobs?: MemoryWeightBlobs) {
  const log: string[] = [];
  const c = createCoordinator(JOB, { store, blobs, clock: clock.now, logger: (l) => log.push(l), records: fakeRecords(6), chunkBytes: 16, epochId: 'state-1' });
  const srv = await serveCoordinator(c, { listen: '127.0.0.1:0', token: TOKEN, logger: () => {} });
  const cl = clients(srv.address);
  return {
    ...cl,
    log,
    /** The process ends (its memory, weight bytes included, is gone; the store stays). */
    stop: async () => {
      cl.close();
      await srv.close(0);
    },
  };
}

function publish(weights: WeightsClient, fence: LearnerFence, version: number, bytes: Buffer): Promise<PublishWeightsResponse> {
  return new Promise((resolve, reject) => {
    const call = weights.PublishWeights(learnerMetadata(fence), (err: grpc.ServiceError | null, res?: PublishWeightsResponse) =>
      err ? reject(fromStatus(err)) : resolve(res!),
    );
    for (const ch of chunkWeights(bytes, { version, step: version - 1, chunkBytes: 8 })) call.write(ch);
    call.end();
  });
}

const fetch = async (weights: WeightsClient, version: number) =>
  assembleWeights(await collect<WeightChunk>(weights.FetchWeights({ version, start_index: 0, worker_id: 'w1' })));

const take = (coord: CoordinatorClient, fence: LearnerFence, ack: number, waitMs: number) =>
  unary(
    coord,
    coord.TakeGroups,
    { learner_id: 'learner', max_groups: 4, min_groups: 4, wait_ms: waitMs, ack_batch_id: ack },
    { metadata: learnerMetadata(fence), deadlineMs: waitMs + 30_000 },
  );

/** A learner claims the job and publishes version 1; a worker samples `n` prompts with it. */
async function firstLife(store: MemoryStore, clock: ReturnType<typeof manualClock>, n: number, blobs?: MemoryWeightBlobs) {
  const a = await coordinatorOn(store, clock, blobs);
  const claimed = await unary(a.coord, a.coord.ClaimLearner, { job_id: (await unary(a.coord, a.coord.GetStatus, {})).job_id, learner_id: 'L', resume: null });
  const fence: LearnerFence = { jobEpoch: claimed.job_epoch, learnerEpoch: claimed.learner_epoch };
  await publish(a.weights, fence, 1, BYTES);
  const w = await unary(a.coord, a.coord.RegisterWorker, { worker_id: '', host: 'h', device: 'cpu', capabilities: null });
  const l = await unary(a.coord, a.coord.LeasePrompts, { worker_id: w.worker_id, max_prompts: n, weight_version: 1, request_id: 'r1' });
  const groups = l.leases.map((x) => ({
    worker_id: w.worker_id,
    lease_id: x.lease_id,
    prompt_id: x.prompt_id,
    weight_version: 1,
    rollouts: validRollouts(JOB, x.series.length),
    timing: null,
  }));
  await unary(a.coord, a.coord.SubmitGroups, { worker_id: w.worker_id, groups });
  return { a, fence, workerId: w.worker_id };
}

test('restarted right after a publish with the blob store kept: the bytes are read back, TakeGroups wants nothing', async () => {
  const store = new MemoryStore({ jobId: 'restart-blobs' });
  const blobs = new MemoryWeightBlobs({ keep: 2 });
  const clock = manualClock();
  const { a, fence } = await firstLife(store, clock, 4, blobs);
  await a.stop();
  const b = await coordinatorOn(store, clock, blobs);
  try {
    assert.equal(Buffer.from(await fetch(b.weights, 1)), BYTES, 'served from the blob store');
    const res = await take(b.coord, fence, 0, 0);
    assert.is(res.weights_wanted, 0, 'nothing asked of the learner');
    assert.is(res.groups.length, 4);
    assert.ok(
      b.log.some((l) => /version 1 \(\d+ bytes\) read back from the blob store/.test(l)),
      b.log.join('\n'),
    );
  } finally {
    await b.stop();
  }
});

test('restarted right after a publish, its blob lost (the fallback): TakeGroups asks for the bytes at once, the learner gives them again', async () => {
  const store = new MemoryStore({ jobId: 'restart-blob-lost' });
  const clock = manualClock();
  const { a, fence } = await firstLife(store, clock, 1, new MemoryWeightBlobs({ keep: 2 }));
  await a.stop();
  const emptied = new MemoryWeightBlobs({ keep: 2 }); // the state survived, the blobs did not
  const b = await coordinatorOn(store, clock, emptied);
  try {
    const err = await fetch(b.weights, 1).catch((e: unknown) => e);
    assert.instance(err, NotFoundError, 'no blob: NOT_FOUND');
    const res = await within(take(b.coord, fence, 0, 10 * EVENT_LIMIT_MS), 'TakeGroups answers at once');
    assert.is(res.weights_wanted, 1);
    await publish(b.weights, fence, 1, BYTES);
    assert.equal((await emptied.get(1))?.bytes, BYTES, 'the republished bytes are stored again');
    assert.is((await take(b.coord, fence, res.batch_id, 0)).weights_wanted, 0, 'nothing wanted any more');
  } finally {
    await b.stop();
  }
});

test('restarted right after a publish (no blob store): TakeGroups asks for the bytes at once, the learner gives them again, workers fetch them', async () => {
  const store = new MemoryStore({ jobId: 'restart-publish' });
  const clock = manualClock();
  const { a, fence } = await firstLife(store, clock, 1);
  await a.stop();
  const b = await coordinatorOn(store, clock);
  try {
    assert.is((await unary(b.weights, b.weights.GetVersion, {})).version, 1, 'the version number survived');
    const err = await fetch(b.weights, 1).catch((e: unknown) => e);
    assert.instance(err, NotFoundError, 'its bytes did not');
    // A long poll of 10 × the event limit: it can only pass because the answer comes at once.
    const res = await within(take(b.coord, fence, 0, 10 * EVENT_LIMIT_MS), 'TakeGroups answers at once');
    assert.is(res.weights_wanted, 1);
    await publish(b.weights, fence, 1, BYTES);
    assert.equal(Buffer.from(await fetch(b.weights, 1)), BYTES, 'the same bytes, servable again');
    const after = await take(b.coord, fence, res.batch_id, 0);
    assert.is(after.weights_wanted, 0, 'nothing wanted any more');
    assert.is((await unary(b.coord, b.coord.GetStatus, {})).weight_version, 1, 'no new version: the same one again');
  } finally {
    await b.stop();
  }
});

test('a batch handed out just before the restart goes to the learner at once, the same id and groups', async () => {
  const store = new MemoryStore({ jobId: 'restart-batch' });
  const clock = manualClock();
  const { a, fence } = await firstLife(store, clock, 2);
  const lost = await take(a.coord, fence, 0, 0); // the answer the learner never got
  assert.is(lost.groups.length, 2);
  await a.stop();
  const b = await coordinatorOn(store, clock);
  try {
    await publish(b.weights, fence, 1, BYTES); // (the learner answering weights_wanted)
    const again = await within(take(b.coord, fence, 0, 10 * EVENT_LIMIT_MS), 'the open batch at once');
    assert.is(again.batch_id, lost.batch_id);
    assert.equal(
      again.groups.map((g) => g.lease_id),
      lost.groups.map((g) => g.lease_id),
    );
    const empty = await take(b.coord, fence, again.batch_id, 0);
    assert.equal([empty.batch_id, empty.groups.length], [0, 0], 'acknowledged: never handed out again');
    const c = await unary(b.coord, b.coord.GetStatus, {});
    assert.equal([c.prompts?.done, c.prompts?.groups_ready], [2, 0]);
  } finally {
    await b.stop();
  }
});

/** A memory store whose next `failEnqueues` enqueueEpoch calls throw UnavailableError (Redis down). */
class DownStore extends MemoryStore {
  failEnqueues = 0;
  /** The next takeBatch that hands out a batch throws after taking it (the answer lost). */
  loseTake = false;
  override async takeBatch(input: TakeBatchInput): Promise<Batch | null> {
    const b = await super.takeBatch(input);
    if (b !== null && this.loseTake) {
      this.loseTake = false;
      throw new UnavailableError("the coordinator's state store (redis 127.0.0.1:1) is unreachable (not connected); retry");
    }
    return b;
  }
  override async enqueueEpoch(epoch: number, promptIds: readonly string[], now: number): Promise<boolean> {
    if (this.failEnqueues > 0) {
      this.failEnqueues -= 1;
      throw new UnavailableError("the coordinator's state store (redis 127.0.0.1:1) is unreachable (not connected); retry");
    }
    return super.enqueueEpoch(epoch, promptIds, now);
  }
}

test('the store down when a version is published: the sweep enqueues the step once it answers, without a line per tick', async () => {
  const store = new DownStore({ jobId: 'down-at-publish' });
  const log: string[] = [];
  // Real clock and timers: the sweep runs every min(heartbeat 200 ms, lease/4) = 200 ms.
  const job = smokeJob({ 'train.steps': '2', 'cluster.heartbeatInterval': '200ms' });
  const c = createCoordinator(job, { store, clock: Date.now, logger: (l) => log.push(l), records: fakeRecords(6), chunkBytes: 16 });
  const srv = await serveCoordinator(c, { listen: '127.0.0.1:0', token: TOKEN, logger: () => {} });
  const cl = clients(srv.address);
  try {
    store.failEnqueues = 3; // the publish's release and the next two sweeps
    const claimed = await unary(cl.coord, cl.coord.ClaimLearner, { job_id: c.settings.jobId, learner_id: 'L', resume: null });
    await publish(cl.weights, { jobEpoch: claimed.job_epoch, learnerEpoch: claimed.learner_epoch }, 1, BYTES);
    const queued = await eventually('step 1 enqueued by the sweep', async () => {
      const n = (await store.counters()).queued;
      return n > 0 ? n : undefined;
    });
    assert.is(queued, job.rollout.promptsPerStep);
    assert.is(store.failEnqueues, 0);
    assert.equal(
      log.filter((l) => /failed/.test(l)),
      [],
      'an unreachable store is told by the store, once, not by each failed tick',
    );
  } finally {
    cl.close();
    await srv.close(0);
  }
});

test('a batch taken by a store call whose answer was lost goes to the learner at once when it asks again', async () => {
  const store = new DownStore({ jobId: 'lost-take' });
  const clock = manualClock();
  const c = createCoordinator(JOB, { store, clock: clock.now, logger: () => {}, records: fakeRecords(6), chunkBytes: 16, epochId: 'state-1' });
  const srv = await serveCoordinator(c, { listen: '127.0.0.1:0', token: TOKEN, logger: () => {} });
  const cl = clients(srv.address);
  try {
    const claimed = await unary(cl.coord, cl.coord.ClaimLearner, { job_id: c.settings.jobId, learner_id: 'L', resume: null });
    const fence: LearnerFence = { jobEpoch: claimed.job_epoch, learnerEpoch: claimed.learner_epoch };
    await publish(cl.weights, fence, 1, BYTES);
    const w = await unary(cl.coord, cl.coord.RegisterWorker, { worker_id: '', host: 'h', device: 'cpu', capabilities: null });
    const l = await unary(cl.coord, cl.coord.LeasePrompts, { worker_id: w.worker_id, max_prompts: 4, weight_version: 1, request_id: 'r' });
    await unary(cl.coord, cl.coord.SubmitGroups, {
      worker_id: w.worker_id,
      groups: l.leases.map((x) => ({
        worker_id: w.worker_id,
        lease_id: x.lease_id,
        prompt_id: x.prompt_id,
        weight_version: 1,
        rollouts: validRollouts(JOB, x.series.length),
        timing: null,
      })),
    });
    store.loseTake = true;
    const err = await take(cl.coord, fence, 0, 0).catch((e: unknown) => e);
    assert.instance(err, UnavailableError, 'the learner sees UNAVAILABLE and retries');
    const again = await within(take(cl.coord, fence, 0, 10 * EVENT_LIMIT_MS), 'the retry gets the batch at once');
    assert.equal([again.groups.length, (await store.counters()).groupsTaken], [4, 4], 'the same batch, not a second one');
    const empty = await take(cl.coord, fence, again.batch_id, 0);
    assert.equal([empty.batch_id, (await store.counters()).groupsAcked], [0, 4]);
  } finally {
    cl.close();
    await srv.close(0);
  }
});

test.run();
