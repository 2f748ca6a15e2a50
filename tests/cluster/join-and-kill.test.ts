// Real processes: a coordinator, a learner and two workers run a job; a third worker joins
// mid-run and gets work; one worker is SIGKILLed while it holds a lease (its prompt expires and
// another worker finishes it); one gets SIGTERM while it holds a lease (released at once, exit 0).
// At the end every planned prompt was trained exactly once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rpc } from '../helpers/rpc.js';
import type { CoordinatorClient, GetStatusResponse } from '../../proto/types.js';
import { eventually } from '../helpers/wait.js';
import { clients } from './helpers.js';
import { killAll, startCoordinator, startRole } from './procs.js';

const status = (coord: CoordinatorClient): Promise<GetStatusResponse> => rpc(coord, coord.GetStatus, {});

/** Poll until `worker` holds a lease; returns its lease ids. */
const leaseHeldBy = (coord: CoordinatorClient, worker: string): Promise<string[]> =>
  eventually(
    `worker ${worker} holds a lease`,
    async () => {
      const held = (await status(coord)).leases.filter((l) => l.worker_id === worker).map((l) => l.lease_id);
      return held.length > 0 ? held : undefined;
    },
    { everyMs: 10 },
  );

test('workers join and die mid-run; every prompt is still trained exactly once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anomseer-join-kill-'));
  const sets = [
    `outputDir=${join(dir, 'run')}`,
    'train.steps=10',
    'train.warmStart.enabled=false',
    'cluster.leaseTimeout=3s',
    'cluster.heartbeatInterval=500ms',
    'data.eval=anomllm:eval?count=1&length=64',
  ];
  const setFlags = sets.flatMap((s) => ['--set', s]);
  let cl: ReturnType<typeof clients> | undefined;
  try {
    const { address } = await startCoordinator('examples/smoke.yaml', sets);
    cl = clients(address);
    const summaryFile = join(dir, 'summary.json');
    const learner = startRole('learner', ['learner', 'examples/smoke.yaml', ...setFlags, '--coordinator', address, '--summary', summaryFile]);
    const worker = (id: string) => startRole(`worker ${id}`, ['worker', '--coordinator', address, '--id', id, '--max-prompts', '1']);
    const a = worker('a');
    const b = worker('b');
    await learner.waitFor(/step 1\/10/);

    const c = worker('c');
    await c.waitFor(/loaded weight version/);

    // Freeze worker a while it holds a lease (so it cannot submit in between), then kill it.
    let orphaned: GetStatusResponse['leases'] = [];
    let acceptedAtFreeze = 0;
    while (orphaned.length === 0) {
      await leaseHeldBy(cl.coord, 'a');
      a.child.kill('SIGSTOP');
      const st = await status(cl.coord);
      orphaned = st.leases.filter((l) => l.worker_id === 'a');
      acceptedAtFreeze = st.workers.find((w) => w.worker_id === 'a')!.groups_submitted;
      a.child.kill(orphaned.length > 0 ? 'SIGKILL' : 'SIGCONT');
    }
    assert.is(await a.exit(), 'SIGKILL');

    await leaseHeldBy(cl.coord, 'b');
    b.child.kill('SIGTERM');
    assert.is(await b.exit(), 0);
    // b held a lease a moment ago, but may have submitted it before the SIGTERM landed: count what it released.
    const releasedLine = b.lines.find((l) => /released \d+ lease/.test(l));
    assert.ok(releasedLine, b.lines.slice(-5).join('\n'));
    const released = Number(/released (\d+) lease/.exec(releasedLine!)![1]);
    const left = (await status(cl.coord)).leases.filter((l) => l.worker_id === 'b');
    assert.equal(left, [], 'a stopped worker leaves no lease to expire');

    assert.is(await learner.exit(), 0, learner.lines.slice(-20).join('\n'));
    // A group a sent just before it froze can reach the coordinator after the status above: its
    // lease then ends accepted, not requeued.
    const landed = (await status(cl.coord)).workers.find((w) => w.worker_id === 'a')!.groups_submitted - acceptedAtFreeze;
    const s = JSON.parse(readFileSync(summaryFile, 'utf8'));
    assert.is(s.steps, 10);
    assert.is(s.promptsTrained, 40);
    assert.is(s.cluster.groupsTrained, 40);
    assert.is(s.cluster.untrainedItems, 0, 'every planned prompt was trained');
    assert.is(s.cluster.extraGroups, 0, 'no prompt was trained twice');
    assert.ok(
      s.promptsRequeued >= orphaned.length - landed + released,
      `requeued ${s.promptsRequeued}, orphaned ${orphaned.length} (${landed} of them submitted in flight), released ${released}`,
    );
    assert.is(s.workers, 3);
    assert.ok(s.cluster.groupsByWorker.c > 0, 'the worker that joined mid-run got work');
    assert.is(await c.exit(), 0, 'the remaining worker stops when the job is done');
  } finally {
    cl?.close();
    await killAll();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
