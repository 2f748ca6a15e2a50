// Every source file is formatted by the pinned Prettier (.prettierrc.json; `npm run format`
// rewrites them). A file out of format fails here with its name, so style never drifts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

test('prettier --check finds every source file formatted', () => {
  const prettier = createRequire(import.meta.url).resolve('prettier/bin/prettier.cjs');
  const r = spawnSync(process.execPath, [prettier, '--check', '**/*.{ts,mjs,js,json,css,html}'], { encoding: 'utf8' });
  assert.is(r.status, 0, `run \`npm run format\`; prettier --check says:\n${r.stdout}${r.stderr}`);
});

test.run();
