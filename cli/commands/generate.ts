/**
 * `anomseer generate`: write seeded AnomLLM-protocol series (docs/METHOD.md §3) as JSONL.
 *
 *   anomseer generate --task all --split eval --out data/eval.jsonl
 *   anomseer generate --task range,freq --split train --count 50 --length 500 --out /tmp/small.jsonl
 *
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
import { ANOMLLM_TASKS, TASKS, type TaskName } from '../../shared/series/labels.js';

interface GenerateFlags {
  task: string;
  split: string;
  seed?: string;
  count: string;
  length: string;
  out: string;
}

/** `all` → the eight AnomLLM tasks; otherwise a comma-separated list of task names. */
export function parseTaskFlag(raw: string): TaskName[] {
  if (raw.trim() === 'all') return [...ANOMLLM_TASKS];
  const names = raw.split(',').map((s) => s.trim());
  const tasks: TaskName[] = [];
  for (const name of names) {
    if (!(TASKS as readonly string[]).includes(name)) {
      throw new ConfigError('--task', `unknown task "${name}"; valid: all, ${TASKS.join(', ')}`);
    }
    if (!tasks.includes(name as TaskName)) tasks.push(name as TaskName);
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

function runGenerate(flags: GenerateFlags): void {
  const tasks = parseTaskFlag(flags.task);
  const split = parseSplit(flags.split);
  const seed = flags.seed === undefined ? SPLIT_SEEDS[split] : parseIntFlag('--seed', flags.seed, 0, 0xffffffff);
  const count = parseIntFlag('--count', flags.count, 1, MAX_COUNT);
  const length = parseIntFlag('--length', flags.length, 1, MAX_LENGTH);
  if (flags.out.trim() === '') throw new ConfigError('--out', 'must name a file, got an empty path');

  mkdirSync(dirname(flags.out), { recursive: true });
  const tmp = `${flags.out}.partial-${process.pid}`;
  const fd = openSync(tmp, 'w');
  const counts: string[] = [];
  let written = 0;
  try {
    // One task at a time keeps memory at one task's records, not the whole split.
    for (const task of tasks) {
      const records = generateTask(task, { seed, count, length, split });
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
    `generate: wrote ${written} records (split ${split}, seed ${seed}, length ${length}) to ${flags.out}; anomalous/normal per task: ${counts.join(', ')}\n`,
  );
}

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('Write seeded AnomLLM-protocol series (docs/METHOD.md §3) as JSONL, one record per line.')
    .requiredOption('--task <name|all>', `a task, a comma-separated list, or "all" (${ANOMLLM_TASKS.join(', ')}); also: shapelet`)
    .requiredOption('--split <train|eval>', 'split name used in ids; also picks the default seed (train 3407, eval 42)')
    .option('--seed <n>', 'seed in [0, 4294967295] (default: the split seed)')
    .option('--count <n>', `series per task, [1, ${MAX_COUNT}]`, String(DEFAULT_COUNT))
    .option('--length <n>', `samples per series, [1, ${MAX_LENGTH}]`, String(DEFAULT_LENGTH))
    .requiredOption('--out <file>', 'output JSONL file (its directory is created if needed)')
    .action((flags: GenerateFlags) => runGenerate(flags));
}
