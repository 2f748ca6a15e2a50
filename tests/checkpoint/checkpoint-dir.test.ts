import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import {
  checkpointDirName,
  checkpointPath,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  saveCheckpoint,
  type Checkpoint,
} from '../../shared/checkpoint/checkpoint-dir.js';
import { weightsChecksum } from '../../shared/checkpoint/checkpoint-files.js';
import { decodeSafetensors } from '../../shared/checkpoint/safetensors.js';
import { DataError, ShapeError } from '../../shared/errors.js';
import { Rng } from '../../shared/rng.js';

const roots: string[] = [];
function tempRoot(): string {
  const d = mkdtempSync(join(tmpdir(), 'anomseer-ckpt-'));
  roots.push(d);
  return d;
}
test.after(() => {
  for (const d of roots) rmSync(d, { recursive: true, force: true });
});

function sample(step: number, seed = step): Checkpoint {
  const r = new Rng(seed);
  const f32 = (n: number) => Float32Array.from({ length: n }, () => r.normal());
  return {
    step,
    weightVersion: step + 1,
    rng: r.fork('learner').state(),
    config: { run: 'test', lr: 1e-4, groupSize: 5 },
    createdAt: '2026-11-28T12:00:00.000Z',
    metrics: { reward: 0.5 },
    model: {
      weights: {
        'embed.weight': { dtype: 'F32', shape: [4, 3], data: f32(12) },
        'head.bias': { dtype: 'F32', shape: [2], data: f32(2) },
      },
      config: { dModel: 3, vocab: 4 },
    },
    optimizer: {
      step: step,
      tensors: {
        'm.embed.weight': { dtype: 'F32', shape: [4, 3], data: f32(12) },
        'v.embed.weight': { dtype: 'F32', shape: [4, 3], data: f32(12).map(Math.abs) },
        'm.head.bias': { dtype: 'F32', shape: [2], data: f32(2) },
        'v.head.bias': { dtype: 'F32', shape: [2], data: f32(2).map(Math.abs) },
      },
    },
  };
}

async function rejects(p: Promise<unknown>, check: (e: unknown) => void): Promise<void> {
  try {
    await p;
  } catch (err) {
    check(err);
    return;
  }
  assert.unreachable('expected a rejection');
}

test('checkpoint directory names carry the step with six digits', () => {
  assert.is(checkpointDirName(123), 'step-000123');
  assert.is(checkpointDirName(1234567), 'step-1234567');
  assert.throws(
    () => checkpointDirName(-1),
    (e: unknown) => e instanceof ShapeError,
  );
});

test('a saved checkpoint loads back with the same values, and the model checksum is the weight checksum', async () => {
  const root = tempRoot();
  const ck = sample(3);
  const dir = checkpointPath(root, 3);
  const sums = await saveCheckpoint(dir, ck);
  const back = await loadCheckpoint(dir);
  assert.is(back.step, 3);
  assert.is(back.weightVersion, 4);
  assert.equal(back.rng, ck.rng);
  assert.equal(back.config, ck.config);
  assert.is(back.createdAt, ck.createdAt);
  assert.equal(back.metrics, { reward: 0.5 });
  assert.equal(back.model.config, ck.model.config);
  assert.is(back.optimizer.step, 3);
  for (const [name, t] of Object.entries(ck.model.weights)) assert.equal([...back.model.weights[name].data], [...t.data], name);
  for (const [name, t] of Object.entries(ck.optimizer.tensors)) assert.equal([...back.optimizer.tensors[name].data], [...t.data], name);
  assert.equal(back.sha256, sums);
  assert.is(sums['model.safetensors'], weightsChecksum(ck.model.weights, ck.model.config));
  const onDisk = readFileSync(join(dir, 'model.safetensors'));
  assert.is(sums['model.safetensors'], createHash('sha256').update(onDisk).digest('hex'));
  assert.equal(readdirSync(dir).sort(), ['model.safetensors', 'optimizer.safetensors', 'state.json']);
});

test('model.safetensors is a plain safetensors file with the format tag and the model config in its metadata', async () => {
  const root = tempRoot();
  const dir = checkpointPath(root, 1);
  await saveCheckpoint(dir, sample(1));
  const f = decodeSafetensors(new Uint8Array(readFileSync(join(dir, 'model.safetensors'))));
  assert.equal(f.metadata, { config: '{"dModel":3,"vocab":4}', format: 'anomseer-policy/1' });
  assert.equal(Object.keys(f.tensors).sort(), ['embed.weight', 'head.bias']);
});

test('the weight checksum ignores insertion order but changes with any weight value', () => {
  const a = sample(1).model;
  const reordered = { 'head.bias': a.weights['head.bias'], 'embed.weight': a.weights['embed.weight'] };
  assert.is(weightsChecksum(reordered, { vocab: 4, dModel: 3 }), weightsChecksum(a.weights, a.config));
  const changed = a.weights['head.bias'].data.slice() as Float32Array;
  changed[1] += 1e-3;
  assert.is.not(weightsChecksum({ ...a.weights, 'head.bias': { dtype: 'F32', shape: [2], data: changed } }, a.config), weightsChecksum(a.weights, a.config));
});

test('a truncated model.safetensors is reported by name before any parsing', async () => {
  const dir = checkpointPath(tempRoot(), 2);
  await saveCheckpoint(dir, sample(2));
  const path = join(dir, 'model.safetensors');
  const bytes = readFileSync(path);
  writeFileSync(path, bytes.subarray(0, bytes.length - 10));
  await rejects(loadCheckpoint(dir), (e) => {
    assert.instance(e, DataError);
    assert.is((e as DataError).file, path);
    assert.match((e as Error).message, /sha256 is [0-9a-f]{64} \(\d+ bytes\) but state\.json records [0-9a-f]{64}: the file was truncated or altered/);
  });
});

test('one altered byte in optimizer.safetensors is reported by name', async () => {
  const dir = checkpointPath(tempRoot(), 2);
  await saveCheckpoint(dir, sample(2));
  const path = join(dir, 'optimizer.safetensors');
  const bytes = readFileSync(path);
  bytes[bytes.length - 1] ^= 1;
  writeFileSync(path, bytes);
  await rejects(loadCheckpoint(dir), (e) => {
    assert.instance(e, DataError);
    assert.is((e as DataError).file, path);
    assert.match((e as Error).message, /truncated or altered/);
  });
});

test('a missing file and a malformed state.json are named', async () => {
  const dir = checkpointPath(tempRoot(), 5);
  await saveCheckpoint(dir, sample(5));
  const state = join(dir, 'state.json');
  const text = readFileSync(state, 'utf8');
  writeFileSync(state, text.replace(/"step": 5/, '"step": -1'));
  await rejects(loadCheckpoint(dir), (e) => assert.match((e as Error).message, /state\.json, field "step": must be a non-negative integer, got -1/));
  writeFileSync(state, text.slice(0, 40));
  await rejects(loadCheckpoint(dir), (e) => assert.match((e as Error).message, /state\.json: is not valid JSON/));
  rmSync(state);
  await rejects(loadCheckpoint(dir), (e) => {
    assert.instance(e, DataError);
    assert.is((e as DataError).file, state);
    assert.match((e as Error).message, /is missing; the checkpoint in .* is incomplete/);
  });
});

test('an interrupted save (a leftover .tmp dir) is ignored and the previous checkpoint still loads', async () => {
  const root = tempRoot();
  await saveCheckpoint(checkpointPath(root, 1), sample(1));
  // A crash while writing step 2: a partial temp dir, never renamed.
  const tmp = `${checkpointPath(root, 2)}.tmp-deadbeef`;
  mkdirSync(tmp);
  writeFileSync(join(tmp, 'model.safetensors'), new Uint8Array([1, 2, 3]));
  // A crash while replacing step 1: its temp dir also lingers.
  mkdirSync(`${checkpointPath(root, 1)}.tmp-0badf00d`);
  assert.equal(await listCheckpoints(root), [{ step: 1, dir: checkpointPath(root, 1) }]);
  const latest = await latestCheckpoint(root);
  assert.is(latest?.dir, checkpointPath(root, 1));
  const back = await loadCheckpoint(latest!.dir);
  assert.is(back.step, 1);
});

test('saving over an existing checkpoint replaces it and leaves no temp or old dirs', async () => {
  const root = tempRoot();
  const dir = checkpointPath(root, 7);
  await saveCheckpoint(dir, sample(7, 1));
  const second = sample(7, 2);
  await saveCheckpoint(dir, second);
  const back = await loadCheckpoint(dir);
  assert.equal([...back.model.weights['head.bias'].data], [...second.model.weights['head.bias'].data]);
  assert.equal(readdirSync(root), ['step-000007']);
});

test('invalid input is rejected before anything is written', async () => {
  const root = tempRoot();
  const bad = sample(4);
  const ck: Checkpoint = {
    ...bad,
    optimizer: { step: 4, tensors: { ...bad.optimizer.tensors, 'm.ghost': { dtype: 'F32', shape: [1], data: new Float32Array(1) } } },
  };
  await rejects(saveCheckpoint(checkpointPath(root, 4), ck), (e) => {
    assert.instance(e, ShapeError);
    assert.match((e as Error).message, /optimizer tensor "m\.ghost" is a moment for "ghost", which is not a model weight/);
  });
  await rejects(saveCheckpoint(checkpointPath(root, 4), { ...bad, createdAt: 'yesterday' }), (e) =>
    assert.match((e as Error).message, /createdAt must be an ISO 8601 time string/),
  );
  assert.equal(readdirSync(root), []);
});

test('listCheckpoints sorts by step number, skips files and other names, and a missing root is empty', async () => {
  const root = tempRoot();
  for (const s of [10, 2, 1000000]) mkdirSync(join(root, checkpointDirName(s)));
  mkdirSync(join(root, 'step-12'));
  writeFileSync(join(root, 'step-000003'), 'not a dir');
  assert.equal(
    (await listCheckpoints(root)).map((c) => c.step),
    [2, 10, 1000000],
  );
  assert.equal(await listCheckpoints(join(root, 'nope')), []);
  assert.is(await latestCheckpoint(join(root, 'nope')), undefined);
  assert.ok(!existsSync(join(root, 'nope')));
});

test.run();
