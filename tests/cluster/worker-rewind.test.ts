// A worker through resets of the job's state:
//   - it heard of a version the coordinator then dropped (a learner resumed from an older
//     checkpoint while the worker was sampling): it goes on with the coordinator's latest, its
//     groups for leases voided by the resume are dropped, it leases the step again and never
//     loads the dropped version;
//   - a heartbeat reports a lease id "lost" that the worker does not hold (it was submitting that
//     lease when the heartbeat went out; in a rebuilt state lease ids start again, so a later
//     lease reuses the id): the later lease is still sampled and submitted, not skipped and
//     renewed forever (a soak run with Redis wiped stalled on exactly that).
// Real gRPC on 127.0.0.1, a memory store, a sampler that returns fixed valid traces and can be
// held mid-batch.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type * as grpc from '@grpc/grpc-js';
import { chunkWeights } from '../../proto/chunks.js';
import { unary } from '../../proto/call.js';
import { learnerMetadata } from '../../proto/learner-fence.js';
import type { LearnerFence } from '../../proto/learner-fence.js';
import { fromStatus } from '../../proto/status.js';
import type { PublishWeightsResponse, WeightsClient } from '../../proto/types.js';
import { MemoryStore } from '../../coordinator/state/memory-store.js';
import type { HeartbeatInput } from '../../coordinator/state/store.js';
import { createCoordinator, serveCoordinator } from '../../coordinator/service/server.js';
import { RolloutWorker } from '../../rollout-worker/worker-loop.js';
import type { Sampler } from '../../rollout-worker/worker-loop.js';
import { sha256Hex } from '../../shared/checkpoint/checkpoint-files.js';
import { initParams } from '../../shared/policy/model-config.js';
import { encodePublishedWeights } from '../../shared/policy/published-weights.js';
import { policySpecFromJob } from '../../shared/policy/spec.js';
import { Rng } from '../../shared/rng.js';
import { eventually } from '../helpers/wait.js';
import { TOKEN, clients, fakeRecords, smokeJob, validRollouts } from './helpers.js';

const JOB = smokeJob({ 'train.steps': '2', 'cluster.heartbeatInterval': '100ms' });
const SPEC = policySpecFromJob(JOB);
const WEIGHTS = [1, 2].map((seed) => Buffer.from(encodePublishedWeights(SPEC, initParams(SPEC.model, new Rng(seed)), 1)));

function publish(weights: WeightsClient, fence: LearnerFence, version: number): Promise<PublishWeightsResponse> {
  return new Promise((resolve, reject) => {
    const call = weights.PublishWeights(learnerMetadata(fence), (err: grpc.ServiceError | null, res?: PublishWeightsResponse) =>
      err ? reject(fromStatus(err)) : resolve(res!),
    );
    for (const ch of chunkWeights(WEIGHTS[version - 1]!, { version, step: version - 1 })) call.write(ch);
    call.end();
  });
}

test('a worker that heard of a version later dropped by a learner resume loads the latest again and leases', async () => {
  const store = new MemoryStore({ jobId: 'rewind' });
  const c = createCoordinator(JOB, { store, clock: Date.now, logger: () => {}, records: fakeRecords(6), epochId: 'state-1' });
  const srv = await serveCoordinator(c, { listen: '127.0.0.1:0', token: TOKEN, logger: () => {} });
  const cl = clients(srv.address);
  let release: () => void = () => {};
  const held = new Promise<void>((r) => (release = r));
  let batches = 0;
  const log: string[] = [];
  const worker = new RolloutWorker({
    coord: cl.coord,
    weights: cl.weights,
    // The first batch waits for `held`: the worker is busy sampling while the job moves on and back.
    buildSampler: async (_p, version): Promise<Sampler> => ({
      version,
      sample: async (leases, groupSize) => {
        if (batches++ === 0) await held;
        return leases.map((l) =>
          validRollouts(JOB, l.series.length)
            .slice(0, groupSize)
            .map((r, i) => ({ promptId: l.prompt_id, sampleIndex: i, ids: r.token_ids, logps: Float64Array.from(r.logprobs), text: r.text })),
        );
      },
      dispose: async () => {},
    }),
    clock: Date.now,
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 50))),
    logger: (l) => log.push(l),
    host: 'h',
    device: 'cpu',
    maxPrompts: 4,
  });
  try {
    const a = await unary(cl.coord, cl.coord.ClaimLearner, { job_id: c.settings.jobId, learner_id: 'A', resume: null });
    await publish(cl.weights, { jobEpoch: a.job_epoch, learnerEpoch: a.learner_epoch }, 1);
    const running = worker.run();
    await eventually('the worker samples its first batch', () => (batches > 0 ? true : undefined));
    await publish(cl.weights, { jobEpoch: a.job_epoch, learnerEpoch: a.learner_epoch }, 2);
    const published2 = Date.now();
    await eventually('a heartbeat told the worker of version 2', async () =>
      (await store.listWorkers()).some((w) => w.lastSeenMs > published2 + 150) ? true : undefined,
    );
    // A learner resumes from its checkpoint at version 1: version 2 is dropped.
    const b = await unary(cl.coord, cl.coord.ClaimLearner, {
      job_id: c.settings.jobId,
      learner_id: 'B',
      resume: { weight_version: 1, step: 0, sha256: sha256Hex(WEIGHTS[0]!), job_epoch: a.job_epoch, through_step: 0, extra_items: [], missing_items: [] },
    });
    assert.equal([b.reset, b.weight_version, b.previous_version], ['rolled-back', 1, 2]);
    release();
    const done = await eventually('step 1 sampled again after the resume', async () => {
      const n = await store.counters();
      return n.promptsDone === JOB.rollout.promptsPerStep ? n : undefined;
    });
    assert.is(done.inFlight, 0);
    assert.is(worker.weightVersion, 1, 'still on version 1, the latest again');
    assert.ok(
      log.every((l) => !/loaded weight version 2/.test(l)),
      'it never loaded the dropped version',
    );
    await worker.stop();
    await running;
  } finally {
    release();
    await worker.stop();
    cl.close();
    await srv.close(0);
  }
});

/** A memory store whose first heartbeat answer also lists `ghost` as lost (a lease id the worker does not hold). */
class GhostStore extends MemoryStore {
  beats = 0;
  constructor(
    o: { jobId: string },
    readonly ghost: string,
  ) {
    super(o);
  }
  override async heartbeat(input: HeartbeatInput): Promise<{ lost: string[] }> {
    const r = await super.heartbeat(input);
    return this.beats++ === 0 ? { lost: [...r.lost, this.ghost] } : r;
  }
}

test('a lease id reported lost while not held does not make a later lease of that id skipped and held forever', async () => {
  const store = new GhostStore({ jobId: 'ghost' }, 'L2');
  const c = createCoordinator(JOB, { store, clock: Date.now, logger: () => {}, records: fakeRecords(6), epochId: 'state-1' });
  const srv = await serveCoordinator(c, { listen: '127.0.0.1:0', token: TOKEN, logger: () => {} });
  const cl = clients(srv.address);
  const worker = new RolloutWorker({
    coord: cl.coord,
    weights: cl.weights,
    buildSampler: async (_p, version): Promise<Sampler> => ({
      version,
      sample: async (leases, groupSize) =>
        leases.map((l) =>
          validRollouts(JOB, l.series.length)
            .slice(0, groupSize)
            .map((r, i) => ({ promptId: l.prompt_id, sampleIndex: i, ids: r.token_ids, logps: Float64Array.from(r.logprobs), text: r.text })),
        ),
      dispose: async () => {},
    }),
    clock: Date.now,
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 50))),
    logger: () => {},
    host: 'h',
    device: 'cpu',
    maxPrompts: 4,
  });
  try {
    const a = await unary(cl.coord, cl.coord.ClaimLearner, { job_id: c.settings.jobId, learner_id: 'A', resume: null });
    const running = worker.run();
    // The ghost arrives before any lease exists: nothing can be leased before version 1.
    await eventually('the first heartbeat', () => (store.beats > 0 ? true : undefined));
    await publish(cl.weights, { jobEpoch: a.job_epoch, learnerEpoch: a.learner_epoch }, 1);
    const done = await eventually('every prompt of step 1 submitted, L2 included', async () => {
      const n = await store.counters();
      return n.promptsDone === JOB.rollout.promptsPerStep ? n : undefined;
    });
    assert.equal([done.inFlight, done.queued], [0, 0], 'no lease left held');
    await worker.stop();
    await running;
  } finally {
    await worker.stop();
    cl.close();
    await srv.close(0);
  }
});

test.run();
