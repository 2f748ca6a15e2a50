// The cluster path in real headless Chromium: `anomseer train --workers 2` (coordinator, learner
// and two workers as processes) prints the coordinator's dashboard link; without the token the
// page is 401 with no data; with it the reward chart gains points step by step from the
// learner's ReportProgress events, the worker table lists both workers from the coordinator's
// state, a SIGKILLed worker's row turns "lost" after a lease timeout of silence (that it turns
// lost exactly then is checked on a manual clock in tests/coordinator/cluster-dashboard.test.ts;
// here it is an awaited page change), a sample trace shows with its
// annotated plot, and the weights table lists the versions the workers fetched. Every wait is
// on a page change, a log line or an exit, with the outer limit of tests/helpers/wait.ts.
// With UPDATE_SCREENSHOTS=1 it saves docs/img/dashboard.png.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Snapshot } from '../../dashboard/state.js';
import { killAll, startRole } from '../cluster/procs.js';
import { bearer, get } from '../helpers/http.js';
import { EVENT_LIMIT_MS, eventually } from '../helpers/wait.js';
import { CHROMIUM, launchChromium, newPage, recordAttribute } from './chromium.js';

const STEPS = 12;
const root = mkdtempSync(join(tmpdir(), 'anomseer-cluster-dash-'));
// Small enough for 2 busy cores (about 1 s a step), long enough to watch; a silent worker is
// lost after 2 s.
const sets = [
  `outputDir=${join(root, 'run')}`,
  `train.steps=${STEPS}`,
  'train.warmStart.enabled=false',
  'train.evalEvery=4',
  'train.evalCount=1',
  'data.eval=anomllm:eval?count=1&length=256',
  'cluster.leaseTimeout=2s',
  'cluster.heartbeatInterval=300ms',
];

let browser: Browser;
let page: Page;

test.before(async () => {
  browser = await launchChromium();
  page = await newPage(browser, { viewport: { width: 1440, height: 1760 }, bypassCSP: true });
});

test.after(async () => {
  await browser?.close();
  await killAll();
  rmSync(root, { recursive: true, force: true });
});

// Browser-side code is written as strings: this project compiles without the DOM library.
const points = async () => Number(await page.evaluate("document.querySelector('#chart-reward').dataset.points"));

/** Until the reward chart holds `n` points, each new point awaited as its own page change: the run's pace sets how long, not a limit. */
async function rewardPointsReach(n: number): Promise<void> {
  for (let have = await points(); have < n; have = await points()) {
    await page.waitForFunction(`Number(document.querySelector('#chart-reward').dataset.points) > ${have}`);
  }
}

test('headless Chromium is installed (apt-get install -y chromium)', () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found: run \`apt-get install -y chromium\``);
});

// Browser-side code is written as strings: this project compiles without the DOM library.
const text = async (sel: string) => String(await page.evaluate(`document.querySelector(${JSON.stringify(sel)})?.textContent ?? ''`));

test("train --workers 2: the coordinator's dashboard shows steps, both workers, a killed worker lost, and traces with plots", async () => {
  // No ANOMSEER_TOKEN: the launcher generates one and prints the link with it, like `train`.
  const train = startRole('train', ['train', 'examples/smoke.yaml', '--workers', '2', '--dashboard-port', '0', ...sets.flatMap((s) => ['--set', s])], {
    ANOMSEER_TOKEN: '',
  });
  const m = await train.waitFor(/^dashboard: (http:\/\/127\.0\.0\.1:\d+\/)\?token=<the token in (\S+)>  \(token \w{4}…\w{4} \(64 chars\) generated/);
  const url = m[1]!;
  const token = readFileSync(m[2]!, 'utf8').trim();
  assert.match(token, /^[0-9a-f]{64}$/);
  assert.not.ok(
    train.lines.some((l) => l.includes(token)),
    'the launcher never prints the full token',
  );
  assert.ok(
    train.lines.some((l) => /^\[coordinator\] coordinator: dashboard http:\/\/127\.0\.0\.1:\d+\/\?token=<ANOMSEER_TOKEN>$/.test(l)),
    'the coordinator prints its address, never the token',
  );

  for (const bad of [url, `${url}?token=wrong-token-wrong-token`, `${url}api/snapshot`]) {
    const res = await page.goto(bad);
    assert.is(res?.status(), 401, bad);
    assert.not.match(await page.content(), /reward|w1|snapshot|smoke/);
  }

  await page.goto(`${url}?token=${token}`);
  // Every point count the reward chart shows while steps land (recorded in the page, from its
  // first snapshot on).
  const seen = await recordAttribute(page, '#chart-reward', 'data-points');
  await page.waitForFunction("document.querySelector('#conn').textContent === 'live'");
  await page.waitForFunction("document.querySelectorAll('#workers tr[data-worker]').length === 2");
  await rewardPointsReach(3);

  // SIGKILL worker w1 (its pid is in the host column, "<hostname>:<pid>") while the run goes on.
  const snap = (await get(`${url}api/snapshot`, { headers: bearer(token) })).json<Snapshot>();
  const victim = snap.cluster!.workers.find((w) => w.id === 'w1')!;
  const pid = Number(victim.host.split(':').at(-1));
  assert.match(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /anomseer\.mjs\0worker\0/, "the pid is one of this run's workers");
  const killedAt = Date.now();
  process.kill(pid, 'SIGKILL');
  await page.waitForSelector('#workers tr[data-worker="w1"] td.state-lost');
  const lostAfter = (Date.now() - killedAt) / 1000;
  // Lost by its silence: the coordinator's last heartbeat from w1 is more than the lease
  // timeout (2 s) old. (A heartbeat w1 sent just before the kill may land late and make it
  // live for another 2 s: the snapshot is asked until it says lost too.)
  const w1 = await eventually('the snapshot shows w1 lost', async () => {
    const w = (await get(`${url}api/snapshot`, { headers: bearer(token) })).json<Snapshot>().cluster!.workers.find((x) => x.id === 'w1')!;
    return w.state === 'lost' ? w : undefined;
  });
  assert.ok(w1.lastHeartbeatMs !== null && Date.now() - w1.lastHeartbeatMs > 2000, `last heartbeat ${w1.lastHeartbeatMs}, now ${Date.now()}`);
  // The other worker is still alive.
  await page.waitForFunction(
    `/state-(sampling|idle|fetching|starting)/.test(document.querySelector('#workers tr[data-worker="w2"] td[class^="state-"]').className)`,
  );
  // The live worker's CPU and memory, from its own heartbeat; none for the killed one.
  await page.waitForFunction(`/^\\d+\\.\\d\\d$/.test(document.querySelector('#workers tr[data-worker="w2"] td.cpu').textContent)`, undefined, {
    timeout: EVENT_LIMIT_MS,
  });
  assert.match(await text('#workers tr[data-worker="w2"] td.rss'), /^\d+(\.\d)? MiB$/);
  assert.equal([await text('#workers tr[data-worker="w1"] td.cpu'), await text('#workers tr[data-worker="w1"] td.rss')], ['—', '—']);

  // A trace with its annotated plot (the learner sends each shown trace's series).
  await page.waitForSelector('#traces article.trace img');
  await page.waitForFunction(
    "[...document.querySelectorAll('#traces img')].length > 0 && [...document.querySelectorAll('#traces img')].every((i) => i.complete && i.naturalWidth === 1000)",
  );
  assert.match(String(await page.evaluate("document.querySelector('#traces article.trace').textContent")), /Â grounded/);

  // The weights table: a row per published version, newest first, fetched by the workers.
  await page.waitForSelector('#broadcasts tr[data-version]');
  const rows = (await page.evaluate(
    "[...document.querySelectorAll('#broadcasts tr[data-version]')].map((r) => [...r.cells].map((c) => c.textContent))",
  )) as string[][];
  const versions = rows.map((r) => Number(r[0]!.slice(1)));
  assert.ok(versions.length >= 2 && versions.every((v, i) => i === 0 || v < versions[i - 1]!), `versions newest first: ${versions}`);
  const fetched = rows.filter((r) => Number(r[3]!.split('/')[0]) >= 1);
  assert.ok(fetched.length >= 1 && fetched.every((r) => /\d( B|\.\d [KMG]iB)$/.test(r[2]!) && / s$/.test(r[4]!)), `rows: ${JSON.stringify(rows)}`);

  await page.waitForFunction("/anomseer \\(step \\d+\\)/.test(document.querySelector('#eval-table tr.ours').textContent)");
  // docs/img/dashboard.png is refreshed on request only, so a test run leaves the tree clean.
  const shot = process.env.UPDATE_SCREENSHOTS === '1' ? 'docs/img/dashboard.png' : join(root, 'dashboard.png');
  mkdirSync(dirname(shot), { recursive: true });
  await page.screenshot({ path: shot, fullPage: false });

  // The remaining worker finishes the job; every step reached the chart.
  await rewardPointsReach(STEPS);
  assert.is(await points(), STEPS);
  const counts = (await seen()).map(Number);
  console.log(
    `w1 lost ${lostAfter.toFixed(1)} s after SIGKILL (not asserted: the lease timeout is 2 s); reward chart counts seen: ${[...new Set(counts)].join(' ')}`,
  );
  for (let i = 1; i < counts.length; i++) assert.ok(counts[i]! >= counts[i - 1]!, `chart went from ${counts[i - 1]} to ${counts[i]} points`);
  assert.ok(new Set(counts.filter((n) => n > 0 && n < STEPS)).size >= 3, `the chart grew step by step: ${[...new Set(counts)]}`);
  assert.is(await train.exit(), 0, train.lines.slice(-20).join('\n'));

  // The job ended: the page says so instead of retrying; the worker that finished it reads "done", the killed one "lost".
  await page.waitForFunction("document.querySelector('#conn').textContent === 'run finished · dashboard closed'", undefined, { timeout: EVENT_LIMIT_MS });
  assert.match(await text('#end'), `Finished — finished: the learner trained all ${STEPS} RL steps.`);
  assert.equal(await page.evaluate("[...document.querySelectorAll('#workers tr[data-worker]')].map((r) => [r.dataset.worker, r.cells[3].textContent])"), [
    ['w1', 'lost'],
    ['w2', 'done'],
  ]);
});

test.run();
