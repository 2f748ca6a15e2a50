/**
 * The way back from a compiled value to user input: durations as `60s`, sizes
 * as `64MiB`, everything else as is, keys in schema order. Round trip:
 * compile(S, toInput(S, compile(S, x))) deep-equals compile(S, x).
 *
 * Secrets: a key whose name is `token`, `password` or `secret`, or ends in
 * `Token`, `Password` or `Secret` (`authToken`), prints as `<redacted>` when
 * asked; `maxNewTokens` is not a secret.
 */
import { compileField } from './compile.js';
import type { Field, Schema } from './schema.js';
import { formatDuration, formatSize } from './units.js';

export const REDACTED = '<redacted>';

/** True for key names that hold secrets: token, password, secret, or a camelCase name ending in one. */
export function isSecretKey(key: string): boolean {
  return /^(token|password|secret)$/i.test(key) || /(Token|Password|Secret)$/.test(key);
}

export interface ToInputOptions {
  /**
   * Keep keys whose value equals their derived default (e.g. outputDir =
   * runs/<name>). Default true. False drops them, so a later change of the
   * key they derive from (name) carries through to them again.
   */
  readonly keepDerived?: boolean;
  /**
   * Keep keys whose value equals their default (and objects left empty by that). Default true.
   * False gives only what differs from the defaults — what a job asked for, which stays the same
   * when the schema gains a key with a default (the job's identity, shared/job/plan.ts).
   */
  readonly keepDefaults?: boolean;
  /** Print secrets as `<redacted>`. Default false. */
  readonly redact?: boolean;
}

function walk(field: Field, value: unknown, opts: ToInputOptions, key: string): unknown {
  if (opts.redact === true && isSecretKey(key) && field.kind !== 'object') return REDACTED;
  switch (field.kind) {
    case 'duration':
      return formatDuration(value as number);
    case 'size':
      return formatSize(value as number);
    case 'array':
      return (value as readonly unknown[]).map((v) => walk(field.items, v, opts, key));
    case 'object': {
      const fields = field.fields as Schema;
      const obj = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(fields)) {
        const f = fields[k];
        if ((opts.keepDerived === false || opts.keepDefaults === false) && f.kind !== 'object' && f.derive !== undefined) {
          const fromDerive = compileField(f, f.derive(obj), k);
          if (JSON.stringify(fromDerive) === JSON.stringify(obj[k])) continue;
        }
        if (opts.keepDefaults === false && f.kind !== 'object' && f.default !== undefined) {
          if (JSON.stringify(compileField(f, f.default, k)) === JSON.stringify(obj[k])) continue;
        }
        const v = walk(f, obj[k], opts, k);
        if (opts.keepDefaults === false && f.kind === 'object' && Object.keys(v as object).length === 0) continue;
        out[k] = v;
      }
      return out;
    }
    default:
      return value;
  }
}

/** The user-input form of a compiled value (a fresh, mutable, JSON-able tree). */
export function toInput(field: Field, value: unknown, opts: ToInputOptions = {}): unknown {
  return walk(field, value, opts, '');
}

/** Read-only walk over every leaf key of a schema: (path, field), parents before children. */
export function* walkSchema(field: Field, path = ''): Generator<readonly [string, Field]> {
  yield [path, field];
  if (field.kind === 'object') {
    for (const [k, f] of Object.entries(field.fields as Schema)) yield* walkSchema(f, path === '' ? k : `${path}.${k}`);
  }
}
