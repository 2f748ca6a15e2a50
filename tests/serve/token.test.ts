// Where `anomseer serve` gets its bearer token (serve/token.ts): ANOMSEER_TOKEN, else an
// existing token file, else a generated one written with mode 0600.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { maskToken, resolveServeToken } from '../../serve/token.js';
import { ConfigError } from '../../shared/errors.js';

const root = mkdtempSync(join(tmpdir(), 'anomseer-serve-token-'));
const MINE = 'a-token-of-my-own-0123456789';

test('ANOMSEER_TOKEN wins and no file is written', () => {
  const file = join(root, 'env', 'serve.token');
  assert.equal(resolveServeToken({ ANOMSEER_TOKEN: MINE }, file), { token: MINE, source: 'env' });
  assert.throws(() => statSync(file));
});

test('an existing token file is read, not replaced', () => {
  const file = join(root, 'mine.token');
  writeFileSync(file, `${MINE}\n`, { mode: 0o600 });
  assert.equal(resolveServeToken({}, file), { token: MINE, source: 'file' });
  assert.is(readFileSync(file, 'utf8'), `${MINE}\n`);
});

test('a token file others can read is used with a warning', () => {
  const file = join(root, 'open.token');
  writeFileSync(file, `${MINE}\n`);
  chmodSync(file, 0o644);
  const t = resolveServeToken({ ANOMSEER_TOKEN: '' }, file);
  assert.is(t.token, MINE);
  assert.match(t.warning ?? '', /open\.token is readable by others \(mode 644\); chmod 600 it/);
});

test('without either, a 64-hex-digit token is generated into a new 0600 file (parent 0700)', () => {
  const file = join(root, 'new', 'dir', 'serve.token');
  const t = resolveServeToken({}, file);
  assert.is(t.source, 'generated');
  assert.match(t.token, /^[0-9a-f]{64}$/);
  assert.is(readFileSync(file, 'utf8'), `${t.token}\n`);
  assert.is(statSync(file).mode & 0o777, 0o600);
  assert.is(statSync(join(root, 'new', 'dir')).mode & 0o777, 0o700);
  assert.equal(resolveServeToken({}, file), { token: t.token, source: 'file' }, 'the next start reads it back');
});

// [what, env, file contents, field]
const BAD: [string, Record<string, string>, string | undefined, string][] = [
  ['a short ANOMSEER_TOKEN', { ANOMSEER_TOKEN: 'short' }, undefined, 'ANOMSEER_TOKEN'],
  ['a token with spaces', { ANOMSEER_TOKEN: 'has spaces in it, 1234567890' }, undefined, 'ANOMSEER_TOKEN'],
  ['a short token file', {}, 'tiny\n', '--token-file'],
];

for (const [what, env, contents, field] of BAD) {
  test(`refused: ${what} (field ${field})`, () => {
    const file = join(root, `bad-${field}-${what.length}.token`);
    if (contents !== undefined) writeFileSync(file, contents, { mode: 0o600 });
    assert.throws(
      () => resolveServeToken(env, file),
      (err: unknown) => err instanceof ConfigError && err.field === field,
    );
  });
}

test('the masked form shows 4 + 4 characters and the length', () => {
  assert.is(maskToken('0123456789abcdef0123'), '0123…0123 (20 chars)');
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
