#!/usr/bin/env node
// Runs every tests/**/*.test.ts file in its own Node process (uvu inside),
// a few at a time, then prints the slowest files and one last line: `N passed, N failed[, N skipped]`.
// A file that crashes or hangs counts as one failure. Exit code 1 on any failure.
// Tests run the CLI as users do (bin/anomseer.mjs → dist/), so dist/ is rebuilt first when a
// source changed since the last build (scripts/build.mjs, bin/build-status.mjs).
//
// A hang, not a slow file, is what stops a file: on a loaded machine a file may take many times
// its usual wall time while it works. So a file is stopped when its processes (the test and
// every process it started, read from /proc) have used less than IDLE_CPU_S of CPU time for
// TEST_IDLE_S (waiting on an event that never comes), or at the far ceiling TEST_TIMEOUT_S
// (something spinning without end; the only limit where /proc is missing). The tests' own
// waits (tests/helpers/wait.ts, 240 s) end before the idle limit, with a clearer message.
//
// Usage: node scripts/run-tests.mjs [filter-substring ...]
//   TEST_JOBS=2         parallel files (default: number of cores, at most 2)
//   TEST_IDLE_S=300     stop a file whose processes have been idle this long, seconds
//   TEST_TIMEOUT_S=3600 stop a file after this long whatever it does, seconds
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { cpus, tmpdir } from 'node:os';
import { buildStatus } from '../bin/build-status.mjs';
import { build } from './build.mjs';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);
const jobs = Number(process.env.TEST_JOBS ?? Math.min(2, cpus().length));
const timeoutMs = Number(process.env.TEST_TIMEOUT_S ?? 3600) * 1000;
const idleMs = Number(process.env.TEST_IDLE_S ?? 300) * 1000;
/** CPU seconds a file's processes must use per TEST_IDLE_S to count as working. */
const IDLE_CPU_S = 0.5;
const CHECK_EVERY_MS = 5000;
const TICKS_PER_S = 100; // USER_HZ: /proc/<pid>/stat counts CPU time in these on Linux

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

// One directory per run where test files reserve the fixed ports they hand to servers they start
// (tests/helpers/ports.ts), so two files running at once never draw the same one.
const portsDir = mkdtempSync(join(tmpdir(), 'anomseer-test-ports-'));
process.on('exit', () => rmSync(portsDir, { recursive: true, force: true }));

const files = walk(join(root, 'tests')).filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');
let passed = 0,
  failed = 0,
  skipped = 0;
const failures = [];
/** [relative path, seconds] of every file run. */
const durations = [];

/**
 * `pid` and all its live descendants, and the CPU seconds they have used so far (each one's own
 * time plus that of its children it has waited for), from one pass over /proc; undefined
 * without /proc.
 */
function processTree(pid) {
  if (!existsSync('/proc/self/stat')) return undefined;
  const children = new Map();
  const cpu = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited in between
    }
    // "<pid> (<comm>) <state> <ppid> …": comm may hold spaces, so split after the last ")".
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(f[1]);
    cpu.set(Number(name), Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])); // utime stime cutime cstime
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(Number(name));
  }
  const pids = [];
  let ticks = 0;
  for (const stack = [pid]; stack.length > 0;) {
    const p = stack.pop();
    if (!cpu.has(p)) continue;
    pids.push(p);
    ticks += cpu.get(p);
    stack.push(...(children.get(p) ?? []));
  }
  return { pids, cpuSeconds: ticks / TICKS_PER_S };
}

function runOne(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0', ANOMSEER_TEST_PORTS: portsDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    // The watchdog: progress is CPU time used; a file idle for idleMs, or at the ceiling, is stopped.
    let mark = { at: started, cpu: 0 };
    const watchdog = setInterval(() => {
      const now = Date.now();
      const tree = processTree(child.pid);
      const cpu = tree?.cpuSeconds;
      if (cpu !== undefined && cpu < mark.cpu) mark = { ...mark, cpu }; // a process left the tree (reparented): count from here
      if (cpu !== undefined && cpu - mark.cpu >= IDLE_CPU_S) mark = { at: now, cpu };
      let why;
      if (now - started >= timeoutMs) why = `still running after ${timeoutMs / 1000} s (TEST_TIMEOUT_S)`;
      else if (cpu !== undefined && now - mark.at >= idleMs)
        why = `its processes used less than ${IDLE_CPU_S} s of CPU in the last ${idleMs / 1000} s: a hang (TEST_IDLE_S)`;
      if (why === undefined) return;
      out += `\n[run-tests] stopped: ${why}`;
      clearInterval(watchdog);
      // The file and every process it started that is still running, each by its pid.
      for (const pid of tree?.pids.slice(1) ?? []) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      child.kill('SIGKILL');
    }, CHECK_EVERY_MS);
    child.on('close', (code) => {
      clearInterval(watchdog);
      const text = strip(out);
      const total = Number(/Total:\s+(\d+)/.exec(text)?.[1] ?? NaN);
      const ok = Number(/Passed:\s+(\d+)/.exec(text)?.[1] ?? NaN);
      const sk = Number(/Skipped:\s+(\d+)/.exec(text)?.[1] ?? 0);
      const rel = relative(root, file);
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      durations.push([rel, Number(secs)]);
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
if (durations.length > 1) {
  const slowest = durations.sort((a, b) => b[1] - a[1]).slice(0, 5);
  console.log(`\nslowest: ${slowest.map(([rel, secs]) => `${rel} ${secs.toFixed(1)}s`).join(', ')}`);
}
if (files.length === 0) {
  console.log('no test files matched');
  failed += 1;
}
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed > 0 ? 1 : 0;
