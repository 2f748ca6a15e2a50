// ClaimLearner over real gRPC on 127.0.0.1 (memory store, manual clock): learner epochs fence
// an older learner off every learner call, a fresh learner is told to resume once versions
// exist, a resume sets the job back to the checkpoint, a lost state is rebuilt only when allowed,
// and a state gone from the store under a running coordinator is found at the next TakeGroups.
import { test } from 'uvu';
import type * as grpc from '@grpc/grpc-js';
import * as assert from 'uvu/assert';
import { unary } from '../../proto/call.js';
import { chunkWeights } from '../../proto/chunks.js';
import { fromStatus } from '../../proto/status.js';
import { JobStateError, LearnerFencedError, StaleWeightsError } from '../../proto/errors.js';
import { learnerMetadata } from '../../proto/learner-fence.js';
import type { LearnerFence } from '../../proto/learner-fence.js';
import type { ClaimLearnerRequest, CoordinatorClient, PublishWeightsResponse, ResumePoint, WeightsClient } from '../../proto/types.js';
import { MemoryStore } from '../../coordinator/state/memory-store.js';
import type { JobRecord } from '../../coordinator/state/store.js';
import { createCoordinator, serveCoordinator } from '../../coordinator/service/server.js';
import type { RunningServer } from '../../coordinator/service/server.js';
import { sha256Hex } from '../../shared/checkpoint/checkpoint-files.js';
import { InvalidArgumentError } from '../../shared/errors.js';
import { TOKEN, clients, fakeRecords, manualClock, smokeJob, validRollouts } from '../cluster/helpers.js';

/** A memory store whose job record can vanish (as when Redis is flushed under a running coordinator). */
class ForgetfulStore extends MemoryStore {
  forgot = false;
  override async getJob(): Promise<JobRecord | null> {
    return this.forgot ? null : super.getJob();
  }
}

const JOB = smokeJob({ 'train.steps': '2' });
const JOB_ID = createCoordinator(JOB, { store: new MemoryStore({ jobId: 'x' }), clock: () => 0, logger: () => {}, records: fakeRecords(6) }).settings.jobId;

async function setup(opts: { allowRebuild?: boolean; epochId?: string } = {}) {
  const clock = manualClock();
  const store = new ForgetfulStore({ jobId: 'claim' });
  const lost: string[] = [];
  const log: string[] = [];
  const c = createCoordinator(JOB, {
    store,
    clock: clock.now,
    logger: (l) => log.push(l),
    records: fakeRecords(6),
    epochId: opts.epochId ?? 'state-1',
    allowRebuild: opts.allowRebuild,
    onStateLost: (m) => lost.push(m),
  });
  const srv: RunningServer = await serveCoordinator(c, { listen: '127.0.0.1:0', token: TOKEN, logger: () => {} });
  const cl = clients(srv.address);
  return {
    store,
    lost,
    log,
    coord: cl.coord,
    weights: cl.weights,
    close: async () => {
      cl.close();
      await srv.close();
    },
  };
}

const claim = (coord: CoordinatorClient, resume: ResumePoint | null = null, jobId = JOB_ID, learner = 'L') =>
  unary(coord, coord.ClaimLearner, { job_id: jobId, learner_id: learner, resume } satisfies ClaimLearnerRequest);
const fenceOf = (r: { job_epoch: string; learner_epoch: number }): LearnerFence => ({ jobEpoch: r.job_epoch, learnerEpoch: r.learner_epoch });
const take = (coord: CoordinatorClient, fence: LearnerFence | undefined, ack = 0, max = 8) =>
  unary(
    coord,
    coord.TakeGroups,
    { learner_id: 'learner', max_groups: max, min_groups: 0, wait_ms: 0, ack_batch_id: ack },
    fence === undefined ? {} : { metadata: learnerMetadata(fence) },
  );
const weightsOf = (v: number) => Buffer.from(`the weights of version ${v}`);
function publish(weights: WeightsClient, fence: LearnerFence | undefined, version: number): Promise<PublishWeightsResponse> {
  return new Promise((resolve, reject) => {
    const cb = (err: grpc.ServiceError | null, res?: PublishWeightsResponse) => (err ? reject(fromStatus(err)) : resolve(res!));
    const call = fence === undefined ? weights.PublishWeights(cb) : weights.PublishWeights(learnerMetadata(fence), cb);
    for (const ch of chunkWeights(weightsOf(version), { version, step: version - 1, chunkBytes: 8 })) call.write(ch);
    call.end();
  });
}
const register = (coord: CoordinatorClient) => unary(coord, coord.RegisterWorker, { worker_id: '', host: 'h', device: 'cpu', capabilities: null });
const ROLLOUTS = validRollouts(JOB, 16);
/** Lease up to `max` prompts with `version` and submit each. */
async function work(coord: CoordinatorClient, worker: string, version: number, max: number): Promise<string[]> {
  const l = await unary(coord, coord.LeasePrompts, { worker_id: worker, max_prompts: max, weight_version: version, request_id: '' });
  for (const x of l.leases) {
    await unary(coord, coord.SubmitGroup, {
      worker_id: worker,
      lease_id: x.lease_id,
      prompt_id: x.prompt_id,
      weight_version: version,
      rollouts: ROLLOUTS,
      timing: null,
    });
  }
  return l.leases.map((x) => x.lease_id);
}
const status = (coord: CoordinatorClient) => unary(coord, coord.GetStatus, {});
async function rejects<E extends Error>(p: Promise<unknown>, cls: new (...a: never[]) => E, msg: RegExp): Promise<E> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.instance(err, cls, `expected ${cls.name}, got ${String(err)}`);
  assert.match((err as Error).message, msg);
  return err as E;
}

test('two learners: every call of the older one is refused (TakeGroups, PublishWeights, ReportProgress); the newer one goes on', async () => {
  const t = await setup();
  try {
    const a = fenceOf(await claim(t.coord));
    const b = fenceOf(await claim(t.coord, null, JOB_ID, 'second'));
    assert.equal([a.learnerEpoch, b.learnerEpoch, b.jobEpoch], [1, 2, 'state-1']);
    const refused = /learner epoch 1 was replaced: learner epoch 2 has claimed the job since.*two learners never train one job/;
    const e1 = await rejects(take(t.coord, a), LearnerFencedError, refused);
    assert.equal([e1.epoch, e1.current], [1, 2]);
    await rejects(publish(t.weights, a, 1), LearnerFencedError, refused);
    await rejects(
      unary(t.coord, t.coord.ReportProgress, { learner_id: 'a', sequence: 1, event_json: '{}' }, { metadata: learnerMetadata(a) }),
      LearnerFencedError,
      refused,
    );
    await rejects(take(t.coord, undefined), LearnerFencedError, /this call carries no learner epoch, but learner epoch 2 holds the job/);
    assert.is((await publish(t.weights, b, 1)).published?.version, 1);
    assert.is((await take(t.coord, b)).batch_id, 0, 'the newer learner is served');
    await rejects(take(t.coord, { ...b, jobEpoch: 'state-0' }), JobStateError, /trained against state state-0 .* coordinator holds state state-1.*--resume/);
    assert.is((await status(t.coord)).learner_epoch, 2);
  } finally {
    await t.close();
  }
});

test('a fresh learner on a job that has versions is told to resume', async () => {
  const t = await setup();
  try {
    const a = fenceOf(await claim(t.coord));
    await publish(t.weights, a, 1);
    const err = await rejects(claim(t.coord), JobStateError, /already has weight version 1 \(learner epoch 1\).*anomseer learner … --resume/);
    assert.is(err.reason, 'started');
    assert.is((await take(t.coord, a)).batch_id, 0, 'a refused claim takes nothing from the learner holding the job');
  } finally {
    await t.close();
  }
});

test('a resume sets the job back to the checkpoint: later versions forgotten, its steps enqueued again, workers ahead told to fetch it', async () => {
  const t = await setup();
  try {
    const a = fenceOf(await claim(t.coord));
    await publish(t.weights, a, 1);
    const w = (await register(t.coord)).worker_id;
    await work(t.coord, w, 1, 4); // step 1
    const b1 = await take(t.coord, a);
    assert.is(b1.groups.length, 4);
    assert.ok(b1.groups.every((g) => g.epoch === 1));
    await publish(t.weights, a, 2);
    const old = await work(t.coord, w, 2, 2); // half of step 2
    await take(t.coord, a, b1.batch_id); // b1 acknowledged, 2 groups of step 2 taken (not acknowledged)
    // A learner resumes from a checkpoint taken after publishing version 1 (before step 1 trained).
    const r = await claim(t.coord, {
      weight_version: 1,
      step: 0,
      sha256: sha256Hex(weightsOf(1)),
      job_epoch: a.jobEpoch,
      through_step: 0,
      extra_items: [],
      missing_items: [],
    });
    assert.equal([r.reset, r.learner_epoch, r.weight_version, r.previous_version, r.groups_discarded, r.groups_kept], ['rolled-back', 2, 1, 2, 6, 0]);
    assert.ok(
      t.log.some((l) =>
        /resumed the job from its checkpoint at version 1 .*versions 2\.\.2 dropped, 0 prompts trained, 0 accepted groups kept, 6 discarded/.test(l),
      ),
      t.log.join('\n'),
    );
    const s = await status(t.coord);
    assert.equal([s.weight_version, s.prompts!.done, s.prompts!.queued, s.prompts!.in_flight, s.prompts!.groups_discarded], [1, 0, 4, 0, 6]);
    const stale = await rejects(
      unary(t.coord, t.coord.LeasePrompts, { worker_id: w, max_prompts: 1, weight_version: 2, request_id: '' }),
      StaleWeightsError,
      /version 2/,
    );
    assert.equal([stale.used, stale.min], [2, 1], 'a worker holding the dropped version 2 is told to fetch 1');
    const v = await unary(t.weights, t.weights.GetVersion, {});
    assert.equal([v.version, v.sha256], [1, sha256Hex(weightsOf(1))], 'version 1 is served again (its bytes were kept)');
    const late = await unary(t.coord, t.coord.SubmitGroup, {
      worker_id: w,
      lease_id: old[0]!,
      prompt_id: 'x',
      weight_version: 2,
      rollouts: ROLLOUTS,
      timing: null,
    }).catch((e: unknown) => e);
    assert.instance(late, InvalidArgumentError, 'a group of a dropped version is not a group of this job any more');
    assert.match((late as Error).message, /^weight_version: is 2/);
    const b = fenceOf(r);
    assert.equal((await work(t.coord, w, 1, 8)).length, 4, "step 1's prompts are sampled again");
    const again = await take(t.coord, b);
    assert.equal(
      again.groups.map((g) => g.epoch),
      [1, 1, 1, 1],
    );
    await rejects(take(t.coord, a, again.batch_id), LearnerFencedError, /learner epoch 1 was replaced/);
  } finally {
    await t.close();
  }
});

test('a checkpoint newer than the state (a fresh or lost state) is refused, unless --rebuild-state; then the state is rebuilt from it', async () => {
  const point: ResumePoint = {
    weight_version: 2,
    step: 1,
    sha256: sha256Hex(weightsOf(2)),
    job_epoch: 'state-0',
    through_step: 1,
    extra_items: [],
    missing_items: [],
  };
  const t = await setup({ epochId: 'state-9' });
  try {
    const err = await rejects(
      claim(t.coord, point),
      JobStateError,
      /trained against state state-0 .* coordinator holds state state-9 .*restart the coordinator with --rebuild-state/,
    );
    assert.is(err.reason, 'lost');
  } finally {
    await t.close();
  }
  const r = await setup({ epochId: 'state-9', allowRebuild: true });
  try {
    const c = await claim(r.coord, point);
    assert.equal([c.reset, c.weight_version, c.job_epoch, c.learner_epoch], ['rebuilt', 2, 'state-9', 1]);
    const s = await status(r.coord);
    assert.equal([s.weight_version, s.prompts!.done, s.prompts!.queued, s.prompts!.total], [2, 4, 4, 8], 'step 1 trained (from the checkpoint), step 2 queued');
    const b = fenceOf(c);
    assert.is((await publish(r.weights, b, 2)).published?.version, 2, 'the learner republishes its version');
    const w = (await register(r.coord)).worker_id;
    await work(r.coord, w, 2, 8);
    const got = await take(r.coord, b);
    assert.equal(
      got.groups.map((g) => g.epoch),
      [2, 2, 2, 2],
    );
  } finally {
    await r.close();
  }
});

test('a claim is checked: job id, resume point fields', async () => {
  const t = await setup();
  const point: ResumePoint = { weight_version: 1, step: 0, sha256: 'ab'.repeat(32), job_epoch: 'state-1', through_step: 0, extra_items: [], missing_items: [] };
  const cases: [string, Promise<unknown>, RegExp][] = [
    ['job id', claim(t.coord, null, 'smoke-000000000000'), /^job_id: is "smoke-000000000000"; this coordinator runs job "smoke-\w+"/],
    ['through_step', claim(t.coord, { ...point, through_step: 3 }), /^resume\.through_step: is 3; the plan has steps 1\.\.2/],
    ['sha256', claim(t.coord, { ...point, sha256: 'xyz' }), /^resume\.sha256: is "xyz"; expected 64 lowercase hex digits/],
    ['item', claim(t.coord, { ...point, extra_items: ['1:r0', '9:r1'] }), /^resume\.extra_items\[1\]: "9:r1" is not a planned item/],
    ['item', claim(t.coord, { ...point, missing_items: ['nonsense'] }), /^resume\.missing_items\[0\]: "nonsense" is not a planned item/],
  ];
  try {
    for (const [what, p, msg] of cases) await rejects(p, InvalidArgumentError, msg).catch((e: unknown) => assert.unreachable(`${what}: ${String(e)}`));
    assert.is((await status(t.coord)).learner_epoch, 0, 'a refused claim changes nothing');
  } finally {
    await t.close();
  }
});

test('a state gone from the store under a running coordinator is found at the next TakeGroups: the learner is told, the coordinator stops', async () => {
  const t = await setup();
  try {
    const a = fenceOf(await claim(t.coord));
    assert.is((await take(t.coord, a)).batch_id, 0);
    t.store.forgot = true;
    const err = await rejects(take(t.coord, a), JobStateError, /the state of job smoke-\w+ is gone from the store \(no job record\).*the coordinator stops/);
    assert.is(err.reason, 'lost');
    assert.equal(t.lost.length, 1);
    assert.match(t.lost[0]!, /^the state of job smoke-\w+ is gone from the store/);
  } finally {
    await t.close();
  }
});

test.run();
