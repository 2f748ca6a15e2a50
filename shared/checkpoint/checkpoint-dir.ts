/**
 * A checkpoint is a directory (see docs/CHECKPOINTS.md):
 *
 *   step-000123/
 *     model.safetensors      weights + model config (the single source of truth)
 *     optimizer.safetensors  AdamW moments m.<param>, v.<param> + update count
 *     state.json             { step, weightVersion, rng, config, createdAt, metrics?, sha256 }
 *
 * Saving is atomic: the files are written and fsynced into `<dir>.tmp-<random>`,
 * which is renamed to `<dir>` only when complete. Replacing an existing `<dir>`
 * moves it aside to `<dir>.old-<random>` first (a directory cannot be renamed
 * onto a non-empty one), then removes it. A crash therefore leaves either the
 * old checkpoint, the new one, or (between the two renames) neither under that
 * name but the previous step's checkpoint untouched; leftovers end in
 * `.tmp-*` / `.old-*` and `listCheckpoints` ignores them.
 *
 * Loading checks each file against the sha256 in state.json before decoding, so
 * a truncated or altered file is reported by name rather than as a parse error.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DataError, ShapeError } from '../errors.js';
import type { RngState } from '../rng.js';
import type { Tensor } from './safetensors.js';
import {
  canonicalJson,
  checkOptimizerMatchesWeights,
  decodeModelFile,
  decodeOptimizerFile,
  encodeModelFile,
  encodeOptimizerFile,
  sha256Hex,
  type OptimizerTensors,
} from './checkpoint-files.js';

export const MODEL_FILE = 'model.safetensors';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const STATE_FILE = 'state.json';

export interface Checkpoint {
  /** Learner step this checkpoint was taken after (0 = before the first update). */
  readonly step: number;
  /** Weight version broadcast to workers (bumped once per applied update). */
  readonly weightVersion: number;
  /** Learner RNG position, to resume the exact random stream. */
  readonly rng: RngState;
  /** The job config (JSON), as the run was started with. */
  readonly config: unknown;
  /** ISO 8601 time, from the caller's injected clock. */
  readonly createdAt: string;
  readonly metrics?: Readonly<Record<string, unknown>>;
  /** Where the run was when this was saved (stage, step within it, …), for resuming; JSON. */
  readonly progress?: Readonly<Record<string, unknown>>;
  readonly model: { readonly weights: Readonly<Record<string, Tensor>>; readonly config: unknown };
  readonly optimizer: OptimizerTensors;
}

export interface LoadedCheckpoint extends Checkpoint {
  readonly dir: string;
  /** Hex sha256 of each safetensors file; `model.safetensors`'s is the weight checksum. */
  readonly sha256: { readonly [MODEL_FILE]: string; readonly [OPTIMIZER_FILE]: string };
}

/**
 * `step-000123` for step 123 (at least six digits, so names sort by step up to 999999); another
 * `prefix` names another stage's checkpoints (`warm-start-000040`).
 */
export function checkpointDirName(step: number, prefix = 'step'): string {
  if (!Number.isSafeInteger(step) || step < 0) throw new ShapeError(`checkpoint step must be a non-negative integer, got ${step}`);
  return `${prefix}-${String(step).padStart(6, '0')}`;
}

const isUint = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;

function checkRng(rng: unknown, fail: (msg: string, field: string) => Error): RngState {
  const r = rng as RngState | null;
  const u32 = (x: unknown) => Number.isInteger(x) && (x as number) >= 0 && (x as number) <= 0xffffffff;
  if (typeof r !== 'object' || r === null || !u32(r.seed) || !Array.isArray(r.s) || r.s.length !== 4 || !r.s.every(u32)) {
    throw fail(`must be { seed: uint32, s: [4 × uint32] } (Rng.state()), got ${JSON.stringify(rng)}`, 'rng');
  }
  return { seed: r.seed, s: [r.s[0], r.s[1], r.s[2], r.s[3]] };
}

function checkHeader(c: Omit<Checkpoint, 'model' | 'optimizer'>, fail: (msg: string, field: string) => Error): void {
  if (!isUint(c.step)) throw fail(`must be a non-negative integer, got ${c.step}`, 'step');
  if (!isUint(c.weightVersion)) throw fail(`must be a non-negative integer, got ${c.weightVersion}`, 'weightVersion');
  if (typeof c.createdAt !== 'string' || Number.isNaN(Date.parse(c.createdAt)))
    throw fail(`must be an ISO 8601 time string, got ${JSON.stringify(c.createdAt)}`, 'createdAt');
  checkRng(c.rng, fail);
}

async function writeDurable(path: string, data: Uint8Array | string): Promise<void> {
  const fh = await open(path, 'wx');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsync a directory so the renames inside it survive a power cut (best effort). */
async function syncDir(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the data files are already synced.
  } finally {
    await fh.close();
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Write `ckpt` to `dir` atomically (see the file comment). Inputs are validated
 * before anything touches the disk. Returns the files' sha256 values.
 */
export async function saveCheckpoint(dir: string, ckpt: Checkpoint): Promise<LoadedCheckpoint['sha256']> {
  const fail = (msg: string, field: string) => new ShapeError(`saveCheckpoint ${dir}: ${field} ${msg}`);
  checkHeader(ckpt, fail);
  checkOptimizerMatchesWeights(ckpt.model.weights, ckpt.optimizer.tensors, (msg, field) => fail(msg, `optimizer tensor "${field}"`));
  const model = encodeModelFile(ckpt.model.weights, ckpt.model.config);
  const optimizer = encodeOptimizerFile(ckpt.optimizer);
  const sha256 = { [MODEL_FILE]: sha256Hex(model), [OPTIMIZER_FILE]: sha256Hex(optimizer) };
  const state = {
    step: ckpt.step,
    weightVersion: ckpt.weightVersion,
    rng: checkRng(ckpt.rng, fail),
    config: JSON.parse(canonicalJson(ckpt.config ?? null, 'config')),
    createdAt: ckpt.createdAt,
    ...(ckpt.metrics !== undefined ? { metrics: JSON.parse(canonicalJson(ckpt.metrics, 'metrics')) } : {}),
    ...(ckpt.progress !== undefined ? { progress: JSON.parse(canonicalJson(ckpt.progress, 'progress')) } : {}),
    sha256,
  };

  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  const suffix = randomBytes(6).toString('hex');
  const tmp = `${dir}.tmp-${suffix}`;
  const old = `${dir}.old-${suffix}`;
  let movedOld = false;
  try {
    await mkdir(tmp);
    await writeDurable(join(tmp, MODEL_FILE), model);
    await writeDurable(join(tmp, OPTIMIZER_FILE), optimizer);
    await writeDurable(join(tmp, STATE_FILE), JSON.stringify(state, null, 2) + '\n');
    await syncDir(tmp);
    if (await exists(dir)) {
      await rename(dir, old);
      movedOld = true;
    }
    await rename(tmp, dir);
    await syncDir(parent);
  } catch (err) {
    if (movedOld && !(await exists(dir))) await rename(old, dir).catch(() => undefined);
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  if (movedOld) await rm(old, { recursive: true, force: true });
  return sha256;
}

async function readRequired(dir: string, name: string): Promise<Uint8Array> {
  const path = join(dir, name);
  try {
    return new Uint8Array(await readFile(path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError(path, `is missing; the checkpoint in ${dir} is incomplete. Load an earlier one (listCheckpoints)`);
    throw new DataError(path, `cannot be read: ${(err as Error).message}`);
  }
}

/** Load and verify a checkpoint directory. Every problem is a DataError naming the file. */
export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const st = await stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) throw new DataError(dir, 'is not a checkpoint directory (missing or not a directory)');
  const statePath = join(dir, STATE_FILE);
  const stateText = new TextDecoder().decode(await readRequired(dir, STATE_FILE));
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(stateText);
  } catch (err) {
    throw new DataError(statePath, `is not valid JSON (${(err as Error).message}); the file is truncated or corrupt`);
  }
  const fail = (msg: string, field: string) => new DataError(statePath, msg, { field });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new DataError(statePath, 'must be a JSON object');
  checkHeader(raw as unknown as Checkpoint, fail);
  const recorded = raw.sha256 as Record<string, unknown> | undefined;

  const files: Record<string, Uint8Array> = {};
  for (const name of [MODEL_FILE, OPTIMIZER_FILE]) {
    const want = recorded?.[name];
    if (typeof want !== 'string' || !/^[0-9a-f]{64}$/.test(want)) throw fail(`must hold a 64-digit hex sha256, got ${JSON.stringify(want)}`, `sha256.${name}`);
    const bytes = await readRequired(dir, name);
    const got = sha256Hex(bytes);
    if (got !== want) {
      throw new DataError(
        join(dir, name),
        `sha256 is ${got} (${bytes.length} bytes) but state.json records ${want}: the file was truncated or altered. Load an earlier checkpoint`,
      );
    }
    files[name] = bytes;
  }
  const model = decodeModelFile(files[MODEL_FILE], join(dir, MODEL_FILE));
  const optimizer = decodeOptimizerFile(files[OPTIMIZER_FILE], join(dir, OPTIMIZER_FILE));
  checkOptimizerMatchesWeights(model.weights, optimizer.tensors, (msg, field) => new DataError(join(dir, OPTIMIZER_FILE), msg, { field }));

  return {
    dir,
    step: raw.step as number,
    weightVersion: raw.weightVersion as number,
    rng: checkRng(raw.rng, fail),
    config: raw.config,
    createdAt: raw.createdAt as string,
    ...(raw.metrics !== undefined ? { metrics: raw.metrics as Record<string, unknown> } : {}),
    ...(raw.progress !== null && typeof raw.progress === 'object' && !Array.isArray(raw.progress) ? { progress: raw.progress as Record<string, unknown> } : {}),
    model: { weights: model.weights, config: model.modelConfig },
    optimizer,
    sha256: { [MODEL_FILE]: recorded![MODEL_FILE] as string, [OPTIMIZER_FILE]: recorded![OPTIMIZER_FILE] as string },
  };
}

/** Step-numbered checkpoint directories under `root` (`<prefix>-NNNNNN`), ascending by step. A missing root is empty. */
export async function listCheckpoints(root: string, prefix = 'step'): Promise<{ step: number; dir: string }[]> {
  const entries = await readdir(root, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw new DataError(root, `cannot list checkpoints: ${err.message}`);
  });
  const out: { step: number; dir: string }[] = [];
  for (const e of entries) {
    const m = new RegExp(`^${prefix}-(\\d{6,})$`).exec(e.name);
    if (m && e.isDirectory()) out.push({ step: Number(m[1]), dir: join(root, e.name) });
  }
  return out.sort((a, b) => a.step - b.step);
}

/** The highest-step checkpoint directory under `root`, or undefined when there is none. */
export async function latestCheckpoint(root: string, prefix = 'step'): Promise<{ step: number; dir: string } | undefined> {
  const all = await listCheckpoints(root, prefix);
  return all[all.length - 1];
}

/** `root/step-NNNNNN` for `step`. */
export function checkpointPath(root: string, step: number): string {
  return join(root, checkpointDirName(step));
}

/** Name of a leftover from an interrupted save (`*.tmp-*` or `*.old-*`), for cleanup tools. */
export function isLeftover(path: string): boolean {
  return /\.(tmp|old)-[0-9a-f]+$/.test(basename(path));
}
