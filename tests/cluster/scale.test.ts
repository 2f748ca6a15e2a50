// `anomseer scale --workers N` starts and stops real worker processes on this machine until N
// of them serve the coordinator (here an in-process coordinator with no weights yet: the
// workers register and idle); `anomseer status` shows them as JSON and as a table.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { unary } from '../../proto/call.js';
import type { CoordinatorClient, GetStatusResponse } from '../../proto/types.js';
import { MemoryStore } from '../../coordinator/state/memory-store.js';
import { createCoordinator, serveCoordinator } from '../../coordinator/service/server.js';
import { localLiveWorkers } from '../../cli/commands/scale.js';
import { TOKEN, clients, fakeRecords, smokeJob } from './helpers.js';
import { killAll, startRole } from './procs.js';

async function liveCount(coord: CoordinatorClient, n: number, timeoutMs = 30_000): Promise<number[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await unary(coord, coord.GetStatus, {});
    const live = localLiveWorkers(s, hostname(), 15_000);
    if (live.length === n) return live.map((l) => l.pid);
    if (Date.now() > until) throw new Error(`expected ${n} live local workers, have ${live.length}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('scale starts the missing workers and stops the surplus ones; status shows them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anomseer-scale-'));
  const c = createCoordinator(smokeJob(), { store: new MemoryStore({ jobId: 'scale' }), clock: Date.now, logger: () => {}, records: fakeRecords(4) });
  const srv = await serveCoordinator(c, { listen: '127.0.0.1:0', token: TOKEN, logger: () => {} });
  const cl = clients(srv.address);
  const pids: number[] = [];
  const scale = async (n: number) => {
    const p = startRole(`scale ${n}`, ['scale', '--coordinator', srv.address, '--workers', String(n), '--log-dir', dir]);
    assert.is(await p.exited, 0, p.lines.join('\n'));
    return p.lines;
  };
  try {
    const up = await scale(2);
    assert.ok(up.filter((l) => /started a worker/.test(l)).length === 2, up.join('\n'));
    pids.push(...(await liveCount(cl.coord, 2)));
    const st = startRole('status', ['status', '--coordinator', srv.address, '--json']);
    assert.is(await st.exited, 0, st.lines.join('\n'));
    const snapshot = JSON.parse(st.lines.join('\n')) as GetStatusResponse;
    assert.is(snapshot.workers.length, 2);
    assert.is(snapshot.prompts!.total, 12);
    const table = startRole('status table', ['status', '--coordinator', srv.address]);
    assert.is(await table.exited, 0);
    assert.match(table.lines.join('\n'), /workers \(2\):/);
    const down = await scale(1);
    assert.ok(
      down.some((l) => /stopping w\d+/.test(l)),
      down.join('\n'),
    );
    await liveCount(cl.coord, 1);
    await scale(0);
    await liveCount(cl.coord, 0);
    const s = await unary(cl.coord, cl.coord.GetStatus, {});
    assert.ok(s.workers.every((w) => w.state === 'WORKER_STATE_STOPPED'));
  } finally {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    cl.close();
    await srv.close();
    await killAll();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
