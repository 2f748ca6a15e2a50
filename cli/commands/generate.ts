/**
 * `anomseer generate`: write seeded AnomLLM-protocol series (docs/METHOD.md §3), or the
 * broader synth tasks (docs/DATA-GENERATOR.md "Synth tasks"), as JSONL.
 *
 *   anomseer generate --task all --split eval --out data/eval.jsonl
 *   anomseer generate --task range,freq --split train --count 50 --length 500 --out /tmp/small.jsonl
 *   anomseer generate --task synth --split eval --out data/synth-eval.jsonl
 *
 * Each family has its own default seed per split (AnomLLM 3407/42, synth 2718/3141) and
 * length (AnomLLM 1000; a synth task draws each series' length from its range);
 * --seed and --length override both.
 * Records are written task by task (one line each, recordToJson), to a
 * temporary file renamed into place at the end, so a failed run never leaves
 * a half-written FILE behind.
 */
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../shared/errors.js';
import { DEFAULT_COUNT, DEFAULT_LENGTH, MAX_COUNT, MAX_LENGTH, SPLIT_SEEDS, type Split, generateTask } from '../../shared/anomllm/generate.js';
import { formatJsonl } from '../../shared/datasets/jsonl.js';
import { ANOMLLM_TASKS, SYNTH_TASKS, type SynthTaskName, TASKS, type TaskName, isSynthTask } from '../../shared/series/labels.js';
import type { SeriesRecord } from '../../shared/series/record.js';
import { SYNTH_SPLIT_SEEDS, generateSynthTask } from '../../shared/synth/generate.js';
import { SYNTH_TASK_PARAMS } from '../../shared/synth/tasks.js';

interface GenerateFlags {
  task: string;
  split: string;
  seed?: string;
  count: string;
  length?: string;
  out: string;
}

type AnyTask = TaskName | SynthTaskName;
const VALID_TASKS: readonly string[] = [...TASKS, ...SYNTH_TASKS];

/** `all` → the eight AnomLLM tasks; `synth` → every synth task; otherwise a comma-separated list of task names. */
export function parseTaskFlag(raw: string): AnyTask[] {
  if (raw.trim() === 'all') return [...ANOMLLM_TASKS];
  if (raw.trim() === 'synth') return [...SYNTH_TASKS];
  const names = raw.split(',').map((s) => s.trim());
  const tasks: AnyTask[] = [];
  for (const name of names) {
    if (!VALID_TASKS.includes(name)) {
      throw new ConfigError('--task', `unknown task "${name}"; valid: all, synth, ${VALID_TASKS.join(', ')}`);
    }
    if (!tasks.includes(name as AnyTask)) tasks.push(name as AnyTask);
  }
  return tasks;
}

/** A decimal integer flag in [lo, hi]; anything else names the flag and the range. */
export function parseIntFlag(flag: string, raw: string, lo: number, hi: number): number {
  const v = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(v) || v < lo || v > hi) {
    throw new ConfigError(flag, `must be an integer in [${lo}, ${hi}], got "${raw}"`);
  }
  return v;
}

function parseSplit(raw: string): Split {
  if (raw !== 'train' && raw !== 'eval') throw new ConfigError('--split', `must be "train" or "eval", got "${raw}"`);
  return raw;
}

/** "42", or "42 (AnomLLM), 3141 (synth)" when the families of `tasks` differ. */
function perFamily(tasks: readonly AnyTask[], anomllm: string, synth: string): string {
  const hasSynth = tasks.some((t) => isSynthTask(t)),
    hasAnomllm = tasks.some((t) => !isSynthTask(t));
  if (!hasSynth) return anomllm;
  if (!hasAnomllm || anomllm === synth) return synth;
  return `${anomllm} (AnomLLM), ${synth} (synth)`;
}

function synthLengthText(tasks: readonly AnyTask[]): string {
  const ranges = tasks.filter((t) => isSynthTask(t)).map((t) => SYNTH_TASK_PARAMS[t].length);
  if (ranges.length === 0) return '';
  return `${Math.min(...ranges.map((r) => r[0]))}–${Math.max(...ranges.map((r) => r[1]))}`;
}

function runGenerate(flags: GenerateFlags): void {
  const tasks = parseTaskFlag(flags.task);
  const split = parseSplit(flags.split);
  const seedFlag = flags.seed === undefined ? undefined : parseIntFlag('--seed', flags.seed, 0, 0xffffffff);
  const count = parseIntFlag('--count', flags.count, 1, MAX_COUNT);
  const lengthFlag = flags.length === undefined ? undefined : parseIntFlag('--length', flags.length, 1, MAX_LENGTH);
  if (flags.out.trim() === '') throw new ConfigError('--out', 'must name a file, got an empty path');
  const generate = (task: AnyTask): SeriesRecord[] =>
    isSynthTask(task)
      ? generateSynthTask(task, { seed: seedFlag ?? SYNTH_SPLIT_SEEDS[split], count, length: lengthFlag, split })
      : generateTask(task, { seed: seedFlag ?? SPLIT_SEEDS[split], count, length: lengthFlag ?? DEFAULT_LENGTH, split });
  const seedText = perFamily(tasks, String(seedFlag ?? SPLIT_SEEDS[split]), String(seedFlag ?? SYNTH_SPLIT_SEEDS[split]));
  const lengthText = perFamily(tasks, String(lengthFlag ?? DEFAULT_LENGTH), lengthFlag === undefined ? synthLengthText(tasks) : String(lengthFlag));

  mkdirSync(dirname(flags.out), { recursive: true });
  const tmp = `${flags.out}.partial-${process.pid}`;
  const fd = openSync(tmp, 'w');
  const counts: string[] = [];
  let written = 0;
  try {
    // One task at a time keeps memory at one task's records, not the whole split.
    for (const task of tasks) {
      const records = generate(task);
      writeSync(fd, formatJsonl(records, flags.out));
      const normal = records.filter((r) => r.type === 'normal').length;
      counts.push(`${task} ${records.length - normal}/${normal}`);
      written += records.length;
    }
    closeSync(fd);
    renameSync(tmp, flags.out);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
    rmSync(tmp, { force: true });
    throw err;
  }
  process.stdout.write(
    `generate: wrote ${written} records (split ${split}, seed ${seedText}, length ${lengthText}) to ${flags.out}; anomalous/normal per task: ${counts.join(', ')}\n`,
  );
}

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('Write seeded AnomLLM-protocol series (docs/METHOD.md §3) or synth series (docs/DATA-GENERATOR.md) as JSONL, one record per line.')
    .requiredOption(
      '--task <name|all|synth>',
      `a task, a comma-separated list, "all" (${ANOMLLM_TASKS.join(', ')}; also: shapelet) or "synth" (${SYNTH_TASKS.join(', ')})`,
    )
    .requiredOption('--split <train|eval>', 'split name used in ids; also picks the default seed (AnomLLM: train 3407, eval 42; synth: train 2718, eval 3141)')
    .option('--seed <n>', 'seed in [0, 4294967295] (default: the split seed of the task family)')
    .option('--count <n>', `series per task, [1, ${MAX_COUNT}]`, String(DEFAULT_COUNT))
    .option('--length <n>', `samples per series, [1, ${MAX_LENGTH}] (default: ${DEFAULT_LENGTH} for AnomLLM tasks; each synth series draws its own)`)
    .requiredOption('--out <file>', 'output JSONL file (its directory is created if needed)')
    .action((flags: GenerateFlags) => runGenerate(flags));
}
