// train.initFrom: a run starts from a trained policy's weights (fine-tuning a shipped policy, or
// several RL settings from one warm start). The weights RL starts from are exactly the
// checkpoint's; a checkpoint of another model stops the run before it writes anything, saying
// what differs; the shipped broad policy starts its own job and refuses the main job's model.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileJobConfig } from '../../shared/config/job.js';
import { applyOverrides, loadJobFile } from '../../shared/config/load.js';
import { ConfigError } from '../../shared/errors.js';
import { decodeModelFile } from '../../shared/checkpoint/index.js';
import { loadPolicy, REFERENCE_FILE } from '../../shared/policy/checkpoint.js';
import { policySpecFromJob } from '../../shared/policy/spec.js';
import { runTraining } from '../../learner/trainer.js';
import type { TrainSummary } from '../../learner/trainer.js';
import { initWeightsOf } from '../../learner/init-from.js';

const root = mkdtempSync(join(tmpdir(), 'anomseer-init-from-'));
const SMALL = { rasterHeight: 16, rasterWidth: 64, dModel: 16, encoderLayers: 1, decoderLayers: 1, heads: 2, ffnDim: 32, maxTraceTokens: 160 };

const job = (dir: string, over: { policy?: Record<string, unknown>; train?: Record<string, unknown> } = {}) =>
  compileJobConfig({
    name: 'init-from',
    seed: 5,
    outputDir: join(root, dir),
    data: { train: 'anomllm:train?count=2&length=128&tasks=range,trend', eval: 'anomllm:eval?count=1&length=128&tasks=range', seriesLength: 128 },
    policy: { ...SMALL, ...over.policy },
    rollout: { groupSize: 2, promptsPerStep: 2, maxNewTokens: 160 },
    train: { steps: 2, checkpointEvery: 0, evalEvery: 0, evalCount: 1, warmStart: { enabled: true, steps: 3, batchSize: 2 }, ...over.train },
  });

const logs: string[] = [];
const train = (j: ReturnType<typeof job>): Promise<TrainSummary> => runTraining(j, { clock: () => new Date(0), log: (l) => logs.push(l) });

let first: TrainSummary;

test("a run from another run's checkpoint starts RL from exactly its weights", async () => {
  first = await train(job('first'));
  const from = await loadPolicy(first.checkpoint);
  logs.length = 0;
  const second = await train(job('second', { train: { initFrom: first.checkpoint, warmStart: { enabled: false } } }));
  assert.is(second.steps, 2);
  // No warm start: the KL reference is the policy as RL starts — the checkpoint's weights, bit for bit.
  const ref = decodeModelFile(new Uint8Array(readFileSync(join(root, 'second', REFERENCE_FILE))), REFERENCE_FILE).weights;
  for (const [name, w] of Object.entries(from.params)) assert.equal(Array.from(ref[name]!.data as Float32Array), Array.from(w), name);
  const sha = JSON.parse(readFileSync(join(first.checkpoint, 'state.json'), 'utf8')).sha256['model.safetensors'] as string;
  assert.ok(
    logs.some((l) => l.includes(`starting from the weights of ${first.checkpoint}`) && l.includes(sha.slice(0, 12))),
    logs.join('\n'),
  );
  // Without initFrom the same job starts elsewhere (the random initialisation).
  const fresh = await train(job('third', { train: { warmStart: { enabled: false } } }));
  const freshRef = decodeModelFile(new Uint8Array(readFileSync(join(root, 'third', REFERENCE_FILE))), REFERENCE_FILE).weights;
  assert.ok(
    Object.entries(from.params).some(([name, w]) => Array.from(freshRef[name]!.data as Float32Array).some((x, i) => x !== w[i])),
    'initFrom: none starts from the random initialisation',
  );
  assert.is.not(fresh.checkpoint, second.checkpoint);
});

test('a checkpoint of another model stops the run before it writes anything, naming what differs', async () => {
  const dir = join(root, 'other-model');
  try {
    await train(job('other-model', { policy: { dModel: 8, ffnDim: 16 }, train: { initFrom: first.checkpoint } }));
    assert.unreachable('another model must be refused');
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.match((e as Error).message, /^train\.initFrom: .* is not this job's model — the model's sizes .* differ: .*model\.width \(checkpoint 16, job 8\)/);
  }
  assert.not.ok(existsSync(join(dir, 'run.json')), 'nothing was claimed');

  for (const [given, why] of [
    [join(root, 'missing'), /does not exist; name a checkpoint directory/],
    [
      (mkdirSync(join(root, 'empty')), join(root, 'empty')),
      /cannot start this run: .*holds neither a checkpoint \(state\.json\) nor a policy \(model\.safetensors\)/,
    ],
  ] as const) {
    try {
      await train(job('bad-dir', { train: { initFrom: given } }));
      assert.unreachable(given);
    } catch (e) {
      assert.instance(e, ConfigError);
      assert.match((e as Error).message, why);
    }
  }
  assert.not.ok(existsSync(join(root, 'bad-dir', 'run.json')));
});

test('the shipped broad policy can start its own job, not the main job (its inputs differ)', async () => {
  const broad = applyOverrides(loadJobFile('examples/broad.yaml'), { 'train.initFrom': 'checkpoints/broad' });
  const init = await initWeightsOf(broad, policySpecFromJob(broad));
  const sums = readFileSync('checkpoints/broad/SHA256SUMS', 'utf8');
  assert.ok(init !== undefined && sums.includes(init.sha256), 'the shipped model file, as its SHA256SUMS lists it');
  const main = applyOverrides(loadJobFile('examples/anomllm.yaml'), { 'train.initFrom': 'checkpoints/broad' });
  try {
    await initWeightsOf(main, policySpecFromJob(main));
    assert.unreachable('the main job has no seasonal channels');
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.match(
      (e as Error).message,
      /the input features \(policy\.inputs, .*\) differ: .*features\.normalize \(checkpoint \"robust\", job \"none\"\), features\.seasonal \(checkpoint true, job nothing\)/,
    );
  }
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
