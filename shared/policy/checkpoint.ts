/**
 * Policy checkpoints: the weights (model.safetensors, with the PolicySpec as the model
 * config so a checkpoint alone rebuilds the policy), the AdamW moments, and state.json
 * (step, weight version, RNG position, job config) — shared/checkpoint/ does the format.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint, saveCheckpoint } from '../checkpoint/checkpoint-dir.js';
import { decodeModelFile } from '../checkpoint/checkpoint-files.js';
import { DataError } from '../errors.js';
import type { Tensor } from '../checkpoint/safetensors.js';
import { ConfigError } from '../errors.js';
import type { AdamW } from '../optim/adamw.js';
import { paramShapes } from './model-config.js';
import type { Tokenizer } from './tokenizer.js';
import type { Rng } from '../rng.js';
import type { Params } from './model-config.js';
import type { PolicySpec } from './spec.js';
import { tokenizerOf } from './spec.js';

export interface SavePolicyArgs {
  readonly spec: PolicySpec;
  readonly params: Params;
  readonly optimizer: AdamW;
  readonly step: number;
  readonly weightVersion: number;
  readonly rng: Rng;
  readonly job: unknown;
  readonly now: Date;
  readonly metrics?: Record<string, unknown>;
}

export function paramsToTensors(spec: PolicySpec, params: Params): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [name, shape] of Object.entries(paramShapes(spec.model))) out[name] = { dtype: 'F32', shape, data: params[name] };
  return out;
}

export async function savePolicyCheckpoint(dir: string, a: SavePolicyArgs): Promise<void> {
  await saveCheckpoint(dir, {
    step: a.step,
    weightVersion: a.weightVersion,
    rng: a.rng.state(),
    config: a.job,
    createdAt: a.now.toISOString(),
    metrics: a.metrics,
    model: { weights: paramsToTensors(a.spec, a.params), config: a.spec },
    optimizer: a.optimizer.state(),
  });
}

export interface LoadedPolicy {
  readonly spec: PolicySpec;
  readonly params: Params;
  readonly tokenizer: Tokenizer;
  readonly step: number;
  readonly weightVersion: number;
  readonly metrics: Readonly<Record<string, unknown>> | undefined;
}

/**
 * Loads a policy from a checkpoint directory (state.json + both safetensors files, checksums
 * verified) or from a directory holding only `model.safetensors` (a shipped policy: the
 * weights and their spec, without optimizer state), checking every parameter's shape.
 */
export async function loadPolicy(dir: string): Promise<LoadedPolicy> {
  const ck = existsSync(join(dir, 'state.json'))
    ? await loadCheckpoint(dir)
    : (() => {
        const file = join(dir, 'model.safetensors');
        if (!existsSync(file)) throw new DataError(dir, 'holds neither a checkpoint (state.json) nor a policy (model.safetensors)');
        const m = decodeModelFile(new Uint8Array(readFileSync(file)), file);
        return { step: 0, weightVersion: 0, metrics: undefined, model: { weights: m.weights, config: m.modelConfig } };
      })();
  const spec = ck.model.config as PolicySpec;
  if (spec === null || typeof spec !== 'object' || !('model' in spec) || !('features' in spec)) {
    throw new ConfigError('checkpoint', `${dir}/model.safetensors holds no anomseer policy spec in its metadata; was it written by \`anomseer train\`?`);
  }
  const params: Params = {};
  for (const [name, shape] of Object.entries(paramShapes(spec.model))) {
    const t = ck.model.weights[name];
    const n = shape.reduce((a, b) => a * b, 1);
    if (t === undefined || !(t.data instanceof Float32Array) || t.data.length !== n) {
      throw new ConfigError('checkpoint', `${dir}/model.safetensors: parameter "${name}" is missing or not F32 of shape [${shape.join(', ')}]`);
    }
    params[name] = t.data;
  }
  return { spec, params, tokenizer: tokenizerOf(spec), step: ck.step, weightVersion: ck.weightVersion, metrics: ck.metrics };
}
