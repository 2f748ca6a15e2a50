// A single-process run survives its process: stopped at a step boundary (Ctrl-C) it saves a
// checkpoint, and resumed it ends with exactly the weights of a run that never stopped — from
// the warm start and from RL. A run never takes over another run's directory silently.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { compileJobConfig } from '../../shared/config/job.js';
import { ConfigError } from '../../shared/errors.js';
import { runTraining } from '../../learner/trainer.js';
import type { TrainSummary } from '../../learner/trainer.js';
import type { TrainEvent } from '../../shared/training/events.js';
import { STOP_AFTER_LINE, cpuProgress, isStopped } from '../helpers/children.js';
import { eventually, withinProgress } from '../helpers/wait.js';

const root = mkdtempSync(join(tmpdir(), 'anomseer-resume-'));

const job = (dir: string, over: Record<string, unknown> = {}) =>
  compileJobConfig({
    name: 'resume',
    seed: 11,
    outputDir: join(root, dir),
    data: { train: 'anomllm:train?count=2&length=128&tasks=range,trend', eval: 'anomllm:eval?count=1&length=128&tasks=range', seriesLength: 128 },
    policy: { rasterHeight: 16, rasterWidth: 64, dModel: 16, encoderLayers: 1, decoderLayers: 1, heads: 2, ffnDim: 32, maxTraceTokens: 160 },
    rollout: { groupSize: 2, promptsPerStep: 2, maxNewTokens: 160 },
    train: { steps: 4, checkpointEvery: 0, evalEvery: 0, evalCount: 1, warmStart: { enabled: true, steps: 4, batchSize: 2 } },
    ...over,
  });

const modelSha = (ckpt: string) => JSON.parse(readFileSync(join(ckpt, 'state.json'), 'utf8')).sha256['model.safetensors'] as string;

/** Run until `stopAt(event)` says so (then abort), or to the end. */
async function run(dir: string, opts: { resume?: boolean; stopAt?: (e: TrainEvent) => boolean } = {}): Promise<TrainSummary> {
  const ctl = new AbortController();
  return runTraining(job(dir), {
    clock: () => new Date(0),
    log: () => {},
    signal: ctl.signal,
    resume: opts.resume,
    onEvent: (e) => {
      if (opts.stopAt?.(e) === true) ctl.abort();
    },
  });
}

let straight: TrainSummary;

test('an uninterrupted run, for reference', async () => {
  straight = await run('straight');
  assert.is(straight.interrupted, undefined);
  assert.is(straight.steps, 4);
  assert.ok(existsSync(join(root, 'straight', 'run.json')));
  assert.ok(existsSync(join(root, 'straight', 'reference.safetensors')));
});

test('stopped after RL step 2 and resumed: the same final weights, history and counters', async () => {
  const a = await run('rl', { stopAt: (e) => e.kind === 'step' && e.step === 2 });
  assert.equal(a.interrupted, { stage: 'rl', step: 2, checkpoint: join(root, 'rl', 'step-000002') });
  assert.is(a.finalEval, undefined);
  const b = await run('rl', { resume: true });
  assert.is(b.resumedFrom, join(root, 'rl', 'step-000002'));
  assert.is(b.interrupted, undefined);
  assert.is(modelSha(b.checkpoint), modelSha(straight.checkpoint));
  assert.equal(b.history, straight.history);
  assert.is(b.weightVersion, straight.weightVersion);
  assert.is(b.promptsTrained, straight.promptsTrained);
  assert.equal(b.finalEval, straight.finalEval);
});

test('stopped in the warm start and resumed: the same final weights', async () => {
  const a = await run('warm', { stopAt: (e) => e.kind === 'warm-start' && e.step === 2 });
  assert.equal(a.interrupted, { stage: 'warm-start', step: 2, checkpoint: join(root, 'warm', 'warm-start-000002') });
  const b = await run('warm', { resume: true });
  assert.is(modelSha(b.checkpoint), modelSha(straight.checkpoint));
  assert.equal(b.history, straight.history);
});

test('a new run refuses a directory that holds another run; resume refuses another job', async () => {
  const again = await run('straight').catch((e: unknown) => e);
  assert.instance(again, ConfigError);
  assert.match(
    (again as Error).message,
    /^outputDir: .*straight already holds run resume-[0-9a-f]{12} \(1 checkpoint, latest step-000004\); continue it with --resume/,
  );
  const other = await runTraining(job('straight', { seed: 12 }), { clock: () => new Date(0), log: () => {}, resume: true }).catch((e: unknown) => e);
  assert.instance(other, ConfigError);
  assert.match(
    (other as Error).message,
    /holds run resume-[0-9a-f]{12}, but this job is resume-[0-9a-f]{12}; resume with the job file and --set flags the run was started with/,
  );
  const none = await run('never-started', { resume: true }).catch((e: unknown) => e);
  assert.instance(none, ConfigError);
  assert.match((none as Error).message, /never-started holds no run to resume/);
});

/**
 * `anomseer train` as a user runs it; resolves with its exit code and output. With `stopAfter`
 * (a regular expression) the process stops itself right after its first stdout line matching
 * it (tests/helpers/stop-after-line.mjs), so `onLine` acts at exactly that point.
 */
function cli(
  args: string[],
  onLine: (line: string, child: ReturnType<typeof spawn>) => void = () => {},
  stopAfter = '',
): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', STOP_AFTER_LINE, 'bin/anomseer.mjs', 'train', 'examples/smoke.yaml', '--no-dashboard', ...args], {
    env: { ...process.env, ANOMSEER_TEST_STOP_AFTER: stopAfter },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let lineAt = 0;
  for (const s of [child.stdout!, child.stderr!])
    createInterface({ input: s }).on('line', (l) => {
      out += `${l}\n`;
      lineAt = Date.now();
      onLine(l, child);
    });
  // A whole run: waited for as long as it prints or computes (a stopped run does neither, but the test continues it).
  const cpu = cpuProgress(child.pid!);
  return withinProgress(new Promise((resolve) => child.on('close', (code) => resolve({ code, out }))), `anomseer train ${args.join(' ')}`, () =>
    Math.max(lineAt, cpu()),
  );
}

test('Ctrl-C during `anomseer train` saves a checkpoint and exits 130; --resume finishes with the weights of an uninterrupted run', async () => {
  const set = (d: string) => ['--set', `outputDir=${join(root, d)}`];
  const full = await cli(set('cli-straight'));
  assert.is(full.code, 0, full.out);
  // The run stops itself right after printing step 1 (however far a loaded machine lets it get
  // before this process reads the line): Ctrl-C lands there, then it goes on.
  let sent: Promise<void> | undefined;
  const stopped = await cli(
    set('cli-stopped'),
    (line, child) => {
      if (sent !== undefined || !/^step 1\/3 /.test(line)) return;
      sent = eventually('train stops itself after step 1', () => (isStopped(child.pid!) ? true : undefined), { everyMs: 10 }).then(() => {
        child.kill('SIGINT');
        child.kill('SIGCONT');
      });
      sent.catch(() => {}); // awaited below
    },
    '^step 1/3 ',
  );
  await sent;
  assert.is(stopped.code, 130, stopped.out);
  assert.match(stopped.out, /train: SIGINT; finishing the current step, then saving a checkpoint/);
  const m =
    /train: stopped in the RL after step (\d); checkpoint (\S+); continue with: anomseer train examples\/smoke\.yaml --set outputDir=\S+ --resume\n/.exec(
      stopped.out,
    );
  assert.ok(m, stopped.out);
  assert.ok(existsSync(join(m![2]!, 'model.safetensors')));
  const resumed = await cli([...set('cli-stopped'), '--resume']);
  assert.is(resumed.code, 0, resumed.out);
  assert.match(resumed.out, /train: resuming .*cli-stopped from .*step-00000\d \(rl step \d\)/);
  assert.is(modelSha(join(root, 'cli-stopped', 'step-000003')), modelSha(join(root, 'cli-straight', 'step-000003')));
  const twice = await cli(set('cli-straight'));
  assert.is(twice.code, 2);
  assert.match(twice.out, /anomseer: outputDir: .*cli-straight already holds run smoke-[0-9a-f]{12}/);
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
