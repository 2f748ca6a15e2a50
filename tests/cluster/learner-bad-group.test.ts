// A group the learner cannot use must never kill it: a group that reaches the outbox without the
// coordinator's validation (written straight into the store, as an older coordinator or a
// corrupted Redis could) is logged in one line naming it, skipped, and the step trains on the
// others; the run finishes with the skip counted.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rpc } from '../helpers/rpc.js';
import type { Rollout } from '../../proto/types.js';
import { MemoryStore } from '../../coordinator/state/memory-store.js';
import { createCoordinator, serveCoordinator } from '../../coordinator/service/server.js';
import { runRemoteTraining } from '../../learner/remote-loop.js';
import { loadDataSpec } from '../../shared/datasets/spec.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOKEN, clients, smokeJob, validRollouts } from './helpers.js';
import { EVENT_LIMIT_MS, eventually, within } from '../helpers/wait.js';

test('the learner skips a group it cannot use, names it in one log line, and finishes the run', async () => {
  const out = mkdtempSync(join(tmpdir(), 'anomseer-bad-group-'));
  const job = smokeJob({
    'train.steps': '1',
    'rollout.promptsPerStep': '4',
    'train.warmStart.enabled': 'false',
    'train.evalCount': '1',
    'data.eval': 'anomllm:eval?count=1&length=256&tasks=range',
    // On the real clock: no lease may expire however slowly this test gets to its submissions.
    'cluster.leaseTimeout': '1h',
    outputDir: out,
  });
  const records = (await loadDataSpec(job.data.train)).filter((r) => r.type !== 'unknown');
  const store = new MemoryStore({ jobId: 'bad-group' });
  const c = createCoordinator(job, { store, clock: Date.now, logger: () => {}, records });
  const srv = await serveCoordinator(c, { listen: '127.0.0.1:0', token: TOKEN, logger: () => {} });
  const { coord, weights, close } = clients(srv.address);
  const lines: string[] = [];
  try {
    const run = runRemoteTraining(job, {
      coord,
      weights,
      rpcDeadlineMs: EVENT_LIMIT_MS,
      takeWaitMs: 500,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      clock: () => new Date(),
      log: (l) => lines.push(l),
    });
    run.catch(() => {});
    // Act as the worker: wait for version 1, lease the step's 4 prompts.
    await eventually('version 1 published', async () => ((await rpc(weights, weights.GetVersion, {})).version === 1 ? true : undefined));
    await rpc(coord, coord.RegisterWorker, { worker_id: 'w', host: 'h', device: 'cpu', capabilities: null });
    const { leases } = await rpc(coord, coord.LeasePrompts, { worker_id: 'w', max_prompts: 4, weight_version: 1, request_id: '' });
    assert.is(leases.length, 4);
    const good = (n: number) => validRollouts(job, n);
    for (const l of leases.slice(0, 3)) {
      const r = await rpc(coord, coord.SubmitGroup, {
        worker_id: 'w',
        lease_id: l.lease_id,
        prompt_id: l.prompt_id,
        weight_version: 1,
        rollouts: good(l.series.length),
        timing: null,
      });
      assert.ok(r.accepted);
    }
    // The fourth goes around the coordinator's check: a token id outside the vocabulary.
    const bad = leases[3]!;
    const rollouts: Rollout[] = good(bad.series.length).map((r, i) =>
      i === 2 ? { ...r, token_ids: [...r.token_ids.slice(0, 3), 4e9, ...r.token_ids.slice(4)] } : r,
    );
    const direct = await store.submitGroup({
      leaseId: bad.lease_id,
      workerId: 'w',
      promptId: bad.prompt_id,
      weightVersion: 1,
      payload: { prompt_id: bad.prompt_id, rollouts, timing: null },
      now: Date.now(),
    });
    assert.is(direct.status, 'accepted');

    const summary = await within(run, 'the learner finishes the run');
    assert.is(summary.steps, 1);
    assert.is(summary.cluster.groupsSkipped, 1);
    assert.is(summary.cluster.groupsTrained, 3);
    assert.is(summary.cluster.untrainedItems, 1, 'the skipped prompt was not trained');
    const skipped = lines.filter((l) => l.includes('skipped the group'));
    assert.is(skipped.length, 1, 'one log line');
    assert.match(
      skipped[0]!,
      new RegExp(
        `prompt "${bad.prompt_id.replace(/[#/]/g, '.')}" \\(lease ${bad.lease_id}, worker w, batch \\d+\\): rollouts\\[2\\]\\.token_ids\\[3\\]: is 4000000000`,
      ),
    );
    assert.is((await rpc(coord, coord.GetStatus, {})).prompts!.done, 4);
  } finally {
    close();
    await srv.close();
    rmSync(out, { recursive: true, force: true });
  }
});

test.run();
