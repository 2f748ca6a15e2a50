// A short seeded TimerPO run from random weights: the reward rises, the sampler and the
// learner agree on log-probs, the same seed gives the same weights, and the checkpoint
// evaluates through the CLI.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { compileJobConfig } from '../../shared/config/job.js';
import { runTraining } from '../../learner/trainer.js';
import type { TrainEvent } from '../../shared/training/events.js';

const root = mkdtempSync(join(tmpdir(), 'anomseer-train-'));

const job = (name: string, steps: number) =>
  compileJobConfig({
    name,
    seed: 7,
    outputDir: join(root, name),
    data: {
      train: 'anomllm:train?count=8&length=256&tasks=range,point',
      eval: 'anomllm:eval?count=2&length=256&tasks=range,point',
      seriesLength: 256,
    },
    policy: { rasterHeight: 32, rasterWidth: 128, dModel: 32, encoderLayers: 1, decoderLayers: 1, heads: 2, ffnDim: 64, maxTraceTokens: 160 },
    rollout: { groupSize: 4, promptsPerStep: 8, maxNewTokens: 160 },
    optim: { lr: 0.003 },
    train: { steps, checkpointEvery: 0, evalEvery: 0, evalCount: 2 },
  });

async function run(name: string, steps: number) {
  const events: TrainEvent[] = [];
  const summary = await runTraining(job(name, steps), { clock: () => new Date(0), log: () => {}, onEvent: (e) => events.push(e) });
  return { summary, steps: events.flatMap((e) => (e.kind === 'step' ? [e] : [])) };
}

test('30 seeded RL steps from random weights raise the mean reward by a clear margin', async () => {
  const { summary, steps } = await run('learns', 30);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const first = mean(steps.slice(0, 5).map((s) => s.metrics.reward));
  const last = mean(steps.slice(-5).map((s) => s.metrics.reward));
  assert.ok(last > first + 0.1, `reward ${first.toFixed(3)} → ${last.toFixed(3)}`);
  assert.is(summary.steps, 30);
  assert.is(summary.promptsTrained, 30 * 8);
  assert.is(summary.weightVersion, 30);
  for (const s of steps) {
    assert.ok(s.metrics.logpMismatch < 1e-4, `step ${s.step}: sampler vs learner log-prob differ by ${s.metrics.logpMismatch}`);
    assert.is(s.metrics.applied, 1);
    assert.is(s.metrics.rewardFormat, 1, 'constrained decoding always writes a well-formed trace');
  }
});

test('the same seed and config give bit-identical weights', async () => {
  const a = await run('same-a', 3);
  const b = await run('same-b', 3);
  const sha = (dir: string) => JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).sha256['model.safetensors'];
  assert.is(sha(a.summary.checkpoint), sha(b.summary.checkpoint));
  assert.equal(
    a.steps.map((s) => s.metrics.reward),
    b.steps.map((s) => s.metrics.reward),
  );
});

test('anomseer eval --checkpoint scores a trained checkpoint and saves its predictions', () => {
  const dir = join(root, 'learns', 'step-000030');
  const preds = join(root, 'preds.jsonl');
  const out = join(root, 'eval.json');
  const r = spawnSync(
    process.execPath,
    [
      'bin/anomseer.mjs',
      'eval',
      '--checkpoint',
      dir,
      '--data',
      'anomllm:eval?count=2&length=256&tasks=range,point',
      '--json',
      out,
      '--save-predictions',
      preds,
    ],
    { encoding: 'utf8' },
  );
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /anomseer \(this run\)/);
  const lines = readFileSync(preds, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.is(lines.length, 4);
  for (const l of lines) assert.ok(typeof l.id === 'string' && typeof l.text === 'string' && 'intervals' in l && 'type' in l);
  const rescored = spawnSync(
    process.execPath,
    ['bin/anomseer.mjs', 'eval', '--predictions', preds, '--data', 'anomllm:eval?count=2&length=256&tasks=range,point', '--json', join(root, 're.json')],
    { encoding: 'utf8' },
  );
  assert.is(rescored.status, 0, rescored.stderr);
  assert.equal(JSON.parse(readFileSync(join(root, 're.json'), 'utf8')), JSON.parse(readFileSync(out, 'utf8')));
});

test.after(() => rmSync(root, { recursive: true, force: true }));

test.run();
