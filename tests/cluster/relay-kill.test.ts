// Real worker processes relay a weight version in a chain (coordinator → X → Y → Z); Y is
// SIGKILLed in the middle of the transfer. Z falls back to another source and resumes at its
// first missing chunk — it never starts over — and every surviving worker loads the version
// with its sha256 checked. The coordinator runs in this process (so the test can see who feeds
// whom) with a slow link (an egress cap) and small chunks, so the transfer lasts seconds.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EgressPacer } from '../../proto/chunk-stream.js';
import { chunkWeights } from '../../proto/chunks.js';
import { MemoryStore } from '../../coordinator/state/memory-store.js';
import { createCoordinator, serveCoordinator } from '../../coordinator/service/server.js';
import { loadDataSpec } from '../../shared/datasets/spec.js';
import { encodePublishedWeights } from '../../shared/policy/published-weights.js';
import { initParams } from '../../shared/policy/model-config.js';
import { policySpecFromJob } from '../../shared/policy/spec.js';
import { Rng } from '../../shared/rng.js';
import { eventually, within } from '../helpers/wait.js';
import { TOKEN, smokeJob } from './helpers.js';
import { killAll, startRole } from './procs.js';

const CHUNK = 8 * 1024;

test('a relay SIGKILLed mid-transfer: its child resumes from another source at its first missing chunk', async () => {
  const job = smokeJob({ 'cluster.heartbeatInterval': '200ms', 'train.warmStart.enabled': 'false' });
  const records = (await loadDataSpec(job.data.train)).filter((r) => r.type !== 'unknown');
  const spec = policySpecFromJob(job);
  const bytes = Buffer.from(encodePublishedWeights(spec, initParams(spec.model, new Rng(1)), 1));
  const chunks = Math.ceil(bytes.length / CHUNK);
  const log: string[] = [];
  // ~8 s for the whole file through the coordinator's link: the chain is mid-transfer for seconds.
  const egress = new EgressPacer({ bytesPerSecond: bytes.length / 8, clock: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
  const c = createCoordinator(job, {
    store: new MemoryStore({ jobId: 'kill' }),
    clock: Date.now,
    logger: (l) => log.push(l),
    records,
    chunkBytes: CHUNK,
    weightEgress: egress,
  });
  const srv = await serveCoordinator(c, { listen: '127.0.0.1:0', token: TOKEN, logger: (l) => log.push(l) });
  try {
    const ids = ['r1', 'r2', 'r3'];
    const procs = new Map(
      ids.map((id) => [id, startRole(`worker ${id}`, ['worker', '--coordinator', srv.address, '--id', id, '--peer-listen', '127.0.0.1:0'])]),
    );
    for (const p of procs.values()) await p.waitFor(/registered with job/, 120_000);
    for (const p of procs.values())
      assert.ok(
        p.lines.some((l) => /relays weights on 127\.0\.0\.1:\d+/.test(l)),
        p.lines.join('\n'),
      );

    await c.registry.publish([...chunkWeights(bytes, { version: 1, step: 0 })]);

    // The chain as the coordinator assigned it, once Z holds a chunk (all of it from Y so far).
    const [x, y, z] = await eventually('a chain of three with the middle one relaying', () => {
      const parent = c.relays.assignments(1);
      const x = ids.find((id) => parent.get(id) === '');
      const y = ids.find((id) => x !== undefined && parent.get(id) === x);
      const z = ids.find((id) => y !== undefined && parent.get(id) === y);
      return x && y && z && (c.relays.held(z, 1)?.chunks ?? 0) >= 1 ? [x, y, z] : undefined;
    });
    const zHeld = c.relays.held(z, 1)!.chunks;
    assert.ok(zHeld < chunks - 2, `the kill lands mid-transfer (${zHeld} of ${chunks} chunks)`);
    procs.get(y)!.child.kill('SIGKILL');
    assert.is(await within(procs.get(y)!.exited, 'the SIGKILLed relay exits'), 'SIGKILL');

    for (const id of [x, z]) await procs.get(id)!.waitFor(/loaded weight version 1 /, 120_000);
    const zLines = procs.get(z)!.lines;
    assert.ok(
      zLines.some((l) =>
        new RegExp(`peer ${y} \\(127\\.0\\.0\\.1:\\d+\\) failed after \\d+ of ${chunks} chunks of version 1 .*resolving another source`).test(l),
      ),
      zLines.join('\n'),
    );
    assert.ok(
      log.some((l) => l.includes(`worker ${z} lost source(s) ${y} for version 1; now fetching from`)),
      log.join('\n'),
    );

    // What Z received, from whom: a part from Y, the rest from the fallback — no byte twice.
    const entry = await eventually(`${z}'s fetch report`, () =>
      c.registry.broadcasts
        .list()
        .find((b) => b.version === 1)
        ?.received.find((r) => r.workerId === z && r.complete),
    );
    const fromY = entry.from[y] ?? 0;
    assert.ok(fromY >= zHeld * CHUNK, `${z} got ${fromY} bytes from ${y} before the kill; it had announced ${zHeld} chunks`);
    assert.not.ok(
      Object.keys(entry.from)
        .filter((s) => s !== y)
        .includes(y),
    );
    const total = Object.values(entry.from).reduce((a, b) => a + b, 0);
    assert.is(total, bytes.length, `${z} received ${JSON.stringify(entry.from)}: the file once, resumed where ${y} stopped`);
  } finally {
    await killAll();
    await srv.close();
  }
});

test.run();
