// The repository stands on its own: nothing in it reads or cites files outside it. A clone
// in an empty folder must run its tests and examples (data it needs is under data/, with its
// licence), and every document a comment cites is in docs/.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const SKIP = new Set(['node_modules', '.git', 'runs', 'checkpoints', 'img']);
function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (SKIP.has(name)) return [];
    return statSync(p).isDirectory()
      ? walk(p)
      : /\.(ts|mjs|js|md|yaml|yml|json|html|css|sh)$|^Dockerfile|^run$/.test(name) && name !== 'package-lock.json'
        ? [p]
        : [];
  });
}
const files = walk(root).map((p) => ({ path: relative(root, p), text: readFileSync(p, 'utf8') }));

test('no file reads or cites a path outside the repository', () => {
  const outside = /\.\.\/shared\/data(?![a-z])|\/work\/shared|\.\.\/\.\.\/\.\.\/shared|'\.\.', 'shared'|SPEC §\d/;
  const hits = files.filter((f) => f.path !== 'tests/standalone.test.ts' && outside.test(f.text)).map((f) => `${f.path}: ${outside.exec(f.text)![0]}`);
  assert.equal(hits, []);
});

test('every docs/<NAME>.md a file cites exists', () => {
  const cited = new Set<string>();
  for (const f of files) for (const m of f.text.matchAll(/\bdocs\/([A-Z][A-Z0-9-]*\.md)/g)) cited.add(m[1]!);
  assert.ok(cited.has('METHOD.md'), 'comments cite the method page');
  assert.equal(
    [...cited].filter((d) => !existsSync(join(root, 'docs', d))),
    [],
  );
});

test('the real data the tests read is in data/, with its licence and source', () => {
  for (const p of ['data/README.md', 'data/nab/LICENSE.txt', 'data/nab/labels/combined_windows.json', 'data/nab/data/realTraffic/TravelTime_387.csv'])
    assert.ok(existsSync(join(root, p)), p);
  assert.match(readFileSync(join(root, 'data/README.md'), 'utf8'), /commit `ea702d7`/);
});

test.run();
