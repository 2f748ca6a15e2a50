// The waiting helpers themselves: a limit on silence gives up on a silent process only, however
// long a working one takes, and CPU time counts as progress. Every case holds on a loaded
// machine: no case needs anything to happen within a time, only not before one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { cpuProgress } from './children.js';
import { within, withinProgress } from './wait.js';

const after = (ms: number) => new Promise<string>((r) => setTimeout(() => r('done'), ms));
/** Never settles, but keeps this process alive (the limits' timers do not) until `stop`. */
function never(): { promise: Promise<never>; stop: () => void } {
  const keep = setInterval(() => {}, 1000);
  return { promise: new Promise<never>(() => {}), stop: () => clearInterval(keep) };
}

test('withinProgress waits past its limit while progress keeps coming', async () => {
  assert.is(await withinProgress(after(300), 'the work', () => Date.now(), 50), 'done');
});

test('withinProgress gives up once there has been no progress for its limit, naming what it waited for', async () => {
  const started = Date.now();
  const silent = never();
  const err = await withinProgress(silent.promise, 'the silent work', () => 0, 50).catch((e: unknown) => e);
  silent.stop();
  assert.instance(err, Error);
  assert.is((err as Error).message, 'the silent work: no progress for 0.05 s');
  assert.ok(Date.now() - started >= 50, 'not before its limit');
});

test('within gives up after its limit, whatever happens meanwhile', async () => {
  const none = never();
  const err = await within(none.promise, 'the event', 50).catch((e: unknown) => e);
  none.stop();
  assert.is((err as Error).message, 'the event: not within 0.05 s');
});

test('cpuProgress sees progress once a process has used half a second of CPU, and none from a process that only waits', async () => {
  // Spins until it has used 0.7 s of CPU (however long that takes), says so, then waits on stdin.
  const spin = "const t = process.cpuUsage(); while (process.cpuUsage(t).user < 700_000) {} console.log('spun'); process.stdin.resume();";
  const busy = spawn(process.execPath, ['-e', spin], { stdio: ['pipe', 'pipe', 'inherit'] });
  const idle = spawn(process.execPath, ['-e', "console.log('up'); process.stdin.resume();"], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const busyProgress = cpuProgress(busy.pid!);
    const said = (c: typeof busy) => within(new Promise<string>((r) => createInterface({ input: c.stdout! }).once('line', r)), 'a line');
    assert.is(await said(idle), 'up');
    const idleProgress = cpuProgress(idle.pid!);
    assert.is(await said(busy), 'spun');
    assert.ok(busyProgress() > 0, 'the spinning process made progress');
    assert.is(idleProgress(), 0, 'the waiting process made none');
  } finally {
    busy.kill('SIGKILL');
    idle.kill('SIGKILL');
  }
});

test.run();
