/**
 * The two safetensors files inside a checkpoint directory, and the weight checksum.
 *
 * - `model.safetensors`: the policy weights, the single source of truth. Its
 *   `__metadata__` holds `format: "anomseer-policy/1"` and `config`: the model
 *   config as canonical JSON (keys sorted), so the same weights and config always
 *   give the same bytes and therefore the same checksum.
 * - `optimizer.safetensors`: AdamW moments `m.<param>` and `v.<param>`; its
 *   `__metadata__` holds `format: "anomseer-adamw/1"` and `step`: the optimizer's
 *   update count t (bias correction needs it; it can differ from the learner's step
 *   when non-finite gradients made the learner skip an update).
 *
 * `weightsChecksum` is the sha256 of the encoded model file: the weight version
 * checksum the learner broadcasts, equal to `state.json`'s `sha256["model.safetensors"]`.
 */
import { createHash } from 'node:crypto';
import { ConfigError, DataError, ShapeError } from '../errors.js';
import { decodeSafetensors, encodeSafetensors, type Tensor } from './safetensors.js';

export const POLICY_FORMAT = 'anomseer-policy/1';
export const OPTIMIZER_FORMAT = 'anomseer-adamw/1';

/** Optimizer state as stored: update count and moment tensors named `m.<param>`, `v.<param>`. */
export interface OptimizerTensors {
  readonly step: number;
  readonly tensors: Readonly<Record<string, Tensor>>;
}

/** Lower-case hex sha256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * JSON with object keys sorted at every level, so equal values give equal text.
 * Rejects what JSON cannot carry faithfully (NaN, ±Inf, undefined, functions,
 * bigint), naming the path, instead of letting JSON.stringify turn it into null.
 */
export function canonicalJson(value: unknown, field = 'value'): string {
  const walk = (v: unknown, path: string): unknown => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new ConfigError(path, `${v} cannot be stored as JSON; use a finite number`);
      return v;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}[${i}]`));
    if (typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) {
        Object.defineProperty(out, k, { value: walk((v as Record<string, unknown>)[k], `${path}.${k}`), enumerable: true });
      }
      return out;
    }
    throw new ConfigError(path, `a ${typeof v} cannot be stored as JSON`);
  };
  return JSON.stringify(walk(value, field));
}

/** Encode the model file: weights plus format and canonical model config in the metadata. */
export function encodeModelFile(weights: Readonly<Record<string, Tensor>>, modelConfig: unknown): Uint8Array {
  return encodeSafetensors(weights, { format: POLICY_FORMAT, config: canonicalJson(modelConfig, 'modelConfig') });
}

/** Decode and check a model file; `file` names it in errors. */
export function decodeModelFile(bytes: Uint8Array, file: string): { weights: Record<string, Tensor>; modelConfig: unknown } {
  const { tensors, metadata } = decodeSafetensors(bytes, file);
  if (metadata.format !== POLICY_FORMAT) {
    throw new DataError(file, `format is ${JSON.stringify(metadata.format)}, expected "${POLICY_FORMAT}"; this is not an anomseer policy file`, {
      field: '__metadata__.format',
    });
  }
  let modelConfig: unknown;
  try {
    modelConfig = JSON.parse(metadata.config ?? '');
  } catch {
    throw new DataError(file, 'model config is missing or not JSON', { field: '__metadata__.config' });
  }
  return { weights: tensors, modelConfig };
}

/** sha256 hex of the encoded model file: the weight version checksum sent to workers. */
export function weightsChecksum(weights: Readonly<Record<string, Tensor>>, modelConfig: unknown): string {
  return sha256Hex(encodeModelFile(weights, modelConfig));
}

/**
 * Every optimizer tensor must be `m.<p>` or `v.<p>` for a weight p with the same
 * element count, and m and v come in pairs. Weights without moments (frozen) are fine.
 * Throws `makeError(message, field)`.
 */
export function checkOptimizerMatchesWeights(
  weights: Readonly<Record<string, Tensor>>,
  opt: Readonly<Record<string, Tensor>>,
  makeError: (message: string, field: string) => Error,
): void {
  for (const [name, t] of Object.entries(opt)) {
    const m = /^([mv])\.(.+)$/.exec(name);
    if (!m) throw makeError(`is not a moment name; expected "m.<param>" or "v.<param>"`, name);
    const w = Object.hasOwn(weights, m[2]) ? weights[m[2]] : undefined;
    if (w === undefined) throw makeError(`is a moment for "${m[2]}", which is not a model weight`, name);
    if (w.data.length !== t.data.length) throw makeError(`has ${t.data.length} values but weight "${m[2]}" has ${w.data.length}`, name);
    const pair = `${m[1] === 'm' ? 'v' : 'm'}.${m[2]}`;
    if (!Object.hasOwn(opt, pair)) throw makeError(`has no partner "${pair}"`, name);
  }
}

/** Encode the optimizer file. */
export function encodeOptimizerFile(opt: OptimizerTensors): Uint8Array {
  if (!Number.isSafeInteger(opt.step) || opt.step < 0) throw new ShapeError(`optimizer step must be a non-negative integer, got ${opt.step}`);
  return encodeSafetensors(opt.tensors, { format: OPTIMIZER_FORMAT, step: String(opt.step) });
}

/** Decode and check an optimizer file; `file` names it in errors. */
export function decodeOptimizerFile(bytes: Uint8Array, file: string): OptimizerTensors {
  const { tensors, metadata } = decodeSafetensors(bytes, file);
  if (metadata.format !== OPTIMIZER_FORMAT) {
    throw new DataError(file, `format is ${JSON.stringify(metadata.format)}, expected "${OPTIMIZER_FORMAT}"`, { field: '__metadata__.format' });
  }
  const step = Number(metadata.step);
  if (!/^\d+$/.test(metadata.step ?? '') || !Number.isSafeInteger(step)) {
    throw new DataError(file, `step ${JSON.stringify(metadata.step)} is not a non-negative integer`, { field: '__metadata__.step' });
  }
  return { step, tensors };
}
