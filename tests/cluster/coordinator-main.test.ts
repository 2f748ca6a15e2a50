// coordinator/main.ts: the process wiring — token from the environment or generated (never
// logged in full), the bound address printed, with --redis a restarted coordinator resumes the
// job's state, and a Redis it cannot reach or that refuses its password is one line, exit 2, in
// seconds (the process, as users start it).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunkWeights } from '../../proto/chunks.js';
import { rpc } from '../helpers/rpc.js';
import type { WeightsClient } from '../../proto/types.js';
import { runCoordinator } from '../../coordinator/main.js';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { freePort } from '../helpers/ports.js';
import { startRedis } from '../helpers/redis.js';
import { within } from '../helpers/wait.js';
import { TOKEN, clients } from './helpers.js';

/** `anomseer coordinator` with `args`: its exit code and every line it printed. */
async function coordinatorProcess(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; lines: string[] }> {
  const child = spawn(process.execPath, ['bin/anomseer.mjs', 'coordinator', 'examples/smoke.yaml', '--no-dashboard', ...args], {
    env: { ...process.env, ANOMSEER_TOKEN: TOKEN, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const s of [child.stdout, child.stderr]) createInterface({ input: s }).on('line', (l) => lines.push(l));
  const code = await within(new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c))), 'the coordinator exits');
  return { code, lines };
}

function publish(weights: WeightsClient, bytes: Uint8Array, version: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const call = weights.PublishWeights((err, res) => (err ? reject(err) : resolve(res)));
    for (const ch of chunkWeights(bytes, { version, step: version - 1 })) call.write(ch);
    call.end();
  });
}

test('without ANOMSEER_TOKEN a token is generated, written 0600 to a file and printed only masked', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anomseer-coord-main-'));
  const lines: string[] = [];
  try {
    const c = await runCoordinator({ jobFile: 'examples/smoke.yaml', set: [`outputDir=${dir}`], env: {}, log: (l) => lines.push(l) });
    try {
      const token = readFileSync(join(dir, 'cluster.token'), 'utf8').trim();
      assert.is(token.length, 64);
      assert.is(statSync(join(dir, 'cluster.token')).mode & 0o777, 0o600);
      assert.ok(
        lines.every((l) => !l.includes(token)),
        'the full token is never logged',
      );
      assert.ok(lines.some((l) => l.includes(`${token.slice(0, 4)}…${token.slice(-4)}`)));
      assert.match(c.address, /^127\.0\.0\.1:\d+$/);
      assert.ok(lines.some((l) => l.includes(`listening on ${c.address}`)));
      const cl = clients(c.address, token);
      assert.is((await rpc(cl.coord, cl.coord.GetStatus, {})).job_id, c.jobId);
      cl.close();
    } finally {
      await c.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with --redis a restarted coordinator keeps workers, leases, versions and counters', async () => {
  const redis = await startRedis();
  // On the real clock, the leases taken must outlive the restart however slowly it goes.
  const opts = {
    jobFile: 'examples/smoke.yaml',
    set: ['cluster.leaseTimeout=1h'],
    redis: `redis://${redis.host}:${redis.port}`,
    env: { ANOMSEER_TOKEN: TOKEN },
    log: () => {},
  };
  try {
    const first = await runCoordinator(opts);
    let cl = clients(first.address);
    await rpc(cl.coord, cl.coord.RegisterWorker, { worker_id: 'a', host: 'h', device: 'cpu', capabilities: null });
    await publish(cl.weights, Buffer.from('initial weights'), 1);
    const { leases } = await rpc(cl.coord, cl.coord.LeasePrompts, { worker_id: 'a', max_prompts: 2, weight_version: 1, request_id: 'r1' });
    assert.is(leases.length, 2);
    cl.close();
    await first.close();

    const second = await runCoordinator(opts);
    cl = clients(second.address);
    try {
      const s = await rpc(cl.coord, cl.coord.GetStatus, {});
      assert.is(s.job_id, first.jobId);
      assert.is(s.weight_version, 1);
      assert.equal(
        s.workers.map((w) => w.worker_id),
        ['a'],
      );
      assert.equal(s.leases.map((l) => l.lease_id).sort(), leases.map((l) => l.lease_id).sort());
      assert.is(s.prompts!.queued, 2, 'step 1 stays enqueued once, not twice');
      const again = await rpc(cl.coord, cl.coord.LeasePrompts, { worker_id: 'a', max_prompts: 2, weight_version: 1, request_id: 'r1' });
      assert.equal(
        again.leases.map((l) => l.lease_id),
        leases.map((l) => l.lease_id),
        'request ids survive the restart',
      );
    } finally {
      cl.close();
      await second.close();
    }
  } finally {
    await redis.stop();
  }
});

test('Redis unreachable at start: one line naming host:port and the wait (5 s), exit 2, no client noise', async () => {
  const port = await freePort(); // nothing listens there
  const { code, lines } = await coordinatorProcess(['--redis', `redis://127.0.0.1:${port}`]);
  assert.is(code, 2);
  assert.equal(lines, [
    `anomseer: cannot reach redis 127.0.0.1:${port} within 5 s (connect ECONNREFUSED 127.0.0.1:${port}); is it running, and is --redis right?`,
  ]);
});

test('Redis refusing the password: one line saying where to give it, exit 2; the password never printed', async () => {
  const redis = await startRedis({ password: 'the-right-secret-42' });
  try {
    const wrong = await coordinatorProcess(['--redis', `redis://127.0.0.1:${redis.port}`], { REDIS_PASSWORD: 'a-wrong-secret-17' });
    assert.is(wrong.code, 2);
    assert.is(wrong.lines.length, 1, wrong.lines.join('\n'));
    assert.match(
      wrong.lines[0]!,
      /^anomseer: redis password: redis 127\.0\.0\.1:\d+ refused it \(WRONGPASS.*\); give the password in .*REDIS_PASSWORD or --redis-password-file$/,
    );
    const none = await coordinatorProcess(['--redis', `redis://127.0.0.1:${redis.port}`]);
    assert.is(none.code, 2);
    assert.match(none.lines.join('\n'), /^anomseer: redis password: redis 127\.0\.0\.1:\d+ refused it \(NOAUTH/);
    for (const l of [...wrong.lines, ...none.lines]) assert.not.match(l, /secret/);
  } finally {
    await redis.stop();
  }
});

test.run();
