/**
 * Public entry of the broader generator (docs/DATA-GENERATOR.md "Synth tasks"),
 * seeded and keyed like the protocol's (shared/anomllm/generate.ts):
 *
 *   task stream: new Rng(seed).fork(`synth/${task}`); series i: taskStream.fork(String(i)).
 *
 * So a task's records do not depend on which other tasks are generated, `count: 10`
 * is a prefix of `count: 400`, and adding a task never changes another's records.
 * Default seeds are the split's own (train 2718, eval 3141), never the protocol's 3407/42.
 *
 * Every record carries `intervalTypes` (one type per interval) and its `type` is
 * their dominantType (shared/series/record.ts): the type covering the most
 * anomalous points, ties in the class order of docs/METHOD.md §2.
 *
 * Example: generateSynthSplit('eval', { count: 2, tasks: ['dense-points'] }) gives
 * `eval/dense-points/0000` and `…/0001`, each 250–4,000 samples long.
 */
import { ConfigError } from '../errors.js';
import { Rng } from '../rng.js';
import { SYNTH_TASKS, type SynthTaskName, isSynthTask } from '../series/labels.js';
import { type SeriesRecord, dominantType } from '../series/record.js';
import { DEFAULT_ID_SPLIT, MAX_COUNT, MAX_LENGTH, type Split, recordId } from '../anomllm/generate.js';
import { checkSynthTaskParams } from './check-params.js';
import { drawSynth } from './draw.js';
import { SYNTH_TASK_PARAMS } from './tasks.js';

export const SYNTH_SPLIT_SEEDS = { train: 2718, eval: 3141 } as const;
/** Series per task when no count is given. */
export const SYNTH_DEFAULT_COUNT = 400;

function checkInt(field: string, value: number, lo: number, hi: number): number {
  if (!Number.isInteger(value) || value < lo || value > hi) throw new ConfigError(field, `must be an integer in [${lo}, ${hi}], got ${value}`);
  return value;
}

/** Throws ConfigError listing the valid names unless `task` is a synth task. */
export function checkSynthTask(task: string, field = 'task'): SynthTaskName {
  if (!isSynthTask(task)) throw new ConfigError(field, `unknown synth task "${task}"; valid synth tasks: ${SYNTH_TASKS.join(', ')}`);
  return task;
}

/**
 * `count` series of `task`, ids `${split}/${task}/NNNN`. Without `length` each series
 * draws its own length from the task's range (250–4,000); with it, every series has that
 * length. Throws ConfigError for an unknown task or a bad seed ([0, 2^32−1]),
 * count ([0, 1e6]) or length ([1, 1e6]).
 */
export function generateSynthTask(task: SynthTaskName, opts: { seed: number; count: number; length?: number; split?: string }): SeriesRecord[] {
  const params = checkSynthTaskParams(task, SYNTH_TASK_PARAMS[checkSynthTask(task)]);
  const seed = checkInt('seed', opts.seed, 0, 0xffffffff);
  const count = checkInt('count', opts.count, 0, MAX_COUNT);
  const length = opts.length === undefined ? undefined : checkInt('length', opts.length, 1, MAX_LENGTH);
  const split = opts.split ?? DEFAULT_ID_SPLIT;
  const taskRng = new Rng(seed).fork(`synth/${task}`);
  const out: SeriesRecord[] = [];
  for (let i = 0; i < count; i++) {
    const d = drawSynth(taskRng.fork(String(i)), params, length);
    out.push({
      id: recordId(split, task, i),
      series: d.series,
      intervals: d.intervals,
      type: dominantType(d.intervals, d.types),
      task,
      intervalTypes: d.types,
    });
  }
  return out;
}

/** One split: `count` (default 400) series of each task in `tasks` (default all eight), in task order. */
export function generateSynthSplit(
  split: Split,
  opts: { seed?: number; count?: number; tasks?: readonly SynthTaskName[]; length?: number } = {},
): SeriesRecord[] {
  if (split !== 'train' && split !== 'eval') throw new ConfigError('split', `must be "train" or "eval", got "${String(split)}"`);
  const seed = opts.seed ?? SYNTH_SPLIT_SEEDS[split];
  const count = opts.count ?? SYNTH_DEFAULT_COUNT;
  const out: SeriesRecord[] = [];
  for (const task of opts.tasks ?? SYNTH_TASKS) {
    for (const r of generateSynthTask(task, { seed, count, length: opts.length, split })) out.push(r);
  }
  return out;
}
