// The compiled CLI starts light: --help, --version, every command's --help and the light
// commands (generate, baseline, eval of saved predictions) load no native or network package;
// the commands that need one load it when they run. Every command and option the program
// defines is still in the compiled CLI's help, exactly as the sources print it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildStatus } from '../../bin/build-status.mjs';
import { buildProgram } from '../../cli/main.js';
import { HEAVY, type CliRun, repoRoot, runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'anomseer-lazy-'));
const program = buildProgram();
const commands = program.commands.map((c) => c.name());

/** A compiled run that succeeded and loaded none of HEAVY (nor tsx's esbuild). */
function assertLight(r: CliRun, what: string): void {
  assert.is(r.status, 0, `${what}: ${r.stderr}`);
  assert.is(r.stderr, '', `${what}: no warning (dist/ is current)`);
  assert.ok(r.loaded.includes('commander'), `${what}: the preload saw the packages (${r.loaded.join(' ')})`);
  assert.not.ok(r.loaded.includes('esbuild'), `${what}: ran dist/, not the sources through tsx`);
  const heavy = HEAVY.filter((p) => r.loaded.includes(p));
  assert.equal(heavy, [], `${what} loaded ${heavy.join(', ')}`);
}

test('dist/ is current (scripts/run-tests.mjs builds it; else run npm run build)', () => {
  assert.equal(buildStatus(repoRoot), { current: true });
});

test('--help lists every command of the program and loads no heavy package', () => {
  const r = runCli(['--help']);
  assertLight(r, '--help');
  assert.ok(commands.length >= 10, commands.join(' '));
  for (const name of commands) assert.match(r.stdout, new RegExp(`\\n\\s+${name}\\b`), name);
});

test('--version prints the version and loads no heavy package', () => {
  const r = runCli(['--version']);
  assertLight(r, '--version');
  assert.is(r.stdout.trim(), program.version());
});

for (const cmd of program.commands) {
  test(`${cmd.name()} --help: light, every option listed, the same text as the sources print`, () => {
    const r = runCli([cmd.name(), '--help']);
    assertLight(r, `${cmd.name()} --help`);
    assert.ok(cmd.options.length > 0);
    for (const o of cmd.options) assert.ok(r.stdout.includes(o.flags), `${cmd.name()} --help lists ${o.flags}`);
    const fromSources = runCli([cmd.name(), '--help'], { env: { ANOMSEER_RUN_SOURCES: '1' } });
    assert.is(fromSources.status, 0, fromSources.stderr);
    assert.ok(fromSources.loaded.includes('esbuild'), 'the sources ran through tsx');
    assert.is(r.stdout, fromSources.stdout);
  });
}

test('generate, baseline and eval of saved predictions run without loading a heavy package', () => {
  const out = join(dir, 'gen.jsonl');
  assertLight(runCli(['generate', '--task', 'range', '--split', 'eval', '--count', '2', '--length', '64', '--out', out]), 'generate');
  const base = runCli(['baseline', '--data', `jsonl:${out}`, '--save-predictions', join(dir, 'preds.jsonl')]);
  assertLight(base, 'baseline');
  assert.match(base.stdout, /baseline: 2 series/);
  const ev = runCli(['eval', '--predictions', join(dir, 'preds.jsonl'), '--data', `jsonl:${out}`]);
  assertLight(ev, 'eval --predictions');
  assert.match(ev.stdout, /eval of /);
});

test('status loads gRPC when it runs, and finds the .proto beside proto/load.ts from the compiled chunk', () => {
  // port 1 on loopback refuses: the call fails UNAVAILABLE, which needs the service definition loaded first
  const r = runCli(['status', '--coordinator', '127.0.0.1:1'], { env: { ANOMSEER_TOKEN: 'a'.repeat(64) } });
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, /^anomseer: gRPC UNAVAILABLE/);
  assert.ok(r.loaded.includes('@grpc/grpc-js'), r.loaded.join(' '));
  assert.ok(r.loaded.includes('@grpc/proto-loader'), r.loaded.join(' '));
  assert.not.ok(r.loaded.includes('onnxruntime-node'));
});

test('detect loads ONNX Runtime and sharp when it runs, and finds the shipped checkpoint', () => {
  const csv = join(dir, 'series.csv');
  writeFileSync(csv, ['value', ...Array.from({ length: 300 }, (_, i) => (Math.sin(i / 10) + (i === 150 ? 3 : 0)).toFixed(4))].join('\n') + '\n');
  const r = runCli(['detect', csv, '--out', join(dir, 'detect')]);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /series\.csv \(300 points, column value\)/);
  for (const p of ['onnxruntime-node', 'sharp']) assert.ok(r.loaded.includes(p), `${p} in ${r.loaded.join(' ')}`);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
