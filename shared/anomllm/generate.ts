/**
 * Public entry of the seeded AnomLLM-protocol generator (docs/METHOD.md §3).
 *
 * Streams: a task's stream is `new Rng(seed).fork(task)` and series i of it
 * draws from `taskStream.fork(String(i))`. So a task's output does not depend
 * on which other tasks are generated, and `count: 10` is a prefix of
 * `count: 400`. The split name only appears in ids; the seed alone fixes the
 * values (train 3407, eval 42 by default).
 *
 * Example: generateSplit('eval', { count: 2, tasks: ['range'] }) gives the
 * records `eval/range/0000` and `eval/range/0001`, each of length 1000.
 */
import { ConfigError } from '../errors.js';
import { Rng } from '../rng.js';
import { ANOMLLM_TASKS, TASKS, type TaskName } from '../series/labels.js';
import type { SeriesRecord } from '../series/record.js';
import { TASK_SPECS } from './tasks.js';

export const SPLIT_SEEDS = { train: 3407, eval: 42 } as const;
export type Split = 'train' | 'eval';

/** docs/METHOD.md §3 defaults. */
export const DEFAULT_LENGTH = 1000;
export const DEFAULT_COUNT = 400;
/** Largest accepted series length and per-task count (keeps a typo from filling the disk). */
export const MAX_LENGTH = 1_000_000;
export const MAX_COUNT = 1_000_000;
/** Split name used in ids when generateTask gets none. */
export const DEFAULT_ID_SPLIT = 'custom';

function checkInt(field: string, value: number, lo: number, hi: number): number {
  if (!Number.isInteger(value) || value < lo || value > hi) {
    throw new ConfigError(field, `must be an integer in [${lo}, ${hi}], got ${value}`);
  }
  return value;
}

/** Throws ConfigError listing the valid names unless `task` is a generator task. */
export function checkTask(task: string, field = 'task'): TaskName {
  if (!(TASKS as readonly string[]).includes(task)) {
    throw new ConfigError(field, `unknown task "${task}"; valid tasks: ${TASKS.join(', ')}`);
  }
  return task as TaskName;
}

/** `eval/range/0007`: split, task and the index padded to 4 digits. */
export function recordId(split: string, task: string, index: number): string {
  return `${split}/${task}/${String(index).padStart(4, '0')}`;
}

/**
 * `count` series of `task`, each `length` samples (default 1000), ids
 * `${split}/${task}/NNNN`. `type` is the task's label, or `normal` when the
 * series got no interval. Throws ConfigError for an unknown task or a bad
 * seed ([0, 2^32−1]), count ([0, 1e6]) or length ([1, 1e6]).
 */
export function generateTask(task: TaskName, opts: { seed: number; count: number; length?: number; split?: string }): SeriesRecord[] {
  const spec = TASK_SPECS[checkTask(task)];
  const seed = checkInt('seed', opts.seed, 0, 0xffffffff);
  const count = checkInt('count', opts.count, 0, MAX_COUNT);
  const length = checkInt('length', opts.length ?? DEFAULT_LENGTH, 1, MAX_LENGTH);
  const split = opts.split ?? DEFAULT_ID_SPLIT;
  const taskRng = new Rng(seed).fork(task);
  const out: SeriesRecord[] = [];
  for (let i = 0; i < count; i++) {
    const { series, intervals } = spec.draw(taskRng.fork(String(i)), length);
    out.push({ id: recordId(split, task, i), series, intervals, type: intervals.length > 0 ? spec.label : 'normal', task });
  }
  return out;
}

/**
 * One split: `count` (default 400) series of each task in `tasks` (default
 * the eight AnomLLM tasks, never shapelet), in task order. The seed defaults
 * to SPLIT_SEEDS[split].
 */
export function generateSplit(split: Split, opts: { seed?: number; count?: number; tasks?: readonly TaskName[]; length?: number } = {}): SeriesRecord[] {
  if (split !== 'train' && split !== 'eval') throw new ConfigError('split', `must be "train" or "eval", got "${String(split)}"`);
  const seed = opts.seed ?? SPLIT_SEEDS[split];
  const count = opts.count ?? DEFAULT_COUNT;
  const out: SeriesRecord[] = [];
  for (const task of opts.tasks ?? ANOMLLM_TASKS) {
    for (const r of generateTask(task, { seed, count, length: opts.length, split })) out.push(r);
  }
  return out;
}
