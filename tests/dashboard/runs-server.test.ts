// The runs dashboard's server on 127.0.0.1:0 over run directories written by hand: the token
// on every route and on the websocket upgrade; the run list, a run's tables, trace pages, eval
// reports and trace plots over HTTP, each refusing what it does not know; and over /ws the
// hello, the tables of the runs a page watches, the rows those runs gain (not the others'),
// runs that appear and runs that end.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunDataJson, RunHeader, RowUpdate } from '../../dashboard/run-data.js';
import type { TracePage } from '../../dashboard/run-traces.js';
import { MAX_WATCHED, startRunsDashboard } from '../../dashboard/runs-server.js';
import type { RunsDashboard } from '../../dashboard/runs-server.js';
import { evalLine, fixtureRun, stepLine, trace } from './run-fixture.js';
import { connectClient, upgradeStatus } from './ws-client.js';

const TOKEN = 'runs-test-token-0123456789';
const root = mkdtempSync(join(tmpdir(), 'anomseer-runs-server-'));
const one = fixtureRun(root, 'one', { steps: 3 });
one.lines([stepLine(1), stepLine(2), evalLine(2, 71.5), stepLine(3)]);
one.traces(2, [trace(2, 'train/range/0000', 0), trace(2, 'train/range/0001', 0)]);
one.traces(3, [trace(3, 'train/range/0000', 0), trace(3, 'unknown-prompt', 0)]);
one.evalReport(2, { count: 4, classAccuracy: 90, affiliationF1: { average: 71.5 } });
one.summary({ steps: 3, wallSeconds: 9 });
const two = fixtureRun(root, 'two');
two.lines([stepLine(1)]);

type Msg =
  | { type: 'hello'; root: string; runs: RunHeader[]; limits: { maxPoints: number }; paperRows: unknown[] }
  | { type: 'run'; run: RunHeader; reset?: true }
  | { type: 'run-data'; run: string; data: RunDataJson }
  | { type: 'lines'; run: string; rows: RowUpdate[] }
  | { type: 'removed'; run: string };

let dash: RunsDashboard;
const series = Float64Array.from({ length: 128 }, (_, i) => Math.sin(i / 7) * 0.8);
const loads: string[] = [];

test.before(async () => {
  dash = await startRunsDashboard({
    root,
    token: TOKEN,
    // The page's polling is driven by the test (dash.poll()); an hour never comes.
    pollMs: 3_600_000,
    loadRecords: async (spec) => {
      loads.push(spec);
      return [{ id: 'train/range/0000', series, intervals: [[10, 20]], type: 'global point' }];
    },
  });
});
test.after(async () => {
  await dash.close();
  rmSync(root, { recursive: true, force: true });
});

const get = (path: string, token: string | null = TOKEN) =>
  fetch(new URL(path, dash.url), token === null ? {} : { headers: { authorization: `Bearer ${token}` } });

test('every route without the token, or with another, is 401 with no data; so is the websocket upgrade', async () => {
  for (const path of ['/', '/runs.js', '/api/runs', '/api/run?id=one', '/api/traces?id=one', '/api/eval?id=one&step=2', '/api/plot?id=one&step=2&i=0']) {
    for (const token of [null, 'wrong-token-wrong-token']) {
      const res = await get(path, token);
      assert.is(res.status, 401, `${path} ${token}`);
      assert.not.match(await res.text(), /one|reward|train\/range/, `${path} leaks data`);
    }
  }
  const ws = `${dash.url.replace('http', 'ws')}ws`;
  assert.is(await upgradeStatus(ws), 401);
  assert.is(await upgradeStatus(`${ws}?token=wrong-token-wrong-token`), 401);
});

test('the page, its scripts and the run list answer the token; the list says finished and running', async () => {
  const page = await fetch(new URL(`/?token=${TOKEN}`, dash.url));
  assert.is(page.status, 200);
  const html = await page.text();
  assert.match(html, `runs.js?token=${TOKEN}`);
  assert.match(html, `table.js?token=${TOKEN}`);
  assert.is(page.headers.get('referrer-policy'), 'no-referrer');
  const list = (await (await get('/api/runs')).json()) as { root: string; runs: RunHeader[] };
  assert.is(list.root, root);
  assert.equal(
    list.runs.map((r) => [r.id, r.name, r.state, r.steps, r.totalSteps, r.lastEval]),
    [
      ['one', 'one', 'finished', 3, 3, { step: 2, average: 71.5 }],
      ['two', 'two', 'running', 1, 10, null],
    ],
  );
});

test("a run's tables, traces, eval report and plot; unknown runs, steps and bad parameters are refused", async () => {
  const run = (await (await get('/api/run?id=one')).json()) as RunDataJson;
  assert.equal(run.steps.step, [1, 2, 3]);
  assert.equal(run.steps.columns.lr, [1e-3, 1e-3 / 2, 1e-3 / 3]);
  assert.equal(run.evals.columns.pointF1, [61.5]);

  const page = (await (await get('/api/traces?id=one&limit=1')).json()) as TracePage;
  assert.equal(
    page.traces.map((t) => [t.step, t.promptId]),
    [
      [3, 'train/range/0000'],
      [3, 'unknown-prompt'],
    ],
  );
  assert.is(page.next, 3);
  const older = (await (await get('/api/traces?id=one&limit=1&before=3')).json()) as TracePage;
  assert.equal(
    older.traces.map((t) => t.step),
    [2, 2],
  );
  assert.is(older.next, null);
  const search = (await (await get('/api/traces?id=one&prompt=range%2F0001')).json()) as TracePage;
  assert.equal(
    search.traces.map((t) => [t.step, t.promptId, t.index]),
    [[2, 'train/range/0001', 1]],
  );

  const report = (await (await get('/api/eval?id=one&step=2')).json()) as { classAccuracy: number };
  assert.is(report.classAccuracy, 90);

  const png = await get('/api/plot?id=one&step=3&i=0');
  assert.is(png.status, 200);
  assert.is(png.headers.get('content-type'), 'image/png');
  assert.equal([...Buffer.from(await png.arrayBuffer()).subarray(1, 4)], [...Buffer.from('PNG')]);
  assert.equal(loads, ['anomllm:train?count=1&length=128&tasks=range'], "the run's training data, loaded once");
  assert.is((await get('/api/plot?id=one&step=3&i=1')).status, 404, 'a prompt not in the data has no plot');

  for (const [path, status] of [
    ['/api/run?id=three', 404],
    ['/api/run?id=..%2Fone', 404],
    ['/api/run', 404],
    ['/api/eval?id=one&step=3', 404],
    ['/api/eval?id=one&step=-1', 400],
    ['/api/eval?id=one&step=..%2F..%2Frun', 400],
    ['/api/traces?id=one&limit=0', 400],
    ['/api/traces?id=one&before=x', 400],
    ['/api/plot?id=one&step=9&i=0', 404],
    ['/api/plot?id=one&step=2&i=x', 400],
    ['/api/nothing?id=one', 404],
    ['/../package.json', 404],
  ] as const) {
    assert.is((await get(path)).status, status, path);
  }
});

test('over /ws: hello first, the tables of watched runs, then only their new rows; runs that appear or end reach everyone', async () => {
  const c = await connectClient<Msg>(`${dash.url.replace('http', 'ws')}ws?token=${TOKEN}`);
  const hello = await c.next(() => true);
  assert.ok(hello.type === 'hello');
  assert.equal(hello.type === 'hello' && hello.runs.map((r) => r.id), ['one', 'two']);
  assert.is(hello.type === 'hello' && hello.paperRows.length, 6);

  c.send({ type: 'watch', runs: ['two', 'no-such-run'] });
  const data = await c.next((m) => m.type === 'run-data', 'run-data of two');
  assert.ok(data.type === 'run-data' && data.run === 'two');
  assert.equal(data.type === 'run-data' && data.data.steps.step, [1]);

  two.lines([stepLine(2), stepLine(3, { reward: 0.75 })]);
  one.lines([stepLine(4)]);
  dash.poll();
  // Per run: its header (when it changed), then its rows.
  const header = await c.next((m) => m.type === 'run' && m.run.id === 'two', 'header of two');
  assert.is(header.type === 'run' && header.run.steps, 3);
  const lines = await c.next((m) => m.type === 'lines', 'lines of two');
  assert.ok(lines.type === 'lines' && lines.run === 'two');
  assert.equal(lines.type === 'lines' && lines.rows.map((r) => [r.table, r.step, r.values.reward]), [
    ['steps', 2, 0.02],
    ['steps', 3, 0.75],
  ]);

  const three = fixtureRun(root, 'three');
  three.lines([stepLine(1)]);
  two.summary({ interrupted: { stage: 'rl', step: 3, checkpoint: join(two.dir, 'step-000003') } });
  dash.poll();
  const added = await c.next((m) => m.type === 'run' && m.run.id === 'three', 'the new run');
  assert.ok(added.type === 'run' && added.run.state === 'running');
  const ended = await c.next((m) => m.type === 'run' && m.run.id === 'two', 'two interrupted');
  assert.ok(ended.type === 'run' && ended.run.state === 'interrupted' && ended.run.resume === `anomseer train ${two.dir}/config.json --resume ${two.dir}`);
  assert.not.ok(
    c.messages.some((m) => m.type === 'lines' && m.run !== 'two'),
    'rows only of the watched run',
  );

  // A page may watch at most MAX_WATCHED runs; asking again for a run it watches sends nothing new.
  c.send({ type: 'watch', runs: ['two', 'one', ...Array.from({ length: MAX_WATCHED + 5 }, (_, i) => `x${i}`)] });
  const oneData = await c.next((m) => m.type === 'run-data', 'run-data of one');
  assert.ok(oneData.type === 'run-data' && oneData.run === 'one' && oneData.data.steps.step.length === 4);
  c.ws.close();
});

test.run();
