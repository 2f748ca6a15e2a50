// Durable weights, with real processes and a real Redis: a coordinator SIGKILLed right after it
// printed "version N … published" and restarted on the same Redis still serves version N — to
// the worker that was waiting for it, and, after everything was killed once more, to two new
// workers — so groups of version N reach the learner; Redis keeps only the newest K versions;
// and a worker whose latest version has no bytes at all resolves the latest again until a newer
// one is published. (The test plays the learner: it publishes and takes groups over gRPC.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { unary } from '../../proto/call.js';
import { chunkWeights } from '../../proto/chunks.js';
import type { PublishWeightsResponse, WeightsClient } from '../../proto/types.js';
import { weightBlobKeys } from '../../coordinator/state/weight-blobs.js';
import { encodePublishedWeights } from '../../shared/policy/published-weights.js';
import { initParams } from '../../shared/policy/model-config.js';
import { policySpecFromJob } from '../../shared/policy/spec.js';
import { Rng } from '../../shared/rng.js';
import { freePort } from '../helpers/ports.js';
import { startRedis } from '../helpers/redis.js';
import type { RedisServer } from '../helpers/redis.js';
import { eventually, within } from '../helpers/wait.js';
import { clients, smokeJob } from './helpers.js';
import { killAll, startRole } from './procs.js';
import type { Proc } from './procs.js';

let redis: RedisServer;
test.before(async () => {
  redis = await startRedis();
});
test.after(async () => {
  await killAll();
  await redis.stop();
});

const LIMIT = 180_000;

/** A coordinator on `listen`: a port outside the ephemeral range, so the restarted one gets it back. */
function coordinator(sets: string[], listen: string): Proc {
  return startRole('coordinator', [
    'coordinator',
    'examples/smoke.yaml',
    ...sets.flatMap((s) => ['--set', s]),
    '--redis',
    `redis://${redis.host}:${redis.port}`,
    '--listen',
    listen,
    '--no-dashboard',
  ]);
}
const worker = (address: string, id: string) => startRole(`worker ${id}`, ['worker', '--coordinator', address, '--id', id]);

function publish(weights: WeightsClient, bytes: Uint8Array, version: number): Promise<PublishWeightsResponse> {
  return new Promise((resolve, reject) => {
    const call = weights.PublishWeights((err, res) => (err ? reject(err) : resolve(res!)));
    for (const c of chunkWeights(bytes, { version, step: version - 1 })) call.write(c);
    call.end();
  });
}

test('coordinator SIGKILLed right after "version 3 … published": its worker, then two new workers after a second kill of everything, load version 3 from Redis, and groups of version 3 reach the learner', async () => {
  const sets = ['name=restart', 'train.steps=4', 'train.warmStart.enabled=false', 'cluster.heartbeatInterval=500ms', 'cluster.leaseTimeout=5s'];
  const job = smokeJob(Object.fromEntries(sets.map((x) => x.split('='))));
  const spec = policySpecFromJob(job);
  const file = (seed: number) => encodePublishedWeights(spec, initParams(spec.model, new Rng(seed)), 1);
  const first = coordinator(sets, `127.0.0.1:${await freePort()}`);
  const address = (await first.waitFor(/listening on (\S+)/, LIMIT))[1]!;
  const jobId = (await first.waitFor(/job (\S+) listening/))[1]!;
  let cl = clients(address); // the test is the learner
  await publish(cl.weights, file(1), 1);
  const old = worker(address, 'old');
  await old.waitFor(/loaded weight version 1 /, LIMIT);
  old.child.kill('SIGSTOP'); // busy: it cannot fetch version 3 before the coordinator dies
  await publish(cl.weights, file(2), 2);
  await publish(cl.weights, file(3), 3);
  cl.close();
  await first.waitFor(/weights: version 3 \(.*\) published/, LIMIT);
  first.child.kill('SIGKILL');
  assert.is(await within(first.exited, 'the coordinator dies'), 'SIGKILL');
  // Stored before it was announced: the bytes of version 3 were in Redis when the process died.
  assert.ok((await redis.connect().hkeys(weightBlobKeys(jobId).meta)).includes('3'));

  // 1. Same Redis, same address: the worker that survived gets version 3 (before: NOT_FOUND forever).
  const second = coordinator(sets, address);
  await second.waitFor(/listening on/, LIMIT);
  old.child.kill('SIGCONT');
  await old.waitFor(/loaded weight version 3 /, LIMIT);
  assert.ok(
    second.lines.some((l) => /weights: version 3 \(\d+ bytes\) read back from the blob store/.test(l)),
    second.lines.join('\n'),
  );
  // … so groups sampled with version 3 reach the learner (before: it waited forever).
  cl = clients(address);
  let ack = 0;
  const v3 = await eventually('a group sampled with version 3', async () => {
    const r = await unary(
      cl.coord,
      cl.coord.TakeGroups,
      { learner_id: 'test', max_groups: 16, min_groups: 1, wait_ms: 2000, ack_batch_id: ack },
      { deadlineMs: 10_000 },
    );
    ack = r.batch_id;
    return r.groups.find((g) => g.weight_version === 3);
  });
  assert.is(v3.rollouts.length, 4);
  cl.close();

  // 2. Coordinator and worker killed; the coordinator and two new workers started.
  second.child.kill('SIGKILL');
  old.child.kill('SIGKILL');
  await within(Promise.all([second.exited, old.exited]), 'the coordinator and the worker die');
  const third = coordinator(sets, address);
  await third.waitFor(/listening on/, LIMIT);
  const fresh = [worker(address, 'new1'), worker(address, 'new2')];
  for (const w of fresh) await w.waitFor(/loaded weight version 3 /, LIMIT);
  assert.ok(third.lines.some((l) => /weights: version 3 \(\d+ bytes\) read back from the blob store/.test(l)));
  await killAll();
});

test('after a restart the latest version is read back from Redis, which keeps only the newest K; bytes that are gone are re-resolved until a newer version exists', async () => {
  const sets = ['name=bounded', 'train.warmStart.enabled=false', 'cluster.heartbeatInterval=500ms'];
  const job = smokeJob(Object.fromEntries(sets.map((s) => s.split('='))));
  const spec = policySpecFromJob(job);
  const file = (seed: number) => encodePublishedWeights(spec, initParams(spec.model, new Rng(seed)), 1);
  const first = coordinator(sets, `127.0.0.1:${await freePort()}`);
  const address = (await first.waitFor(/listening on (\S+)/, LIMIT))[1]!;
  const jobId = (await first.waitFor(/job (\S+) listening/))[1]!;
  let cl = clients(address);
  for (let v = 1; v <= 4; v++) await publish(cl.weights, file(v), v);
  cl.close();
  const r = redis.connect();
  const k = weightBlobKeys(jobId);
  // max staleness 0 keeps 2 versions: 3 and 4, nothing else, in memory and in Redis.
  assert.equal((await r.hkeys(k.meta)).sort(), ['3', '4']);
  assert.ok((await r.hkeys(k.data)).every((f) => /^[34]:/.test(f)));

  first.child.kill('SIGKILL');
  await within(first.exited, 'the coordinator dies');
  const second = coordinator(sets, address);
  await second.waitFor(/listening on/, LIMIT);
  const a = worker(address, 'a');
  await a.waitFor(/loaded weight version 4 /, LIMIT);
  assert.ok(
    second.lines.some((l) => /weights: version 4 \(\d+ bytes\) read back from the blob store/.test(l)),
    second.lines.join('\n'),
  );

  second.child.kill('SIGKILL');
  a.child.kill('SIGKILL');
  await within(Promise.all([second.exited, a.exited]), 'the coordinator and the worker die');
  await r.hdel(k.meta, '4'); // version 4's bytes are lost (its record in the job survives)
  const third = coordinator(sets, address);
  await third.waitFor(/listening on/, LIMIT);
  const w = worker(address, 'w');
  await w.waitFor(
    /unknown weight version "4"; its bytes are gone \(not in the blob store\).*resolving the latest version again until one can be fetched/,
    LIMIT,
  );
  cl = clients(address);
  await publish(cl.weights, file(5), 5);
  cl.close();
  await w.waitFor(/loaded weight version 5 /, LIMIT);
  assert.not.ok(w.lines.some((l) => /loaded weight version 4/.test(l)));
  await killAll();
});

test.run();
