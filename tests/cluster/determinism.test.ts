// With cluster.maxStaleness 0, two cluster runs of the same job and seed give bit-identical
// weights, although two workers race for the prompts of every step. Coordinator, workers and
// learner talk over real gRPC on 127.0.0.1 but share this process (the property is about
// scheduling, not processes; tests/cluster/local-cluster.test.ts covers the processes).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '../../coordinator/state/memory-store.js';
import { createCoordinator, serveCoordinator } from '../../coordinator/service/server.js';
import { runRemoteTraining } from '../../learner/remote-loop.js';
import type { RemoteTrainSummary } from '../../learner/remote-loop.js';
import { RolloutWorker, onnxSamplerFactory } from '../../rollout-worker/worker-loop.js';
import { sha256Hex } from '../../shared/checkpoint/checkpoint-files.js';
import { loadDataSpec } from '../../shared/datasets/spec.js';
import { EVENT_LIMIT_MS } from '../helpers/wait.js';
import { TOKEN, clients, smokeJob } from './helpers.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function clusterRun(outputDir: string, seed: string, staleness = '0', steps = '2', log: (line: string) => void = () => {}): Promise<RemoteTrainSummary> {
  const job = smokeJob({
    outputDir,
    seed,
    'train.steps': steps,
    'cluster.maxStaleness': staleness,
    'train.warmStart.enabled': 'false',
    'data.eval': 'anomllm:eval?count=1&length=64',
    // The property is about who samples what, not about lease expiry: on the real clock no lease
    // may expire however long this process is kept from running.
    'cluster.leaseTimeout': '1h',
  });
  const records = (await loadDataSpec(job.data.train)).filter((r) => r.type !== 'unknown');
  const c = createCoordinator(job, { store: new MemoryStore({ jobId: 'det' }), clock: Date.now, logger: () => {}, records });
  const srv = await serveCoordinator(c, { listen: '127.0.0.1:0', token: TOKEN, logger: () => {} });
  const conns = [clients(srv.address), clients(srv.address), clients(srv.address)];
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
          host: `test-${i}`,
          device: 'cpu',
          maxPrompts: 1 + i,
        }),
    );
    const running = workers.map((w) => w.run());
    const summary = await runRemoteTraining(job, {
      coord: conns[2]!.coord,
      weights: conns[2]!.weights,
      rpcDeadlineMs: EVENT_LIMIT_MS,
      sleep,
      clock: () => new Date(),
      log,
    });
    await Promise.all(running);
    return summary;
  } finally {
    for (const cl of conns) cl.close();
    await srv.close();
  }
}

test('two runs with the same seed and max staleness 0 end with the same weight checksum', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anomseer-det-'));
  try {
    const a = await clusterRun(join(dir, 'a'), '7');
    const b = await clusterRun(join(dir, 'b'), '7');
    assert.is(a.cluster.untrainedItems, 0);
    assert.is(b.cluster.extraGroups, 0);
    assert.is(a.cluster.finalWeightsSha256, b.cluster.finalWeightsSha256);
    assert.is(sha256Hex(readFileSync(join(a.checkpoint, 'model.safetensors'))), sha256Hex(readFileSync(join(b.checkpoint, 'model.safetensors'))));
    assert.equal(a.history, b.history);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with max staleness 1 workers sample ahead, yet every step trains on rollouts at most one version old', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anomseer-stale-'));
  try {
    const lines: string[] = [];
    const s = await clusterRun(join(dir, 'a'), '7', '1', '4', (l) => lines.push(l));
    assert.is(s.cluster.groupsTrained, 16);
    assert.is(s.cluster.untrainedItems, 0);
    assert.is(s.cluster.extraGroups, 0);
    const steps = lines.map((l) => /^step (\d+)\/4 v\d+: .*rollouts of v([\d,]+)/.exec(l)).filter((m) => m !== null);
    assert.is(steps.length, 4);
    for (const m of steps) {
      const k = Number(m[1]);
      for (const v of m[2]!.split(',').map(Number)) assert.ok(v >= k - 1 && v <= k, `step ${k} trained on rollouts of v${v}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
