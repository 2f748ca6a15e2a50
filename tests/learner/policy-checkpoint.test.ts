import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileJobConfig } from '../../shared/config/job.js';
import { DataError } from '../../shared/errors.js';
import { runTraining } from '../../learner/trainer.js';
import { loadPolicy } from '../../shared/policy/checkpoint.js';

const root = mkdtempSync(join(tmpdir(), 'anomseer-ckpt-'));

test('a model.safetensors alone loads the same policy as its full checkpoint', async () => {
  const job = compileJobConfig({
    name: 'ck',
    seed: 5,
    outputDir: join(root, 'run'),
    data: { train: 'anomllm:train?count=1&length=128&tasks=range', eval: 'anomllm:eval?count=1&length=128&tasks=range', seriesLength: 128 },
    policy: { rasterHeight: 16, rasterWidth: 64, dModel: 16, encoderLayers: 1, decoderLayers: 1, heads: 2, ffnDim: 32, maxTraceTokens: 160 },
    rollout: { groupSize: 2, promptsPerStep: 1, maxNewTokens: 160 },
    train: { steps: 1, checkpointEvery: 0, evalEvery: 0, evalCount: 1 },
  });
  const { checkpoint } = await runTraining(job, { clock: () => new Date(0), log: () => {} });
  const shipped = join(root, 'shipped');
  mkdirSync(shipped);
  copyFileSync(join(checkpoint, 'model.safetensors'), join(shipped, 'model.safetensors'));
  const a = await loadPolicy(checkpoint),
    b = await loadPolicy(shipped);
  assert.equal(b.spec, a.spec);
  assert.equal(Object.keys(b.params).sort(), Object.keys(a.params).sort());
  for (const k of Object.keys(a.params)) assert.equal(Array.from(b.params[k]), Array.from(a.params[k]), k);
  assert.is(a.weightVersion, 1);
});

test('a directory with neither state.json nor model.safetensors is a DataError naming it', async () => {
  const empty = join(root, 'empty');
  mkdirSync(empty);
  try {
    await loadPolicy(empty);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, DataError);
    assert.match((e as Error).message, /empty: holds neither a checkpoint \(state\.json\) nor a policy \(model\.safetensors\)/);
  }
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
