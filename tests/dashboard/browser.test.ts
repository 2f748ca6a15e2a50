// The dashboard in real headless Chromium, fed by a short training run in this process:
// without the token the page is 401 with no data; with it, the reward chart gains points as
// steps land, the cluster table lists the in-process worker, a sample trace shows with its
// annotated plot, and after a dashboard restart the page reconnects and the new snapshot
// replaces its history. (docs/img/dashboard.png comes from the cluster path: cluster-browser.test.ts.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startDashboard } from '../../dashboard/server.js';
import type { Dashboard } from '../../dashboard/server.js';
import { LocalStatus } from '../../dashboard/status.js';
import { runTraining } from '../../learner/trainer.js';
import { compileJobConfig } from '../../shared/config/job.js';
import { CHROMIUM, launchChromium, newPage, recordAttribute } from './chromium.js';
import { fakeStep } from './fake-events.js';
import { EVENT_LIMIT_MS } from '../helpers/wait.js';

const TOKEN = 'browser-test-token-0123456789';
const STEPS = 6;
const root = mkdtempSync(join(tmpdir(), 'anomseer-dash-'));
const job = compileJobConfig({
  name: 'dashboard-demo',
  seed: 11,
  outputDir: join(root, 'run'),
  data: { train: 'anomllm:train?count=2&length=256', eval: 'anomllm:eval?count=1&length=256', seriesLength: 256 },
  policy: { rasterHeight: 32, rasterWidth: 128, dModel: 32, encoderLayers: 1, decoderLayers: 1, heads: 2, ffnDim: 64, maxTraceTokens: 200 },
  rollout: { groupSize: 4, promptsPerStep: 4, maxNewTokens: 200 },
  train: { steps: STEPS, checkpointEvery: 0, evalEvery: 3, evalCount: 1, warmStart: { enabled: true, steps: 3, batchSize: 4 } },
});

let browser: Browser;
let page: Page;
let dash: Dashboard;
// A missing browser is a failure, never a skip: .ci/run installs Debian's chromium.
const t = test;
test('headless Chromium is installed (apt-get install -y chromium)', () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found: run \`apt-get install -y chromium\` (.ci/run does)`);
});

// Browser-side code is written as strings: this project compiles without the DOM library.
const points = async () => Number(await page.evaluate("document.querySelector('#chart-reward').dataset.points"));
const rewardPointsAre = (n: number) => page.waitForFunction(`document.querySelector('#chart-reward').dataset.points === '${n}'`);
const connIsLive = () => page.waitForFunction("document.querySelector('#conn').textContent === 'live'");
const text = async (sel: string) => String(await page.evaluate(`document.querySelector(${JSON.stringify(sel)})?.textContent ?? ''`));

test.before(async () => {
  if (!existsSync(CHROMIUM)) return;
  browser = await launchChromium();
  // bypassCSP: the page's policy forbids eval, which Playwright's string predicates use.
  page = await newPage(browser, { viewport: { width: 1440, height: 1760 }, bypassCSP: true });
});

test.after(async () => {
  await browser?.close();
  await dash?.close();
  rmSync(root, { recursive: true, force: true });
});

t('a short training run shows live: 401 without the token, then charts, workers, traces and plots', async () => {
  const local = new LocalStatus({ clock: () => Date.now(), host: hostname(), device: 'cpu', promptsPerStep: job.rollout.promptsPerStep });
  dash = await startDashboard({
    token: TOKEN,
    job: { name: job.name, steps: STEPS },
    status: local.status,
    // no lookupRecord: the trainer's step events carry their prompts' records
    statusIntervalMs: 200,
  });

  for (const url of [dash.url, `${dash.url}?token=wrong-token-wrong-token`, `${dash.url}api/snapshot`]) {
    const res = await page.goto(url);
    assert.is(res?.status(), 401, url);
    assert.not.match(await page.content(), /reward|local-0|snapshot/);
  }

  await page.goto(`${dash.url}?token=${TOKEN}`);
  await connIsLive();
  assert.is(await points(), 0);

  // Every point count the chart shows while the run goes on (recorded in the page): it must
  // climb step by step.
  const counts = await recordAttribute(page, '#chart-reward', 'data-points');
  const started = Date.now();
  await runTraining(job, {
    clock: () => new Date(),
    log: () => {},
    onEvent: (e) => {
      local.observe(e);
      dash.publish(e);
    },
  });
  local.finish();
  await rewardPointsAre(STEPS);
  const seen = (await counts()).map(Number);
  console.log(`training ${STEPS} steps took ${((Date.now() - started) / 1000).toFixed(1)} s; reward chart counts seen: ${[...new Set(seen)].join(' ')}`);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i] >= seen[i - 1], `chart went from ${seen[i - 1]} to ${seen[i]} points`);
  assert.ok(new Set(seen.filter((n) => n > 0 && n < STEPS)).size >= 2, `the chart grew in steps, not all at once: ${[...new Set(seen)]}`);

  await dash.refreshStatus();
  await page.waitForSelector('#workers tr[data-worker="local-0"] td.state-done');
  const row = (await page.evaluate(`[...document.querySelector('#workers tr[data-worker="local-0"]').children].map((c) => c.textContent)`)) as string[];
  assert.equal(row.slice(0, 3), ['local-0', hostname(), 'cpu']);
  assert.is(row[4], `v${STEPS + 1}`, 'warm start + 6 RL steps = weights v7');

  const trace = await page.waitForSelector('#traces article.trace img');
  await page.waitForFunction("[...document.querySelectorAll('#traces img')].every((i) => i.complete && i.naturalWidth === 1000)");
  const card = await text('#traces article.trace');
  assert.match(card, /<think>/);
  assert.match(card, /Â grounded/);
  assert.ok(trace !== null);
  assert.match(await text('#eval-table tr.ours'), /anomseer \(step 6\)/);

  const shot = join(root, 'dashboard.png');
  mkdirSync(dirname(shot), { recursive: true });
  await page.screenshot({ path: shot, fullPage: false });
  if (process.env.DASHBOARD_FULL_SCREENSHOT !== undefined) await page.screenshot({ path: process.env.DASHBOARD_FULL_SCREENSHOT, fullPage: true });
});

t('after a dashboard restart the page reconnects and the new snapshot replaces its history', async () => {
  const port = dash.port;
  await dash.close();
  await page.waitForFunction("document.querySelector('#conn').className.includes('conn-closed')");
  dash = await startDashboard({ token: TOKEN, port, job: { name: 'restarted', steps: 2 } });
  dash.publish(fakeStep(1));
  dash.publish(fakeStep(2));
  await connIsLive();
  await rewardPointsAre(2);
  assert.match(await text('#job-name'), /restarted/);
  dash.publish(fakeStep(3));
  await rewardPointsAre(3);
});

t('3,000 live steps keep the page responsive and its charts bounded by downsampling', async () => {
  const started = Date.now();
  for (let k = 4; k < 3004; k++) {
    dash.publish(fakeStep(k));
    if (k % 200 === 0) await new Promise((r) => setImmediate(r));
  }
  await page.waitForFunction("document.querySelector('#progress').textContent.startsWith('step 3003 ')");
  await page.waitForFunction("Number(document.querySelector('#chart-reward').dataset.points) > 0");
  const n = await points();
  console.log(`3,000 steps through the page in ${((Date.now() - started) / 1000).toFixed(1)} s; reward chart holds ${n} points`);
  assert.ok(n <= 600 && n >= 300, `${n} points`);
  assert.ok(Number(await page.evaluate("document.querySelectorAll('#traces article').length")) <= 24);
});

t('the page runs under its own Content-Security-Policy without errors', async () => {
  const strict = await newPage(browser, { viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  strict.on('pageerror', (e) => errors.push(e.message));
  strict.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await strict.goto(`${dash.url}?token=${TOKEN}`);
  // Locators run in Playwright's isolated world, which the page's CSP does not restrict.
  await strict.locator('#chart-reward:not([data-points="0"])').waitFor();
  await strict.locator('#traces article.trace').first().waitFor();
  await strict.locator('#conn.conn-open').waitFor();
  assert.equal(errors, []);
  await strict.close();
});

t('when the job ends the page says how, stops reconnecting, and its button connects again', async () => {
  const port = dash.port;
  dash.end({
    state: 'interrupted',
    message: 'interrupted in the RL after step 2; checkpoint /runs/x/step-000002',
    outputDir: '/runs/x',
    resume: 'anomseer train /runs/x/config.json --resume /runs/x',
  });
  await page.waitForSelector('#end.end-interrupted', { timeout: EVENT_LIMIT_MS });
  assert.match(await text('#end'), 'Interrupted — interrupted in the RL after step 2; checkpoint /runs/x/step-000002.');
  assert.equal(await page.evaluate("[...document.querySelectorAll('#end code')].map((c) => c.textContent)"), [
    'anomseer train /runs/x/config.json --resume /runs/x',
    'anomseer dashboard /runs/x',
  ]);
  await dash.close();
  await page.waitForFunction("document.querySelector('#conn').textContent === 'run interrupted · dashboard closed'", undefined, { timeout: EVENT_LIMIT_MS });
  // A server back on the same port gets no connection on its own. The page waits 3 s (six times
  // its first retry delay) on its own timers: a retry it had scheduled when the socket closed
  // would have fired first (timers of one page fire in order), however slowly a loaded machine
  // runs the page, and would have shown "reconnecting" at once.
  dash = await startDashboard({ token: TOKEN, port, job: { name: 'after the end' } });
  await page.evaluate('new Promise((r) => setTimeout(r, 3000))');
  assert.is(await text('#conn'), 'run interrupted · dashboard closed');
  assert.is(dash.clients(), 0);
  await page.click('#reconnect');
  await connIsLive();
  assert.is(dash.clients(), 1);
  // "live" shows when the socket opens; the new server's snapshot is rendered when it arrives.
  await page.waitForFunction("document.querySelector('#job-name').textContent.includes('after the end')", undefined, { timeout: EVENT_LIMIT_MS });
  assert.ok(await page.evaluate("document.querySelector('#end').hidden"), 'the new snapshot has no end');
});

test.run();
