// The single-process wiring: a taken port is a ConfigError naming --dashboard-port; events
// reach the page's snapshot with the in-process worker, and traces get plots from the records
// the step events carry (nothing is loaded a second time).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startLocalDashboard } from '../../dashboard/local.js';
import type { Snapshot } from '../../dashboard/state.js';
import { compileJobConfig } from '../../shared/config/job.js';
import { loadDataSpec } from '../../shared/datasets/spec.js';
import { ConfigError } from '../../shared/errors.js';
import { fakeStep } from './fake-events.js';

const TOKEN = 'local-test-token-0123456789';
const job = compileJobConfig({
  name: 'local',
  data: { train: 'anomllm:train?count=1&length=128&tasks=range', eval: 'anomllm:eval?count=1&length=128&tasks=range', seriesLength: 128 },
});
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

test('events show in the snapshot with the local worker, and traces get plots from the records the step carries', async () => {
  const [rec] = await loadDataSpec(job.data.train);
  const dash = await startLocalDashboard(job, { ...opts, port: 0 });
  try {
    dash.onEvent(fakeStep(1, [rec.id, rec.id], [rec, rec]));
    dash.onEvent(fakeStep(2, [rec.id, 'unknown']));
    const snap = (await (await fetch(`${dash.url}api/snapshot?token=${TOKEN}`)).json()) as Snapshot;
    assert.equal(snap.steps.step, [1, 2]);
    assert.is(snap.job.name, 'local');
    assert.is(snap.cluster?.workers[0].id, 'local-0');
    assert.is(snap.cluster?.workers[0].host, 'box');
    const withRecords = snap.traces.filter((t) => t.step === 1);
    assert.is(withRecords.length, 2);
    assert.ok(
      withRecords.every((t) => t.plot && t.truth !== null),
      'traces of a step with records have plots',
    );
    assert.ok(
      snap.traces.filter((t) => t.step === 2).every((t) => !t.plot),
      'a step without records: no plot, and nothing loaded to find one',
    );
    const png = await fetch(`${dash.url}plot/${withRecords[0]!.id}.png?token=${TOKEN}`);
    assert.is(png.headers.get('content-type'), 'image/png');
  } finally {
    await dash.close();
  }
});

test.run();
