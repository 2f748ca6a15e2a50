// The dashboard's memory of a run stays bounded over thousands of steps, keeps the newest
// traces and eval reports, and picks each step's best and worst trace.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SeriesRecord } from '../../shared/series/record.js';
import { DashboardState, evalValues } from '../../dashboard/state.js';
import { spreadIndices } from '../../shared/training/events.js';
import { fakeEval, fakeStep } from './fake-events.js';

const series = new Float64Array(64);
const state = () =>
  new DashboardState({ name: 'x' }, { maxPoints: 100, maxTraces: 6, maxEvals: 3 }, (id) =>
    id === 'p-1' ? { series, intervals: [[3, 9]], type: 'trend' } : undefined,
  );

test('5,000 steps and 500 evals keep every table, window and plot store within its bound', () => {
  const s = state();
  for (let k = 1; k <= 5000; k++) {
    s.apply(fakeStep(k));
    if (k % 10 === 0) s.apply(fakeEval(k));
  }
  const snap = s.snapshot();
  assert.ok(snap.steps.step.length <= 100);
  assert.ok(snap.evals.step.length <= 100);
  assert.is(snap.traces.length, 6);
  assert.equal(
    snap.traces.map((t) => t.step),
    [4998, 4998, 4999, 4999, 5000, 5000],
  );
  assert.equal(
    snap.evalReports.map((r) => r.step),
    [4980, 4990, 5000],
  );
  assert.is(snap.lastStep?.step, 5000);
  const live = snap.traces.filter((t) => t.plot).map((t) => t.id);
  for (const t of snap.traces) assert.is(s.plotSource(t.id) !== undefined, live.includes(t.id));
  assert.is(s.plotSource(1), undefined, 'plots leave with their traces');
  assert.ok(JSON.stringify(snap).length < 200_000, `snapshot is ${JSON.stringify(snap).length} bytes`);
});

test('a step yields one step message then its traces, best reward first', () => {
  const msgs = state().apply(fakeStep(1));
  assert.equal(
    msgs.map((m) => m.type),
    ['step', 'trace', 'trace'],
  );
  const [best, worst] = msgs.slice(1).map((m) => (m.type === 'trace' ? m.trace.reward.total : NaN));
  assert.ok(best >= worst);
});

test('prompts sent with the step event (records[p] for samples[p]) give plots without a lookup', () => {
  const s = new DashboardState();
  const records: SeriesRecord[] = [
    { id: 'p-1', series, intervals: [[1, 2]], type: 'trend' },
    { id: 'p-2', series, intervals: [], type: 'normal' },
  ];
  const e = { ...fakeStep(1, ['p-1', 'p-2']), records };
  const traces = s.apply(e).flatMap((m) => (m.type === 'trace' ? [m.trace] : []));
  assert.ok(traces.length === 2 && traces.every((t) => t.plot));
  for (const t of traces) assert.is(t.trueType, t.promptId === 'p-1' ? 'trend' : 'normal');
});

test('a replayed step is ignored', () => {
  const s = state();
  s.apply(fakeStep(2));
  assert.equal(s.apply(fakeStep(2)), []);
});

test('spreadIndices takes best, worst, then evenly between', () => {
  assert.equal(spreadIndices(10, 2), [0, 9]);
  assert.equal(spreadIndices(10, 3), [0, 5, 9]);
  assert.equal(spreadIndices(1, 2), [0]);
  assert.equal(spreadIndices(0, 2), []);
});

test('eval columns are class accuracy, affiliation F1 per category and average, point F1, IoU', () => {
  const e = fakeEval(1);
  assert.equal(Object.keys(evalValues(e.kind === 'eval' ? e.report : {})).sort(), [
    'affiliationF1.average',
    'affiliationF1.freq',
    'affiliationF1.point',
    'affiliationF1.range',
    'affiliationF1.trend',
    'classAccuracy',
    'iou',
    'pointF1',
  ]);
});

test.run();
