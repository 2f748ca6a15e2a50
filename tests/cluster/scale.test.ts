// `anomseer scale --workers N` starts and stops real worker processes on this machine until N
// of them serve the coordinator (here an in-process coordinator with no weights yet: the
// workers register and idle); `anomseer status` shows them as JSON and as a table.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { rpc } from '../helpers/rpc.js';
import type { CoordinatorClient, GetStatusResponse, WorkerStatus } from '../../proto/types.js';
import { MemoryStore } from '../../coordinator/state/memory-store.js';
import { createCoordinator, serveCoordinator } from '../../coordinator/service/server.js';
import { localLiveWorkers } from '../../cli/commands/scale.js';
import { EVENT_LIMIT_MS, eventually } from '../helpers/wait.js';
import { TOKEN, clients, fakeRecords, smokeJob } from './helpers.js';
import { killAll, startRole } from './procs.js';

// "Live" here means registered and not stopped: a heartbeat counts however late a loaded
// machine lets a worker send it (scale's own --live-within default is 15 s; localLiveWorkers'
// window is a unit of its own). The test is about starting and stopping the right processes.
const LIVE_WITHIN_MS = EVENT_LIMIT_MS;

/** Wait until exactly `n` local workers are live; returns their pids. */
function liveCount(coord: CoordinatorClient, n: number): Promise<number[]> {
  return eventually(`${n} live local workers`, async () => {
    const live = localLiveWorkers(await rpc(coord, coord.GetStatus, {}), hostname(), LIVE_WITHIN_MS);
    if (live.length !== n) throw new Error(`${live.length} live`);
    return live.map((l) => l.pid);
  });
}

/** Is `pid` still one of the workers this test's `scale` started (not a reused pid)? */
function isOurWorker(pid: number, address: string): boolean {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmd.includes('anomseer.mjs\0worker\0') && cmd.includes(address);
  } catch {
    return false; // gone
  }
}

test('localLiveWorkers: local, not stopped, and heard from within the window (its edge included), oldest first', () => {
  const w = (id: string, host: string, state: WorkerStatus['state'], registered: number, beat: number): WorkerStatus => ({
    worker_id: id,
    host,
    device: 'cpu',
    state,
    weight_version: 0,
    rollouts_per_second: 0,
    leases_held: 0,
    groups_submitted: 0,
    registered_at_ms: registered,
    last_heartbeat_at_ms: beat,
    cpu_cores: 0,
    rss_bytes: 0,
  });
  const s = {
    now_ms: 100_000,
    workers: [
      w('late', 'box:30', 'WORKER_STATE_IDLE', 3, 100_000),
      w('edge', 'box:20', 'WORKER_STATE_ROLLING_OUT', 2, 85_000),
      w('silent', 'box:40', 'WORKER_STATE_IDLE', 1, 84_999),
      w('stopped', 'box:50', 'WORKER_STATE_STOPPED', 1, 100_000),
      w('elsewhere', 'other:60', 'WORKER_STATE_IDLE', 1, 100_000),
      w('no-pid', 'box:x', 'WORKER_STATE_IDLE', 1, 100_000),
      w('first', 'box:10', 'WORKER_STATE_IDLE', 0, 99_000),
    ],
  } as GetStatusResponse;
  assert.equal(
    localLiveWorkers(s, 'box', 15_000).map((x) => [x.worker.worker_id, x.pid]),
    [
      ['first', 10],
      ['edge', 20],
      ['late', 30],
    ],
  );
});

test('scale starts the missing workers and stops the surplus ones; status shows them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anomseer-scale-'));
  const c = createCoordinator(smokeJob(), { store: new MemoryStore({ jobId: 'scale' }), clock: Date.now, logger: () => {}, records: fakeRecords(4) });
  const srv = await serveCoordinator(c, { listen: '127.0.0.1:0', token: TOKEN, logger: () => {} });
  const cl = clients(srv.address);
  // Every worker scale started, by pid: they are detached, so the test stops them itself.
  const pids: number[] = [];
  const scale = async (n: number) => {
    const p = startRole(`scale ${n}`, [
      'scale',
      '--coordinator',
      srv.address,
      '--workers',
      String(n),
      '--log-dir',
      dir,
      '--live-within',
      String(LIVE_WITHIN_MS),
    ]);
    assert.is(await p.exit(), 0, p.lines.join('\n'));
    for (const l of p.lines) {
      const m = /started a worker \(pid (\d+)\)/.exec(l);
      if (m !== null) pids.push(Number(m[1]));
    }
    return p.lines;
  };
  try {
    const up = await scale(2);
    assert.ok(up.filter((l) => /started a worker/.test(l)).length === 2, up.join('\n'));
    assert.equal((await liveCount(cl.coord, 2)).sort(), [...pids].sort(), 'the live workers are the ones scale started');
    const st = startRole('status', ['status', '--coordinator', srv.address, '--json']);
    assert.is(await st.exit(), 0, st.lines.join('\n'));
    const snapshot = JSON.parse(st.lines.join('\n')) as GetStatusResponse;
    assert.is(snapshot.workers.length, 2);
    assert.is(snapshot.prompts!.total, 12);
    const table = startRole('status table', ['status', '--coordinator', srv.address]);
    assert.is(await table.exit(), 0);
    assert.match(table.lines.join('\n'), /workers \(2\):/);
    const down = await scale(1);
    assert.ok(
      down.some((l) => /stopping w\d+/.test(l)),
      down.join('\n'),
    );
    await liveCount(cl.coord, 1);
    await scale(0);
    await liveCount(cl.coord, 0);
    const s = await rpc(cl.coord, cl.coord.GetStatus, {});
    assert.ok(s.workers.every((w) => w.state === 'WORKER_STATE_STOPPED'));
  } finally {
    for (const pid of pids) {
      try {
        if (isOurWorker(pid, srv.address)) process.kill(pid, 'SIGKILL');
      } catch {
        // it exited in between
      }
    }
    cl.close();
    await srv.close();
    await killAll();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
