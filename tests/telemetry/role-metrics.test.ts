// The roles' metric definitions over real gRPC on 127.0.0.1 (memory store, manual clock): the
// coordinator's server interceptor and store-backed series, the worker's and learner's client
// interceptors, and what each /healthz says.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as grpc from '@grpc/grpc-js';
import { bearerInterceptor } from '../../proto/auth.js';
import { chunkWeights } from '../../proto/chunks.js';
import { collect } from '../../proto/call.js';
import { rpc } from '../helpers/rpc.js';
import { createClient } from '../../proto/load.js';
import { channelOptions } from '../../proto/options.js';
import type { CoordinatorClient, WeightsClient } from '../../proto/types.js';
import { MemoryStore } from '../../coordinator/state/memory-store.js';
import { createCoordinator, serveCoordinator } from '../../coordinator/service/server.js';
import { createCoordinatorMetrics } from '../../coordinator/metrics.js';
import { createWorkerMetrics } from '../../rollout-worker/metrics.js';
import { createLearnerMetrics } from '../../learner/metrics.js';
import { TOKEN, fakeRecords, manualClock, smokeJob, validRollouts } from '../cluster/helpers.js';
import { parsePromText, sumOf, valueOf } from './prom-text.js';

const WEIGHTS = Buffer.from('pretend these are the bytes of model.safetensors');

function clientsWith(address: string, interceptor: grpc.Interceptor, token = TOKEN): { coord: CoordinatorClient; weights: WeightsClient; close(): void } {
  const opts = { ...channelOptions(), interceptors: [bearerInterceptor(token), interceptor] };
  const coord = createClient('Coordinator', address, grpc.credentials.createInsecure(), opts);
  const weights = createClient('Weights', address, grpc.credentials.createInsecure(), opts);
  return {
    coord,
    weights,
    close: () => {
      coord.close();
      weights.close();
    },
  };
}

function publish(weights: WeightsClient, version: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const call = weights.PublishWeights((err, res) => (err ? reject(err) : resolve(res)));
    for (const ch of chunkWeights(WEIGHTS, { version, step: version - 1, chunkBytes: 7 })) call.write(ch);
    call.end();
  });
}

const GOOD = validRollouts(smokeJob(), 16);
const rollouts = (n: number) => Array.from({ length: n }, (_, i) => ({ ...GOOD[i % GOOD.length]!, index: i }));
const TOKENS = GOOD.reduce((a, r) => a + r.token_ids.length, 0);

test('a worker and a learner talking to a coordinator: every role counts what crossed the wire', async () => {
  const clock = manualClock();
  const store = new MemoryStore({ jobId: 'test' });
  const c = createCoordinator(smokeJob({ 'train.steps': '2' }), { store, clock: clock.now, logger: () => {}, records: fakeRecords(6), chunkBytes: 16 });
  const cm = createCoordinatorMetrics({ store, service: c.service, registry: c.registry });
  const srv = await serveCoordinator(c, { listen: '127.0.0.1:0', token: TOKEN, logger: () => {}, interceptors: [cm.interceptor] });
  cm.setServing(true);
  const wm = createWorkerMetrics();
  const lm = createLearnerMetrics();
  const w = clientsWith(srv.address, wm.interceptor);
  const l = clientsWith(srv.address, lm.interceptor);
  const intruder = clientsWith(srv.address, createWorkerMetrics().interceptor, 'another-token-0123456789');
  try {
    assert.equal(lm.health(), { ok: false, checks: { connected: false } }, 'no call yet');
    const reg = await rpc(w.coord, w.coord.RegisterWorker, { worker_id: '', host: 'h', device: 'cpu', capabilities: null });
    assert.equal(
      (await rpc(w.coord, w.coord.LeasePrompts, { worker_id: reg.worker_id, max_prompts: 2, weight_version: 0, request_id: '' })).leases,
      [],
      'nothing before v1',
    );
    await publish(l.weights, 1);
    await collect(w.weights.FetchWeights({ version: 1, start_index: 0, worker_id: reg.worker_id }));
    const res = await rpc(w.coord, w.coord.LeasePrompts, { worker_id: reg.worker_id, max_prompts: 2, weight_version: 1, request_id: 'r1' });
    assert.is(res.leases.length, 2);
    for (const le of res.leases) {
      const r = await rpc(w.coord, w.coord.SubmitGroup, {
        worker_id: reg.worker_id,
        lease_id: le.lease_id,
        prompt_id: le.prompt_id,
        weight_version: 1,
        rollouts: rollouts(4),
        timing: null,
      });
      assert.ok(r.accepted);
    }
    const dup = await rpc(w.coord, w.coord.SubmitGroup, {
      worker_id: reg.worker_id,
      lease_id: res.leases[0]!.lease_id,
      prompt_id: res.leases[0]!.prompt_id,
      weight_version: 1,
      rollouts: rollouts(4),
      timing: null,
    });
    assert.ok(dup.duplicate);
    const bad = rollouts(4);
    bad[1] = { ...bad[1]!, token_ids: [...bad[1]!.token_ids.slice(0, -1), 4e9] };
    const refused = await rpc(w.coord, w.coord.SubmitGroup, {
      worker_id: reg.worker_id,
      lease_id: res.leases[1]!.lease_id,
      prompt_id: res.leases[1]!.prompt_id,
      weight_version: 1,
      rollouts: bad,
      timing: null,
    }).catch((e: unknown) => e);
    assert.match((refused as Error).message, /^rollouts\[1\]\.token_ids\[\d+\]: is 4000000000/);
    await rpc(l.coord, l.coord.GetStatus, {});
    await rpc(intruder.coord, intruder.coord.GetStatus, {}).catch(() => undefined);

    const fc = parsePromText(await cm.registry.metrics());
    const lab = { role: 'coordinator' };
    assert.is(valueOf(fc, 'anomseer_coordinator_weight_version', lab), 1);
    assert.is(valueOf(fc, 'anomseer_coordinator_prompts_planned', lab), 8);
    assert.is(valueOf(fc, 'anomseer_coordinator_queue_depth', lab), 2, 'step 1 has 4 prompts, 2 done');
    assert.is(valueOf(fc, 'anomseer_coordinator_leases_held', lab), 0);
    assert.is(valueOf(fc, 'anomseer_coordinator_leases_granted_total', lab), 2);
    assert.is(valueOf(fc, 'anomseer_coordinator_prompts_done_total', lab), 2);
    assert.is(valueOf(fc, 'anomseer_coordinator_groups_duplicate_total', lab), 1);
    assert.is(valueOf(fc, 'anomseer_coordinator_rollouts_total', lab), 8);
    assert.is(valueOf(fc, 'anomseer_coordinator_tokens_total', lab), 2 * TOKENS);
    assert.is(valueOf(fc, 'anomseer_coordinator_submissions_rejected_total', { ...lab, reason: 'rollouts.token_ids' }), 1);
    assert.is(valueOf(fc, 'anomseer_coordinator_staleness_versions_count', lab), 2);
    assert.is(valueOf(fc, 'anomseer_coordinator_staleness_versions_bucket', { ...lab, le: '0' }), 2);
    assert.is(valueOf(fc, 'anomseer_coordinator_weight_bytes', lab), WEIGHTS.length);
    assert.is(valueOf(fc, 'anomseer_coordinator_weight_bytes_total', { ...lab, direction: 'received' }), WEIGHTS.length);
    assert.is(valueOf(fc, 'anomseer_coordinator_weight_bytes_total', { ...lab, direction: 'sent' }), WEIGHTS.length);
    assert.is(valueOf(fc, 'anomseer_coordinator_workers', { ...lab, state: 'starting' }), 1);
    assert.is(valueOf(fc, 'anomseer_rpc_server_duration_seconds_count', { ...lab, method: 'SubmitGroup', code: 'OK' }), 3);
    assert.is(valueOf(fc, 'anomseer_rpc_server_duration_seconds_count', { ...lab, method: 'LeasePrompts', code: 'OK' }), 2);
    assert.is(valueOf(fc, 'anomseer_rpc_server_duration_seconds_count', { ...lab, service: 'Weights', method: 'PublishWeights', code: 'OK' }), 1);
    assert.is(valueOf(fc, 'anomseer_rpc_server_errors_total', { ...lab, method: 'GetStatus', code: 'UNAUTHENTICATED' }), 1, 'refused calls are seen');
    assert.is(valueOf(fc, 'anomseer_rpc_server_errors_total', { ...lab, method: 'SubmitGroup', code: 'INVALID_ARGUMENT' }), 1);
    assert.is(sumOf(fc, 'anomseer_rpc_server_errors_total', { code: 'OK' }), 0);

    const fw = parsePromText(await wm.registry.metrics());
    assert.is(valueOf(fw, 'anomseer_rpc_client_duration_seconds_count', { role: 'worker', method: 'SubmitGroup', code: 'OK' }), 3);
    assert.is(valueOf(fw, 'anomseer_rpc_client_duration_seconds_count', { role: 'worker', service: 'Weights', method: 'FetchWeights', code: 'OK' }), 1);
    assert.is(sumOf(fw, 'anomseer_rpc_client_errors_total'), 1, 'the refused submission');

    const fl = parsePromText(await lm.registry.metrics());
    assert.is(valueOf(fl, 'anomseer_learner_weight_publish_bytes_total', { role: 'learner' }), WEIGHTS.length);
    assert.is(valueOf(fl, 'anomseer_learner_weight_publish_seconds_count', { role: 'learner' }), 1);
    assert.is(valueOf(fl, 'anomseer_learner_weight_publishes_total', { role: 'learner', code: 'OK' }), 1);
    assert.equal(lm.health(), { ok: true, checks: { connected: true } });

    assert.equal(await cm.health(), { ok: true, checks: { serving: true, store: true } });
    cm.setServing(false);
    assert.equal(await cm.health(), { ok: false, checks: { serving: false, store: true } });
  } finally {
    w.close();
    l.close();
    intruder.close();
    await srv.close();
  }
});

test('coordinator /healthz is 503 when the store does not answer', async () => {
  const m = createCoordinatorMetrics({
    store: { counters: () => Promise.reject(new Error('ECONNREFUSED')) },
    service: { getStatus: () => Promise.reject(new Error('ECONNREFUSED')), rejections: () => new Map() },
    registry: { latest: 0, latestInfo: () => ({ total_bytes: 0 }) },
  });
  m.setServing(true);
  assert.equal(await m.health(), { ok: false, checks: { serving: true, store: false } });
});

test('learner: step events become steps, reward parts, and step timings', async () => {
  const lm = createLearnerMetrics();
  const metrics = {
    reward: 0.5,
    rewardFormat: 0.25,
    rewardClass: 0.2,
    rewardLocalization: 0.05,
    grounded: 0.4,
    otDistance: 0,
    loss: 0,
    surrogate: 0,
    kl: 0.01,
    entropy: 1,
    clipFraction: 0,
    gradNorm: 2,
    applied: 1,
    logpMismatch: 0,
    tokens: 100,
  };
  for (const step of [1, 2])
    lm.onEvent({ kind: 'step', step, weightVersion: step + 1, metrics, seconds: { generate: 1.5, update: 0.5 }, samples: [[], [], [], []] });
  lm.onEvent({ kind: 'checkpoint', step: 2, dir: '/tmp/x' });
  const f = parsePromText(await lm.registry.metrics());
  const lab = { role: 'learner' };
  assert.is(valueOf(f, 'anomseer_learner_steps_total', lab), 2);
  assert.is(valueOf(f, 'anomseer_learner_step', lab), 2);
  assert.is(valueOf(f, 'anomseer_learner_weight_version', lab), 3);
  assert.equal(
    ['total', 'format', 'class', 'localization', 'grounded'].map((part) => valueOf(f, 'anomseer_learner_reward', { ...lab, part })),
    [0.5, 0.25, 0.2, 0.05, 0.4],
  );
  assert.is(valueOf(f, 'anomseer_learner_tokens_trained_total', lab), 200);
  assert.is(valueOf(f, 'anomseer_learner_groups_trained_total', lab), 8);
  assert.is(valueOf(f, 'anomseer_learner_step_seconds_count', { ...lab, phase: 'wait' }), 2);
  assert.is(valueOf(f, 'anomseer_learner_step_seconds_sum', { ...lab, phase: 'wait' }), 3);
});

test('worker: hooks and the attached worker become series; /healthz needs a registered, running worker', async () => {
  const wm = createWorkerMetrics();
  assert.is(wm.health().ok, false, 'nothing attached');
  const view = { id: '', state: 'WORKER_STATE_STARTING' as const, leasesHeld: 0, weightVersion: 0, jobDone: false };
  wm.attach(view);
  assert.is(wm.health().ok, false, 'not registered');
  wm.attach({ ...view, id: 'w1', state: 'WORKER_STATE_ROLLING_OUT' as never, leasesHeld: 2, weightVersion: 3 });
  assert.equal(wm.health(), { ok: true, checks: { registered: true, running: true, jobDone: false } });
  wm.hooks.weightsLoaded?.(3, 1000, 0.01, 0.2);
  wm.hooks.leased?.(2);
  wm.hooks.sampled?.(2, 1.5);
  wm.hooks.submitted?.(4, 40, 'accepted');
  wm.hooks.submitted?.(4, 44, 'duplicate');
  const f = parsePromText(await wm.registry.metrics());
  const lab = { role: 'worker' };
  assert.is(valueOf(f, 'anomseer_worker_rollouts_total', lab), 8);
  assert.is(valueOf(f, 'anomseer_worker_tokens_total', lab), 84);
  assert.is(valueOf(f, 'anomseer_worker_groups_submitted_total', { ...lab, result: 'duplicate' }), 1);
  assert.is(valueOf(f, 'anomseer_worker_leases_received_total', lab), 2);
  assert.is(valueOf(f, 'anomseer_worker_leases_held', lab), 2);
  assert.is(valueOf(f, 'anomseer_worker_weight_version', lab), 3);
  assert.is(valueOf(f, 'anomseer_worker_weight_fetch_bytes_total', lab), 1000);
  assert.is(valueOf(f, 'anomseer_worker_state', { ...lab, state: 'rolling_out' }), 1);
  assert.is(valueOf(f, 'anomseer_worker_sample_seconds_count', lab), 1);
  wm.attach({ ...view, id: 'w1', state: 'WORKER_STATE_STOPPED' as never });
  assert.equal(wm.health(), { ok: false, checks: { registered: true, running: false, jobDone: false } });
  // Stopped because the job is done (--when-done wait keeps the process up): still healthy.
  wm.attach({ ...view, id: 'w1', state: 'WORKER_STATE_STOPPED' as never, jobDone: true });
  assert.equal(wm.health(), { ok: true, checks: { registered: true, running: true, jobDone: true } });
});

test.run();
