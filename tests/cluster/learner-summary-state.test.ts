// A learner whose coordinator's state is replaced after the learner's last step (Redis lost it
// during the final eval; a coordinator with --rebuild-state answers the summary's GetStatus from
// a fresh state): the summary says so in one line and counts only what the learner trained, not
// the fresh state's zeros. Coordinator, two workers and the learner share this process over real
// gRPC (the store is the unit: a memory store whose fingerprint changes once every group is
// acknowledged).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '../../coordinator/state/memory-store.js';
import type { JobRecord } from '../../coordinator/state/store.js';
import { createCoordinator, serveCoordinator } from '../../coordinator/service/server.js';
import { runRemoteTraining } from '../../learner/remote-loop.js';
import { RolloutWorker, onnxSamplerFactory } from '../../rollout-worker/worker-loop.js';
import { trainingRecords } from '../../shared/job/records.js';
import { TOKEN, clients, smokeJob } from './helpers.js';

/** Once every planned group is acknowledged, the job record reads as another state's. */
class ReplacedAtTheEnd extends MemoryStore {
  total = Number.POSITIVE_INFINITY;
  override async getJob(): Promise<JobRecord | null> {
    const job = await super.getJob();
    if (job === null || (await this.counters()).groupsAcked < this.total) return job;
    return { ...job, epochId: 'a-fresh-state', learnerEpoch: 0, weightVersion: 0 };
  }
}

test("the state replaced after the last step: the summary counts the learner's own training and says why", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anomseer-summary-state-'));
  const job = smokeJob({ outputDir: dir, 'train.steps': '2', 'train.warmStart.enabled': 'false', 'data.eval': 'anomllm:eval?count=1&length=64' });
  const store = new ReplacedAtTheEnd({ jobId: 'replaced' });
  store.total = job.train.steps * job.rollout.promptsPerStep;
  const c = createCoordinator(job, { store, clock: Date.now, logger: () => {}, records: await trainingRecords(job), epochId: 'state-1' });
  const srv = await serveCoordinator(c, { listen: '127.0.0.1:0', token: TOKEN, logger: () => {} });
  const conns = [clients(srv.address), clients(srv.address), clients(srv.address)];
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  const log: string[] = [];
  try {
    const workers = [0, 1].map(
      (i) =>
        new RolloutWorker({
          coord: conns[i]!.coord,
          weights: conns[i]!.weights,
          buildSampler: onnxSamplerFactory({ device: 'cpu', threads: 1 }),
          clock: Date.now,
          sleep,
          logger: () => {},
          host: `w-${i}`,
          device: 'cpu',
        }),
    );
    const running = workers.map((w) => w.run().catch(() => undefined));
    const s = await runRemoteTraining(job, {
      coord: conns[2]!.coord,
      weights: conns[2]!.weights,
      rpcDeadlineMs: 10_000,
      sleep,
      clock: () => new Date(),
      log: (l) => log.push(l),
    });
    for (const w of workers) await w.stop();
    await Promise.all(running);
    assert.equal([s.promptsTrained, s.cluster.groupsTrained, s.cluster.untrainedItems, s.cluster.extraGroups], [8, 8, 0, 0], "the learner's own count");
    assert.equal([s.workers, s.cluster.promptsTotal], [0, 0], 'nothing from the other state');
    const said = log.filter((l) => /another state/.test(l));
    assert.equal(said, [
      'learner: the coordinator now holds another state of the job (a-fresh-state, trained against state-1); the summary counts only what this learner trained',
    ]);
  } finally {
    for (const cl of conns) cl.close();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
