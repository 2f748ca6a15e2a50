// `anomseer train` starts the dashboard: it prints the URL, serves it with ANOMSEER_TOKEN
// (401 without), generates and prints a token when none is set, and refuses a bad one;
// `--no-dashboard` reaches the local cluster's coordinator; the coordinator checks its flags.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAll, startRole } from '../cluster/procs.js';
import { bearer, get } from '../helpers/http.js';

const dir = mkdtempSync(join(tmpdir(), 'anomseer-dash-cli-'));
const args = (name: string) => [
  'bin/anomseer.mjs',
  'train',
  'examples/smoke.yaml',
  '--set',
  `outputDir=${join(dir, name)}`,
  '--set',
  'train.steps=2',
  '--dashboard-port',
  '0',
];
const env = (token: string | undefined) => {
  const e = { ...process.env };
  delete e.ANOMSEER_TOKEN;
  return token === undefined ? e : { ...e, ANOMSEER_TOKEN: token };
};

test('with ANOMSEER_TOKEN set, the printed dashboard answers the token and refuses anyone else while the run trains', async () => {
  const token = 'cli-test-token-abcdef0123456789';
  // A run far longer than anything below waits for (the smoke job's 2 steps are over in about a
  // second, too soon to ask its dashboard anything on a loaded machine): the test stops it once
  // it has seen what it needs. (It dies with this process too: tests/helpers/die-with-parent.mjs.)
  const run = startRole('train', [...args('env').slice(1), '--set', 'train.steps=10000'], { ANOMSEER_TOKEN: token });
  try {
    const url = (await run.waitFor(/dashboard: (http:\/\/127\.0\.0\.1:\d+\/)\?token=<ANOMSEER_TOKEN>/))[1]!;
    assert.not.match(run.lines.join('\n'), token, 'a token from the environment is not printed');
    const giveUp = () => (run.child.exitCode === null ? undefined : `train exited:\n${run.lines.slice(-20).join('\n')}`);
    assert.is((await get(`${url}api/snapshot`, { giveUp })).status, 401);
    const ok = await get(`${url}api/snapshot`, { headers: bearer(token), giveUp });
    assert.is(ok.status, 200);
    assert.is(ok.json<{ job: { name: string } }>().job.name, 'smoke');
    await run.waitFor(/^step 1\/10000 /);
    assert.is(run.child.exitCode, null, 'the run trains on with its dashboard up');
    run.child.kill('SIGKILL');
    assert.is(await run.exit(), 'SIGKILL', 'stopped by the test, not ended by itself');
  } finally {
    await killAll();
  }
});

test("without ANOMSEER_TOKEN a token is generated into the run's 0600 token file, printed only masked; the run ends with its last step", () => {
  const r = spawnSync(process.execPath, args('gen'), { env: env(undefined), encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const file = join(dir, 'gen', 'dashboard.token');
  const token = readFileSync(file, 'utf8').trim();
  assert.match(token, /^[0-9a-f]{64}$/);
  assert.is(statSync(file).mode & 0o777, 0o600);
  const line = r.stdout.split('\n').find((l) => l.startsWith('dashboard: '));
  assert.ok(line !== undefined, r.stdout);
  const masked = `${token.slice(0, 4)}…${token.slice(-4)} (64 chars) generated`;
  assert.is(
    line,
    `dashboard: ${/http:\/\/127\.0\.0\.1:\d+\//.exec(line!)![0]}?token=<the token in ${file}>  (token ${masked}; set ANOMSEER_TOKEN to choose it)`,
  );
  assert.not.ok((r.stdout + r.stderr).includes(token), 'the full token appears nowhere in the output');
  assert.match(r.stdout, /step 2\/2/);
});

test('a too-short ANOMSEER_TOKEN fails before training, naming the variable', () => {
  const r = spawnSync(process.execPath, args('bad'), { env: env('short'), encoding: 'utf8' });
  assert.is(r.status, 2);
  assert.match(r.stderr, /ANOMSEER_TOKEN/);
  assert.not.match(r.stdout, /step 1/);
});

test('train --workers 1 --no-dashboard passes the flag to the coordinator: no dashboard is served or printed', () => {
  const r = spawnSync(
    process.execPath,
    [
      ...args('nodash'),
      '--workers',
      '1',
      '--no-dashboard',
      '--set',
      'train.steps=1',
      '--set',
      'train.warmStart.enabled=false',
      '--set',
      'data.eval=anomllm:eval?count=1&length=64',
    ],
    { env: env(undefined), encoding: 'utf8' },
  );
  assert.is(r.status, 0, r.stderr + r.stdout.slice(-2000));
  assert.match(r.stdout, /step 1\/1/);
  assert.not.match(r.stdout, /dashboard/);
});

test('coordinator: a bad --dashboard-port or an empty --dashboard-host fails at once, naming the flag', () => {
  for (const [flag, value] of [
    ['--dashboard-port', '70000'],
    ['--dashboard-port', 'x'],
    ['--dashboard-host', ''],
  ]) {
    const r = spawnSync(
      process.execPath,
      ['bin/anomseer.mjs', 'coordinator', 'examples/smoke.yaml', '--set', `outputDir=${join(dir, 'bad-flag')}`, flag!, value!],
      { env: env('cli-test-token-abcdef0123456789'), encoding: 'utf8' },
    );
    assert.is(r.status, 2, `${flag} ${value}: ${r.stderr}`);
    assert.match(r.stderr, flag!);
    assert.not.match(r.stdout, /listening on/);
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
