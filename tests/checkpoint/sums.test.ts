// SHA256SUMS: sha256sum's own format, read back exactly; a malformed line names its line.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '../../shared/errors.js';
import { parseSums, verifyAgainstSums, writeSums } from '../../shared/checkpoint/sums.js';

const root = mkdtempSync(join(tmpdir(), 'anomseer-sums-'));
const H = 'ab'.repeat(32);

test('parseSums reads text and binary-mode lines and skips blank ones', () => {
  assert.equal(
    [...parseSums(`${H}  model.safetensors\n\n${H} *other.bin\n`, 'S')],
    [
      ['model.safetensors', H],
      ['other.bin', H],
    ],
  );
});

test('parseSums refuses a malformed line with its line number', () => {
  for (const bad of [`${H} model.safetensors`, 'abc  model.safetensors', `${H.toUpperCase()}  m`]) {
    assert.throws(
      () => parseSums(`${H}  ok\n${bad}\n`, 'S'),
      (e: unknown) => e instanceof DataError && e.line === 2,
      bad,
    );
  }
});

test('writeSums output is what sha256sum writes and what verifyAgainstSums accepts', () => {
  const dir = join(root, 'w');
  mkdirSync(dir);
  writeFileSync(join(dir, 'a.bin'), 'hello\n');
  writeSums(dir, ['a.bin']);
  const sha = spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' });
  assert.is(sha.status, 0, sha.stdout + sha.stderr);
  verifyAgainstSums(dir, 'a.bin', new Uint8Array(readFileSync(join(dir, 'a.bin'))));
  assert.throws(() => verifyAgainstSums(dir, 'a.bin', new TextEncoder().encode('hellO\n')), /a\.bin: sha256 is/);
  assert.throws(() => verifyAgainstSums(dir, 'b.bin', new Uint8Array(0)), /lists no checksum for b\.bin/);
});

test('`anomseer detect` with a corrupted policy exits 2 with one line naming the file', () => {
  const dir = join(root, 'bad');
  mkdirSync(dir);
  const src = new URL('../../checkpoints/default/', import.meta.url).pathname;
  copyFileSync(join(src, 'SHA256SUMS'), join(dir, 'SHA256SUMS'));
  const bytes = new Uint8Array(readFileSync(join(src, 'model.safetensors')));
  bytes[bytes.length - 1] ^= 0x80;
  writeFileSync(join(dir, 'model.safetensors'), bytes);
  const csv = join(root, 's.csv');
  writeFileSync(csv, 'value\n' + Array.from({ length: 300 }, (_, i) => Math.sin(i / 5).toFixed(4)).join('\n') + '\n');
  const r = spawnSync(process.execPath, ['bin/anomseer.mjs', 'detect', csv, '--checkpoint', dir, '--out', join(root, 'out')], { encoding: 'utf8' });
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, /^anomseer: .*bad\/model\.safetensors: sha256 is [0-9a-f]{64} .* restore it\n$/);
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
