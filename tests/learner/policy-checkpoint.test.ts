import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileJobConfig } from '../../shared/config/job.js';
import { DataError } from '../../shared/errors.js';
import { runTraining } from '../../learner/trainer.js';
import { loadPolicy } from '../../shared/policy/checkpoint.js';
import { writeSums } from '../../shared/checkpoint/sums.js';
import { decodeModelFile, encodeModelFile } from '../../shared/checkpoint/checkpoint-files.js';

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
  const unsummed = await loadPolicy(shipped).catch((e: unknown) => e);
  assert.instance(unsummed, DataError, 'a policy file without SHA256SUMS is refused');
  assert.match((unsummed as Error).message, /has no SHA256SUMS beside it, so it cannot be verified; write one with/);
  writeSums(shipped, ['model.safetensors']);
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

const DEFAULT = new URL('../../checkpoints/default/', import.meta.url).pathname;

test('the shipped policy verifies itself: it loads, and one flipped data byte is refused naming the file', async () => {
  const ok = await loadPolicy(DEFAULT);
  assert.ok(Object.keys(ok.params).length > 10);
  const copy = join(root, 'flipped');
  mkdirSync(copy);
  copyFileSync(join(DEFAULT, 'SHA256SUMS'), join(copy, 'SHA256SUMS'));
  const bytes = new Uint8Array(readFileSync(join(DEFAULT, 'model.safetensors')));
  bytes[bytes.length - 100] ^= 0x01; // a weight's mantissa bit: still decodes, silently wrong without the sum
  writeFileSync(join(copy, 'model.safetensors'), bytes);
  const err = await loadPolicy(copy).catch((e: unknown) => e);
  assert.instance(err, DataError);
  assert.match(
    (err as Error).message,
    /flipped\/model\.safetensors: sha256 is [0-9a-f]{64} \(\d+ bytes\) but SHA256SUMS records [0-9a-f]{64}: the file was truncated or altered/,
  );
});

test('a policy with a NaN weight is refused with the parameter and index, not a stack trace', async () => {
  const dir = join(root, 'nan');
  mkdirSync(dir);
  const { weights, modelConfig } = decodeModelFile(new Uint8Array(readFileSync(join(DEFAULT, 'model.safetensors'))), 'default');
  const name = Object.keys(weights).sort()[3]!;
  const data = Float32Array.from(weights[name]!.data as Float32Array);
  data[7] = Number.NaN;
  data[9] = Number.POSITIVE_INFINITY;
  writeFileSync(join(dir, 'model.safetensors'), encodeModelFile({ ...weights, [name]: { ...weights[name]!, data } }, modelConfig));
  writeSums(dir, ['model.safetensors']);
  const err = await loadPolicy(dir).catch((e: unknown) => e);
  assert.instance(err, DataError);
  assert.match((err as Error).message, new RegExp(`parameter "${name.replace(/\./g, '\\.')}" has 2 non-finite value\\(s\\) \\(first at index 7, NaN\\)`));
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
