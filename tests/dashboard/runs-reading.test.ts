// How `anomseer dashboard` reads run directories: a growing metrics.jsonl in bounded chunks,
// a run's state (a resumed run is running again), the run's bounded tables (a step written
// again replaces the first write; thousands of steps stay within maxPoints rows), the watcher
// that finds runs and follows them poll by poll, and trace pages searched by prompt id.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DownsampledTable } from '../../dashboard/history.js';
import { RunData, lineValues, resumeCommand } from '../../dashboard/run-data.js';
import { readTrace, readTracePage } from '../../dashboard/run-traces.js';
import { RunsWatcher } from '../../dashboard/run-watcher.js';
import type { WatchMessage } from '../../dashboard/run-watcher.js';
import { compileJobConfig } from '../../shared/config/job.js';
import { parseJobYaml } from '../../shared/config/load.js';
import { configHashOf } from '../../shared/job/plan.js';
import { readMetricsChunk, readRun, runStateOf } from '../../shared/training/run-files.js';
import type { MetricsLine } from '../../shared/training/run-files.js';
import { evalLine, fixtureRun, stepLine, trace } from './run-fixture.js';

const root = mkdtempSync(join(tmpdir(), 'anomseer-runs-read-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const asLines = (objs: object[]) => objs as unknown as MetricsLine[];

test('readMetricsChunk returns complete lines and leaves a line still being written for the next read', () => {
  const path = join(root, 'partial.jsonl');
  writeFileSync(path, JSON.stringify(stepLine(1)) + '\n' + JSON.stringify(stepLine(2)).slice(0, 20));
  const a = readMetricsChunk(path, 0);
  assert.equal(
    a.lines.map((l) => l.step),
    [1],
  );
  assert.is(a.more, false);
  appendFileSync(path, JSON.stringify(stepLine(2)).slice(20) + '\n' + JSON.stringify(stepLine(3)) + '\n');
  const b = readMetricsChunk(path, a.next);
  assert.equal(
    b.lines.map((l) => l.step),
    [2, 3],
  );
  assert.is(b.lines[0]!.reward, 0.02);
  assert.is(readMetricsChunk(path, b.next).lines.length, 0, 'nothing new');
});

test('readMetricsChunk reads at most maxBytes a call: a long file comes in several chunks, every line once', () => {
  const path = join(root, 'long.jsonl');
  const objs = Array.from({ length: 40 }, (_, i) => stepLine(i + 1));
  writeFileSync(path, objs.map((o) => JSON.stringify(o) + '\n').join(''));
  const steps: number[] = [];
  let offset = 0;
  let reads = 0;
  for (;;) {
    const c = readMetricsChunk(path, offset, 700);
    assert.ok(c.next - offset <= 700, `read ${c.next - offset} bytes`);
    steps.push(...c.lines.map((l) => l.step));
    offset = c.next;
    reads += 1;
    if (!c.more) break;
  }
  assert.equal(
    steps,
    objs.map((o) => o.step),
  );
  assert.ok(reads >= 8, `${reads} reads`);
});

test('a line longer than maxBytes is skipped, and the lines after it are still read', () => {
  const path = join(root, 'huge-line.jsonl');
  writeFileSync(
    path,
    JSON.stringify(stepLine(1)) + '\n' + JSON.stringify({ ...stepLine(2), pad: 'x'.repeat(5000) }) + '\n' + JSON.stringify(stepLine(3)) + '\n',
  );
  const steps: number[] = [];
  let offset = 0;
  for (let k = 0; k < 50; k++) {
    const c = readMetricsChunk(path, offset, 1000);
    steps.push(...c.lines.map((l) => l.step));
    if (c.next === offset && !c.more) break;
    offset = c.next;
  }
  assert.equal(steps, [1, 3]);
});

test('a metrics.jsonl shorter than the offset reads as truncated; a missing one as empty', () => {
  const path = join(root, 'shrunk.jsonl');
  writeFileSync(path, JSON.stringify(stepLine(1)) + '\n');
  const c = readMetricsChunk(path, 0);
  truncateSync(path, 0);
  assert.equal(readMetricsChunk(path, c.next), { lines: [], next: 0, more: false, truncated: true });
  assert.equal(readMetricsChunk(join(root, 'none.jsonl'), 0), { lines: [], next: 0, more: false, truncated: false });
});

test('runStateOf: no summary is running; a summary finished or interrupted; metrics past the interruption are a resumed run, running', () => {
  const rl = { interrupted: { stage: 'rl', step: 2, checkpoint: 'c' } };
  const ws = { interrupted: { stage: 'warm-start', step: 2, checkpoint: 'c' } };
  const cases: [Record<string, unknown> | undefined, { rl: number; warmStart: number }, string][] = [
    [undefined, { rl: 5, warmStart: 0 }, 'running'],
    [{ steps: 5 }, { rl: 5, warmStart: 0 }, 'finished'],
    [rl, { rl: 2, warmStart: 4 }, 'interrupted'],
    [rl, { rl: 3, warmStart: 4 }, 'running'],
    [ws, { rl: 0, warmStart: 2 }, 'interrupted'],
    [ws, { rl: 0, warmStart: 3 }, 'running'],
    [ws, { rl: 1, warmStart: 2 }, 'running'],
  ];
  for (const [summary, last, want] of cases) assert.is(runStateOf(summary, last), want, JSON.stringify([summary, last]));
});

test('readRun of an interrupted run that was resumed (its old summary still there) says running', () => {
  const r = fixtureRun(root, 'resumed');
  r.lines([stepLine(1), stepLine(2)]);
  r.summary({ interrupted: { stage: 'rl', step: 2, checkpoint: join(r.dir, 'step-000002') } });
  assert.is(readRun(r.dir).state, 'interrupted');
  r.lines([stepLine(3)]);
  assert.is(readRun(r.dir).state, 'running');
});

test("a run's config.json compiles to the job it was started with, so the resume command the page shows is accepted", () => {
  const job = compileJobConfig({ name: 'again', outputDir: '/tmp/x', seed: 9, train: { steps: 7 } });
  // learner/run-recorder.ts writes the config as JSON.stringify(config, null, 2).
  const again = parseJobYaml(JSON.stringify(job, null, 2), 'config.json');
  assert.is(configHashOf(again), configHashOf(job));
  assert.is(resumeCommand('runs/a b'), "anomseer train 'runs/a b/config.json' --resume 'runs/a b'");
  assert.is(resumeCommand('runs/x/'), 'anomseer train runs/x/config.json --resume runs/x/');
});

test('DownsampledTable.rewind drops the rows at a step and after, so a rewritten step can be appended again', () => {
  const t = new DownsampledTable(8);
  for (let s = 1; s <= 5; s++) t.append(s, { v: s });
  assert.is(t.rewind(4), 2);
  assert.is(t.lastStep, 3);
  assert.ok(t.append(4, { v: 40 }));
  assert.equal(t.toJSON().columns.v, [1, 2, 3, 40]);
  assert.is(t.rewind(10), 0);
});

test('RunData: every numeric key becomes a column of its kind; nulls are gaps; a step written again replaces the first write', () => {
  const d = new RunData('a', { dir: '/runs/a', jobId: 'a-1', createdAt: 't', config: { name: 'a', train: { steps: 4 } }, summary: undefined });
  const rows = d.apply(
    asLines([
      { kind: 'warm-start', step: 1, time: 't1', loss: 2.5, lr: 0.001 },
      stepLine(1),
      stepLine(2, { kl: null }),
      stepLine(3),
      evalLine(2, 70),
      stepLine(2, { reward: 0.5 }), // resumed from step 1's checkpoint: step 2 again
    ]),
  );
  assert.equal(
    rows.map((r) => `${r.table}:${r.step}${r.rewind === undefined ? '' : ` rewind ${r.rewind}`}`),
    ['warmStart:1', 'steps:1', 'steps:2', 'steps:3', 'evals:2', 'steps:2 rewind 2'],
  );
  const j = d.toJSON();
  assert.equal(j.steps.step, [1, 2]);
  assert.equal(j.steps.columns.reward, [0.01, 0.5]);
  assert.equal(j.steps.columns.lr, [0.001, 0.0005]);
  assert.equal(j.warmStart.columns.loss, [2.5]);
  assert.equal(j.evals.columns['affiliationF1.average'], [70]);
  assert.equal(lineValues(asLines([stepLine(9, { kl: null })])[0]!).kl, undefined, 'null is no value');
  assert.equal(j.header, {
    id: 'a',
    dir: '/runs/a',
    name: 'a',
    jobId: 'a-1',
    createdAt: 't',
    state: 'running',
    steps: 2,
    totalSteps: 4,
    warmStartSteps: 1,
    lastEval: { step: 2, average: 70 },
    interrupted: null,
    resume: null,
    wallSeconds: null,
    updatedAt: stepLine(2).time,
  });
  d.setFacts({
    dir: '/runs/a',
    jobId: 'a-1',
    createdAt: 't',
    config: {},
    summary: { interrupted: { stage: 'rl', step: 2, checkpoint: '/runs/a/step-000002' }, wallSeconds: 12 },
  });
  const h = d.header();
  assert.is(h.state, 'interrupted');
  assert.equal(h.interrupted, { stage: 'rl', step: 2, checkpoint: '/runs/a/step-000002' });
  assert.is(h.resume, 'anomseer train /runs/a/config.json --resume /runs/a');
  assert.is(h.wallSeconds, 12);
});

test('RunData keeps 5,000 steps within maxPoints rows, the first and the last step exact', () => {
  const d = new RunData('long', { dir: '/l', jobId: undefined, createdAt: undefined, config: undefined, summary: undefined }, 600);
  for (let s = 1; s <= 5000; s += 100) d.apply(asLines(Array.from({ length: 100 }, (_, k) => stepLine(s + k))));
  const t = d.toJSON().steps;
  assert.ok(t.step.length <= 600 && t.step.length >= 300, `${t.step.length} rows`);
  assert.is(t.step[0], 1);
  assert.is(t.step.at(-1), 5000);
  assert.is(
    t.weight.reduce((a, w) => a + w, 0),
    5000,
    'every step is counted once',
  );
  // reward = step / 100 is linear, so a merged row's mean reward is its mean step / 100.
  t.step.forEach((s, i) => assert.ok(Math.abs(t.columns.reward![i]! - s / 100) < 1e-9, `row ${i}`));
});

test('RunsWatcher finds runs, follows their metrics poll by poll within maxBytesPerPoll, and sees them end, appear, restart and go', () => {
  const w = fixtureRun(join(root, 'watch'), 'one');
  w.lines([stepLine(1), stepLine(2)]);
  const watcher = new RunsWatcher({ root: join(root, 'watch'), maxBytesPerPoll: 400 });
  const kinds = (ms: WatchMessage[]) =>
    ms.map((m) => (m.type === 'lines' ? `lines ${m.run} ${m.rows.map((r) => r.step).join(',')}` : `${m.type} ${m.type === 'run' ? m.run.id : m.run}`));
  assert.equal(kinds(watcher.poll()), ['run one', 'lines one 1,2']);
  assert.equal(watcher.poll(), [], 'nothing changed: nothing sent');

  // 20 lines of about 150 bytes: more than one poll's 400 bytes.
  w.lines(Array.from({ length: 20 }, (_, i) => stepLine(3 + i)));
  const seen: number[] = [];
  let polls = 0;
  while (seen.length < 20 && polls < 100) {
    for (const m of watcher.poll()) if (m.type === 'lines') seen.push(...m.rows.map((r) => r.step));
    polls += 1;
  }
  assert.equal(
    seen,
    Array.from({ length: 20 }, (_, i) => 3 + i),
  );
  assert.ok(polls >= 5, `caught up in ${polls} polls of at most 400 bytes`);
  assert.is(watcher.get('one')!.header().steps, 22);

  const two = fixtureRun(join(root, 'watch'), 'nested/two');
  two.lines([stepLine(1)]);
  assert.equal(kinds(watcher.poll()), ['run nested/two', 'lines nested/two 1']);
  assert.equal(
    watcher.list().map((r) => r.id),
    ['nested/two', 'one'],
  );

  w.summary({ steps: 22, wallSeconds: 3 });
  const ended = watcher.poll();
  assert.equal(kinds(ended), ['run one']);
  assert.is(ended[0]!.type === 'run' && ended[0].run.state, 'finished');

  truncateSync(join(two.dir, 'metrics.jsonl'), 0);
  const reset = watcher.poll();
  assert.ok(
    reset.some((m) => m.type === 'run' && m.run.id === 'nested/two' && m.reset === true && m.run.steps === 0),
    JSON.stringify(reset),
  );

  rmSync(two.dir, { recursive: true });
  assert.equal(kinds(watcher.poll()), ['removed nested/two']);
  assert.is(watcher.dirOf('nested/two'), undefined);
});

test('RunsWatcher.catchUp reads every run to the end before the first page is served', () => {
  const r = fixtureRun(join(root, 'catch'), 'big');
  r.lines(Array.from({ length: 300 }, (_, i) => stepLine(i + 1)));
  const watcher = new RunsWatcher({ root: join(root, 'catch'), maxBytesPerPoll: 1000 });
  watcher.catchUp();
  assert.is(watcher.get('big')!.header().steps, 300);
  assert.is(watcher.get('big')!.toJSON().steps.step.length, 300);
});

test('trace pages: newest step first, whole steps per page, a cursor to the older ones; search by prompt id with a bounded scan', () => {
  const r = fixtureRun(join(root, 'traces'), 'tr');
  for (let s = 1; s <= 30; s++)
    r.traces(s, [trace(s, `p-${s % 3}`, 0), trace(s, `p-${s % 3}`, 1), trace(s, 'p-common', 0), trace(s, s === 2 ? 'p-rare' : 'p-x', 0)]);
  const p1 = readTracePage(r.dir, { limit: 10 });
  assert.equal([...new Set(p1.traces.map((t) => t.step))], [30, 29, 28]);
  assert.is(p1.traces.length, 12, 'a step is never split');
  assert.is(p1.next, 28);
  assert.equal(p1.files, { count: 30, first: 1, last: 30 });
  const p2 = readTracePage(r.dir, { limit: 10, before: p1.next! });
  assert.equal([...new Set(p2.traces.map((t) => t.step))], [27, 26, 25]);
  assert.equal(p1.traces[0]!.predicted, [[10, 20]]);
  assert.is(p1.traces[0]!.predictedType, 'global point');

  // p-rare is only in step 2: with at most 10 files a page, steps 30–21 and 20–11 find nothing, 10–1 finds it.
  const found: number[] = [];
  let before: number | undefined;
  let pages = 0;
  for (;;) {
    const p = readTracePage(r.dir, { prompt: 'p-rare', before, maxFiles: 10 });
    pages += 1;
    assert.ok(p.scanned <= 10);
    found.push(...p.traces.map((t) => t.step));
    if (p.next === null) break;
    before = p.next;
  }
  assert.equal(found, [2]);
  assert.is(pages, 3);

  const matches = readTracePage(r.dir, { prompt: 'p-1', limit: 1000 });
  assert.is(matches.traces.length, 20, 'steps 1, 4, …, 28: two samples each');
  assert.ok(matches.traces.every((t) => t.promptId === 'p-1'));
  const t = matches.traces[3]!;
  assert.equal(readTrace(r.dir, t.step, t.index)?.promptId, 'p-1');
  assert.is(readTrace(r.dir, 99, 0), undefined);
  assert.is(readTrace(r.dir, 5, 99), undefined);
});

test.run();
