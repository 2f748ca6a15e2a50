/**
 * `--set key.path=value` flags on top of a compiled config. Values are read as
 * YAML (so `--set seed=7` is a number, `--set timerpo.normalizeStd=true` a
 * boolean, `--set optim.betas=[0.9,0.95]` a list, `--set cluster.leaseTimeout=2m`
 * a duration), set into the config's user-input form, and the whole config is
 * compiled again, so an override meets the same checks as the file
 * (ranges, unknown keys with suggestions, cross-key rules).
 *
 * A key derived from another (outputDir from name) follows its source unless
 * it was set explicitly: `--set name=b` on a config whose outputDir is the
 * derived runs/a gives runs/b.
 */
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors.js';
import { compile, show } from './compile.js';
import type { Field } from './schema.js';
import { toInput } from './plain.js';
import { JOB_SCHEMA, type JobConfig } from './job.js';

/** `['a.b=1', 'c=x=y']` → `{ 'a.b': '1', c: 'x=y' }` (split at the first '='; the last of a repeated key wins). */
export function parseSetFlags(flags: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of flags) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new ConfigError('--set', `"${f}" is not key.path=value (e.g. --set rollout.groupSize=8)`);
    out[f.slice(0, eq).trim()] = f.slice(eq + 1);
  }
  return out;
}

/**
 * One flag value as YAML: numbers, booleans, null, `[..]` lists and `{..}`
 * mappings are parsed; anything else (including text YAML would read as a
 * mapping, such as `a: b`, or cannot parse) stays the literal string.
 */
export function parseScalar(text: string): unknown {
  try {
    const v: unknown = parseYaml(text);
    if (typeof v === 'object' && v !== null && !/^\s*[[{]/.test(text)) return text;
    return v;
  } catch {
    return text;
  }
}

function setIn(root: Record<string, unknown>, key: string, value: unknown): void {
  const segs = key.split('.');
  if (segs.some((s) => s.trim() === '')) throw new ConfigError('--set', `"${key}" is not a key path (e.g. cluster.leaseTimeout)`);
  let cur: unknown = root;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i];
    const last = i === segs.length - 1;
    const here = segs.slice(0, i).join('.');
    if (Array.isArray(cur)) {
      const idx = /^\d+$/.test(seg) ? Number(seg) : -1;
      if (idx < 0 || idx >= cur.length) throw new ConfigError(here, `is a list of ${cur.length}; "${seg}" is not an index in [0, ${cur.length - 1}]`);
      if (last) cur[idx] = value;
      else cur = cur[idx];
    } else if (typeof cur === 'object' && cur !== null) {
      const obj = cur as Record<string, unknown>;
      if (last) obj[seg] = value;
      else {
        if (obj[seg] === undefined) obj[seg] = {};
        cur = obj[seg];
      }
    } else {
      throw new ConfigError(here, `is a value (${show(cur)}), not a section; cannot set "${key}"`);
    }
  }
}

/** applyOverrides for any schema; see applyOverrides. */
export function applyOverridesTo<T>(schema: Field, config: T, overrides: Readonly<Record<string, string>>): T {
  const keys = Object.keys(overrides);
  if (keys.length === 0) return config;
  const input = toInput(schema, config, { keepDerived: false }) as Record<string, unknown>;
  for (const k of keys) setIn(input, k, parseScalar(overrides[k]));
  try {
    return compile(schema, input) as T;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const from = keys.find((k) => err.field === k || err.field.startsWith(`${k}.`) || err.field.startsWith(`${k}[`) || k.startsWith(`${err.field}.`));
    if (from === undefined) throw err;
    throw new ConfigError(err.field, `${err.message.slice(err.field.length + 2)} (from --set ${from}=${overrides[from]})`);
  }
}

/**
 * Apply `--set` style overrides (`{ 'rollout.groupSize': '8' }`) to a job
 * config and re-validate the whole of it. Returns a new frozen JobConfig;
 * throws ConfigError naming the key path (and the flag it came from).
 */
export function applyOverrides(config: JobConfig, overrides: Readonly<Record<string, string>>): JobConfig {
  return applyOverridesTo(JOB_SCHEMA, config, overrides);
}
