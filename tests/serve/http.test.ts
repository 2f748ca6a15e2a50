// `anomseer serve`'s HTTP API on a real server (127.0.0.1, port 0) with the shipped policy:
// it answers what `anomseer detect` answers, concurrent requests share one decode without
// changing any answer, every route but /healthz needs the token, and bad input gets a 4xx
// naming the field while the server keeps serving.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runServe, validateServeOptions } from '../../serve/main.js';
import type { ServeProcess } from '../../serve/main.js';
import type { BatchInfo } from '../../serve/batcher.js';
import { parseValuesCsv } from '../../shared/datasets/values-csv.js';
import { generateTask } from '../../shared/anomllm/generate.js';
import { timesOf } from '../../shared/datasets/timestamps.js';
import { detectFigurePng } from '../../shared/plot/figure.js';
import { openPolicy } from '../../shared/policy/inference.js';
import type { OpenPolicy } from '../../shared/policy/inference.js';
import { cpuProgress } from '../helpers/children.js';
import { eventually, within, withinProgress } from '../helpers/wait.js';
import { NAB_FILE, SHIPPED, call, heldClock, unbatched } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'anomseer-serve-http-'));
const tokenFile = join(root, 'secrets', 'serve.token');
const clock = heldClock();
const batches: BatchInfo[] = [];
const logs: string[] = [];
let server: ServeProcess;
let token = '';
let reference: OpenPolicy;
const MAX_BODY = 64 * 1024;
const MAX_POINTS = 5000;

test.before(async () => {
  server = await runServe({
    options: validateServeOptions({ checkpoint: SHIPPED, tokenFile, port: 0, grpcPort: null, maxBodyBytes: MAX_BODY, maxPoints: MAX_POINTS, maxWaitMs: 5 }),
    env: {},
    log: (line) => logs.push(line),
    schedule: clock.schedule,
    onBatch: (b) => batches.push(b),
  });
  token = readFileSync(tokenFile, 'utf8').trim();
  reference = await openPolicy(SHIPPED);
});

test.after(async () => {
  await server?.close();
  await reference?.dispose();
  rmSync(root, { recursive: true, force: true });
});

test('a generated token is written with mode 0600 and only its masked form is logged', () => {
  assert.match(token, /^[0-9a-f]{64}$/);
  assert.is(statSync(tokenFile).mode & 0o777, 0o600);
  const line = logs.find((l) => l.startsWith('serve: token '))!;
  assert.match(
    line,
    new RegExp(`^serve: token ${token.slice(0, 4)}…${token.slice(-4)} \\(64 chars\\) \\(generated; written to .*serve\\.token \\(mode 0600\\)\\)$`),
  );
  assert.not.ok(logs.join('\n').includes(token), 'the full token is never logged');
  assert.ok(
    logs.some((l) => /^serve: http http:\/\/127\.0\.0\.1:\d+ /.test(l)),
    'loopback by default',
  );
});

test('POST /v1/detect answers exactly what `anomseer detect` writes for the same file, and plots that answer', async () => {
  const out = join(root, 'detect-out');
  const child = spawn(process.execPath, ['bin/anomseer.mjs', 'detect', NAB_FILE, '--checkpoint', SHIPPED, '--out', out], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await withinProgress(new Promise<number | null>((r) => child.on('close', r)), 'anomseer detect', cpuProgress(child.pid!));
  assert.is(code, 0, stderr);
  const cli = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
  const { values } = parseValuesCsv(readFileSync(NAB_FILE, 'utf8'), NAB_FILE);
  const stamps = readFileSync(NAB_FILE, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',')[0]!);
  assert.is(stamps.length, values.length);
  const r = await call(server.httpPort, 'POST', '/v1/detect', { token, body: JSON.stringify({ series: Array.from(values), timestamps: stamps, plot: true }) });
  assert.is(r.status, 200, r.text);
  const a = r.json();
  assert.ok(cli.intervals.length > 0 && cli.windows.length === 2, 'a series with findings over two windows');
  assert.equal(a.type, cli.type);
  assert.equal(a.intervals, cli.intervals);
  assert.equal(a.explanation, cli.explanation);
  assert.equal(a.windows, cli.windows);
  assert.ok(
    a.windows.some((w: { text: string }) => w.text === a.trace),
    'the trace is one window’s trace',
  );
  assert.ok(a.trace.includes(`<think>${a.explanation}</think>`));
  // The server's plot is detect's figure of the same answer (axes, time ticks from the sent
  // date-times, numbered intervals, window boundaries, legend; its pixels are checked in
  // tests/cli/detect-figure.test.ts) — only the title differs: the server has no file name.
  const times = timesOf(stamps)!;
  const figure = async (withTimes: boolean) =>
    (
      await detectFigurePng(values, {
        intervals: cli.intervals,
        type: cli.type,
        windows: { starts: cli.windows.map((w: { start: number }) => w.start), length: cli.windows[0].length },
        ...(withTimes ? { times: times.ms, timesUtc: times.zoned } : {}),
        title: `${values.length.toLocaleString('en-US')} points`,
      })
    ).png;
  const png = Buffer.from(a.plotPng, 'base64');
  assert.ok(png.equals(await figure(true)), "detect's figure of the same answer, with time ticks");
  assert.not.ok(png.equals(await figure(false)), 'the time axis is drawn from the timestamps');
});

test('two concurrent requests are answered by one decode batch, with the unbatched answers', async () => {
  const { values } = parseValuesCsv(readFileSync(NAB_FILE, 'utf8'), NAB_FILE);
  const first = values.subarray(0, 1000);
  const second = Float64Array.from(generateTask('range', { seed: 42, count: 1, split: 'eval' })[0]!.series);
  const before = batches.length;
  clock.hold();
  const replies = [first, second].map((v) => call(server.httpPort, 'POST', '/v1/detect', { token, body: JSON.stringify({ series: Array.from(v) }) }));
  await eventually('both requests queued', () => (server.batcher.queuedCalls === 2 ? true : undefined), { everyMs: 20 });
  assert.is(batches.length, before, 'nothing decoded while the wait is held');
  clock.release();
  const [a, b] = await within(Promise.all(replies), 'the two answers');
  assert.equal(
    batches.slice(before).map((x) => [x.calls, x.windows]),
    [[2, 2]],
    'one decode held both requests',
  );
  for (const [reply, v] of [
    [a, first],
    [b, second],
  ] as const) {
    assert.is(reply.status, 200, reply.text);
    const { trace: _trace, ...answer } = reply.json();
    assert.equal(answer, await unbatched(reference, v));
  }
  const metrics = await call(server.httpPort, 'GET', '/metrics', { token });
  assert.match(metrics.text, new RegExp(`\\nanomseer_serve_decode_batches_total\\{role="serve"\\} ${batches.length}\\n`));
  assert.match(metrics.text, /\nanomseer_serve_decode_batch_requests_bucket\{le="1",role="serve"\} \d+\n/);
});

// [what, method, path, token, expected status]
const AUTH: [string, string, string, 'none' | 'wrong' | 'right', number][] = [
  ['health without a token', 'GET', '/healthz', 'none', 200],
  ['metrics without a token', 'GET', '/metrics', 'none', 401],
  ['metrics with a wrong token', 'GET', '/metrics', 'wrong', 401],
  ['metrics with the token', 'GET', '/metrics', 'right', 200],
  ['detect without a token', 'POST', '/v1/detect', 'none', 401],
  ['detect with a wrong token', 'POST', '/v1/detect', 'wrong', 401],
  ['an unknown route without a token', 'GET', '/v2/anything', 'none', 404],
];

for (const [what, method, path, which, status] of AUTH) {
  test(`auth: ${what} → ${status}`, async () => {
    const t = which === 'right' ? token : which === 'wrong' ? 'x'.repeat(64) : undefined;
    const r = await call(server.httpPort, method, path, { token: t, ...(method === 'POST' ? { body: '{"series":[1,2,3]}' } : {}) });
    assert.is(r.status, status, r.text);
    if (status === 401) {
      assert.is(r.headers['www-authenticate'], 'Bearer realm="anomseer"');
      assert.is(r.json().error.code, 'E_UNAUTHENTICATED');
    }
    if (path === '/healthz') assert.equal(r.json(), { status: 'ok', role: 'serve', checks: { policy: true } });
    if (status === 200 && path === '/metrics')
      assert.match(r.text, /anomseer_serve_http_requests_total\{route="\/v1\/detect",status="200",role="serve"\} [1-9]/);
  });
}

const big = (n: number) => `{"series":[${new Array(n).fill('0.5').join(',')}]}`;

// [what, body or chunks, headers, expected status, expected error field]
const REFUSED: [string, { body?: string; chunks?: string[] }, Record<string, string>, number, string | undefined][] = [
  ['NaN (not JSON)', { body: '{"series":[1,NaN]}' }, {}, 400, 'body'],
  ['Infinity written as 1e999', { body: '{"series":[1,1e999]}' }, {}, 400, 'series[1]'],
  ['a string value', { body: '{"series":[1,"2"]}' }, {}, 400, 'series[1]'],
  ['a series that is not an array', { body: '{"series":"1,2"}' }, {}, 400, 'series'],
  ['an unknown key', { body: '{"series":[1],"windw":16}' }, {}, 400, 'windw'],
  ['a window out of range', { body: '{"series":[1],"window":5}' }, {}, 400, 'window'],
  ['an unknown normalize mode', { body: '{"series":[1],"normalize":"z"}' }, {}, 400, 'normalize'],
  ['timestamps of another length', { body: '{"series":[1,2],"timestamps":["a"]}' }, {}, 400, 'timestamps'],
  ['too many points', { body: big(MAX_POINTS + 1) }, {}, 400, 'series'],
  ['a body over the limit (content-length)', { body: big(MAX_BODY / 2) }, {}, 413, 'body'],
  ['a body over the limit (chunked, no length)', { chunks: Array.from({ length: 40 }, () => ' '.repeat(4096)) }, {}, 413, 'body'],
  ['a series too short for the analyses', { body: '{"series":[1,2,3,2,1]}' }, {}, 400, 'series'],
  ['a body that is not JSON', { body: 'series=1,2' }, { 'content-type': 'application/x-www-form-urlencoded' }, 415, undefined],
];

for (const [what, payload, headers, status, field] of REFUSED) {
  test(`refused: ${what} → ${status}${field === undefined ? '' : ` naming ${field}`}, and the server keeps serving`, async () => {
    const r = await call(server.httpPort, 'POST', '/v1/detect', { token, ...payload, headers });
    assert.is(r.status, status, r.text);
    assert.match(String(r.headers['content-type']), /^application\/json/);
    const e = r.json().error;
    assert.is(e.field, field);
    if (field !== undefined) assert.ok(e.message.startsWith(`${field}`), e.message);
    const ok = await call(server.httpPort, 'POST', '/v1/detect', { token, body: '{"series":[1,2,3,2,1,2,3,2,1,9,1,2,3,2,1,2],"window":16}' });
    assert.is(ok.status, 200, ok.text);
  });
}

test('a wrong method gets 405 with Allow', async () => {
  const r = await call(server.httpPort, 'GET', '/v1/detect', { token });
  assert.is(r.status, 405);
  assert.is(r.headers.allow, 'POST');
});

test('timestamps come back as the first and last timestamp of each interval', async () => {
  const { values } = parseValuesCsv(readFileSync(NAB_FILE, 'utf8'), NAB_FILE);
  const ts = Array.from(values, (_, i) => `t${i}`);
  const r = await call(server.httpPort, 'POST', '/v1/detect', { token, body: JSON.stringify({ series: Array.from(values), timestamps: ts }) });
  assert.is(r.status, 200, r.text);
  const a = r.json();
  assert.ok(a.intervals.length > 0);
  assert.equal(
    a.timeIntervals,
    a.intervals.map(([s, e]: [number, number]) => [`t${s}`, `t${e - 1}`]),
  );
  assert.is(a.plotPng, undefined, 'no plot unless asked');
});

test.run();
