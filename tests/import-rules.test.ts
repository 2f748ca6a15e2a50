// The import rules (scripts/import-rules.mjs, docs/ARCHITECTURE.md): shared/ and proto/ import
// no role, dashboard or CLI; no role imports another; the CLI imports a role only through its
// main.ts; there is no folder cycle. The checker is tested on made-up trees first (it must be
// able to fail), then run on this repository.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fileURLToPath } from 'node:url';
// @ts-expect-error — a plain .mjs script without type declarations
import { cycles, importSpecifiers, importViolations, readSources } from '../scripts/import-rules.mjs';

type File = { path: string; text: string };
const file = (path: string, ...imports: string[]): File => ({ path, text: imports.map((s) => `import { x } from '${s}';`).join('\n') });
const violations = (files: File[]): string[] => importViolations(files) as string[];

test('import specifiers: static, type-only, side-effect and dynamic imports; comments are not imports', () => {
  const text = `import a from './a.js';\nimport type { B } from "../b.js";\nimport './c.js';\nconst d = await import('./d.js');\n// import e from './e.js';\n/* import f from './f.js'; */\nexport { g } from './g.js';`;
  assert.equal(importSpecifiers(text), ['./a.js', '../b.js', './c.js', './d.js', './g.js']);
});

test('a role importing another role is a violation naming both files', () => {
  const v = violations([file('learner/main.ts', '../rollout-worker/rollout-policy.js'), file('rollout-worker/rollout-policy.ts')]);
  assert.is(v.length, 1);
  assert.match(v[0]!, /^learner\/main\.ts imports rollout-worker\/rollout-policy\.ts: learner\/ may import only/);
});

test('shared/ importing a role, the dashboard or a network library is a violation', () => {
  const v = violations([
    file('shared/policy/x.ts', '../../learner/trainer.js', '../../dashboard/state.js', 'ioredis'),
    file('learner/trainer.ts'),
    file('dashboard/state.ts'),
  ]);
  assert.is(v.length, 3, v.join('\n'));
  assert.ok(v.some((l) => /shared\/policy\/x\.ts imports ioredis/.test(l)));
});

test('proto/ may import shared/ but not a role; the dashboard may not import the coordinator', () => {
  const v = violations([
    file('proto/auth.ts', '../shared/errors.js', '../rollout-worker/main.js'),
    file('shared/errors.ts'),
    file('rollout-worker/main.ts'),
    file('dashboard/cluster.ts', '../coordinator/service/server.js'),
    file('coordinator/service/server.ts'),
  ]);
  assert.equal(
    v.map((l) => l.split(':')[0]),
    ['proto/auth.ts imports rollout-worker/main.ts', 'dashboard/cluster.ts imports coordinator/service/server.ts'],
  );
});

test('the CLI imports a role only through its main.ts', () => {
  const v = violations([
    file('cli/commands/detect.ts', '../../rollout-worker/detect.js', '../../rollout-worker/main.js'),
    file('rollout-worker/detect.ts'),
    file('rollout-worker/main.ts'),
  ]);
  assert.is(v.length, 1);
  assert.match(v[0]!, /cli\/commands\/detect\.ts imports rollout-worker\/detect\.ts: outside rollout-worker\/, import only its entry rollout-worker\/main\.ts/);
});

test("the CLI may import a role's options.ts, which may import only shared/ and no package", () => {
  const v = violations([
    file('cli/commands/serve.ts', '../../serve/options.js', '../../serve/main.js'),
    file('serve/main.ts'),
    file('serve/options.ts', '../shared/errors.js', './batcher.js', 'sharp'),
    file('serve/batcher.ts'),
    file('shared/errors.ts'),
  ]);
  assert.equal(v, [
    "serve/options.ts imports serve/batcher.ts: a role's options.ts is loaded when the CLI starts; it may import only shared/",
    "serve/options.ts imports sharp: a role's options.ts is loaded when the CLI starts; it may import no package",
  ]);
});

test('a folder cycle is found even when every single arrow is allowed', () => {
  assert.equal(
    cycles(
      ['a', 'b', 'c', 'd'],
      [
        ['a', 'b'],
        ['b', 'c'],
        ['c', 'a'],
        ['c', 'd'],
      ],
    ),
    [['a', 'b', 'c']],
  );
  const v = violations([file('coordinator/service/x.ts', '../state/y.js'), file('coordinator/state/y.ts', '../service/x.js')]);
  assert.equal(v, ['folder cycle: coordinator/service ↔ coordinator/state']);
});

test('this repository follows every rule', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const files = readSources(root) as File[];
  assert.ok(files.length > 150, `read ${files.length} source files`);
  assert.equal(violations(files), []);
});

test.run();
