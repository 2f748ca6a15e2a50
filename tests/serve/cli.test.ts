// `anomseer serve` as a process: it prints where it listens and a masked token, answers with
// the token from its 0600 token file, and exits 0 on SIGTERM; bad flags exit 2 naming the flag.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIE_WITH_PARENT } from '../helpers/children.js';
import { eventually, within } from '../helpers/wait.js';
import { call } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'anomseer-serve-cli-'));
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['bin/anomseer.mjs', ...args], { encoding: 'utf8', env: { ...process.env, ANOMSEER_TOKEN: '' } });
let child: ChildProcess | undefined;

test('serve prints its addresses and a masked token, answers with the generated token, and stops on SIGTERM', async () => {
  const tokenFile = join(root, 'serve.token');
  const env = { ...process.env, ANOMSEER_TOKEN: '' };
  // stdin is a pipe this process holds: if the test dies, the server goes too (die-with-parent).
  child = spawn(
    process.execPath,
    ['--import', DIE_WITH_PARENT, 'bin/anomseer.mjs', 'serve', '--port', '0', '--grpc-port', '0', '--token-file', tokenFile, '--max-batch', '4'],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
      env,
    },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child!.on('close', r));
  const port = await eventually('the http line', () => /serve: http http:\/\/127\.0\.0\.1:(\d+) /.exec(out)?.[1]);
  await eventually('the last start-up line', () => (out.includes('serve: limits:') ? true : undefined));
  assert.match(out, /serve: grpc 127\.0\.0\.1:\d+ \(anomseer\.v1\.Detect\/DetectSeries\)/);
  assert.match(out, /serve: batching across requests: up to 4 windows per decode/);
  const token = readFileSync(tokenFile, 'utf8').trim();
  assert.is(statSync(tokenFile).mode & 0o777, 0o600);
  assert.ok(out.includes(`serve: token ${token.slice(0, 4)}…${token.slice(-4)} (64 chars)`));
  assert.not.ok(out.includes(token), 'the full token is never printed');
  const health = await call(Number(port), 'GET', '/healthz');
  assert.is(health.status, 200);
  const r = await call(Number(port), 'POST', '/v1/detect', { token, body: '{"series":[1,2,3,2,1,2,3,2,1,9,1,2,3,2,1,2],"window":16}' });
  assert.is(r.status, 200, r.text);
  assert.is(r.json().windows.length, 1);
  child.kill('SIGTERM');
  assert.is(await within(exited, 'serve exits after SIGTERM'), 0);
  assert.match(out, /serve: SIGTERM; shutting down/);
  child = undefined;
});

// [flags, message]
const BAD: [string[], RegExp][] = [
  [['--port', '70000'], /^anomseer: --port: must be an integer in \[0, 65535\], got "70000"/],
  [['--grpc-port', 'x'], /^anomseer: --grpc-port: must be an integer/],
  [['--max-batch', '0'], /^anomseer: --max-batch: must be an integer in \[1, 1024\]/],
  [['--max-points', '-5'], /^anomseer: --max-points: must be an integer/],
  [['--checkpoint', '/nonexistent/policy'], /^anomseer: --checkpoint: \/nonexistent\/policy does not exist/],
];

for (const [flags, message] of BAD) {
  test(`serve ${flags.join(' ')} exits 2 naming the flag`, () => {
    const r = cli('serve', '--token-file', join(root, 'never.token'), ...flags);
    assert.is(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
  });
}

test.after(() => {
  child?.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});
test.run();
