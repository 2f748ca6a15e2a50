// Coordinator.ReportProgress over real gRPC on 127.0.0.1: the learner's training events reach
// the coordinator's dashboard sink; the call needs the cluster token; an oversized event is
// RESOURCE_EXHAUSTED, a malformed one INVALID_ARGUMENT naming the field; a retried sequence is
// a duplicate; and after every refusal the coordinator serves the next call.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as grpc from '@grpc/grpc-js';
import { rpc } from '../helpers/rpc.js';
import { createClient } from '../../proto/load.js';
import { MessageTooLargeError, UnauthenticatedError } from '../../proto/errors.js';
import type { CoordinatorClient, ReportProgressRequest } from '../../proto/types.js';
import { MemoryStore } from '../../coordinator/state/memory-store.js';
import { createCoordinator, serveCoordinator } from '../../coordinator/service/server.js';
import type { RunningServer } from '../../coordinator/service/server.js';
import { PROGRESS_MAX_BYTES, decodeProgress, encodeProgress } from '../../shared/training/progress-codec.js';
import { ProgressReporter } from '../../learner/progress-reporter.js';
import type { DashboardEvent } from '../../shared/training/events.js';
import { InvalidArgumentError } from '../../shared/errors.js';
import { TOKEN, clients, fakeRecords, manualClock, smokeJob } from '../cluster/helpers.js';
import { fakeEval, fakeStep } from '../dashboard/fake-events.js';

interface Ctx {
  srv: RunningServer;
  coord: CoordinatorClient;
  events: DashboardEvent[];
  close(): Promise<void>;
}

async function setup(): Promise<Ctx> {
  const events: DashboardEvent[] = [];
  const c = createCoordinator(smokeJob({ 'train.steps': '2' }), {
    store: new MemoryStore({ jobId: 'test' }),
    clock: manualClock().now,
    logger: () => {},
    records: fakeRecords(6),
    onProgress: (e) => events.push(e),
  });
  const srv = await serveCoordinator(c, { listen: '127.0.0.1:0', token: TOKEN, logger: () => {} });
  const cl = clients(srv.address);
  return {
    srv,
    coord: cl.coord,
    events,
    close: async () => {
      cl.close();
      await srv.close();
    },
  };
}

const report = (coord: CoordinatorClient, req: Partial<ReportProgressRequest>) =>
  rpc(coord, coord.ReportProgress, { learner_id: 'L', sequence: 1, event_json: '{}', ...req });
const series = Float64Array.from({ length: 64 }, (_, i) => Math.sin(i / 4));
const record = { id: 'p-1', series, intervals: [[10, 20] as const], type: 'global point' as const };
const stillServes = async (coord: CoordinatorClient) => assert.is((await rpc(coord, coord.GetStatus, {})).job_id.startsWith('smoke-'), true);

test('a step travels as its metrics and the traces the dashboard shows, with their plot data', async () => {
  const t = await setup();
  try {
    const step = fakeStep(3, ['p-1', 'p-2'], [record, { ...record, id: 'p-2' }]);
    const json = encodeProgress(step);
    assert.ok(!json.includes('logps') && !json.includes('"ids"'), 'tokens and log-probabilities stay with the learner');
    const res = await report(t.coord, { event_json: json });
    assert.equal(res, { accepted: true, duplicate: false });
    const got = t.events[0]!;
    assert.is(got.kind, 'step');
    if (got.kind !== 'step') return;
    assert.is(got.step, 3);
    assert.is(got.weightVersion, 4);
    assert.ok(Math.abs((got.metrics as Record<string, number>).reward! - 0.33) < 1e-12);
    assert.is(got.samples.length, 2, 'best and worst of 6 samples');
    assert.equal(
      got.samples.map((g) => g[0]!.reward.total),
      [0.5, 0],
      'best first, then worst',
    );
    assert.equal(Array.from(got.records![0]!.series), Array.from(series));
    assert.equal(got.records![0]!.intervals, [[10, 20]]);
    await report(t.coord, { sequence: 2, event_json: encodeProgress(fakeEval(3)) });
    assert.is(t.events[1]!.kind, 'eval');
  } finally {
    await t.close();
  }
});

test('without the cluster token, or with another, the call is UNAUTHENTICATED and nothing reaches the dashboard', async () => {
  const t = await setup();
  const wrong = clients(t.srv.address, 'another-token-0123456789');
  const none = createClient('Coordinator', t.srv.address, grpc.credentials.createInsecure());
  try {
    for (const coord of [wrong.coord, none]) {
      const err = await report(coord, { event_json: encodeProgress(fakeStep(1)) }).catch((e: unknown) => e);
      assert.instance(err, UnauthenticatedError);
    }
    assert.is(t.events.length, 0);
  } finally {
    wrong.close();
    none.close();
    await t.close();
  }
});

test('an event over 1 MiB is RESOURCE_EXHAUSTED naming the size and the limit; the coordinator goes on', async () => {
  const t = await setup();
  try {
    const big = JSON.stringify({ kind: 'checkpoint', step: 1, dir: 'x'.repeat(PROGRESS_MAX_BYTES) });
    const err = await report(t.coord, { event_json: big }).catch((e: unknown) => e);
    assert.instance(err, MessageTooLargeError);
    assert.is((err as MessageTooLargeError).limit, PROGRESS_MAX_BYTES);
    assert.match((err as Error).message, /event_json is \d+ bytes; the limit is 1048576 bytes/);
    assert.is(t.events.length, 0);
    await stillServes(t.coord);
    assert.equal(await report(t.coord, { event_json: encodeProgress(fakeEval(1)) }), { accepted: true, duplicate: false });
  } finally {
    await t.close();
  }
});

test('malformed JSON and malformed events are INVALID_ARGUMENT with a message naming the field', async () => {
  const t = await setup();
  try {
    const cases: [string, RegExp][] = [
      ['{"kind":"step",', /event_json: is not valid JSON .*send one TrainEvent as JSON/],
      ['[1,2]', /event_json: is an array; expected an object/],
      ['{"kind":"party","step":1}', /event_json\.kind: is "party"; expected one of "step", "warm-start", "eval", "checkpoint"/],
      ['{"kind":"checkpoint","step":-1,"dir":"d"}', /event_json\.step: is -1; expected an integer >= 0/],
      ['{"kind":"warm-start","step":1,"loss":"low","gradNorm":1}', /event_json\.loss: is "low"; expected a number/],
      [
        JSON.stringify({ ...JSON.parse(encodeProgress(fakeStep(1, ['p-1'], [record]))), records: [] }),
        /event_json\.records: has 0 entries for 2 sample groups/,
      ],
      [encodeProgress(fakeStep(1)).replace('"text":"', '"text":7,"x":"'), /event_json\.samples\[0\]\[0\]\.sample\.text: is 7; expected a string/],
      [
        encodeProgress(fakeStep(1, ['p-1'], [{ ...record, intervals: [[10, 99] as const] }])),
        /event_json\.records\[0\]\.intervals\[0\]: is \[10,99\]; expected \[start, end\] with start <= end <= 64/,
      ],
    ];
    for (const [json, message] of cases) {
      const err = await report(t.coord, { event_json: json }).catch((e: unknown) => e);
      assert.instance(err, InvalidArgumentError, json.slice(0, 60));
      assert.match((err as Error).message, message);
    }
    const zero = await report(t.coord, { sequence: 0, event_json: encodeProgress(fakeEval(1)) }).catch((e: unknown) => e);
    assert.match((zero as Error).message, /sequence: is 0; expected 1, 2, 3/);
    assert.is(t.events.length, 0);
    await stillServes(t.coord);
  } finally {
    await t.close();
  }
});

test('a retried sequence is answered duplicate and applied once; a new learner id counts from 1 again', async () => {
  const t = await setup();
  try {
    const json = encodeProgress(fakeEval(2));
    assert.equal(await report(t.coord, { sequence: 1, event_json: json }), { accepted: true, duplicate: false });
    assert.equal(await report(t.coord, { sequence: 1, event_json: json }), { accepted: false, duplicate: true });
    assert.equal(await report(t.coord, { learner_id: 'L2', sequence: 1, event_json: json }), { accepted: true, duplicate: false });
    assert.is(t.events.length, 2);
  } finally {
    await t.close();
  }
});

test('decode(encode(e)) gives the event the dashboard would have shown, NaN metrics included', () => {
  const step = fakeStep(5, ['p-1'], [record]);
  if (step.kind !== 'step') throw new Error('fakeStep');
  const back = decodeProgress(encodeProgress({ ...step, metrics: { ...step.metrics, kl: Number.NaN } }));
  assert.is(back.kind, 'step');
  if (back.kind !== 'step') return;
  assert.is((back.metrics as Record<string, unknown>).kl, null, 'NaN travels as null (and is not charted)');
  assert.is(back.samples.length, 2);
  assert.is(back.samples[0]![0]!.sample.text, step.samples[0]![2]!.sample.text);
  assert.equal(decodeProgress(encodeProgress({ kind: 'checkpoint', step: 3, dir: 'runs/x' })), { kind: 'checkpoint', step: 3, dir: 'runs/x' });
});

test('the reporter sends in order, never throws, shrinks an oversized step, and stops on UNIMPLEMENTED', async () => {
  const sent: ReportProgressRequest[] = [];
  const lines: string[] = [];
  let fail: unknown;
  const r = new ProgressReporter({
    learnerId: 'L',
    log: (l) => lines.push(l),
    maxBytes: 3000,
    retry: (attempt) => (attempt === 1 ? 1 : null),
    retryable: (e) => e === 'flaky',
    send: async (req) => {
      await new Promise((res) => setTimeout(res, 2));
      if (fail !== undefined) {
        const f = fail;
        if (f === 'flaky') fail = undefined;
        throw f;
      }
      sent.push(req);
      return { accepted: true, duplicate: false };
    },
  });
  r.report(fakeEval(1));
  r.report(fakeStep(2, ['p-1'], [{ ...record, series: new Float64Array(400).fill(0.123456789) }]));
  await r.flush();
  assert.equal(
    sent.map((q) => q.sequence),
    [1, 2],
  );
  assert.ok(!sent[1]!.event_json.includes('"samples":[[{'), 'a step over the limit goes without its traces');
  assert.is(JSON.parse(sent[1]!.event_json).step, 2);
  fail = 'flaky';
  r.report(fakeEval(3));
  await r.flush();
  assert.equal(
    sent.map((q) => q.sequence),
    [1, 2, 3],
    'a retryable failure is tried once more, same sequence',
  );
  fail = Object.assign(new Error('gRPC UNIMPLEMENTED (12): unknown method'), { grpcCode: 12 });
  r.report(fakeEval(4));
  r.report(fakeEval(5));
  await r.flush();
  fail = undefined;
  r.report(fakeEval(6));
  await r.flush();
  assert.is(sent.length, 3, 'an old coordinator without ReportProgress: reporting turns off');
  assert.ok(
    lines.some((l) => /turned off/.test(l)),
    lines.join('\n'),
  );
});

test.run();
