// `anomseer export --onnx DIR`: the exported graphs run in a fresh onnxruntime-node
// InferenceSession (not shared/onnx/runtime.ts), and a greedy decode done step by step from
// policy.json's description gives the same tokens as `anomseer detect`'s inference.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { sha256Hex } from '../../shared/checkpoint/checkpoint-files.js';
import { parseSums } from '../../shared/checkpoint/sums.js';
import { normalizeForPlot } from '../../shared/plot/normalize.js';
import { patchFeatures } from '../../shared/policy/features.js';
import { grammarFor } from '../../shared/policy/prompt-grammar.js';
import type { Grammar } from '../../shared/policy/prompt-grammar.js';
import { openPolicy } from '../../shared/policy/inference.js';
import { cpuProgress } from '../helpers/children.js';
import { withinProgress } from '../helpers/wait.js';
import { SHIPPED, unbatched } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'anomseer-export-'));
const dir = join(root, 'onnx');
let manifest: any;

function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['bin/anomseer.mjs', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '',
    stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return withinProgress(new Promise((r) => child.on('close', (code) => r({ code, stdout, stderr }))), `anomseer ${args[0]}`, cpuProgress(child.pid!));
}

test('anomseer export --onnx writes the graphs, policy.json, the example and SHA256SUMS over all of them', async () => {
  const r = await cli('export', '--onnx', dir, '--checkpoint', SHIPPED);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^exported .*checkpoints\/default to .*onnx \(\d+\.\d MB\): encode\.onnx, decode-step\.onnx, policy\.json, /);
  const sums = parseSums(readFileSync(join(dir, 'SHA256SUMS'), 'utf8'), 'SHA256SUMS');
  assert.equal([...sums.keys()], ['encode.onnx', 'decode-step.onnx', 'policy.json', 'example/series.json', 'example/features.f32', 'example/expected.json']);
  for (const [name, sum] of sums) assert.is(sha256Hex(new Uint8Array(readFileSync(join(dir, name)))), sum, name);
  manifest = JSON.parse(readFileSync(join(dir, 'policy.json'), 'utf8'));
  assert.is(manifest.format, 'anomseer-onnx-policy/1');
  assert.is(manifest.source.modelSha256, sha256Hex(new Uint8Array(readFileSync(join(SHIPPED, 'model.safetensors')))));
});

test('without --checkpoint, export takes the policy for series from elsewhere (checkpoints/broad), as detect and serve do', async () => {
  const other = join(root, 'onnx-broad');
  const r = await cli('export', '--onnx', other);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^exported .*checkpoints\/broad to /);
  const m = JSON.parse(readFileSync(join(other, 'policy.json'), 'utf8'));
  assert.is(m.source.modelSha256, sha256Hex(new Uint8Array(readFileSync(resolve('checkpoints/broad/model.safetensors')))));
  assert.is(m.source.modelSha256 === manifest.source.modelSha256, false, 'not the protocol policy');
});

test('export without --onnx exits 2 naming the flag', async () => {
  const r = await cli('export');
  assert.is(r.code, 2);
  assert.match(r.stderr, /^anomseer: --onnx: is required/);
});

test('a fresh InferenceSession sees the inputs and outputs policy.json describes', async () => {
  for (const g of [manifest.graphs.encode, manifest.graphs.decodeStep]) {
    const s = await ort.InferenceSession.create(join(dir, g.file), { intraOpNumThreads: 1, logSeverityLevel: 3 });
    assert.equal([...s.inputNames].sort(), g.inputs.map((i: { name: string }) => i.name).sort(), `${g.file} inputs`);
    assert.equal([...s.outputNames].sort(), g.outputs.map((o: { name: string }) => o.name).sort(), `${g.file} outputs`);
    await s.release();
  }
  const { P, F, V, outputSize } = manifest.dims;
  assert.equal(manifest.graphs.encode.inputs[0].shape, ['B', P, F]);
  assert.is(manifest.vocabulary.tokens.length, V);
  assert.is(outputSize, V + P);
  assert.is(manifest.vocabulary.pointers.first, V);
  assert.is(manifest.vocabulary.tokens[manifest.vocabulary.offsets.first], 'O0');
  assert.is(manifest.vocabulary.tokens[manifest.vocabulary.ids.bos], '<bos>');
});

test('a greedy decode of the example, step by step in plain onnxruntime-node, writes the tokens anomseer detect writes', async () => {
  const open = await openPolicy(SHIPPED);
  try {
    const { spec, tokenizer } = open.loaded;
    const series = JSON.parse(readFileSync(join(dir, 'example/series.json'), 'utf8'));
    const values = Float64Array.from(series.values as number[]);
    const n = values.length;
    // The example's features are the ones detect computes for that series.
    const bytes = readFileSync(join(dir, 'example/features.f32'));
    const features = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const ours = patchFeatures(normalizeForPlot(values, series.normalize), { ...spec.features, normalize: 'none' });
    assert.equal(Array.from(features), Array.from(ours.data));

    const { P, F, H, Dh } = manifest.dims;
    const enc = await ort.InferenceSession.create(join(dir, 'encode.onnx'), { intraOpNumThreads: 1, logSeverityLevel: 3 });
    const step = await ort.InferenceSession.create(join(dir, 'decode-step.onnx'), { intraOpNumThreads: 1, logSeverityLevel: 3 });
    const encoded = await enc.run({ features: new ort.Tensor('float32', features, [1, P, F]) });
    const stepInputs: string[] = manifest.graphs.decodeStep.inputs.map((i: { name: string }) => i.name);
    const views = Object.fromEntries(stepInputs.filter((name) => name in encoded).map((name) => [name, encoded[name]!]));
    assert.is(Object.keys(views).length, 2 * spec.model.decLayers + 2, 'cross.* k/v per layer, ptr.in, ptr.keys');
    let past: Record<string, ort.Tensor> = Object.fromEntries(
      stepInputs.filter((name) => name.startsWith('past.')).map((name) => [name, new ort.Tensor('float32', new Float32Array(0), [1, H, 0, Dh])]),
    );
    // The grammar detect decodes this window with: the policy's own (faithful: this window's facts forced).
    const grammar: Grammar<unknown> = grammarFor(
      { ...spec, features: { ...spec.features, normalize: 'none' } },
      tokenizer,
      normalizeForPlot(values, series.normalize),
    );
    let state = grammar.initial();
    const ids: number[] = [];
    let token = manifest.vocabulary.ids.bos as number;
    for (let t = 0; t < manifest.decoding.maxSteps && !grammar.isDone(state); t++) {
      const out = await step.run({
        token: new ort.Tensor('int64', BigInt64Array.of(BigInt(token)), [1, 1]),
        position: new ort.Tensor('int64', BigInt64Array.of(BigInt(t)), [1]),
        ...views,
        ...past,
      });
      const logits = out.logits!.data as Float32Array;
      const mask = grammar.allowedMask(state);
      let best = -1;
      for (let i = 0; i < mask.length; i++) if (mask[i] === 1 && (best < 0 || logits[i]! > logits[best]!)) best = i;
      ids.push(best);
      state = grammar.advance(state, best);
      token = best;
      past = Object.fromEntries(Object.keys(past).map((name) => [name, out[name.replace('past.', 'present.')]!]));
    }
    await enc.release();
    await step.release();

    const expected = JSON.parse(readFileSync(join(dir, 'example/expected.json'), 'utf8'));
    assert.equal(ids, expected.tokenIds, 'the ids the export recorded');
    assert.is(ids.at(-1), manifest.vocabulary.ids.eos);
    const detect = await unbatched(open, values);
    assert.is(detect.windows.length, 1);
    assert.is(grammar.render(ids), detect.windows[0]!.text, 'the ids render the trace detect writes');
    assert.is(expected.text, detect.windows[0]!.text);
    if (spec.trace === 'free') assert.equal(ids, tokenizer.encodeTrace(detect.windows[0]!.text, n), 'the ids of the trace detect writes');
    assert.ok(expected.intervals.length > 0, 'the example has findings');
    assert.equal(expected.intervals, detect.intervals);
  } finally {
    await open.dispose();
  }
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
