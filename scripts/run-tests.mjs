#!/usr/bin/env node
// Runs every tests/**/*.test.ts file in its own Node process (uvu inside),
// a few at a time, then prints one line: `N passed, N failed[, N skipped]`.
// A file that crashes or times out counts as one failure. Exit code 1 on any failure.
// Tests run the CLI as users do (bin/anomseer.mjs → dist/), so dist/ is rebuilt first when a
// source changed since the last build (scripts/build.mjs, bin/build-status.mjs).
//
// Usage: node scripts/run-tests.mjs [filter-substring ...]
//   TEST_JOBS=2       parallel files (default: number of cores, at most 2)
//   TEST_TIMEOUT_S=600 per-file timeout in seconds
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { cpus } from 'node:os';
import { buildStatus } from '../bin/build-status.mjs';
import { build } from './build.mjs';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);
const jobs = Number(process.env.TEST_JOBS ?? Math.min(2, cpus().length));
const timeoutMs = Number(process.env.TEST_TIMEOUT_S ?? 600) * 1000;

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const status = buildStatus(root);
if (!status.current) {
  const r = await build();
  console.log(`[run-tests] ${status.reason}: rebuilt dist/ in ${(r.ms / 1000).toFixed(1)}s`);
}

const files = walk(join(root, 'tests')).filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');
let passed = 0,
  failed = 0,
  skipped = 0;
const failures = [];

function runOne(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => {
      out += `\n[run-tests] timed out after ${timeoutMs / 1000}s`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const text = strip(out);
      const total = Number(/Total:\s+(\d+)/.exec(text)?.[1] ?? NaN);
      const ok = Number(/Passed:\s+(\d+)/.exec(text)?.[1] ?? NaN);
      const sk = Number(/Skipped:\s+(\d+)/.exec(text)?.[1] ?? 0);
      const rel = relative(root, file);
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      if (Number.isNaN(total) || Number.isNaN(ok)) {
        failed += 1;
        failures.push({ rel, text });
        console.log(`✗ ${rel} (no uvu summary, exit ${code}) ${secs}s`);
      } else {
        const bad = total - ok - sk + (code !== 0 && total - ok - sk === 0 ? 1 : 0);
        passed += ok;
        failed += bad;
        skipped += sk;
        if (bad > 0) failures.push({ rel, text });
        console.log(`${bad > 0 ? '✗' : '✓'} ${rel}: ${ok}/${total} passed${sk ? `, ${sk} skipped` : ''} ${secs}s`);
      }
      resolve();
    });
  });
}

const queue = files.slice();
await Promise.all(
  Array.from({ length: Math.max(1, jobs) }, async () => {
    while (queue.length > 0) await runOne(queue.shift());
  }),
);

for (const f of failures) {
  console.log(`\n──── output of ${f.rel} ────\n${f.text.trimEnd()}`);
}
if (files.length === 0) {
  console.log('no test files matched');
  failed += 1;
}
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed > 0 ? 1 : 0;
