// `anomseer stop` and `anomseer status --watch` against a remote coordinator, over real gRPC with
// real processes: a coordinator on a real redis-server, a learner and two workers started by the
// CLI. Stopping mid-run drains and ends every role with 0, the learner leaves a checkpoint, the
// coordinator reports the job stopped; status --watch (not on a terminal) prints one line per
// change and ends by itself. Errors are one line with exit 2.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis } from '../helpers/redis.js';
import type { RedisServer } from '../helpers/redis.js';
import { exitOf, killAll, startRole } from './roles.js';

const TOKEN = 'stop-watch-test-token-0123456789abcdef';
const env = { ANOMSEER_TOKEN: TOKEN };
const cli = (args: string[], extraEnv: Record<string, string | undefined> = env) =>
  spawnSync(process.execPath, ['bin/anomseer.mjs', ...args], { encoding: 'utf8', env: { ...process.env, ...extraEnv } });

/** The one-line error contract: exit 2, one stderr line starting `anomseer: `, no stack trace. */
function userError(r: ReturnType<typeof cli>, re: RegExp): void {
  assert.is(r.status, 2, `exit code; stderr: ${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.is(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^anomseer: /);
  assert.match(lines[0]!, re);
}

test('a running job stopped from the CLI: workers drain and exit 0, the learner checkpoints and exits 0, status reads stopped', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'anomseer-stop-'));
  let redis: RedisServer | undefined;
  try {
    redis = await startRedis();
    // Long enough that the stop lands mid-run however fast the machine is.
    const sets = ['train.steps=200', `outputDir=${tmp}/run`].flatMap((s) => ['--set', s]);
    const coord = startRole(
      'coordinator',
      ['coordinator', 'examples/smoke.yaml', ...sets, '--redis', `redis://${redis.host}:${redis.port}`, '--listen', '127.0.0.1:0', '--no-dashboard'],
      env,
    );
    const address = (await coord.line(/listening on (\S+)/))[1]!;
    // Watching from before the learner starts until the job reads stopped (it ends by itself).
    const watch = startRole('status --watch', ['status', '--coordinator', address, '--watch', '--interval', '0.2'], env);
    await watch.line(/ running, step 0, v0, /);
    const learner = startRole('learner', ['learner', 'examples/smoke.yaml', ...sets, '--coordinator', address, '--summary', join(tmp, 'summary.json')], env);
    const workers = [0, 1].map((i) => startRole(`worker-${i}`, ['worker', '--coordinator', address], env));
    await learner.line(/^step 1\/200 /);

    // A worker a signal ends before the job is done exits with --signal-exit (143 in a Kubernetes
    // Job: an evicted pod is then replaced), not 0, which would mean "the job is done".
    const early = startRole('worker-early', ['worker', '--coordinator', address, '--signal-exit', '143'], env);
    await early.line(/registered with job/);
    early.child.kill('SIGTERM');
    assert.is(await exitOf(early), 143, early.lines.slice(-10).join('\n'));

    // Refused requests change nothing: a wrong token, a reason over 200 characters.
    userError(cli(['stop', '--coordinator', address], { ANOMSEER_TOKEN: 'wrong-token-0123456789abcdef0123' }), /UNAUTHENTICATED|token/);
    userError(cli(['stop', '--coordinator', address, '--reason', 'x'.repeat(201)]), /reason: has 201 characters; at most 200/);
    assert.match(cli(['status', '--coordinator', address]).stdout, /^job smoke-\w+: running, step \d+/);

    const stop = cli(['stop', '--coordinator', address, '--reason', 'test stop', '--wait']);
    assert.is(stop.status, 0, stop.stderr);
    const stopLines = stop.stdout.trimEnd().split('\n');
    assert.match(stopLines[0]!, /^stop: job smoke-[0-9a-f]{12}: stopping \(/);
    assert.match(stopLines.at(-1)!, /^stop: job smoke-[0-9a-f]{12}: stopped; every worker and the learner are gone/);

    // Every role ends by itself with 0 (no signal was sent to any of them).
    assert.is(await exitOf(learner), 0, learner.lines.slice(-20).join('\n'));
    const stoppedAt = Number(
      (await learner.line(/learner: the coordinator says: job "smoke-\w+" was stopped .*\(test stop\).*; stopped after step (\d+); checkpoint (\S+)/))[1],
    );
    assert.ok(stoppedAt >= 1 && stoppedAt < 200, `stopped after step ${stoppedAt}`);
    for (const w of workers) {
      assert.is(await exitOf(w), 0, w.lines.slice(-10).join('\n'));
      assert.ok(
        w.lines.some((l) => /stopped after \d+ accepted group/.test(l)),
        w.name,
      );
    }
    const summary = JSON.parse(readFileSync(join(tmp, 'summary.json'), 'utf8'));
    assert.equal(summary.interrupted.stage, 'rl');
    assert.is(summary.interrupted.step, stoppedAt);
    assert.is(summary.steps, stoppedAt);
    assert.ok(existsSync(join(summary.interrupted.checkpoint, 'model.safetensors')), `checkpoint ${summary.interrupted.checkpoint}`);
    assert.is(summary.history.length, stoppedAt);

    // The coordinator stays up and says so; a second stop changes nothing.
    const st = cli(['status', '--coordinator', address, '--json']);
    assert.is(st.status, 0, st.stderr);
    const s = JSON.parse(st.stdout);
    assert.equal(
      [s.job_state.state, s.job_state.stop_reason, s.job_state.learner_told, s.job_state.workers_active, s.leases.length],
      ['stopped', 'test stop', true, 0, 0],
    );
    const again = cli(['stop', '--coordinator', address]);
    assert.is(again.status, 0, again.stderr);
    assert.match(again.stdout, /: stopped; /);
    assert.match(cli(['status', '--coordinator', address]).stdout, /^job smoke-\w+: stopped, step \d+/);

    // status --watch without a terminal: a line per change, no redraws, and it ended by itself.
    assert.is(await exitOf(watch), 0, watch.lines.join('\n'));
    const lines = watch.stdout;
    assert.ok(lines.length >= 3, lines.join('\n'));
    for (const l of lines) {
      assert.match(
        l,
        /^\d\d:\d\d:\d\d job smoke-\w+, (running|stopping \(.*\)|stopped), step \d+, v\d+, prompts \d+\/800 done, \d+ in flight, \d+ queued, workers \d+ \(\d+ not stopped\)(, ETA \S+)?$/,
      );
      assert.not.match(l, /[\r\x1b]/, 'no carriage returns or escape codes');
    }
    const keys = lines.map((l) => l.replace(/^\S+ /, '').replace(/, ETA \S+$/, ''));
    for (let i = 1; i < keys.length; i++) assert.is.not(keys[i], keys[i - 1], `line ${i + 1} repeats line ${i}`);
    assert.match(lines[0]!, / running, step 0, v0, /);
    assert.match(lines.at(-1)!, / stopped, step \d+, /);
    assert.ok(
      lines.some((l) => / stopping \(/.test(l)),
      'the stopping state was seen',
    );
    await within0(coord);

    // The stop is in Redis: a coordinator started again on it serves the job as stopped, and a
    // worker that joins now leaves at once with 0 (nothing is leased to it).
    const coord2 = startRole(
      'coordinator-again',
      ['coordinator', 'examples/smoke.yaml', ...sets, '--redis', `redis://${redis.host}:${redis.port}`, '--listen', '127.0.0.1:0', '--no-dashboard'],
      env,
    );
    await coord2.line(/job smoke-\w+ was stopped at \d{4}-\d\d-\d\dT[\d:.]+Z \(test stop\); it stays stopped/);
    const address2 = (await coord2.line(/listening on (\S+)/))[1]!;
    const s2 = JSON.parse(cli(['status', '--coordinator', address2, '--json']).stdout);
    assert.equal(
      [s2.job_state.state, s2.job_state.stop_reason, s2.job_state.learner_told, s2.job_state.stop_requested_at_ms, s2.leases.length],
      ['stopped', 'test stop', true, s.job_state.stop_requested_at_ms, 0],
    );
    const late = startRole('worker-late', ['worker', '--coordinator', address2], env);
    assert.is(await exitOf(late), 0, late.lines.slice(-10).join('\n'));
    assert.not.ok(
      late.lines.some((l) => /accepted group/.test(l) && !/ 0 accepted group/.test(l)),
      late.lines.join('\n'),
    );
    // A learner resumed on it is told at once: it keeps its checkpoint and exits 0.
    const resumed = startRole('learner-resumed', ['learner', 'examples/smoke.yaml', ...sets, '--coordinator', address2, '--resume'], env);
    assert.is(await exitOf(resumed), 0, resumed.lines.slice(-20).join('\n'));
    await resumed.line(new RegExp(`was stopped .*\\(test stop\\).*; stopped after step ${stoppedAt};`));
    await within0(coord2);
  } finally {
    await killAll();
    await redis?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
});

/** The coordinator ends with 0 on SIGTERM once its job is stopped. */
async function within0(coord: ReturnType<typeof startRole>): Promise<void> {
  coord.child.kill('SIGTERM');
  assert.is(await exitOf(coord), 0, coord.lines.slice(-10).join('\n'));
}

test('a learner sent SIGTERM (a Kubernetes Job deleted, a pod evicted) saves a checkpoint and exits 130 (its own handler: node as PID 1 would ignore SIGTERM)', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'anomseer-learner-term-'));
  let redis: RedisServer | undefined;
  try {
    redis = await startRedis();
    const sets = ['train.steps=200', `outputDir=${tmp}/run`].flatMap((s) => ['--set', s]);
    const coord = startRole(
      'coordinator',
      ['coordinator', 'examples/smoke.yaml', ...sets, '--redis', `redis://${redis.host}:${redis.port}`, '--listen', '127.0.0.1:0', '--no-dashboard'],
      env,
    );
    const address = (await coord.line(/listening on (\S+)/))[1]!;
    const learner = startRole('learner', ['learner', 'examples/smoke.yaml', ...sets, '--coordinator', address, '--summary', join(tmp, 'summary.json')], env);
    const worker = startRole('worker', ['worker', '--coordinator', address], env);
    await learner.line(/^step 1\/200 /);
    learner.child.kill('SIGTERM');
    assert.is(await exitOf(learner), 130, learner.lines.slice(-20).join('\n'));
    await learner.line(/^learner: SIGTERM; saving a checkpoint/);
    const summary = JSON.parse(readFileSync(join(tmp, 'summary.json'), 'utf8'));
    assert.is(summary.interrupted.stage, 'rl');
    assert.ok(summary.interrupted.step >= 1 && summary.interrupted.step < 200, `step ${summary.interrupted.step}`);
    assert.ok(existsSync(join(summary.interrupted.checkpoint, 'model.safetensors')), summary.interrupted.checkpoint);
    worker.child.kill('SIGTERM');
    assert.is(await exitOf(worker), 0);
    coord.child.kill('SIGTERM');
    assert.is(await exitOf(coord), 0);
  } finally {
    await killAll();
    await redis?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('operator commands: user errors are one line with exit 2', () => {
  // Nothing listens on port 1: the call fails; a missing token is caught before any call.
  userError(cli(['stop', '--coordinator', '127.0.0.1:1'], { ANOMSEER_TOKEN: undefined }), /ANOMSEER_TOKEN: is not set/);
  userError(
    cli(['status', '--coordinator', '127.0.0.1:1', '--watch', '--interval', '0']),
    /--interval: must be a number of seconds in \[0\.1, 3600\], got "0"/,
  );
  userError(cli(['stop', '--coordinator', '127.0.0.1:1', '--timeout', 'soon']), /--timeout: must be a positive number of seconds, got "soon"/);
  userError(
    cli(['learner', 'examples/smoke.yaml', '--coordinator', '127.0.0.1:1', '--resume', '--auto-resume']),
    /--auto-resume: give --resume \(the run must exist\) or --auto-resume \(resume it when it exists\), not both/,
  );
  userError(cli(['status', '--coordinator', '127.0.0.1:1']), /UNAVAILABLE/);
  // commander's own refusals are user errors too (2, not commander's 1).
  const unknown = cli(['stop', '--coordinator', '127.0.0.1:1', '--force']);
  assert.is(unknown.status, 2, unknown.stderr);
  assert.match(unknown.stderr, /unknown option '--force'/);
  const missing = cli(['stop']);
  assert.is(missing.status, 2, missing.stderr);
  assert.match(missing.stderr, /required option '--coordinator <host:port>' not specified/);
  assert.is(cli(['stop', '--help']).status, 0);
});

test.run();
