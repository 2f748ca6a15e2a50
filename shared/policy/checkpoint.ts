/**
 * Policy checkpoints: the weights (model.safetensors, with the PolicySpec as the model
 * config so a checkpoint alone rebuilds the policy), the AdamW moments, and state.json
 * (step, weight version, RNG position, job config) — shared/checkpoint/ does the format.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODEL_FILE, loadCheckpoint, saveCheckpoint } from '../checkpoint/checkpoint-dir.js';
import { verifyAgainstSums } from '../checkpoint/sums.js';
import { decodeModelFile, encodeModelFile, sha256Hex } from '../checkpoint/checkpoint-files.js';
import { DataError } from '../errors.js';
import type { Tensor } from '../checkpoint/safetensors.js';
import { ConfigError } from '../errors.js';
import type { AdamW, AdamWState } from '../optim/adamw.js';
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
  /** Where the run is, for resuming (see TrainingProgress). */
  readonly progress?: TrainingProgress;
}

/**
 * Where a run was when a checkpoint was saved: its stage, the step within the stage, the warm
 * start's length, and the sha256 of the reference weights the KL term is measured against.
 */
export interface TrainingProgress {
  readonly stage: 'warm-start' | 'rl';
  readonly stageStep: number;
  readonly warmStartSteps: number;
  /** sha256 of `reference.safetensors` in the run directory; absent in the warm start. */
  readonly referenceSha256?: string;
  /** Reward and grounded reward per RL step so far (the summary's history). */
  readonly history?: readonly { readonly step: number; readonly reward: number; readonly grounded: number }[];
  /**
   * A cluster learner's part (learner/plan-accounting.ts ClusterProgress: the coordinator state
   * it trained against and the items it consumed); absent in single-process runs. JSON, checked
   * by the learner that reads it.
   */
  readonly cluster?: unknown;
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
    ...(a.progress === undefined ? {} : { progress: { ...a.progress } }),
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
 * Refuses weights with NaN or ±Infinity: a DataError naming the file, the parameter, how many
 * values and the first index (a diverged run or a corrupt file must not run silently).
 */
export function checkFiniteParams(params: Readonly<Params>, file: string): void {
  for (const [name, data] of Object.entries(params)) {
    let bad = 0,
      first = -1;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) {
        bad += 1;
        if (first < 0) first = i;
      }
    }
    if (bad > 0) {
      throw new DataError(
        file,
        `parameter "${name}" has ${bad} non-finite value(s) (first at index ${first}, ${data[first]}); the policy diverged or the file is corrupt — use an earlier checkpoint`,
        {
          field: name,
        },
      );
    }
  }
}

/**
 * Loads a policy from a checkpoint directory (state.json + both safetensors files, checksums
 * verified) or from a directory holding only `model.safetensors` and its `SHA256SUMS` (a
 * shipped or exported policy: the weights and their spec, without optimizer state; the
 * checksum is verified), checking every parameter's shape and that every weight is finite.
 */
export async function loadPolicy(dir: string): Promise<LoadedPolicy> {
  const ck = existsSync(join(dir, 'state.json'))
    ? await loadCheckpoint(dir)
    : (() => {
        const file = join(dir, MODEL_FILE);
        if (!existsSync(file)) throw new DataError(dir, 'holds neither a checkpoint (state.json) nor a policy (model.safetensors)');
        const bytes = new Uint8Array(readFileSync(file));
        verifyAgainstSums(dir, MODEL_FILE, bytes);
        const m = decodeModelFile(bytes, file);
        return { step: 0, weightVersion: 0, metrics: undefined, model: { weights: m.weights, config: m.modelConfig } };
      })();
  const spec = ck.model.config as PolicySpec;
  if (spec === null || typeof spec !== 'object' || !('model' in spec) || !('features' in spec)) {
    throw new ConfigError('checkpoint', `${dir}/model.safetensors holds no anomseer policy spec in its metadata; was it written by \`anomseer train\`?`);
  }
  const params = paramsOf(spec, ck.model.weights, `${dir}/${MODEL_FILE}`);
  return { spec, params, tokenizer: tokenizerOf(spec), step: ck.step, weightVersion: ck.weightVersion, metrics: ck.metrics };
}

/** The reference policy of a run (the weights the KL term pulls towards), beside its checkpoints. */
export const REFERENCE_FILE = 'reference.safetensors';

/** Write `runDir/reference.safetensors` atomically; returns its sha256 (recorded in each RL checkpoint). */
export function saveReference(runDir: string, spec: PolicySpec, params: Params): string {
  const bytes = encodeModelFile(paramsToTensors(spec, params), spec);
  const tmp = join(runDir, `${REFERENCE_FILE}.tmp-${process.pid}`);
  writeFileSync(tmp, bytes);
  renameSync(tmp, join(runDir, REFERENCE_FILE));
  return sha256Hex(bytes);
}

/** Read the run's reference weights back, checking them against the sha256 a checkpoint recorded. */
export function loadReference(runDir: string, spec: PolicySpec, sha256: string): Params {
  const file = join(runDir, REFERENCE_FILE);
  if (!existsSync(file)) throw new DataError(file, 'is missing: the run cannot resume its KL reference; start a new run');
  const bytes = new Uint8Array(readFileSync(file));
  const got = sha256Hex(bytes);
  if (got !== sha256) throw new DataError(file, `sha256 is ${got} but the checkpoint recorded ${sha256}: the file was altered; start a new run`);
  const { weights } = decodeModelFile(bytes, file);
  return paramsOf(spec, weights, file);
}

/** The params of `weights` in the spec's shapes (ConfigError naming a missing or misshapen one). */
function paramsOf(spec: PolicySpec, weights: Readonly<Record<string, Tensor>>, file: string): Params {
  const params: Params = {};
  for (const [name, shape] of Object.entries(paramShapes(spec.model))) {
    const t = weights[name];
    const n = shape.reduce((a, b) => a * b, 1);
    if (t === undefined || !(t.data instanceof Float32Array) || t.data.length !== n) {
      throw new ConfigError('checkpoint', `${file}: parameter "${name}" is missing or not F32 of shape [${shape.join(', ')}]`);
    }
    params[name] = t.data;
  }
  checkFiniteParams(params, file);
  return params;
}

/** What a training run resumes from: weights, optimizer moments, counters and progress. */
export interface TrainingState {
  readonly dir: string;
  readonly params: Params;
  readonly optimizer: AdamWState;
  readonly step: number;
  readonly weightVersion: number;
  readonly progress: TrainingProgress;
}

/** Load a training checkpoint for resuming (checksums verified, shapes and finiteness checked). */
export async function loadTrainingState(dir: string, spec: PolicySpec): Promise<TrainingState> {
  const ck = await loadCheckpoint(dir);
  const p = ck.progress as Partial<TrainingProgress> | undefined;
  if (p === undefined || (p.stage !== 'warm-start' && p.stage !== 'rl') || !Number.isSafeInteger(p.stageStep) || !Number.isSafeInteger(p.warmStartSteps)) {
    throw new DataError(join(dir, 'state.json'), 'records no training progress (stage, stageStep, warmStartSteps); it cannot be resumed', {
      field: 'progress',
    });
  }
  const params = paramsOf(spec, ck.model.weights, join(dir, MODEL_FILE));
  return { dir, params, optimizer: ck.optimizer, step: ck.step, weightVersion: ck.weightVersion, progress: p as TrainingProgress };
}
