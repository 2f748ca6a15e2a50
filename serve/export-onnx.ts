/**
 * `anomseer export --onnx DIR`: a trained policy as files any ONNX Runtime can run
 * (docs/SERVE.md "Export"):
 *
 *   encode.onnx        features (B, P, F) → memory and the memory views the decoder reads
 *   decode-step.onnx   one token per row, with the KV cache → logits over V + P ids and the grown cache
 *   policy.json        what every tensor is, the feature layout, the vocabulary, positions,
 *                      and the greedy decoding procedure with its grammar (serve/policy-manifest.ts)
 *   example/series.json     a 1000-point example series (AnomLLM eval, range task), its label, how it is normalised
 *   example/features.f32    its encoder input (1, P, F), float32 little-endian
 *   example/expected.json   the greedy token ids and trace `anomseer detect` gives for it
 *   SHA256SUMS         sha256sum format, over every file above
 *
 * Both graphs are built exactly as the rollout policy builds them (shared/policy/rollout-policy.ts:
 * `buildEncodeGraph(cfg, { views: true })` and `buildDecodeStepGraph(cfg, { input: 'views' })`,
 * weights baked with `toModel({ bakedParams })`), so an exported policy decodes the same ids.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../shared/checkpoint/checkpoint-files.js';
import { writeSums } from '../shared/checkpoint/sums.js';
import { normalizeForPlot } from '../shared/plot/normalize.js';
import { patchFeatures } from '../shared/policy/features.js';
import { openPolicy } from '../shared/policy/inference.js';
import { buildDecodeStepGraph, buildEncodeGraph, paramsFor } from '../shared/policy/model.js';
import { Rng } from '../shared/rng.js';
import { generateTask } from '../shared/anomllm/generate.js';
import type { SeriesRecord } from '../shared/series/record.js';
import { grammarFor } from '../shared/policy/prompt-grammar.js';
import { parseTrace } from '../shared/trace/parse.js';
import { policyManifest } from './policy-manifest.js';

export const EXPORT_FILES = Object.freeze({
  encode: 'encode.onnx',
  step: 'decode-step.onnx',
  manifest: 'policy.json',
  series: 'example/series.json',
  features: 'example/features.f32',
  expected: 'example/expected.json',
});

export interface ExportResult {
  readonly dir: string;
  /** Files written (relative to dir), SHA256SUMS last. */
  readonly files: readonly string[];
  readonly bytes: number;
}

/** The example: the first series of AnomLLM's eval split, range task (seed 42, 1000 points, labelled intervals). */
export function exampleRecord(): SeriesRecord {
  return generateTask('range', { seed: 42, count: 1, split: 'eval' })[0]!;
}

export async function exportPolicy(checkpoint: string, dir: string, run: { threads?: number } = {}): Promise<ExportResult> {
  const open = await openPolicy(checkpoint, { threads: run.threads ?? 1 });
  try {
    const { spec, params, tokenizer } = open.loaded;
    const encode = buildEncodeGraph(spec.model, { views: true });
    const step = buildDecodeStepGraph(spec.model, { input: 'views' });
    mkdirSync(join(dir, 'example'), { recursive: true });
    const write = (name: string, data: string | Uint8Array): void => writeFileSync(join(dir, name), data);
    write(EXPORT_FILES.encode, encode.toModel({ bakedParams: paramsFor(encode, params) }));
    write(EXPORT_FILES.step, step.toModel({ bakedParams: paramsFor(step, params) }));

    // The example, decoded the way `anomseer detect` decodes a one-window series.
    const record = exampleRecord();
    const values = Float64Array.from(record.series);
    const normalized = normalizeForPlot(values, 'robust');
    const features = patchFeatures(normalized, { ...spec.features, normalize: 'none' });
    // A faithful policy's grammar states this window's own facts (as detect builds it per window).
    const grammar = spec.trace === 'faithful' ? grammarFor({ ...spec, features: { ...spec.features, normalize: 'none' } }, tokenizer, normalized) : undefined;
    const prompt = { promptId: 'window-0', n: values.length, features, ...(grammar === undefined ? {} : { grammar }) };
    const [[sample]] = await open.policy.sample([prompt], { groupSize: 1, greedy: true, rng: new Rng(0), grammar: spec.grammar, batchPrompts: 1 });
    const parsed = parseTrace(sample!.text, values.length);
    write(
      EXPORT_FILES.series,
      `${JSON.stringify({ id: record.id, label: { type: record.type, intervals: record.intervals }, normalize: 'robust', window: values.length, values: Array.from(values) })}\n`,
    );
    write(EXPORT_FILES.features, new Uint8Array(features.data.buffer, features.data.byteOffset, features.data.byteLength));
    write(
      EXPORT_FILES.expected,
      `${JSON.stringify({ n: values.length, tokenIds: sample!.ids, text: sample!.text, intervals: parsed.intervals ?? [], type: parsed.type ?? null }, null, 1)}\n`,
    );

    const manifest = policyManifest({
      spec,
      tokenizer,
      encode,
      step,
      files: { encode: EXPORT_FILES.encode, step: EXPORT_FILES.step },
      source: { checkpoint, modelSha256: sha256Hex(new Uint8Array(readFileSync(join(checkpoint, 'model.safetensors')))) },
      example: {
        series: EXPORT_FILES.series,
        features: `${EXPORT_FILES.features} (float32 little-endian, shape [1, ${features.numPatches}, ${features.featureSize}])`,
        expected: EXPORT_FILES.expected,
      },
    });
    write(EXPORT_FILES.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
    const names = Object.values(EXPORT_FILES);
    writeSums(dir, names);
    const bytes = names.reduce((t, n) => t + readFileSync(join(dir, n)).length, 0);
    return { dir, files: [...names, 'SHA256SUMS'], bytes };
  } finally {
    await open.dispose();
  }
}
