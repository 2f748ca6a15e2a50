// A worker whose calls fail while the coordinator cannot reach its store (Redis restarting:
// UNAVAILABLE) keeps its round: LeasePrompts is retried with the same request id and
// SubmitGroups with the same groups, so no lease is left renewed by heartbeats with its prompt
// never submitted (a chaos run stalled that way before). Real gRPC on 127.0.0.1, a memory store
// that fails chosen calls once, a sampler that returns fixed valid traces (the unit here is the
// worker's loop, not sampling).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chunkWeights } from '../../proto/chunks.js';
import { UnavailableError } from '../../proto/errors.js';
import type { WeightsClient } from '../../proto/types.js';
import { MemoryStore } from '../../coordinator/state/memory-store.js';
import type { GroupSubmission, Lease, SubmitResult, TakeLeasesInput } from '../../coordinator/state/store.js';
import { createCoordinator, serveCoordinator } from '../../coordinator/service/server.js';
import { RolloutWorker } from '../../rollout-worker/worker-loop.js';
import type { Sampler } from '../../rollout-worker/worker-loop.js';
import { initParams } from '../../shared/policy/model-config.js';
import { encodePublishedWeights } from '../../shared/policy/published-weights.js';
import { policySpecFromJob } from '../../shared/policy/spec.js';
import { Rng } from '../../shared/rng.js';
import { eventually } from '../helpers/wait.js';
import { TOKEN, clients, fakeRecords, smokeJob, validRollouts } from './helpers.js';

/** A memory store whose next `failing` calls throw UnavailableError (as the Redis store does while Redis restarts) after they took effect or before. */
class FlakyStore extends MemoryStore {
  /** Calls to fail: 'take-after' applies the lease take, then fails (the answer is lost). */
  readonly failing = new Set<'take-after' | 'submit-before' | 'submit-after'>();
  override async takeLeases(input: TakeLeasesInput): Promise<Lease[]> {
    const r = await super.takeLeases(input);
    if (r.length > 0 && this.failing.delete('take-after')) throw new UnavailableError('the state store is unreachable (not connected); retry');
    return r;
  }
  override async submitGroups(inputs: readonly GroupSubmission[]): Promise<SubmitResult[]> {
    if (this.failing.delete('submit-before')) throw new UnavailableError('the state store is unreachable (not connected); retry');
    const r = await super.submitGroups(inputs);
    if (this.failing.delete('submit-after')) throw new UnavailableError('the state store is unreachable (not connected); retry');
    return r;
  }
}

const JOB = smokeJob({ 'train.steps': '1', 'cluster.heartbeatInterval': '200ms' });
const SPEC = policySpecFromJob(JOB);

function publish(weights: WeightsClient, bytes: Uint8Array): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const call = weights.PublishWeights((err, res) => (err ? reject(err) : resolve(res)));
    for (const ch of chunkWeights(bytes, { version: 1, step: 0 })) call.write(ch);
    call.end();
  });
}

/** Fixed valid traces for every leased prompt (G of them). */
const fixedSampler = async (_p: unknown, version: number): Promise<Sampler> => ({
  version,
  sample: async (leases, groupSize) =>
    leases.map((l) =>
      validRollouts(JOB, l.series.length)
        .slice(0, groupSize)
        .map((r, i) => ({ promptId: l.prompt_id, sampleIndex: i, ids: r.token_ids, logps: Float64Array.from(r.logprobs), text: r.text })),
    ),
  dispose: async () => {},
});

for (const failing of [['take-after'], ['submit-before'], ['submit-after'], ['take-after', 'submit-after']] as const) {
  test(`the store fails ${failing.join(' and ')} once: the worker says so once an outage, keeps its round, every prompt of the step is submitted`, async () => {
    const store = new FlakyStore({ jobId: 'flaky' });
    const c = createCoordinator(JOB, { store, clock: Date.now, logger: () => {}, records: fakeRecords(6) });
    const srv = await serveCoordinator(c, { listen: '127.0.0.1:0', token: TOKEN, logger: () => {} });
    const cl = clients(srv.address);
    const log: string[] = [];
    const worker = new RolloutWorker({
      coord: cl.coord,
      weights: cl.weights,
      buildSampler: fixedSampler,
      clock: Date.now,
      sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 50))),
      logger: (l) => log.push(l),
      host: 'h',
      device: 'cpu',
      maxPrompts: 4,
    });
    try {
      await publish(cl.weights, encodePublishedWeights(SPEC, initParams(SPEC.model, new Rng(1)), 1));
      for (const f of failing) store.failing.add(f);
      const running = worker.run();
      const counts = await eventually('every prompt of step 1 submitted', async () => {
        const s = await store.counters();
        return s.promptsDone === JOB.rollout.promptsPerStep ? s : undefined;
      });
      assert.equal([counts.inFlight, counts.queued, counts.expired], [0, 0, 0], 'no lease left behind, none waited out');
      assert.is(store.failing.size, 0, 'every planned failure happened');
      // The store applies a failing call before it throws, so the prompts can read done before the
      // worker has its error: wait until it is back from each outage (a stop() first would end
      // its wait before it says anything).
      await eventually('the worker is back from each outage', () =>
        log.filter((l) => /reachable again after/.test(l)).length >= failing.length ? true : undefined,
      );
      await worker.stop();
      await running;
      // One line each way per outage (each failure here is one outage).
      assert.is(log.filter((l) => / unreachable \(/.test(l)).length, failing.length, log.join('\n'));
      assert.is(log.filter((l) => /reachable again after/.test(l)).length, failing.length, log.join('\n'));
    } finally {
      await worker.stop();
      cl.close();
      await srv.close(0);
    }
  });
}

test.run();
