// The whole project type-checks with the pinned TypeScript (tsc --noEmit).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

test('tsc --noEmit reports no type errors', () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '--noEmit', '-p', 'tsconfig.json'], { encoding: 'utf8' });
  assert.is(r.status, 0, `tsc failed:\n${r.stdout}${r.stderr}`);
});

test.run();
