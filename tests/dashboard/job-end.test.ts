// The live dashboards after the job: a single-process run tells its page how it ended, read
// from its run directory (finished; interrupted with where and the command that continues it;
// stopped when the process failed without a summary), and the page's worker reads "done";
// the end message reaches every client before the close and later snapshots carry it. On a
// cluster, a done job's workers read "done" (one lost before the end stays "lost"), and each
// worker's CPU and memory show while it runs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterStatusOf } from '../../dashboard/cluster-status.js';
import { localRunEnd, startLocalDashboard } from '../../dashboard/local.js';
import { startDashboard } from '../../dashboard/server.js';
import type { ServerMessage, Snapshot } from '../../dashboard/state.js';
import { LocalStatus } from '../../dashboard/status.js';
import type { GetStatusResponse, WorkerState } from '../../proto/types.js';
import { compileJobConfig } from '../../shared/config/job.js';
import { fakeStep } from './fake-events.js';
import { connectClient } from './ws-client.js';

const TOKEN = 'job-end-test-token-0123456789';
const root = mkdtempSync(join(tmpdir(), 'anomseer-job-end-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const summaryIn = (dir: string, s: object) => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(s));
};

test('localRunEnd reads how the run ended from its directory', () => {
  summaryIn(join(root, 'done'), { steps: 6, wallSeconds: 12.34 });
  assert.equal(localRunEnd(join(root, 'done'), { rl: 6, warmStart: 3 }), {
    state: 'finished',
    message: 'finished: 6 RL steps in 12.3 s',
    outputDir: join(root, 'done'),
  });
  summaryIn(join(root, 'cut'), { interrupted: { stage: 'rl', step: 2, checkpoint: join(root, 'cut', 'step-000002') } });
  assert.equal(localRunEnd(join(root, 'cut'), { rl: 2, warmStart: 3 }), {
    state: 'interrupted',
    message: `interrupted in the RL after step 2; checkpoint ${join(root, 'cut', 'step-000002')}`,
    outputDir: join(root, 'cut'),
    resume: `anomseer train ${join(root, 'cut')}/config.json --resume ${join(root, 'cut')}`,
  });
  assert.equal(localRunEnd(join(root, 'failed'), { rl: 4, warmStart: 3 }), {
    state: 'stopped',
    message: 'the training process stopped after RL step 4 without finishing the run (see its output)',
    outputDir: join(root, 'failed'),
  });
  // Resumed past its interruption, then failed: the old summary does not speak for this process.
  assert.is(localRunEnd(join(root, 'cut'), { rl: 5, warmStart: 0 }).state, 'stopped');
});

test('end() reaches every page before the close, and a snapshot after it carries it', async () => {
  const dash = await startDashboard({ token: TOKEN, job: { name: 'ending' } });
  const c = await connectClient<ServerMessage>(`${dash.url.replace('http', 'ws')}ws?token=${TOKEN}`);
  await c.next((m) => m.type === 'snapshot');
  const closed = new Promise<number>((resolve) => c.ws.once('close', (code) => resolve(code)));
  dash.end({ state: 'finished', message: 'finished: 2 RL steps', outputDir: '/runs/x' });
  const snap = (await (await fetch(`${dash.url}api/snapshot?token=${TOKEN}`)).json()) as Snapshot;
  assert.equal(snap.end, { state: 'finished', message: 'finished: 2 RL steps', outputDir: '/runs/x' });
  await dash.close();
  const end = await c.next((m) => m.type === 'end', 'the end message');
  assert.ok(end.type === 'end' && end.end.state === 'finished');
  assert.is(await closed, 1001);
  assert.is(c.messages.at(-1)?.type, 'end', 'nothing after the end');
});

test("train's dashboard: close() tells the page the run finished, with the worker done, then closes", async () => {
  const job = compileJobConfig({ name: 'local-end', outputDir: join(root, 'local-end') });
  const dash = await startLocalDashboard(job, { token: TOKEN, port: 0, hostname: 'box', device: 'cpu', now: () => Date.now(), log: () => {} });
  const c = await connectClient<ServerMessage>(`${dash.url.replace('http', 'ws')}ws?token=${TOKEN}`);
  await c.next((m) => m.type === 'snapshot');
  dash.onEvent(fakeStep(1));
  dash.onEvent(fakeStep(2));
  summaryIn(job.outputDir, { steps: 2, wallSeconds: 1 });
  await dash.close();
  const end = await c.next((m) => m.type === 'end', 'the end message');
  assert.ok(end.type === 'end' && end.end.message === 'finished: 2 RL steps in 1.0 s' && end.end.outputDir === job.outputDir);
  const lastCluster = c.messages.filter((m) => m.type === 'cluster').at(-1);
  assert.ok(lastCluster?.type === 'cluster');
  assert.equal(lastCluster.type === 'cluster' && lastCluster.status.workers.map((w) => [w.id, w.state, w.cpuCores, w.rssBytes]), [
    ['local-0', 'done', null, null],
  ]);
});

test('LocalStatus: the in-process worker shows this process: CPU seconds per second between polls, and resident bytes', () => {
  let now = 10_000;
  let cpu = 3;
  const local = new LocalStatus({ clock: () => now, host: 'h', device: 'cpu', promptsPerStep: 2, usage: () => ({ cpuSeconds: cpu, rssBytes: 5e8 }) });
  assert.equal([local.status().workers[0]!.cpuCores, local.status().workers[0]!.rssBytes], [null, 5e8], 'no rate before two polls');
  now += 2000;
  cpu += 3;
  assert.is(local.status().workers[0]!.cpuCores, 1.5);
  now += 100;
  cpu += 1;
  assert.is(local.status().workers[0]!.cpuCores, 1.5, 'polls closer than 200 ms keep the last rate');
  local.finish('stopped');
  assert.equal([local.status().workers[0]!.state, local.status().workers[0]!.cpuCores], ['stopped', null]);
});

const worker = (id: string, state: WorkerState, beat: number, usage = { cpu: 0, rss: 0 }) => ({
  worker_id: id,
  host: 'h',
  device: 'cpu',
  state,
  weight_version: 3,
  rollouts_per_second: 2,
  leases_held: 0,
  groups_submitted: 5,
  registered_at_ms: 0,
  last_heartbeat_at_ms: beat,
  cpu_cores: usage.cpu,
  rss_bytes: usage.rss,
});
const statusAt = (now: number, done: number, workers: ReturnType<typeof worker>[]): GetStatusResponse => ({
  job_id: 'j',
  step: 3,
  weight_version: 3,
  started_at_ms: 0,
  now_ms: now,
  leases: [],
  throughput: null,
  workers,
  job_epoch: 'state-1',
  learner_epoch: 1,
  prompts: {
    total: 12,
    done,
    in_flight: 0,
    queued: 0,
    requeued: 0,
    duplicates_dropped: 0,
    stale_dropped: 0,
    groups_ready: 0,
    groups_rejected: 0,
    groups_discarded: 0,
  },
});

test('clusterStatusOf: once every prompt is done the workers read "done", not "idle" or "lost"; one lost before the end stays lost', () => {
  const ws = [worker('w1', 'WORKER_STATE_ROLLING_OUT', 1_000), worker('w2', 'WORKER_STATE_IDLE', 9_000), worker('w3', 'WORKER_STATE_IDLE', 9_400)];
  const running = clusterStatusOf(statusAt(9_500, 11, ws), { staleness: [], lostAfterMs: 2000 });
  assert.equal(
    running.workers.map((w) => w.state),
    ['lost', 'idle', 'idle'],
  );
  // A minute after the end nobody has heartbeated for long: still "done".
  const done = clusterStatusOf(statusAt(70_000, 12, ws), { staleness: [], lostAfterMs: 2000 });
  assert.equal(
    done.workers.map((w) => [w.state, w.rolloutsPerSecond]),
    [
      ['lost', 0],
      ['done', 0],
      ['done', 0],
    ],
  );
});

test("clusterStatusOf: a running worker's CPU and memory from its heartbeat; none for one that never reported or no longer runs", () => {
  const s = statusAt(10_000, 3, [
    worker('a', 'WORKER_STATE_ROLLING_OUT', 9_900, { cpu: 1.25, rss: 300 * 2 ** 20 }),
    worker('b', 'WORKER_STATE_ROLLING_OUT', 9_900),
    worker('c', 'WORKER_STATE_ROLLING_OUT', 1_000, { cpu: 0.5, rss: 2 ** 20 }),
    worker('d', 'WORKER_STATE_STOPPED', 9_000, { cpu: 0.1, rss: 2 ** 20 }),
  ]);
  assert.equal(
    clusterStatusOf(s, { staleness: [], lostAfterMs: 2000 }).workers.map((w) => [w.id, w.state, w.cpuCores, w.rssBytes]),
    [
      ['a', 'sampling', 1.25, 300 * 2 ** 20],
      ['b', 'sampling', null, null],
      ['c', 'lost', null, null],
      ['d', 'stopped', null, null],
    ],
  );
});

test.run();
