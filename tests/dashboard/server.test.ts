// The dashboard server on 127.0.0.1:0 with a real `ws` client: token checks on HTTP and on
// the upgrade, the snapshot first, then live events in order; trace plots; the cluster table.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WebSocket } from 'ws';
import { startDashboard } from '../../dashboard/server.js';
import type { Dashboard } from '../../dashboard/server.js';
import type { ServerMessage, Snapshot } from '../../dashboard/state.js';
import type { ClusterStatus } from '../../dashboard/status.js';
import { EVENT_LIMIT_MS } from '../helpers/wait.js';
import { fakeEval, fakeStep } from './fake-events.js';

const TOKEN = 'test-token-0123456789abcdef';
const status: ClusterStatus = {
  workers: [
    {
      id: 'w-7',
      host: 'gpu-box',
      device: 'cuda:0',
      state: 'sampling',
      weightVersion: 3,
      rolloutsPerSecond: 12.5,
      leasesHeld: 2,
      lastHeartbeatMs: 1000,
      cpuCores: 1.5,
      rssBytes: 314_572_800,
    },
  ],
  prompts: { done: 10, inFlight: 4, requeued: 1 },
  queueDepth: 6,
  staleness: [8, 2],
  broadcast: { version: 3, workersAt: 1, workersTotal: 1 },
  broadcasts: [{ version: 3, bytes: 2048, bytesSent: 2048, workersUpdated: 1, workersTotal: 1, publishedAtMs: 900, seconds: 0.1 }],
  weightVersion: 3,
};
const series = Float64Array.from({ length: 100 }, (_, i) => Math.sin(i / 5) * 0.5);

let dash: Dashboard;

/** A connected client and every message it received, with a way to wait for one. */
async function connect(
  url: string,
): Promise<{ ws: WebSocket; messages: ServerMessage[]; next: (pred: (m: ServerMessage) => boolean) => Promise<ServerMessage> }> {
  const ws = new WebSocket(url);
  const messages: ServerMessage[] = [];
  const waiters: { pred: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void; from: number }[] = [];
  ws.on('message', (data) => {
    messages.push(JSON.parse(String(data)) as ServerMessage);
    for (const w of waiters.splice(0)) {
      const hit = messages.slice(w.from).find(w.pred);
      if (hit !== undefined) w.resolve(hit);
      else waiters.push(w);
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let cursor = 0;
  const next = (pred: (m: ServerMessage) => boolean) =>
    new Promise<ServerMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching message within ${EVENT_LIMIT_MS / 1000} s`)), EVENT_LIMIT_MS);
      timer.unref();
      const done = (m: ServerMessage) => {
        clearTimeout(timer);
        cursor = messages.indexOf(m) + 1;
        resolve(m);
      };
      const hit = messages.slice(cursor).find(pred);
      if (hit !== undefined) done(hit);
      else waiters.push({ pred, resolve: done, from: cursor });
    });
  return { ws, messages, next };
}

/** The status code of a refused upgrade. */
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

test.before(async () => {
  dash = await startDashboard({
    token: TOKEN,
    job: { name: 'unit', steps: 10 },
    status: () => status,
    lookupRecord: (id) => (id === 'p-1' ? { series, intervals: [[10, 20]], type: 'global point' } : undefined),
    limits: { maxTraces: 4 },
  });
});

test.after(async () => {
  await dash.close();
});

test('HTTP without the token, or with a wrong one, is 401 and carries no data', async () => {
  dash.publish(fakeStep(1));
  for (const [path, headers] of [
    ['/', {}],
    ['/api/snapshot', {}],
    ['/app.js', {}],
    ['/plot/1.png', {}],
    ['/api/snapshot?token=wrong-token-wrong-token', {}],
    ['/api/snapshot', { authorization: 'Bearer wrong-token-wrong-token' }],
  ] as const) {
    const res = await fetch(new URL(path, dash.url), { headers });
    assert.is(res.status, 401, path);
    const body = await res.text();
    assert.not.match(body, /reward|p-1|snapshot|workers/, `${path} leaks data`);
  }
});

test('the right token via query or Bearer header opens the page and the snapshot', async () => {
  const page = await fetch(new URL(`/?token=${TOKEN}`, dash.url));
  assert.is(page.status, 200);
  const html = await page.text();
  assert.match(html, `app.js?token=${TOKEN}`, 'asset links carry the token');
  assert.is(page.headers.get('referrer-policy'), 'no-referrer');
  assert.match(page.headers.get('content-security-policy') ?? '', "default-src 'self'");
  const snap = await fetch(new URL('/api/snapshot', dash.url), { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.is(snap.status, 200);
  const j = (await snap.json()) as Snapshot;
  assert.equal(j.steps.step, [1]);
  assert.is(j.paperRows.length, 6);
  const uplot = await fetch(new URL(`/vendor/uPlot.iife.min.js?token=${TOKEN}`, dash.url));
  assert.is(uplot.status, 200);
  const missing = await fetch(new URL(`/../../package.json?token=${TOKEN}`, dash.url));
  assert.is(missing.status, 404);
});

test('a websocket upgrade without the right token is refused with 401', async () => {
  const ws = dash.url.replace('http', 'ws') + 'ws';
  assert.is(await upgradeStatus(ws), 401);
  assert.is(await upgradeStatus(`${ws}?token=wrong-token-wrong-token`), 401);
  assert.is(await upgradeStatus(ws, { authorization: 'Bearer wrong-token-wrong-token' }), 401);
});

test('a client gets the snapshot first, then live steps, traces, evals and cluster status', async () => {
  dash.publish(fakeStep(2));
  const c = await connect(`${dash.url.replace('http', 'ws')}ws?token=${TOKEN}`);
  const first = await c.next(() => true);
  assert.is(first.type, 'snapshot');
  const snap = first as Snapshot;
  assert.equal(snap.steps.step, [1, 2]);
  assert.is(snap.job.name, 'unit');
  assert.is(snap.traces.length, 4, 'two traces per step, window of 4');
  assert.is(snap.cluster?.workers[0].id, 'w-7');
  assert.equal(
    snap.cluster?.broadcasts.map((b) => [b.version, b.bytesSent, b.workersUpdated]),
    [[3, 2048, 1]],
    'the weights rows travel in the snapshot',
  );

  dash.publish(fakeStep(3));
  const step = await c.next((m) => m.type === 'step');
  assert.is(step.type === 'step' && step.step, 3);
  assert.ok(step.type === 'step' && Math.abs(step.values.reward - 0.33) < 1e-12);
  const trace = await c.next((m) => m.type === 'trace');
  assert.ok(trace.type === 'trace' && trace.trace.step === 3);
  dash.publish(fakeEval(3));
  const ev = await c.next((m) => m.type === 'eval');
  assert.ok(ev.type === 'eval' && ev.values['affiliationF1.average'] === 58.75);
  await dash.refreshStatus();
  const cl = await c.next((m) => m.type === 'cluster');
  assert.ok(cl.type === 'cluster' && cl.status.queueDepth === 6);
  c.ws.close();
});

test('traces pick the best and worst sample of a step, with parsed answers and advantages', async () => {
  const res = await fetch(new URL(`/api/snapshot?token=${TOKEN}`, dash.url));
  const snap = (await res.json()) as Snapshot;
  const s3 = snap.traces.filter((t) => t.step === 3);
  assert.is(s3.length, 2);
  assert.ok(s3[0].reward.total >= s3[1].reward.total);
  assert.equal(s3[0].predicted, [[10, 20]]);
  assert.is(s3[0].predictedType, 'global point');
  for (const k of ['advMain', 'advGrounded', 'advProjected', 'advantage'] as const) assert.type(s3[0][k], 'number');
});

test('a trace of a known prompt has an annotated PNG; an unknown one has none', async () => {
  const snap = (await (await fetch(new URL(`/api/snapshot?token=${TOKEN}`, dash.url))).json()) as Snapshot;
  const known = snap.traces.find((t) => t.promptId === 'p-1');
  const unknown = snap.traces.find((t) => t.promptId === 'p-2');
  assert.ok(known?.plot && known.truth !== null);
  assert.ok(unknown !== undefined && !unknown.plot);
  const png = await fetch(new URL(`/plot/${known!.id}.png?token=${TOKEN}`, dash.url));
  assert.is(png.status, 200);
  assert.is(png.headers.get('content-type'), 'image/png');
  const bytes = Buffer.from(await png.arrayBuffer());
  assert.equal([...bytes.subarray(1, 4)], [...Buffer.from('PNG')]);
  assert.is((await fetch(new URL(`/plot/${unknown!.id}.png?token=${TOKEN}`, dash.url))).status, 404);
  assert.is((await fetch(new URL(`/plot/1.png?token=${TOKEN}`, dash.url))).status, 404, 'trace 1 has left the window of 4');
});

test('a second dashboard on a fresh state sends an empty snapshot (what a reconnecting page replaces its history with)', async () => {
  const other = await startDashboard({ token: TOKEN });
  try {
    const c = await connect(`${other.url.replace('http', 'ws')}ws?token=${TOKEN}`);
    const snap = (await c.next(() => true)) as Snapshot;
    assert.equal(snap.steps.step, []);
    assert.is(snap.cluster, null);
    const closed = new Promise<number>((resolve) => c.ws.once('close', (code) => resolve(code)));
    await other.close();
    assert.is(await closed, 1001);
  } finally {
    await other.close().catch(() => {});
  }
});

test.run();
