/**
 * Data-source spec strings: one string names where records come from, so a
 * config file or a `--data` flag can point at any supported source.
 *
 *   jsonl:<path>                       anomseer JSONL (jsonl.ts)
 *   nab:<dir>                          NAB root with data/ and labels/ (nab.ts)
 *   ucr:<file|dir>                     UCR anomaly archive .txt files (ucr.ts)
 *   tsb:<file|dir>[#<column>]          TSB-AD / TSB-UAD CSV (tsb.ts)
 *   anomllm:<train|eval>[?count=N&tasks=a,b&seed=N&length=N]
 *                                      seeded synthetic split (shared/anomllm/generate.ts)
 *   synth:<train|eval>[?count=N&tasks=a,b&seed=N&length=N]
 *                                      the broader generator's split (shared/synth/generate.ts)
 *
 * Relative paths are resolved against `baseDir` (default: the process's
 * working directory, read once at the call). Parsing and loading are separate
 * so a config can be checked without touching the disk.
 */
import { isAbsolute, resolve } from 'node:path';
import { ConfigError, DataError } from '../errors.js';
import { SYNTH_TASKS, type SynthTaskName, TASKS, type TaskName } from '../series/labels.js';
import type { SeriesRecord } from '../series/record.js';
import { generateSplit } from '../anomllm/generate.js';
import { generateSynthSplit } from '../synth/generate.js';
import { readJsonl } from './jsonl.js';
import { loadNab } from './nab.js';
import { loadTsb } from './tsb.js';
import { loadUcr } from './ucr.js';

export const DATA_SPEC_FORMS = [
  'jsonl:<path>',
  'nab:<dir>',
  'ucr:<file|dir>',
  'tsb:<file|dir>[#<column>]',
  'anomllm:<train|eval>[?count=N&tasks=a,b&seed=N&length=N]',
  'synth:<train|eval>[?count=N&tasks=a,b&seed=N&length=N]',
] as const;

const FIELD = 'data spec';

export type DataSpec =
  | { readonly kind: 'jsonl'; readonly path: string }
  | { readonly kind: 'nab'; readonly path: string }
  | { readonly kind: 'ucr'; readonly path: string }
  | { readonly kind: 'tsb'; readonly path: string; readonly column?: string }
  | {
      readonly kind: 'anomllm';
      readonly split: 'train' | 'eval';
      readonly seed?: number;
      readonly count?: number;
      readonly tasks?: readonly TaskName[];
      readonly length?: number;
    }
  | {
      readonly kind: 'synth';
      readonly split: 'train' | 'eval';
      readonly seed?: number;
      readonly count?: number;
      readonly tasks?: readonly SynthTaskName[];
      readonly length?: number;
    };

const ANOMLLM_KEYS = ['count', 'tasks', 'seed', 'length'] as const;

function intOption(spec: string, key: string, text: string, lo: number, hi: number): number {
  const v = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(v) || v < lo || v > hi) throw new ConfigError(FIELD, `"${spec}": ${key}=${text} must be an integer in [${lo}, ${hi}]`);
  return v;
}

/** anomllm: and synth: share one syntax; only the task names (and the generator) differ. */
function parseGenerated(spec: string, rest: string, kind: 'anomllm' | 'synth', valid: readonly string[]): DataSpec {
  const q = rest.indexOf('?');
  const split = q < 0 ? rest : rest.slice(0, q);
  if (split !== 'train' && split !== 'eval') throw new ConfigError(FIELD, `"${spec}": split "${split}" must be train or eval`);
  const out: { kind: 'anomllm' | 'synth'; split: 'train' | 'eval'; seed?: number; count?: number; tasks?: string[]; length?: number } = { kind, split };
  if (q < 0) return out as DataSpec;
  const seen = new Set<string>();
  for (const pair of rest.slice(q + 1).split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
    if (!(ANOMLLM_KEYS as readonly string[]).includes(key))
      throw new ConfigError(FIELD, `"${spec}": unknown option "${key}"; allowed: ${ANOMLLM_KEYS.join(', ')}`);
    if (seen.has(key)) throw new ConfigError(FIELD, `"${spec}": option "${key}" is given twice`);
    seen.add(key);
    if (key === 'count') out.count = intOption(spec, key, value, 1, 1_000_000);
    else if (key === 'seed') out.seed = intOption(spec, key, value, 0, 0xffffffff);
    else if (key === 'length') out.length = intOption(spec, key, value, 1, 1_000_000);
    else {
      const tasks = value
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== '');
      if (tasks.length === 0) throw new ConfigError(FIELD, `"${spec}": tasks= is empty; valid tasks: ${valid.join(', ')}`);
      for (const t of tasks) {
        if (!valid.includes(t)) throw new ConfigError(FIELD, `"${spec}": unknown task "${t}"; valid tasks: ${valid.join(', ')}`);
      }
      out.tasks = tasks;
    }
  }
  return out as DataSpec;
}

/** Parse a spec string (no disk access). Unknown prefixes and bad options are ConfigErrors listing the valid forms. */
export function parseDataSpec(spec: string): DataSpec {
  const colon = spec.indexOf(':');
  const prefix = colon < 0 ? '' : spec.slice(0, colon);
  const rest = colon < 0 ? '' : spec.slice(colon + 1);
  const needPath = (): string => {
    if (rest.trim() === '') throw new ConfigError(FIELD, `"${spec}" has no path after "${prefix}:"; valid forms: ${DATA_SPEC_FORMS.join(', ')}`);
    return rest;
  };
  switch (prefix) {
    case 'jsonl':
    case 'nab':
    case 'ucr':
      return { kind: prefix, path: needPath() };
    case 'tsb': {
      const p = needPath();
      // The column follows the last '#', so a path may itself hold '#'.
      const hash = p.lastIndexOf('#');
      if (hash < 0) return { kind: 'tsb', path: p };
      const column = p.slice(hash + 1);
      if (column === '' || hash === 0) throw new ConfigError(FIELD, `"${spec}": expected tsb:<path>#<column> with both parts non-empty`);
      return { kind: 'tsb', path: p.slice(0, hash), column };
    }
    case 'anomllm':
      return parseGenerated(spec, rest, 'anomllm', TASKS);
    case 'synth':
      return parseGenerated(spec, rest, 'synth', SYNTH_TASKS);
    default:
      throw new ConfigError(
        FIELD,
        `"${spec}" is not a data spec${prefix === '' ? '' : ` (unknown prefix "${prefix}")`}; valid forms: ${DATA_SPEC_FORMS.join(', ')}`,
      );
  }
}

/** The spec string of a parsed spec; parseDataSpec(formatDataSpec(s)) equals s. */
export function formatDataSpec(s: DataSpec): string {
  switch (s.kind) {
    case 'tsb':
      return `tsb:${s.path}${s.column !== undefined ? `#${s.column}` : ''}`;
    case 'anomllm':
    case 'synth': {
      const q: string[] = [];
      if (s.count !== undefined) q.push(`count=${s.count}`);
      if (s.tasks !== undefined) q.push(`tasks=${s.tasks.join(',')}`);
      if (s.seed !== undefined) q.push(`seed=${s.seed}`);
      if (s.length !== undefined) q.push(`length=${s.length}`);
      return `${s.kind}:${s.split}${q.length > 0 ? `?${q.join('&')}` : ''}`;
    }
    default:
      return `${s.kind}:${s.path}`;
  }
}

export interface LoadOptions {
  /** Directory that relative paths are resolved against; default: the working directory. */
  readonly baseDir?: string;
}

/** Load the records a spec names, synchronously. Empty sources are DataErrors. */
export function loadDataSpecSync(spec: string | DataSpec, opts: LoadOptions = {}): SeriesRecord[] {
  const s = typeof spec === 'string' ? parseDataSpec(spec) : spec;
  if (s.kind === 'anomllm') {
    const { split, kind: _kind, ...rest } = s;
    return generateSplit(split, rest);
  }
  if (s.kind === 'synth') {
    const { split, kind: _kind, ...rest } = s;
    return generateSynthSplit(split, rest);
  }
  const path = isAbsolute(s.path) ? s.path : resolve(opts.baseDir ?? process.cwd(), s.path);
  let records: SeriesRecord[];
  switch (s.kind) {
    case 'jsonl':
      records = readJsonl(path);
      break;
    case 'nab':
      records = loadNab(path);
      break;
    case 'ucr':
      records = loadUcr(path);
      break;
    case 'tsb':
      records = loadTsb(path, s.column);
      break;
  }
  if (records.length === 0) throw new DataError(path, `holds no records (from "${formatDataSpec(s)}")`);
  return records;
}

/**
 * Load the records a spec names. Async so callers are ready for sources that
 * stream; today it wraps loadDataSpecSync (same records, same errors, as a rejection).
 */
export async function loadDataSpec(spec: string | DataSpec, opts: LoadOptions = {}): Promise<SeriesRecord[]> {
  return loadDataSpecSync(spec, opts);
}
