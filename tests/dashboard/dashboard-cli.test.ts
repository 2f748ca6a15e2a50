// `anomseer dashboard`'s token and flags: ANOMSEER_TOKEN wins and is never printed; a token file
// is read (with a warning when others can read it) or generated exclusively with mode 0600;
// a folder that is not there, a bad port or poll period, a port in use, a bad token: each fails
// at once with exit code 2, naming what to fix.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { maskToken, resolveDashboardToken } from '../../dashboard/token.js';
import { ConfigError } from '../../shared/errors.js';
import { killAll, startRole } from '../cluster/procs.js';
import { EVENT_LIMIT_MS, within } from '../helpers/wait.js';
import { fixtureRun, stepLine } from './run-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'anomseer-dash-cmd-'));
const root = join(dir, 'runs');
fixtureRun(root, 'a').lines([stepLine(1)]);
test.after(async () => {
  await killAll();
  rmSync(dir, { recursive: true, force: true });
});

test('resolveDashboardToken: ANOMSEER_TOKEN first, then the file, else a new token written 0600', () => {
  const file = join(dir, 'tok', 'dashboard.token');
  assert.equal(resolveDashboardToken({ ANOMSEER_TOKEN: 'env-token-0123456789abcdef' }, file), { token: 'env-token-0123456789abcdef', source: 'env' });
  const made = resolveDashboardToken({}, file);
  assert.is(made.source, 'generated');
  assert.match(made.token, /^[0-9a-f]{64}$/);
  assert.is(readFileSync(file, 'utf8'), `${made.token}\n`);
  assert.is(statSync(file).mode & 0o777, 0o600);
  assert.equal(resolveDashboardToken({ ANOMSEER_TOKEN: '' }, file), { token: made.token, source: 'file' }, 'read back, not regenerated');
  chmodSync(file, 0o644);
  assert.match(resolveDashboardToken({}, file).warning ?? '', /readable by others \(mode 644\); chmod 600 it/);
  assert.is(maskToken(made.token), `${made.token.slice(0, 4)}…${made.token.slice(-4)} (64 chars)`);
  for (const [env, file2] of [
    [{ ANOMSEER_TOKEN: 'short' }, file],
    [{}, (writeFileSync(join(dir, 'bad.token'), 'has space in it 0123456789\n'), join(dir, 'bad.token'))],
  ] as const) {
    try {
      resolveDashboardToken(env, file2);
      assert.unreachable();
    } catch (e) {
      assert.instance(e, ConfigError);
    }
  }
});

test('with ANOMSEER_TOKEN the link names the variable and the token never appears', async () => {
  const token = 'cli-dash-token-abcdef0123456789';
  const p = startRole('dashboard', ['dashboard', root, '--token-file', join(dir, 'unused.token')], { ANOMSEER_TOKEN: token });
  const m = await p.waitFor(/^dashboard: (http:\/\/127\.0\.0\.1:\d+\/)\?token=<ANOMSEER_TOKEN>$/, EVENT_LIMIT_MS);
  assert.ok(p.lines.includes(`dashboard: token ${maskToken(token)} (from ANOMSEER_TOKEN)`), p.lines.join('\n'));
  assert.ok(p.lines.includes(`dashboard: 1 run under ${root} (0 finished, 0 interrupted, 1 running)`), p.lines.join('\n'));
  assert.not.ok(p.lines.some((l) => l.includes(token)));
  assert.is((await fetch(`${m[1]}api/runs`)).status, 401);
  assert.is((await fetch(`${m[1]}api/runs`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
  p.child.kill('SIGINT');
  assert.is(await within(p.exited, 'the dashboard to exit'), 0);
});

test('bad input fails at once with exit code 2, naming what to fix', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const taken = String((blocker.address() as AddressInfo).port);
  const env = { ...process.env, ANOMSEER_TOKEN: 'cli-dash-token-abcdef0123456789' };
  try {
    for (const [args, want, e] of [
      [[join(dir, 'nowhere')], /<root>: .*nowhere is not a folder/, env],
      [[root, '--port', '70000'], /--port: must be an integer in \[0, 65535\]/, env],
      [[root, '--poll-ms', '5'], /--poll-ms: must be an integer in \[100, 3600000\]/, env],
      [[root, '--port', taken], new RegExp(`--port: port ${taken} is in use`), env],
      [[root], /ANOMSEER_TOKEN: is 5 characters/, { ...process.env, ANOMSEER_TOKEN: 'short' }],
    ] as const) {
      const r = spawnSync(process.execPath, ['bin/anomseer.mjs', 'dashboard', ...args], { env: e, encoding: 'utf8' });
      assert.is(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, want);
      assert.not.match(r.stdout, /http:\/\//);
    }
  } finally {
    blocker.close();
  }
});

test.run();
