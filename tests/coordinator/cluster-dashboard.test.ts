// The coordinator serves the dashboard (coordinator/main.ts + coordinator/dashboard.ts):
// one port on loopback, printed at start-up without the token; 401 and no data without the
// cluster token on HTTP and on the websocket; the cluster table comes from the coordinator's
// state (a silent worker turns "lost" once silent for the lease timeout: on a manual clock to
// the millisecond, and with real processes' time as an awaited event); the learner's ReportProgress events show up in the
// same snapshot the page gets; the weights table counts what FetchWeights streamed to whom;
// --no-dashboard serves nothing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { chunkWeights } from '../../proto/chunks.js';
import { collect } from '../../proto/call.js';
import { rpc } from '../helpers/rpc.js';
import type { GetStatusResponse, WeightVersion, WeightsClient } from '../../proto/types.js';
import { runCoordinator } from '../../coordinator/main.js';
import type { CoordinatorProcess } from '../../coordinator/main.js';
import { clusterStatusOf } from '../../dashboard/cluster-status.js';
import { encodeProgress } from '../../shared/training/progress-codec.js';
import type { Snapshot } from '../../dashboard/state.js';
import { MemoryStore } from '../../coordinator/state/memory-store.js';
import { createCoordinator, serveCoordinator } from '../../coordinator/service/server.js';
import { startCoordinatorDashboard } from '../../coordinator/dashboard.js';
import { eventually } from '../helpers/wait.js';
import { TOKEN, clients, fakeRecords, heldTimers, manualClock, smokeJob } from '../cluster/helpers.js';
import { fakeStep } from '../dashboard/fake-events.js';

const dir = mkdtempSync(join(tmpdir(), 'anomseer-coord-dash-'));
const sets = [`outputDir=${dir}`, 'cluster.leaseTimeout=1s', 'cluster.heartbeatInterval=200ms'];

/** Status code of an upgrade that must be refused (rejects if it is accepted). */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => reject(new Error('upgrade was accepted')));
    ws.on('error', () => {});
  });
}

/** The first message of an accepted websocket (the snapshot). */
function firstMessage(url: string): Promise<Snapshot> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('message', (d) => {
      resolve(JSON.parse(String(d)) as Snapshot);
      ws.close();
    });
    ws.once('error', reject);
  });
}

/** An idle worker's heartbeat, sent at `now`. */
const idleBeat = (id: string, now: number) => ({
  worker_id: id,
  state: 'WORKER_STATE_IDLE' as const,
  weight_version: 0,
  rollouts_per_second: 3,
  lease_ids: [],
  sent_at_ms: now,
  cpu_cores: 0,
  rss_bytes: 0,
});

const snapshot = async (url: string): Promise<Snapshot> =>
  (await (await fetch(`${url}api/snapshot`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as Snapshot;

test('the dashboard is served on loopback, printed without the token, and refuses anyone without it', async () => {
  const lines: string[] = [];
  const c = await runCoordinator({
    jobFile: 'examples/smoke.yaml',
    set: sets,
    dashboard: { port: 0 },
    env: { ANOMSEER_TOKEN: TOKEN },
    log: (l) => lines.push(l),
  });
  try {
    const url = c.dashboardUrl!;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.ok(lines.includes(`coordinator: dashboard ${url}?token=<ANOMSEER_TOKEN>`), lines.join('\n'));
    assert.ok(
      lines.every((l) => !l.includes(TOKEN)),
      'the token is never printed',
    );

    for (const [path, headers] of [
      ['', {}],
      ['api/snapshot', {}],
      [`api/snapshot?token=wrong-token-0123456789`, {}],
      ['api/snapshot', { authorization: 'Bearer wrong-token-0123456789' }],
    ] as const) {
      const res = await fetch(`${url}${path}`, { headers });
      assert.is(res.status, 401, path);
      assert.not.match(await res.text(), /smoke|workers|snapshot/);
    }
    const ws = url.replace('http:', 'ws:') + 'ws';
    assert.is(await upgradeStatus(ws), 401);
    assert.is(await upgradeStatus(`${ws}?token=wrong-token-0123456789`), 401);
    assert.is(await upgradeStatus(ws, { authorization: 'Bearer wrong-token-0123456789' }), 401);
    const first = await firstMessage(`${ws}?token=${TOKEN}`);
    assert.is(first.type, 'snapshot');
    assert.is(first.job.name, 'smoke');
    assert.is(first.job.cluster, true);
    assert.ok((await fetch(`${url}?token=${TOKEN}`)).ok);
  } finally {
    await c.close();
  }
});

test('workers come from the coordinator\'s state, a silent one turns "lost", and learner events fill the charts', async () => {
  const c: CoordinatorProcess = await runCoordinator({
    jobFile: 'examples/smoke.yaml',
    set: sets,
    dashboard: { port: 0 },
    env: { ANOMSEER_TOKEN: TOKEN },
    log: () => {},
  });
  const cl = clients(c.address);
  try {
    await rpc(cl.coord, cl.coord.RegisterWorker, { worker_id: 'a', host: 'box:1', device: 'cpu', capabilities: null });
    await rpc(cl.coord, cl.coord.RegisterWorker, { worker_id: 'b', host: 'box:2', device: 'cuda:0', capabilities: null });
    const beat = (id: string) => rpc(cl.coord, cl.coord.Heartbeat, idleBeat(id, Date.now()));
    const rows = (s: Snapshot) => s.cluster!.workers.map((w) => [w.id, w.host, w.device, w.state]);
    // Both just beat: both idle. (On a machine too loaded to take a snapshot within the 1 s
    // lease timeout of the beats, they beat again.)
    const both = await eventually('a and b read idle right after their heartbeats', async () => {
      await beat('a');
      await beat('b');
      const s = await snapshot(c.dashboardUrl!);
      if (!s.cluster!.workers.every((w) => w.state === 'idle')) throw new Error(JSON.stringify(rows(s)));
      return s;
    });
    assert.equal(rows(both), [
      ['a', 'box:1', 'cpu', 'idle'],
      ['b', 'box:2', 'cuda:0', 'idle'],
    ]);

    // b keeps beating, a goes silent: a turns "lost" once silent for longer than the lease
    // timeout (1 s), while b stays idle. (Exactly when: the manual-clock test below.)
    const lost = await eventually(
      'a lost while b, beating, stays idle',
      async () => {
        await beat('b');
        const s = await snapshot(c.dashboardUrl!);
        const states = s.cluster!.workers.map((w) => [w.id, w.state]);
        if (
          JSON.stringify(states) !==
          JSON.stringify([
            ['a', 'lost'],
            ['b', 'idle'],
          ])
        )
          throw new Error(JSON.stringify(states));
        return s;
      },
      { everyMs: 200 },
    );
    assert.is(lost.cluster!.workers[0]!.lastHeartbeatMs, both.cluster!.workers[0]!.lastHeartbeatMs, 'a turned lost by its silence: no heartbeat since');

    const step = encodeProgress(
      fakeStep(1, ['p-1'], [{ id: 'p-1', series: Float64Array.from({ length: 32 }, (_, i) => i / 32), intervals: [[3, 5]], type: 'global point' }]),
    );
    assert.equal(await rpc(cl.coord, cl.coord.ReportProgress, { learner_id: 'L', sequence: 1, event_json: step }), { accepted: true, duplicate: false });
    const s = await snapshot(c.dashboardUrl!);
    assert.equal(s.steps.step, [1]);
    assert.is(s.traces.length, 2);
    assert.ok(
      s.traces.every((t) => t.plot),
      'the traces carry their series: plots',
    );
    const png = await fetch(`${c.dashboardUrl!}plot/${s.traces[0]!.id}.png`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.is(png.headers.get('content-type'), 'image/png');
  } finally {
    cl.close();
    await c.close();
  }
});

test('on the coordinator clock, a worker reads "lost" from the first millisecond it has been silent for longer than the lease timeout', async () => {
  const clock = manualClock();
  const job = smokeJob({ 'cluster.leaseTimeout': '1s', 'cluster.heartbeatInterval': '200ms' });
  const co = createCoordinator(job, {
    store: new MemoryStore({ jobId: 'lost' }),
    clock: clock.now,
    timers: heldTimers(),
    logger: () => {},
    records: fakeRecords(6),
  });
  const srv = await serveCoordinator(co, { listen: '127.0.0.1:0', token: TOKEN, logger: () => {} });
  const dash = await startCoordinatorDashboard(co, job, { token: TOKEN, port: 0, log: () => {} });
  const cl = clients(srv.address);
  const states = async () => (await snapshot(dash.url)).cluster!.workers.map((w) => [w.id, w.state]);
  try {
    for (const id of ['a', 'b']) {
      await rpc(cl.coord, cl.coord.RegisterWorker, { worker_id: id, host: `box:${id}`, device: 'cpu', capabilities: null });
      await rpc(cl.coord, cl.coord.Heartbeat, idleBeat(id, clock.now()));
    }
    clock.advance(1000);
    await rpc(cl.coord, cl.coord.Heartbeat, idleBeat('b', clock.now()));
    assert.equal(
      await states(),
      [
        ['a', 'idle'],
        ['b', 'idle'],
      ],
      'silent for exactly the lease timeout: not lost yet',
    );
    clock.advance(1);
    assert.equal(
      await states(),
      [
        ['a', 'lost'],
        ['b', 'idle'],
      ],
      '1 ms longer: lost; b beat 1 ms ago',
    );
    await rpc(cl.coord, cl.coord.Heartbeat, idleBeat('a', clock.now()));
    assert.equal(
      await states(),
      [
        ['a', 'idle'],
        ['b', 'idle'],
      ],
      'a heartbeat brings it back',
    );
  } finally {
    cl.close();
    await dash.close();
    await srv.close();
  }
});

/** PublishWeights as the learner does it: the file in chunks of `chunkBytes`. */
function publish(weights: WeightsClient, bytes: Uint8Array, version: number, step: number, chunkBytes = 7): Promise<{ published: WeightVersion | null }> {
  return new Promise((resolve, reject) => {
    const call = weights.PublishWeights((err, res) => (err ? reject(err) : resolve(res!)));
    for (const ch of chunkWeights(bytes, { version, step, chunkBytes })) call.write(ch);
    call.end();
  });
}

test('the weights table shows a published version with the bytes streamed and the workers that fetched it', async () => {
  // "x/y" divides by the workers alive now: on the real clock, neither may turn lost however
  // slowly this test gets from their heartbeats to its last snapshot.
  const live = [...sets, 'cluster.leaseTimeout=1h'];
  const c = await runCoordinator({ jobFile: 'examples/smoke.yaml', set: live, dashboard: { port: 0 }, env: { ANOMSEER_TOKEN: TOKEN }, log: () => {} });
  const cl = clients(c.address);
  try {
    const WEIGHTS = Buffer.from('pretend these are the bytes of model.safetensors, version one');
    let s = await snapshot(c.dashboardUrl!);
    assert.equal(s.cluster!.broadcasts, []);

    for (const id of ['a', 'b']) {
      await rpc(cl.coord, cl.coord.RegisterWorker, { worker_id: id, host: `box:${id}`, device: 'cpu', capabilities: null });
      await rpc(cl.coord, cl.coord.Heartbeat, {
        worker_id: id,
        state: 'WORKER_STATE_IDLE',
        weight_version: 0,
        rollouts_per_second: 0,
        lease_ids: [],
        sent_at_ms: Date.now(),
        cpu_cores: 0,
        rss_bytes: 0,
      });
    }
    const before = Date.now();
    const { published } = await publish(cl.weights, WEIGHTS, 1, 0);
    assert.is(published!.total_bytes, WEIGHTS.length);
    s = await snapshot(c.dashboardUrl!);
    assert.equal(
      s.cluster!.broadcasts.map((b) => [b.version, b.bytes, b.bytesSent, b.workersUpdated, b.workersTotal, b.seconds]),
      [[1, WEIGHTS.length, 0, 0, 2, null]],
    );

    for (const id of ['a', 'b']) {
      const chunks = await collect(cl.weights.FetchWeights({ version: 0, start_index: 0, worker_id: id }));
      assert.is(Buffer.concat(chunks.map((ch) => ch.data)).length, WEIGHTS.length);
    }
    s = await snapshot(c.dashboardUrl!);
    const [b] = s.cluster!.broadcasts;
    assert.equal([b!.version, b!.bytes, b!.bytesSent, b!.workersUpdated, b!.workersTotal], [1, WEIGHTS.length, 2 * WEIGHTS.length, 2, 2]);
    assert.ok(b!.publishedAtMs >= before && b!.publishedAtMs <= Date.now(), 'published on the coordinator clock');
    // From publish to the last fetch, on the coordinator clock: inside what this test saw pass.
    assert.ok(b!.seconds !== null && b!.seconds >= 0 && b!.seconds <= (Date.now() - before) / 1000, `seconds ${b!.seconds}`);
    assert.equal(s.cluster!.broadcast, { version: 1, workersAt: 0, workersTotal: 2 }, 'the latest-version meter still reads the heartbeats');
  } finally {
    cl.close();
    await c.close();
  }
});

test('with a generated token the link names the token file; with the dashboard off nothing is served', async () => {
  const lines: string[] = [];
  const gen = await runCoordinator({ jobFile: 'examples/smoke.yaml', set: sets, dashboard: { port: 0 }, env: {}, log: (l) => lines.push(l) });
  await gen.close();
  assert.ok(
    lines.some((l) => l === `coordinator: dashboard ${gen.dashboardUrl}?token=<the token in ${join(dir, 'cluster.token')}>`),
    lines.join('\n'),
  );
  const off: string[] = [];
  const c = await runCoordinator({ jobFile: 'examples/smoke.yaml', set: sets, dashboard: false, env: { ANOMSEER_TOKEN: TOKEN }, log: (l) => off.push(l) });
  await c.close();
  assert.is(c.dashboardUrl, undefined);
  assert.ok(
    off.every((l) => !l.includes('dashboard')),
    off.join('\n'),
  );
});

test('clusterStatusOf: states in words, "lost" after the timeout, broadcasts over live workers only', () => {
  const w = (id: string, state: GetStatusResponse['workers'][number]['state'], version: number, beat: number) => ({
    worker_id: id,
    host: 'h',
    device: 'cpu',
    state,
    weight_version: version,
    rollouts_per_second: 2,
    leases_held: 1,
    groups_submitted: 0,
    registered_at_ms: 0,
    last_heartbeat_at_ms: beat,
    cpu_cores: 0,
    rss_bytes: 0,
  });
  const s: GetStatusResponse = {
    job_id: 'j',
    step: 2,
    weight_version: 3,
    started_at_ms: 0,
    now_ms: 10_000,
    leases: [],
    throughput: null,
    workers: [
      w('a', 'WORKER_STATE_ROLLING_OUT', 3, 9_900),
      w('b', 'WORKER_STATE_IDLE', 2, 9_000),
      w('c', 'WORKER_STATE_ROLLING_OUT', 2, 4_000),
      w('d', 'WORKER_STATE_STOPPED', 2, 2_000),
    ],
    prompts: {
      total: 12,
      done: 7,
      in_flight: 2,
      queued: 3,
      requeued: 1,
      duplicates_dropped: 0,
      stale_dropped: 0,
      groups_ready: 0,
      groups_rejected: 0,
      groups_discarded: 0,
    },
    job_epoch: 'e',
    learner_epoch: 1,
  };
  const out = clusterStatusOf(s, {
    staleness: [5, 2],
    lostAfterMs: 5000,
    broadcasts: [
      { version: 3, bytes: 100, bytesSent: 100, bytesRelayed: 0, workersUpdated: 1, publishedAtMs: 9_000, lastFetchAtMs: 9_500, seconds: 0.5, received: [] },
      { version: 2, bytes: 90, bytesSent: 360, bytesRelayed: 0, workersUpdated: 3, publishedAtMs: 1_000, lastFetchAtMs: 3_000, seconds: 2, received: [] },
    ],
  });
  assert.equal(
    out.workers.map((x) => x.state),
    ['sampling', 'idle', 'lost', 'stopped'],
  );
  assert.equal(
    out.workers.map((x) => x.rolloutsPerSecond),
    [2, 2, 0, 0],
  );
  assert.equal(out.prompts, { done: 7, inFlight: 2, requeued: 1 });
  assert.is(out.queueDepth, 3);
  assert.equal(out.staleness, [5, 2]);
  assert.equal(out.broadcast, { version: 3, workersAt: 1, workersTotal: 2 });
  // Per version: x of the workers alive now (a and b), so v2, fetched by c since lost, reads 3/2.
  assert.equal(out.broadcasts, [
    { version: 3, bytes: 100, bytesSent: 100, workersUpdated: 1, workersTotal: 2, publishedAtMs: 9_000, seconds: 0.5 },
    { version: 2, bytes: 90, bytesSent: 360, workersUpdated: 3, workersTotal: 2, publishedAtMs: 1_000, seconds: 2 },
  ]);
  assert.equal(clusterStatusOf(s, { staleness: [], lostAfterMs: 5000 }).broadcasts, [], 'no log: no rows');
  assert.is(out.weightVersion, 3);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
