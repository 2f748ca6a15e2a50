// The front door: the CLI lists its commands and turns unknown input into a clear error.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';

const cli = (...args: string[]) => spawnSync(process.execPath, ['bin/anomseer.mjs', ...args], { encoding: 'utf8' });

test('--help lists every registered command', () => {
  const r = cli('--help');
  assert.is(r.status, 0);
  for (const name of ['generate', 'eval']) assert.match(r.stdout, new RegExp(`\\n\\s+${name} `));
});

test('an unknown command exits non-zero and names it', () => {
  const r = cli('trian');
  assert.is.not(r.status, 0);
  assert.match(r.stderr, /unknown command 'trian'/);
});

test('a user error prints one line without a stack trace and exits 2', () => {
  const r = cli('eval', '--predictions', '/nonexistent/p.jsonl', '--data', 'anomllm:eval?count=1');
  assert.is(r.status, 2);
  assert.match(r.stderr, /^anomseer: .*\/nonexistent\/p\.jsonl/);
  assert.not.match(r.stderr, /\n\s+at /);
});

test.run();
