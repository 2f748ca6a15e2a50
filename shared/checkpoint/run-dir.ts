/**
 * One run per output directory. A run claims its directory by writing `run.json` (the job id
 * and config hash it was started with); a later run never mixes its checkpoints with another
 * run's silently:
 *
 *   fresh start, directory empty or absent      → claimed
 *   fresh start, directory holds a run or checkpoints → ConfigError: resume it, or pick another directory
 *   resume, run.json names the same job          → resumed
 *   resume, another job, or nothing to resume     → ConfigError saying which
 *   'auto' (a pod started again by its controller): resume when the directory holds a run or
 *   checkpoints, else a fresh start
 *
 * Example message: `outputDir: runs/smoke already holds run smoke-0f3a9c1e22b4 (2 checkpoints,
 * latest step-000002); continue it with --resume, or start a new run elsewhere (--set outputDir=…
 * or another name)`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, DataError } from '../errors.js';

export const RUN_FILE = 'run.json';

export interface RunRecord {
  readonly jobId: string;
  readonly configHash: string;
  /** ISO time the run first claimed the directory. */
  readonly createdAt: string;
}

/** Checkpoint directories a run leaves: `step-NNNNNN` (RL) and `warm-start-NNNNNN`. */
const CHECKPOINT_DIR = /^(step|warm-start)-\d{6,}$/;

/** The run recorded in `dir`, or undefined; a DataError when run.json is unreadable. */
export function readRunRecord(dir: string): RunRecord | undefined {
  const path = join(dir, RUN_FILE);
  if (!existsSync(path)) return undefined;
  let r: Partial<RunRecord>;
  try {
    r = JSON.parse(readFileSync(path, 'utf8')) as Partial<RunRecord>;
  } catch (err) {
    throw new DataError(path, `is not valid JSON (${(err as Error).message})`);
  }
  if (typeof r.jobId !== 'string' || typeof r.configHash !== 'string' || typeof r.createdAt !== 'string') {
    throw new DataError(path, 'must hold { "jobId", "configHash", "createdAt" } strings');
  }
  return { jobId: r.jobId, configHash: r.configHash, createdAt: r.createdAt };
}

/** Checkpoint directory names in `dir`, sorted. */
export function checkpointNames(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => CHECKPOINT_DIR.test(n))
    .sort();
}

/** Continue the run (true), start one (false), or whichever the directory calls for ('auto'). */
export type ResumeMode = boolean | 'auto';

/**
 * Claim `dir` for the run `rec` (see the file comment). `resume` asks to continue the run
 * that owns it ('auto': when there is one). Returns 'new' or 'resumed'. `field` names the setting in errors.
 */
export function claimRunDir(dir: string, rec: RunRecord, opts: { resume: ResumeMode; field?: string }): 'new' | 'resumed' {
  const field = opts.field ?? 'outputDir';
  const owner = readRunRecord(dir);
  const names = checkpointNames(dir);
  const held = `${names.length} checkpoint${names.length === 1 ? '' : 's'}${names.length > 0 ? `, latest ${names[names.length - 1]}` : ''}`;
  const resume = opts.resume === 'auto' ? owner !== undefined || names.length > 0 : opts.resume;
  if (resume) {
    if (owner === undefined) {
      throw new ConfigError(field, `${dir} holds no run to resume (no ${RUN_FILE}); start it without --resume`);
    }
    if (owner.jobId !== rec.jobId || owner.configHash !== rec.configHash) {
      throw new ConfigError(
        field,
        `${dir} holds run ${owner.jobId}, but this job is ${rec.jobId}; resume with the job file and --set flags the run was started with`,
      );
    }
    return 'resumed';
  }
  if (owner !== undefined || names.length > 0) {
    const who = owner === undefined ? 'checkpoints of an earlier run' : `run ${owner.jobId}`;
    throw new ConfigError(
      field,
      `${dir} already holds ${who} (${held}); continue it with --resume, or start a new run elsewhere (--set outputDir=… or another name)`,
    );
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, RUN_FILE), JSON.stringify(rec, null, 2) + '\n');
  return 'new';
}
