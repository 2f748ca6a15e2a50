// The single-process status provider: one worker, moved by training events and a manual clock.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalStatus } from '../../dashboard/status.js';
import { fakeStep } from './fake-events.js';

const make = () => {
  let now = 1_000;
  const s = new LocalStatus({ clock: () => now, host: 'box', device: 'cpu', promptsPerStep: 2 });
  return { s, tick: (ms: number) => (now += ms) };
};

test('before any event the one worker is starting, with no weights and no heartbeat', () => {
  const st = make().s.status();
  assert.is(st.workers.length, 1);
  assert.equal([st.workers[0].id, st.workers[0].state, st.workers[0].weightVersion, st.workers[0].lastHeartbeatMs], ['local-0', 'starting', null, null]);
  assert.is(st.broadcast, null);
  assert.equal(st.broadcasts, []);
});

test('a step sets the version, counts its prompts, rates traces per second and beats the heartbeat', () => {
  const { s, tick } = make();
  tick(500);
  s.observe(fakeStep(1)); // 2 prompts × 3 traces in 0.75 s
  const st = s.status();
  assert.is(st.workers[0].weightVersion, 2);
  assert.is(st.workers[0].lastHeartbeatMs, 1_500);
  assert.is(st.workers[0].rolloutsPerSecond, 6 / 0.75);
  assert.equal(st.prompts, { done: 2, inFlight: 2, requeued: 0 });
  assert.equal(st.staleness, [2]);
  assert.equal(st.broadcast, { version: 2, workersAt: 1, workersTotal: 1 });
});

test('each version the trainer reaches is one weights row: nothing sent, the one worker updated at once', () => {
  const { s, tick } = make();
  tick(500);
  s.observe(fakeStep(1)); // version 2
  s.observe(fakeStep(1)); // the same version again: one row
  tick(1_000);
  s.observe(fakeStep(2)); // version 3
  assert.equal(s.status().broadcasts, [
    { version: 3, bytes: 0, bytesSent: 0, workersUpdated: 1, workersTotal: 1, publishedAtMs: 2_500, seconds: 0 },
    { version: 2, bytes: 0, bytesSent: 0, workersUpdated: 1, workersTotal: 1, publishedAtMs: 1_500, seconds: 0 },
  ]);
});

test('finish marks the worker done with nothing in flight', () => {
  const { s } = make();
  s.observe(fakeStep(1));
  s.finish();
  const st = s.status();
  assert.is(st.workers[0].state, 'done');
  assert.is(st.prompts.inFlight, 0);
  assert.is(st.workers[0].leasesHeld, 0);
});

test.run();
