// `anomseer dashboard <root>` in real headless Chromium, over two real training runs (the
// trainer in this process, tiny configs, different seeds): one finished, one interrupted by
// its AbortSignal after RL step 2. The command generates its token into a 0600 file and
// prints it masked; without the token every route and the websocket are refused. With it,
// both runs are ticked and one chart holds both runs' curves — a series per run, aligned by
// step, with as many points as each run has steps and the very values of its metrics.jsonl —
// the list says which run finished and where the other stopped and how to resume it, the eval
// table lists every eval of both, the trace history pages to the first step and finds a
// prompt's traces by id, and a run whose files grow (a live run) reaches the chart line by line
// and turns "finished" when its summary appears.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { maskToken } from '../../dashboard/token.js';
import { runTraining } from '../../learner/trainer.js';
import { compileJobConfig } from '../../shared/config/job.js';
import { parseJobYaml } from '../../shared/config/load.js';
import { configHashOf } from '../../shared/job/plan.js';
import { parseTraceLines, readRun, stepFiles } from '../../shared/training/run-files.js';
import type { MetricsLine } from '../../shared/training/run-files.js';
import { killAll, startRole } from '../cluster/procs.js';
import type { Proc } from '../cluster/procs.js';
import { EVENT_LIMIT_MS, within } from '../helpers/wait.js';
import { CHROMIUM, launchChromium } from './chromium.js';
import { upgradeStatus } from './ws-client.js';

const root = mkdtempSync(join(tmpdir(), 'anomseer-runs-browser-'));
const runs = join(root, 'runs');
const tokenFile = join(root, 'home', '.anomseer', 'dashboard.token');
const STEPS = 6;

const job = (name: string, seed: number) =>
  compileJobConfig({
    name,
    seed,
    outputDir: join(runs, name),
    data: { train: 'anomllm:train?count=2&length=128&tasks=range,point', eval: 'anomllm:eval?count=1&length=128&tasks=range', seriesLength: 128 },
    policy: { rasterHeight: 16, rasterWidth: 64, dModel: 16, encoderLayers: 1, decoderLayers: 1, heads: 2, ffnDim: 32, maxTraceTokens: 300 },
    rollout: { groupSize: 2, promptsPerStep: 2, maxNewTokens: 300 },
    train: { steps: STEPS, checkpointEvery: 0, evalEvery: 2, evalCount: 1, warmStart: { enabled: true, steps: 2, batchSize: 2 } },
  });

let browser: Browser;
let page: Page;
let dash: Proc;
let url = '';
let token = '';

test.before(async () => {
  browser = await launchChromium();
  // bypassCSP: the page's policy forbids eval, which Playwright's string predicates use.
  page = await browser.newPage({ viewport: { width: 1440, height: 1800 }, bypassCSP: true });
});

test.after(async () => {
  await browser?.close();
  await killAll();
  rmSync(root, { recursive: true, force: true });
});

// Browser-side code is written as strings: this project compiles without the DOM library.
const text = async (sel: string) => String(await page.evaluate(`document.querySelector(${JSON.stringify(sel)})?.textContent ?? ''`));
const waitFor = (predicate: string) => page.waitForFunction(predicate, undefined, { timeout: EVENT_LIMIT_MS });
/** A chart's uPlot data: x (steps), then one array per selected run, and the series labels. */
const chart = async (key: string) =>
  (await page.evaluate(
    `(() => { const u = document.querySelector('[data-chart="${key}"]').uplot; return { labels: u.series.slice(1).map((s) => s.label), data: u.data.map((a) => Array.from(a)) }; })()`,
  )) as { labels: string[]; data: (number | null)[][] };
/** What a chart keyed `table:column` should hold for these runs: x = the union of steps, a column per run, null where it has none. */
function expected(kind: MetricsLine['kind'], column: string, ids: string[]): (number | null)[][] {
  const lines = ids.map((id) => readRun(join(runs, id)).metrics.filter((l) => l.kind === kind));
  const xs = [...new Set(lines.flat().map((l) => l.step))].sort((a, b) => a - b);
  return [xs, ...lines.map((ls) => xs.map((x) => (ls.find((l) => l.step === x)?.[column] as number | null | undefined) ?? null))];
}

test('headless Chromium is installed (apt-get install -y chromium)', () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found: run \`apt-get install -y chromium\``);
});

test('two real runs: alpha finished, beta interrupted by its signal after RL step 2', async () => {
  const started = Date.now();
  await runTraining(job('alpha', 3), { clock: () => new Date(), log: () => {} });
  const stop = new AbortController();
  await runTraining(job('beta', 5), {
    clock: () => new Date(),
    log: () => {},
    signal: stop.signal,
    onEvent: (e) => e.kind === 'step' && e.step === 2 && stop.abort(),
  });
  console.log(`two runs trained in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  assert.is(readRun(join(runs, 'alpha')).state, 'finished');
  assert.is(readRun(join(runs, 'beta')).state, 'interrupted');
});

test('anomseer dashboard <root> writes a generated token to a 0600 file and prints it masked, never in full', async () => {
  dash = startRole('dashboard', ['dashboard', runs, '--port', '0', '--token-file', tokenFile, '--poll-ms', '200'], { ANOMSEER_TOKEN: '' });
  const m = await dash.waitFor(/^dashboard: (http:\/\/127\.0\.0\.1:\d+\/)\?token=<the token in (.+)>$/, EVENT_LIMIT_MS);
  url = m[1]!;
  assert.is(m[2], tokenFile);
  token = readFileSync(tokenFile, 'utf8').trim();
  assert.match(token, /^[0-9a-f]{64}$/);
  assert.is(statSync(tokenFile).mode & 0o777, 0o600);
  assert.ok(dash.lines.includes(`dashboard: token ${maskToken(token)} (generated; written to ${tokenFile})`), dash.lines.join('\n'));
  assert.ok(dash.lines.includes(`dashboard: 2 runs under ${runs} (1 finished, 1 interrupted, 0 running)`), dash.lines.join('\n'));
  assert.not.ok(
    dash.lines.some((l) => l.includes(token)),
    'the full token is never printed',
  );
});

test('without the token the page, the API and the websocket are refused, with no data', async () => {
  for (const bad of [url, `${url}?token=wrong-token-wrong-token`, `${url}api/runs`, `${url}api/run?id=alpha`, `${url}api/traces?id=alpha`]) {
    const res = await page.goto(bad);
    assert.is(res?.status(), 401, bad);
    assert.not.match(await page.content(), /alpha|beta|reward|finished/);
  }
  const ws = `${url.replace('http', 'ws')}ws`;
  assert.is(await upgradeStatus(ws), 401);
  assert.is(await upgradeStatus(`${ws}?token=wrong-token-wrong-token`), 401);
});

test("selecting both runs overlays their curves on one chart: one series per run, aligned by step, equal to each run's metrics.jsonl", async () => {
  await page.goto(`${url}?token=${token}`);
  await waitFor("document.querySelector('#conn').textContent === 'live'");
  await waitFor("document.querySelectorAll('#runs tr[data-run]').length === 2");
  assert.is(await text('#runs tr[data-run="alpha"] td.state'), 'finished');
  assert.is(await text('#runs tr[data-run="beta"] td.state'), 'interrupted at RL step 2');
  assert.is(await text('#runs tr[data-run="alpha"] td.steps'), `${STEPS} / ${STEPS}`);
  assert.is(await text('#runs tr[data-run="beta"] td.steps'), `2 / ${STEPS}`);

  await page.click('#runs input[data-run="alpha"]');
  await page.click('#runs input[data-run="beta"]');
  // Both runs' tables have arrived: alpha's reward series has every step, beta's its two.
  await waitFor(
    `(() => { const u = document.querySelector('[data-chart="steps:reward"]')?.uplot; return u !== undefined && u.data.length === 3 && u.data[1].filter((v) => v !== null).length === ${STEPS} && u.data[2].filter((v) => v !== null).length === 2; })()`,
  );
  const reward = await chart('steps:reward');
  assert.equal(reward.labels, ['alpha', 'beta']);
  assert.equal(reward.data, expected('step', 'reward', ['alpha', 'beta']));
  assert.equal(reward.data[0], [1, 2, 3, 4, 5, 6], 'x: the steps of both runs');
  // Any key charts the same way: the learning rate, a loss, an eval column.
  for (const [key, kind, column] of [
    ['steps:lr', 'step', 'lr'],
    ['steps:loss', 'step', 'loss'],
    ['warmStart:loss', 'warm-start', 'loss'],
    ['evals:affiliationF1.average', 'eval', 'affiliationF1.average'],
    ['evals:pointF1', 'eval', 'pointF1'],
  ] as const) {
    assert.equal((await chart(key)).data, expected(kind, column, ['alpha', 'beta']), key);
  }
  const lr = await chart('steps:lr');
  assert.ok(
    lr.data[1]!.every((v) => typeof v === 'number' && v > 0),
    'the learning rate of every step',
  );

  // A chart of any key the runs hold, added from the list.
  await page.selectOption('#add-chart', 'steps:timings.ot');
  await waitFor(`document.querySelector('[data-chart="steps:timings.ot"]')?.uplot !== undefined`);
  assert.equal((await chart('steps:timings.ot')).data, expected('step', 'timings.ot', ['alpha', 'beta']));
  assert.match(await page.evaluate('location.hash'), /runs=alpha%2Cbeta|runs=alpha,beta/);
});

test('a finished run says finished; an interrupted one says where it stopped and the command that resumes it', async () => {
  const alpha = await text('#selected p[data-run="alpha"]');
  assert.match(alpha, `finished: ${STEPS} RL steps in`);
  const beta = await text('#selected p[data-run="beta"]');
  const dir = join(runs, 'beta');
  assert.match(beta, `interrupted in the RL after step 2; checkpoint ${join(dir, 'step-000002')}`);
  const resume = await text('#selected p[data-run="beta"] code');
  assert.is(resume, `anomseer train ${dir}/config.json --resume ${dir}`);
  // The command is right: the run's config.json compiles to the job run.json names.
  const again = parseJobYaml(readFileSync(join(dir, 'config.json'), 'utf8'), 'config.json');
  assert.is(configHashOf(again), (JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { configHash: string }).configHash);
});

test('the eval table lists every eval of both runs', async () => {
  const rows = (await page.evaluate(
    "[...document.querySelectorAll('#evals tr[data-run]')].map((r) => [r.dataset.run, Number(r.dataset.step), r.cells[7].textContent])",
  )) as [string, number, string][];
  const want = ['alpha', 'beta'].flatMap((id) =>
    readRun(join(runs, id))
      .metrics.filter((l) => l.kind === 'eval')
      .map((l) => [id, l.step, (l['affiliationF1.average'] as number).toFixed(1)]),
  );
  assert.ok(want.length >= 3, `${want.length} evals`);
  assert.equal(rows, want);
});

test("the trace history pages through every trace of a run, and a search by prompt id finds that prompt's traces", async () => {
  const files = stepFiles(join(runs, 'alpha', 'traces'), '.jsonl');
  const all = files.flatMap((f) => parseTraceLines(readFileSync(f.file, 'utf8')));
  assert.is(files.length, STEPS);

  await page.selectOption('#trace-run', 'alpha');
  await page.fill('#trace-prompt', '');
  await page.click('#trace-form button[type="submit"]');
  await waitFor("document.querySelector('#trace-status').dataset.shown !== undefined && document.querySelectorAll('#trace-list article').length > 0");
  // Pages of whole steps, newest first, until the first step.
  while (await page.isVisible('#trace-more')) {
    const before = Number(await page.evaluate("document.querySelectorAll('#trace-list article').length"));
    await page.click('#trace-more');
    await waitFor(`document.querySelectorAll('#trace-list article').length > ${before}`);
  }
  const steps = (await page.evaluate("[...document.querySelectorAll('#trace-list article')].map((a) => Number(a.dataset.step))")) as number[];
  assert.is(steps.length, all.length, 'every trace of the run');
  assert.equal(
    steps,
    [...steps].sort((a, b) => b - a),
    'newest step first',
  );
  assert.equal([...new Set(steps)], [6, 5, 4, 3, 2, 1]);

  const prompt = all[0]!.promptId;
  const mine = all.filter((t) => t.promptId.includes(prompt));
  assert.ok(mine.length > 0 && mine.length < all.length, `${mine.length} of ${all.length}`);
  await page.fill('#trace-prompt', prompt);
  await page.click('#trace-form button[type="submit"]');
  await waitFor(`document.querySelector('#trace-status').dataset.shown === '${mine.length}'`);
  const found = (await page.evaluate("[...document.querySelectorAll('#trace-list article')].map((a) => [a.dataset.prompt, Number(a.dataset.step)])")) as [
    string,
    number,
  ][];
  assert.equal(found.map(([p]) => p).sort(), mine.map((t) => t.promptId).sort());
  assert.equal(found.map(([, s]) => s).sort(), mine.map((t) => t.step).sort());
  assert.match(await text('#trace-list article pre'), /<think>/);
  // The plot of the prompt's series (the run's data, generated again here) with its intervals.
  await waitFor("[...document.querySelectorAll('#trace-list article img')].length > 0");
  await waitFor("[...document.querySelectorAll('#trace-list article img')].every((i) => i.complete && i.naturalWidth === 1000)");
});

test('a live run: lines appended to its metrics.jsonl reach its curve, and its summary turns it finished', async () => {
  // gamma's files are written as a trainer writes them: run.json and config.json first, then
  // one metrics line per step (alpha's lines, so the expected values are known), then the summary.
  const gamma = join(runs, 'gamma');
  mkdirSync(gamma, { recursive: true });
  for (const f of ['run.json', 'config.json']) copyFileSync(join(runs, 'alpha', f), join(gamma, f));
  const lines = readFileSync(join(runs, 'alpha', 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n');
  const stepLines = lines.filter((l) => (JSON.parse(l) as MetricsLine).kind === 'step');
  appendFileSync(join(gamma, 'metrics.jsonl'), stepLines.slice(0, 2).join('\n') + '\n');
  await waitFor(`document.querySelector('#runs tr[data-run="gamma"] td.state')?.textContent.startsWith('running')`);
  await page.click('#runs input[data-run="gamma"]');
  const gammaPoints = (n: number) =>
    waitFor(
      `(() => { const u = document.querySelector('[data-chart="steps:reward"]')?.uplot; return u !== undefined && u.series.length === 4 && u.data[3].filter((v) => v !== null).length === ${n}; })()`,
    );
  await gammaPoints(2);
  for (let k = 3; k <= STEPS; k++) {
    appendFileSync(join(gamma, 'metrics.jsonl'), stepLines[k - 1] + '\n');
    await gammaPoints(k);
  }
  const reward = await chart('steps:reward');
  assert.equal(reward.labels, ['alpha', 'beta', 'gamma']);
  assert.equal(reward.data, expected('step', 'reward', ['alpha', 'beta', 'gamma']));
  assert.equal(reward.data[3], reward.data[1], "gamma's lines are alpha's");

  copyFileSync(join(runs, 'alpha', 'summary.json'), join(gamma, 'summary.json'));
  await waitFor(`document.querySelector('#runs tr[data-run="gamma"] td.state').textContent === 'finished'`);
  // docs/img/runs-dashboard.png is refreshed on request only (UPDATE_SCREENSHOTS=1), so a test run leaves the tree clean.
  await page.click('#runs input[data-run="gamma"]');
  await waitFor(`document.querySelector('[data-chart="steps:reward"]')?.uplot.series.length === 3`);
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: process.env.UPDATE_SCREENSHOTS === '1' ? 'docs/img/runs-dashboard.png' : join(root, 'runs-dashboard.png'), fullPage: false });
});

test('SIGTERM stops the dashboard cleanly', async () => {
  dash.child.kill('SIGTERM');
  assert.is(await within(dash.exited, 'the dashboard to exit'), 0);
});

test.run();
