// A run directory is the record of its run: config, every step's scalars, every trace, each
// eval report and the summary — enough to reopen a finished or interrupted run with no process.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileJobConfig } from '../../shared/config/job.js';
import { runTraining } from '../../learner/trainer.js';
import { findRuns, parseMetricsLines, readRun } from '../../shared/training/run-files.js';

const root = mkdtempSync(join(tmpdir(), 'anomseer-record-'));
const job = (dir: string) =>
  compileJobConfig({
    name: 'record',
    seed: 3,
    outputDir: join(root, dir),
    data: { train: 'anomllm:train?count=2&length=128&tasks=range,point', eval: 'anomllm:eval?count=1&length=128&tasks=range', seriesLength: 128 },
    policy: { rasterHeight: 16, rasterWidth: 64, dModel: 16, encoderLayers: 1, decoderLayers: 1, heads: 2, ffnDim: 32, maxTraceTokens: 160 },
    rollout: { groupSize: 2, promptsPerStep: 2, maxNewTokens: 160 },
    train: { steps: 3, checkpointEvery: 0, evalEvery: 2, evalCount: 1, warmStart: { enabled: true, steps: 2, batchSize: 2 } },
  });

test('a finished run leaves config, metrics of every step and eval, every trace, the eval reports and its summary', async () => {
  const summary = await runTraining(job('done'), { clock: () => new Date(0), log: () => {} });
  const run = readRun(join(root, 'done'));
  assert.is(run.state, 'finished');
  assert.match(run.jobId ?? '', /^record-[0-9a-f]{12}$/);
  assert.is((run.config as { name: string }).name, 'record');
  const kinds = run.metrics.map((m) => `${m.kind}:${m.step}`);
  assert.equal(kinds, ['warm-start:1', 'warm-start:2', 'step:1', 'step:2', 'eval:2', 'step:3', 'eval:3']);
  const step = run.metrics.find((m) => m.kind === 'step' && m.step === 2)!;
  for (const key of [
    'reward',
    'rewardFormat',
    'rewardClass',
    'rewardLocalization',
    'grounded',
    'otDistance',
    'kl',
    'entropy',
    'clipFraction',
    'gradNorm',
    'loss',
    'lr',
    'seconds.generate',
    'seconds.update',
    'timings.ot',
    'rolloutsPerSecond',
    'tokensPerSecond',
    'weightVersion',
  ]) {
    assert.type(step[key], 'number', key);
  }
  assert.is(step.reward, summary.history[1]!.reward);
  const evalLine = run.metrics.find((m) => m.kind === 'eval' && m.step === 3)!;
  assert.type(evalLine.pointF1, 'number');
  assert.type(evalLine['affiliationF1.range'], 'number');
  assert.type(evalLine['faithfulness.conclusionAgreement'], 'number');
  const traces = readFileSync(join(root, 'done', 'traces', 'step-000002.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.is(traces.length, 2 * 2, 'every trace of the step: prompts × G');
  assert.ok(traces.every((t) => typeof t.text === 'string' && t.text.startsWith('<think>') && typeof t.reward.total === 'number'));
  assert.ok(existsSync(join(root, 'done', 'evals', 'step-000003.json')));
  assert.equal((run.summary as { steps: number }).steps, 3);
});

test('an interrupted run reads as interrupted, and its resumed run as finished without repeated steps', async () => {
  const ctl = new AbortController();
  await runTraining(job('cut'), {
    clock: () => new Date(0),
    log: () => {},
    signal: ctl.signal,
    onEvent: (e) => e.kind === 'step' && e.step === 1 && ctl.abort(),
  });
  assert.is(readRun(join(root, 'cut')).state, 'interrupted');
  await runTraining(job('cut'), { clock: () => new Date(0), log: () => {}, resume: true });
  const run = readRun(join(root, 'cut'));
  assert.is(run.state, 'finished');
  assert.equal(
    run.metrics.filter((m) => m.kind === 'step').map((m) => m.step),
    [1, 2, 3],
  );
});

test('metrics lines: a line cut short is skipped, a step written again by a resumed run keeps its place with the later values', () => {
  const text = [
    '{"kind":"step","step":1,"time":"t","reward":0.1}',
    '{"kind":"step","step":2,"time":"t","reward":0.2}',
    '{"kind":"step","step":2,"time":"t","reward":0.25}',
    '{"kind":"step","st',
  ].join('\n');
  assert.equal(
    parseMetricsLines(text).map((m) => [m.step, m.reward]),
    [
      [1, 0.1],
      [2, 0.25],
    ],
  );
});

test('findRuns lists every run directory under a root', () => {
  const dir = join(root, 'partial');
  appendFileSync(join(root, 'not-a-run.txt'), 'x');
  assert.equal(findRuns(root), [join(root, 'cut'), join(root, 'done')]);
  assert.is(readRun(dir).state, 'running', 'a folder without files reads as an empty, unfinished run');
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
