// The single-process wiring: a taken port is a ConfigError naming --dashboard-port; events
// reach the page's snapshot with the in-process worker, and traces get plots from the job's data.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startLocalDashboard } from '../../coordinator/dashboard/local.js';
import type { Snapshot } from '../../coordinator/dashboard/state.js';
import { compileJobConfig } from '../../shared/config/job.js';
import { loadDataSpec } from '../../shared/datasets/spec.js';
import { ConfigError } from '../../shared/errors.js';
import { fakeStep } from './fake-events.js';

const TOKEN = 'local-test-token-0123456789';
const job = compileJobConfig({ name: 'local', data: { train: 'anomllm:train?count=1&length=128&tasks=range', eval: 'anomllm:eval?count=1&length=128&tasks=range', seriesLength: 128 } });
const opts = { token: TOKEN, hostname: 'box', device: 'cpu', now: () => 5_000, log: () => {} };

test('a port already in use is a ConfigError naming --dashboard-port', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as AddressInfo).port;
  try {
    await startLocalDashboard(job, { ...opts, port });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.match((e as Error).message, new RegExp(`--dashboard-port: port ${port} is in use`));
  } finally {
    blocker.close();
  }
});

test('events show in the snapshot with the local worker, and traces of known prompts get plots', async () => {
  const [rec] = await loadDataSpec(job.data.train);
  const dash = await startLocalDashboard(job, { ...opts, port: 0 });
  try {
    await dash.recordsLoaded;
    dash.onEvent(fakeStep(1, [rec.id, 'unknown']));
    const snap = (await (await fetch(`${dash.url}api/snapshot?token=${TOKEN}`)).json()) as Snapshot;
    assert.equal(snap.steps.step, [1]);
    assert.is(snap.job.name, 'local');
    assert.is(snap.cluster?.workers[0].id, 'local-0');
    assert.is(snap.cluster?.workers[0].host, 'box');
    const known = snap.traces.find((t) => t.promptId === rec.id);
    assert.ok(known?.plot, 'the trace of a training record has a plot');
  } finally {
    await dash.close();
  }
});

test.run();
