// Per-worker CPU and memory in the coordinator's dashboard: a real rollout worker heartbeats a
// real coordinator over gRPC on 127.0.0.1, reporting its process's CPU seconds per second and
// resident bytes, and the dashboard's cluster table (the provider the coordinator's dashboard
// polls) shows them. The worker's usage is a stub tied to its clock, so the rate is exact.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { coordinatorStatus } from '../../dashboard/cluster-status.js';
import { createCoordinator, serveCoordinator } from '../../coordinator/service/server.js';
import { MemoryStore } from '../../coordinator/state/memory-store.js';
import { RolloutWorker, onnxSamplerFactory } from '../../rollout-worker/worker-loop.js';
import { TOKEN, clients, fakeRecords, smokeJob } from '../cluster/helpers.js';
import { eventually, within } from '../helpers/wait.js';

test("a worker's heartbeat carries its CPU and memory to the coordinator's dashboard table", async () => {
  const job = smokeJob({ 'cluster.heartbeatInterval': '200ms' });
  const c = createCoordinator(job, { store: new MemoryStore({ jobId: 'usage' }), clock: Date.now, logger: () => {}, records: fakeRecords(4) });
  const srv = await serveCoordinator(c, { listen: '127.0.0.1:0', token: TOKEN, logger: () => {} });
  const conn = clients(srv.address);
  // CPU seconds grow 1.75 per second of the worker's own clock: the reported rate is exactly 1.75.
  const t0 = Date.now();
  let last = t0;
  const w = new RolloutWorker({
    coord: conn.coord,
    weights: conn.weights,
    buildSampler: onnxSamplerFactory({ device: 'cpu', threads: 1 }),
    clock: () => (last = Date.now()),
    usage: () => ({ cpuSeconds: (1.75 * (last - t0)) / 1000, rssBytes: 345_678_912 }),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    logger: () => {},
    host: 'usage-host',
    device: 'cpu',
  });
  const running = w.run().catch(() => {});
  try {
    const status = coordinatorStatus(c.service, c.settings.leaseTimeoutMs);
    const row = await eventually('the worker row with its usage', async () => {
      const r = (await status()).workers.find((x) => x.host === 'usage-host');
      return r?.rssBytes === null || r === undefined ? undefined : r;
    });
    assert.is(row.rssBytes, 345_678_912);
    assert.ok(row.cpuCores !== null && Math.abs(row.cpuCores - 1.75) < 1e-6, `cpu ${row.cpuCores}`);
  } finally {
    await w.stop();
    await within(running, 'the worker to stop');
    conn.close();
    await srv.close();
  }
});

test.run();
