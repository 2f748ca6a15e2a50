/**
 * The weight file the learner publishes and workers load: a policy model.safetensors
 * (shared/checkpoint encodeModelFile) whose model config is the PolicySpec plus the sampling
 * settings a worker cannot learn elsewhere (`sampling.temperature`). A worker therefore needs
 * nothing but the coordinator's address: the spec rebuilds tokenizer, features and grammar.
 */
import { decodeModelFile, encodeModelFile } from '../checkpoint/checkpoint-files.js';
import { ConfigError } from '../errors.js';
import { paramShapes } from './model-config.js';
import type { PolicySpec } from './spec.js';

export interface PublishedPolicy {
  readonly spec: PolicySpec;
  readonly temperature: number;
  readonly params: Record<string, Float32Array>;
}

/** Encode params (name → Float32Array in paramShapes order) with the spec and temperature. */
export function encodePublishedWeights(spec: PolicySpec, params: Readonly<Record<string, Float32Array>>, temperature: number): Uint8Array {
  const weights = Object.fromEntries(
    Object.entries(paramShapes(spec.model)).map(([name, shape]) => [name, { dtype: 'F32' as const, shape, data: params[name]! }]),
  );
  return encodeModelFile(weights, { ...spec, sampling: { temperature } });
}

/** Decode a published file; ConfigError when it is not a policy this build can run. */
export function decodePublishedWeights(bytes: Uint8Array, version: number): PublishedPolicy {
  const file = `weight version ${version}`;
  const { weights, modelConfig } = decodeModelFile(bytes, file);
  const cfg = modelConfig as (PolicySpec & { sampling?: { temperature?: unknown } }) | null;
  if (cfg === null || typeof cfg !== 'object' || !('model' in cfg) || !('features' in cfg)) throw new ConfigError(file, 'holds no anomseer policy spec');
  const temperature = typeof cfg.sampling?.temperature === 'number' ? cfg.sampling.temperature : 1;
  const { sampling: _s, ...spec } = cfg;
  const params: Record<string, Float32Array> = {};
  for (const [name, shape] of Object.entries(paramShapes(spec.model))) {
    const t = weights[name];
    const n = shape.reduce((a, b) => a * b, 1);
    if (t === undefined || !(t.data instanceof Float32Array) || t.data.length !== n)
      throw new ConfigError(file, `parameter "${name}" is missing or not F32 of shape [${shape.join(', ')}]`);
    params[name] = t.data;
  }
  return { spec: spec as PolicySpec, temperature, params };
}
