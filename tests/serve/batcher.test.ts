// The decode batcher (serve/batcher.ts) on a recording sampler and a manual clock: which
// prompts share a decode, in which order results come back, and what a failure touches.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DecodeBatcher } from '../../serve/batcher.js';
import type { BatchInfo, Schedule } from '../../serve/batcher.js';
import type { RolloutOptions, RolloutPrompt } from '../../shared/policy/rollout-policy.js';
import type { Sample } from '../../shared/policy/sample.js';
import { Rng } from '../../shared/rng.js';
import type { PatchFeatures } from '../../shared/policy/features.js';

const features: PatchFeatures = { numPatches: 1, featureSize: 1, data: new Float32Array(1) };
const prompt = (id: string): RolloutPrompt => ({ promptId: id, n: 10, features });
const greedy = (seed = 0): RolloutOptions => ({ groupSize: 1, greedy: true, rng: new Rng(seed), grammar: { maxThinkTokens: 8, maxIntervals: 2 } });

/** A sampler answering "trace of <promptId>" and recording the prompt ids of every call. */
function recorder(opts: { fail?: (ids: string[]) => boolean } = {}) {
  const calls: string[][] = [];
  const pending: (() => void)[] = [];
  const inner = {
    sample(prompts: readonly RolloutPrompt[], o: RolloutOptions): Promise<Sample[][]> {
      const ids = prompts.map((p) => p.promptId);
      calls.push(ids);
      assert.is(o.batchPrompts, prompts.length, 'one decode for the whole batch');
      return new Promise((resolve, reject) =>
        pending.push(() =>
          opts.fail?.(ids) === true
            ? reject(new Error(`decode of ${ids.join(',')} failed`))
            : resolve(ids.map((id) => [{ promptId: id, sampleIndex: 0, ids: [], logps: new Float64Array(0), text: `trace of ${id}` }])),
        ),
      );
    },
  };
  /** Let the oldest running decode finish. */
  const finish = async () => {
    pending.shift()!();
    await new Promise((r) => setImmediate(r));
  };
  return { inner, calls, finish };
}

/** A clock whose timers fire only when told. */
function manualClock() {
  let timers: { fn: () => void; ms: number }[] = [];
  const schedule: Schedule = (fn, ms) => {
    const t = { fn, ms };
    timers.push(t);
    return () => {
      timers = timers.filter((x) => x !== t);
    };
  };
  return {
    schedule,
    armed: () => timers.map((t) => t.ms),
    fire: () => {
      const due = timers;
      timers = [];
      for (const t of due) t.fn();
    },
  };
}

const texts = (groups: Sample[][]) => groups.map((g) => g[0]!.text);

test('calls queued before the wait ends share one decode, and each gets its own results in order', async () => {
  const r = recorder();
  const clock = manualClock();
  const seen: BatchInfo[] = [];
  const b = new DecodeBatcher({ inner: r.inner, maxBatchWindows: 8, maxWaitMs: 5, crossRequest: true, schedule: clock.schedule, onBatch: (x) => seen.push(x) });
  const one = b.sample([prompt('a0'), prompt('a1')], greedy());
  const two = b.sample([prompt('b0')], greedy());
  assert.equal(r.calls, [], 'nothing decodes before the wait ends');
  assert.equal(clock.armed(), [5], 'one timer, of maxWaitMs');
  assert.is(b.queuedWindows, 3);
  clock.fire();
  assert.equal(r.calls, [['a0', 'a1', 'b0']]);
  await r.finish();
  assert.equal(texts(await one), ['trace of a0', 'trace of a1']);
  assert.equal(texts(await two), ['trace of b0']);
  assert.equal(
    seen.map((s) => [s.calls, s.windows]),
    [[2, 3]],
  );
  assert.is(b.batches, 1);
});

test('a full batch decodes at once, without waiting', () => {
  const r = recorder();
  const clock = manualClock();
  const b = new DecodeBatcher({ inner: r.inner, maxBatchWindows: 2, maxWaitMs: 1000, crossRequest: true, schedule: clock.schedule });
  void b.sample([prompt('a')], greedy());
  assert.equal(r.calls, []);
  void b.sample([prompt('b')], greedy());
  assert.equal(r.calls, [['a', 'b']]);
  assert.equal(clock.armed(), [], 'the wait timer was cancelled');
});

test('with batching off a decode holds one call, and calls decode in arrival order', async () => {
  const r = recorder();
  const clock = manualClock();
  const b = new DecodeBatcher({ inner: r.inner, maxBatchWindows: 8, maxWaitMs: 5, crossRequest: false, schedule: clock.schedule });
  const one = b.sample([prompt('a0'), prompt('a1')], greedy());
  const two = b.sample([prompt('b0')], greedy());
  clock.fire();
  assert.equal(r.calls, [['a0', 'a1']]);
  await r.finish();
  assert.equal(r.calls, [['a0', 'a1'], ['b0']], 'the next call starts when the decode ends');
  await r.finish();
  assert.equal(texts(await one), ['trace of a0', 'trace of a1']);
  assert.equal(texts(await two), ['trace of b0']);
});

test('calls with different sampling options never share a decode', async () => {
  const r = recorder();
  const clock = manualClock();
  const b = new DecodeBatcher({ inner: r.inner, maxBatchWindows: 8, maxWaitMs: 5, crossRequest: true, schedule: clock.schedule });
  const a = b.sample([prompt('a')], greedy(0));
  const c = b.sample([prompt('c')], greedy(1));
  const d = b.sample([prompt('d')], greedy(0));
  clock.fire();
  assert.equal(r.calls, [['a', 'd']]);
  await r.finish();
  assert.equal(r.calls, [['a', 'd'], ['c']]);
  await r.finish();
  assert.equal([...texts(await a), ...texts(await c), ...texts(await d)], ['trace of a', 'trace of c', 'trace of d']);
});

test('a call with more windows than a batch spans decodes and gets its results in prompt order', async () => {
  const r = recorder();
  const clock = manualClock();
  const b = new DecodeBatcher({ inner: r.inner, maxBatchWindows: 2, maxWaitMs: 5, crossRequest: true, schedule: clock.schedule });
  const big = b.sample(['w0', 'w1', 'w2', 'w3', 'w4'].map(prompt), greedy());
  assert.equal(r.calls, [['w0', 'w1']]);
  await r.finish();
  await r.finish();
  assert.equal(r.calls, [['w0', 'w1'], ['w2', 'w3'], ['w4']]);
  await r.finish();
  assert.equal(texts(await big), ['trace of w0', 'trace of w1', 'trace of w2', 'trace of w3', 'trace of w4']);
});

test('calls that arrive during a decode are decoded together right after it', async () => {
  const r = recorder();
  const clock = manualClock();
  const b = new DecodeBatcher({ inner: r.inner, maxBatchWindows: 8, maxWaitMs: 5, crossRequest: true, schedule: clock.schedule });
  void b.sample([prompt('a')], greedy());
  clock.fire();
  const later = [b.sample([prompt('b')], greedy()), b.sample([prompt('c')], greedy())];
  assert.equal(clock.armed(), [], 'no timer while a decode runs');
  await r.finish();
  assert.equal(r.calls, [['a'], ['b', 'c']]);
  await r.finish();
  assert.equal((await Promise.all(later)).map(texts), [['trace of b'], ['trace of c']]);
});

test('a failed decode rejects the calls in it and the next calls are still served', async () => {
  const r = recorder({ fail: (ids) => ids.includes('bad') });
  const clock = manualClock();
  const b = new DecodeBatcher({ inner: r.inner, maxBatchWindows: 2, maxWaitMs: 5, crossRequest: true, schedule: clock.schedule });
  const bad = b.sample([prompt('bad'), prompt('x')], greedy()).then(
    () => 'resolved',
    (e: Error) => e.message,
  );
  const after = b.sample([prompt('ok')], greedy());
  await r.finish();
  assert.is(await bad, 'decode of bad,x failed');
  assert.equal(r.calls, [['bad', 'x'], ['ok']]);
  await r.finish();
  assert.equal(texts(await after), ['trace of ok']);
  assert.is(b.queuedWindows, 0);
});

test('an empty call resolves at once without a decode', async () => {
  const r = recorder();
  const b = new DecodeBatcher({ inner: r.inner, maxBatchWindows: 2, maxWaitMs: 5, crossRequest: true, schedule: manualClock().schedule });
  assert.equal(await b.sample([], greedy()), []);
  assert.equal(r.calls, []);
});

test.run();
