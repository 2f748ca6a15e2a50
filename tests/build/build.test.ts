// scripts/build.mjs and the staleness check bin/anomseer.mjs runs on every start, on a copy of
// the repository's runtime sources in a temp dir (node_modules linked): a fresh build runs
// compiled; an edited source is never run stale (one warning line, then the sources through
// tsx, so the edit takes effect); same bytes with a new mtime still count as built; a damaged or
// missing dist/ falls back the same way; a build that fails leaves the previous dist/ in place.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildStatus } from '../../bin/build-status.mjs';
import { type CliRun, repoRoot, runCli } from './run-cli.js';

const copy = mkdtempSync(join(tmpdir(), 'anomseer-build-'));
/** What the CLI and the build need: the type-checked source dirs (bin, scripts, cli, the parts) minus tests and benchmarks. */
const tsconfig = JSON.parse(readFileSync(join(repoRoot, 'tsconfig.json'), 'utf8')) as { include: string[] };
const COPIED = ['package.json', 'tsconfig.json', ...tsconfig.include.filter((d) => d !== 'tests' && d !== 'bench')];
for (const p of COPIED) cpSync(join(repoRoot, p), join(copy, p), { recursive: true });
symlinkSync(join(repoRoot, 'node_modules'), join(copy, 'node_modules'), 'dir');

const npmRunBuild = () => spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: copy, encoding: 'utf8' });
const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { root: copy, env });
const version = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version as string;
const WARNING = /^anomseer: warning: (.+); running the TypeScript sources through tsx \(slower start; npm run build compiles them\)\n$/;

function assertCompiled(r: CliRun): void {
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, '');
  assert.ok(r.loaded.includes('commander'), r.loaded.join(' '));
  assert.not.ok(r.loaded.includes('esbuild'), 'tsx (and its esbuild) not loaded');
}
/** The sources ran through tsx after exactly one warning line; returns the warning's reason. */
function assertFromSources(r: CliRun): string {
  assert.is(r.status, 0, r.stderr);
  const m = WARNING.exec(r.stderr);
  assert.ok(m !== null, `one warning line, got ${JSON.stringify(r.stderr)}`);
  assert.ok(r.loaded.includes('esbuild'), 'tsx (and its esbuild) loaded');
  return m![1]!;
}
const mainTs = join(copy, 'cli/main.ts');
const original = readFileSync(mainTs, 'utf8');

test('before any build: not built, and the CLI still runs, from the sources, after one warning', () => {
  assert.equal(buildStatus(copy), { current: false, reason: 'dist/ has not been built' });
  const r = cli(['--version']);
  assert.is(assertFromSources(r), 'dist/ has not been built');
  assert.is(r.stdout.trim(), version);
});

test('npm run build writes dist/ and its manifest; the CLI then runs it, with no warning and no tsx', () => {
  const b = npmRunBuild();
  assert.is(b.status, 0, b.stderr);
  assert.match(b.stdout, /^build: dist\/ from \d+ sources, \d+ files, in [\d.]+ s\n$/);
  assert.equal(buildStatus(copy), { current: true });
  const manifest = JSON.parse(readFileSync(join(copy, 'dist/build-manifest.json'), 'utf8'));
  for (const p of ['cli/main.ts', 'cli/commands/worker.ts', 'rollout-worker/main.ts', 'shared/onnx/runtime.ts', 'scripts/build.mjs', 'tsconfig.json'])
    assert.ok(manifest.inputs[p] !== undefined, `${p} is an input`);
  assert.ok(manifest.outputs['dist/main.mjs'] > 0);
  const r = cli(['--version']);
  assertCompiled(r);
  assert.is(r.stdout.trim(), version);
});

test('an edited source is never run stale: one warning naming it, and the edit takes effect', () => {
  writeFileSync(mainTs, original.replace(`.version('${version}')`, `.version('${version}-edited')`));
  const r = cli(['--version']);
  assert.is(assertFromSources(r), 'cli/main.ts changed since the last build');
  assert.is(r.stdout.trim(), `${version}-edited`);
});

test('an edit deep in a lazily loaded module counts too, and several are counted', () => {
  const runtime = join(copy, 'shared/onnx/runtime.ts');
  const text = readFileSync(runtime, 'utf8');
  writeFileSync(runtime, `${text}// edited\n`);
  assert.equal(buildStatus(copy), { current: false, reason: 'cli/main.ts and 1 other source changed since the last build' });
  writeFileSync(runtime, text);
});

test('the same bytes written again (a new mtime) still count as built: the hash decides', () => {
  writeFileSync(mainTs, original);
  const later = new Date(Date.now() + 60_000);
  utimesSync(mainTs, later, later);
  assert.equal(buildStatus(copy), { current: true });
  assertCompiled(cli(['--version']));
});

test('a damaged or missing output is not current, and the CLI falls back the same way', () => {
  const chunk = readdirSync(join(copy, 'dist')).find((f) => f.startsWith('chunk-') && f.endsWith('.mjs'))!;
  const bytes = readFileSync(join(copy, 'dist', chunk));
  truncateSync(join(copy, 'dist', chunk), 10);
  const r = cli(['--help']);
  assert.is(assertFromSources(r), `dist/${chunk} is missing or damaged`);
  assert.match(r.stdout, /Usage: anomseer/);
  writeFileSync(join(copy, 'dist', chunk), bytes);
  assert.equal(buildStatus(copy), { current: true });
});

test('ANOMSEER_RUN_SOURCES=1 runs the sources through tsx without the check or a warning', () => {
  const r = cli(['--version'], { ANOMSEER_RUN_SOURCES: '1' });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, '');
  assert.ok(r.loaded.includes('esbuild'));
});

test('a build that fails says why and leaves the previous dist/ in place', () => {
  writeFileSync(mainTs, `${original}\nconsole.log(import.meta.dirname);\n`);
  const b = npmRunBuild();
  assert.is(b.status, 1);
  assert.match(b.stderr, /cli\/main\.ts: only import\.meta\.url is supported in compiled sources, found "import\.meta\.dirname/);
  assert.equal(
    readdirSync(copy).filter((f) => f.startsWith('dist')),
    ['dist'],
    'no temp dir left',
  );
  writeFileSync(mainTs, original);
  assert.equal(buildStatus(copy), { current: true }, 'the previous build, still whole');
});

test('compiled sources keep their own import.meta.url: assets beside a source resolve from dist/', () => {
  // eval.ts resolves checkpoints/default with `new URL('../../checkpoints/default', import.meta.url)`;
  // the copy has no checkpoints/, so the message names the path it resolved
  const r = cli(['eval', '--data', 'anomllm:eval?count=1']);
  assert.is(r.status, 2);
  assert.is(
    r.stderr.split('\n')[0],
    `anomseer: --checkpoint: ${join(copy, 'checkpoints/default')} does not exist; train one with \`anomseer train examples/anomllm.yaml\` or pass --predictions FILE`,
  );
});

test('without checkpoints/, detect says its default is missing and how to make it; a named one missing gets the general advice', () => {
  const csv = join(copy, 'series.csv');
  writeFileSync(csv, ['value', ...Array.from({ length: 40 }, (_, i) => String(i % 7))].join('\n') + '\n');
  const r = cli(['detect', csv]);
  assert.is(r.status, 2);
  assert.is(
    r.stderr.split('\n')[0],
    `anomseer: --checkpoint: ${join(copy, 'checkpoints/broad')} (the shipped policy for your own series) does not exist; train it with \`anomseer train examples/broad.yaml\` or pass --checkpoint DIR`,
  );
  const named = cli(['serve', '--checkpoint', join(copy, 'nope')]);
  assert.is(named.status, 2);
  assert.is(
    named.stderr.split('\n')[0],
    `anomseer: --checkpoint: ${join(copy, 'nope')} does not exist; train one with \`anomseer train examples/anomllm.yaml\``,
  );
});

test.after(() => rmSync(copy, { recursive: true, force: true }));
test.run();
