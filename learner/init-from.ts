/**
 * `train.initFrom`: a run that starts from a trained policy's weights instead of a random
 * initialisation — to fine-tune a shipped policy on a user's own data, or to try several RL
 * settings from one warm start without repeating it. The policy must be the job's own model:
 * the same shapes, input features, vocabulary and trace form (the decoding limits may differ);
 * otherwise the run stops before it trains, naming what differs and what to set. The warm start
 * (if enabled) and RL then continue from these weights, and the KL reference is the policy as RL
 * starts, as always. Only a fresh run reads it: a resumed run continues from its own checkpoint.
 */
import { resolve } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import type { JobConfig } from '../shared/config/job.js';
import { ConfigError } from '../shared/errors.js';
import { sha256Hex } from '../shared/checkpoint/index.js';
import { loadPolicy } from '../shared/policy/checkpoint.js';
import type { Params } from '../shared/policy/model-config.js';
import type { PolicySpec } from '../shared/policy/spec.js';

/** `train.initFrom` when it names no checkpoint: the model starts from its random initialisation. */
export const INIT_RANDOM = 'none';

const FIELD = 'train.initFrom';

interface Difference {
  readonly path: string;
  readonly theirs: unknown;
  readonly ours: unknown;
}

/** Every place (in sorted key order) two JSON-like values differ. */
function differences(theirs: unknown, ours: unknown, path: string, out: Difference[] = []): Difference[] {
  if (theirs === ours) return out;
  const isObj = (v: unknown) => typeof v === 'object' && v !== null;
  if (!isObj(theirs) || !isObj(ours) || Array.isArray(theirs) !== Array.isArray(ours)) {
    out.push({ path, theirs, ours });
    return out;
  }
  const a = theirs as Record<string, unknown>,
    b = ours as Record<string, unknown>;
  // A list that differs (the vocabulary) is one difference, not one per entry.
  if (Array.isArray(a) && JSON.stringify(a) !== JSON.stringify(b)) {
    out.push({ path, theirs: `${a.length} entries`, ours: `${(ours as unknown[]).length} entries` });
    return out;
  }
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) differences(a[k], b[k], path === '' ? k : `${path}.${k}`, out);
  return out;
}

const show = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? 'nothing' : s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

/** What the job's keys call each part of the spec. */
const PART_KEYS: Readonly<Record<string, string>> = {
  model: "the model's sizes (policy.dModel, layers, heads, …)",
  features: 'the input features (policy.inputs, policy.normalize, raster size, series length)',
  vocabTokens: 'the vocabulary (policy.trace, the class set)',
  trace: 'the trace form (policy.trace)',
  copyRest: 'the trace form (policy.copyRest)',
};

/**
 * Why a checkpoint of spec `theirs` cannot start a job of spec `ours`, or undefined when it
 * can: the model's shapes, the input features, the vocabulary and the trace form must be equal.
 */
export function initMismatch(ours: PolicySpec, theirs: PolicySpec): string | undefined {
  const part = (s: PolicySpec) => ({
    model: s.model,
    features: s.features,
    vocabTokens: s.vocabTokens,
    trace: s.trace ?? 'free',
    copyRest: s.copyRest === true,
  });
  const ds = differences(part(theirs), part(ours), '');
  if (ds.length === 0) return undefined;
  const parts = [...new Set(ds.map((d) => PART_KEYS[d.path.split('.')[0]!]))].join(' and ');
  const listed = ds.slice(0, 4).map((d) => `${d.path} (checkpoint ${show(d.theirs)}, job ${show(d.ours)})`);
  return `${parts} differ: ${listed.join(', ')}${ds.length > 4 ? ` and ${ds.length - 4} more` : ''}`;
}

export interface InitWeights {
  readonly dir: string;
  readonly params: Params;
  /** sha256 of the model file the weights came from (logged, so a run says what it started from). */
  readonly sha256: string;
}

/** The weights `train.initFrom` names, checked against the job's spec; undefined for `none`. */
export async function initWeightsOf(job: JobConfig, spec: PolicySpec): Promise<InitWeights | undefined> {
  const given = job.train.initFrom;
  if (given === INIT_RANDOM) return undefined;
  const dir = resolve(given);
  if (!existsSync(dir))
    throw new ConfigError(FIELD, `${given} does not exist; name a checkpoint directory (e.g. checkpoints/broad or runs/<job>/step-000120), or none`);
  const loaded = await loadPolicy(dir).catch((e: unknown) => {
    throw new ConfigError(FIELD, `${given} cannot start this run: ${e instanceof Error ? e.message : String(e)}`);
  });
  const why = initMismatch(spec, loaded.spec);
  if (why !== undefined) {
    throw new ConfigError(
      FIELD,
      `${given} is not this job's model — ${why}. Set the job's policy section as the checkpoint was trained (its run's config.json), or initFrom: none`,
    );
  }
  return { dir, params: loaded.params, sha256: sha256Hex(new Uint8Array(readFileSync(`${dir}/model.safetensors`))) };
}

/**
 * Overwrite `params` with the init weights (same names and shapes: checked by initWeightsOf) and
 * log `<role>: starting from the weights of <dir> (… sha256 …)`; nothing for `none` (undefined).
 */
export function applyInitWeights(params: Params, init: InitWeights | undefined, role: string, log: (line: string) => void): void {
  if (init === undefined) return;
  for (const [k, v] of Object.entries(init.params)) params[k]!.set(v);
  log(`${role}: starting from the weights of ${init.dir} (model.safetensors sha256 ${init.sha256.slice(0, 12)}…)`);
}
