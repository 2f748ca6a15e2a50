/**
 * compile(schema, input) → frozen typed value: user input → defaults →
 * compiled options, once. Every error is a ConfigError whose field is the
 * full key path and whose message gives the value and what is allowed:
 *
 *   timerpo.alpha: is 12; must be a number in [0, 10]
 *   cluster.leaseTimeout: is "60x"; must be a duration >= 1ms (like 250ms, 30s, 5m, 1h, or a number of ms)
 *   data.serieLength: unknown key (did you mean "seriesLength"?); valid keys here: train, eval, seriesLength, fit
 *
 * Objects given as null (a YAML section with every line commented out) count
 * as empty. Unknown keys are reported before bad values, in input order.
 */
import { ConfigError } from '../errors.js';
import { parseDataSpec } from '../datasets/spec.js';
import { type Field, type Infer, type InferSchema, type ObjectField, type Schema, allowedText, isField, joinPath, withArticle } from './schema.js';
import { keyHint } from './suggest.js';
import { formatDuration, parseDuration, parseSize } from './units.js';

/** A value as it appears in a message: strings quoted, long values cut. */
export function show(v: unknown): string {
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (v === undefined) return 'undefined';
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'a mapping' : `a ${typeof v}`;
}

function bad(path: string, value: unknown, field: Field, extra = ''): ConfigError {
  return new ConfigError(path || '(root)', `is ${show(value)}; must be ${withArticle(allowedText(field))}${extra}`);
}

/** Freeze an object or array and everything under it (in place); returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function compileObject(field: ObjectField, input: unknown, path: string): Record<string, unknown> {
  const fields = field.fields as Schema;
  const keys = Object.keys(fields);
  const obj = input === undefined || input === null ? {} : input;
  if (!isPlainObject(obj)) {
    throw new ConfigError(path || '(root)', `is ${typeOf(obj)} (${show(obj)}); must be a mapping with keys: ${keys.join(', ')}`);
  }
  for (const k of Object.keys(obj)) {
    if (!Object.hasOwn(fields, k)) {
      const hint = keyHint(k, keys);
      throw new ConfigError(joinPath(path, k), `unknown key${hint ? ` (${hint})` : ''}; valid keys here: ${keys.join(', ')}`);
    }
  }
  const out: Record<string, unknown> = {};
  const derived: string[] = [];
  for (const k of keys) {
    const f = fields[k];
    const p = joinPath(path, k);
    const v = obj[k];
    if (v !== undefined) out[k] = compileField(f, v, p);
    else if (f.kind === 'object') out[k] = compileField(f, undefined, p);
    else if (f.default !== undefined) out[k] = compileField(f, f.default, p);
    else if (f.derive !== undefined) derived.push(k);
    else throw new ConfigError(p, `is required (${f.doc.replace(/\.$/, '')}); must be ${withArticle(allowedText(f))}`);
  }
  for (const k of derived) {
    const f = fields[k];
    if (f.kind !== 'object' && f.derive !== undefined) out[k] = compileField(f, f.derive(out), joinPath(path, k));
  }
  // Keep the schema's key order even when derived keys were filled last.
  const ordered: Record<string, unknown> = {};
  for (const k of keys) ordered[k] = out[k];
  deepFreeze(ordered);
  field.refine?.(ordered as InferSchema<Schema>, path);
  return ordered;
}

/** Compile one field at `path`; see compile. */
export function compileField(field: Field, input: unknown, path: string): unknown {
  switch (field.kind) {
    case 'object':
      return compileObject(field, input, path);
    case 'array': {
      if (!Array.isArray(input)) throw bad(path, input, field);
      const n = input.length;
      if ((field.minItems !== undefined && n < field.minItems) || (field.maxItems !== undefined && n > field.maxItems)) {
        throw bad(path, input, field, `; it has ${n} item${n === 1 ? '' : 's'}`);
      }
      return deepFreeze(input.map((v, i) => compileField(field.items, v, `${path}[${i}]`)));
    }
    case 'number': {
      const ok =
        typeof input === 'number' &&
        Number.isFinite(input) &&
        (field.integer !== true || Number.isInteger(input)) &&
        (field.min === undefined || (field.minExclusive === true ? input > field.min : input >= field.min)) &&
        (field.max === undefined || (field.maxExclusive === true ? input < field.max : input <= field.max));
      if (!ok) throw bad(path, input, field);
      return input;
    }
    case 'boolean':
      if (typeof input !== 'boolean') throw bad(path, input, field);
      return input;
    case 'string': {
      if (typeof input !== 'string' || input === '') {
        throw bad(path, input, field, typeof input === 'number' || typeof input === 'boolean' ? ` (quote it in YAML: "${String(input)}")` : '');
      }
      const why = field.check?.(input);
      if (why !== undefined) throw bad(path, input, field, `; ${why}`);
      return input;
    }
    case 'enum': {
      if (typeof input !== 'string' || !field.values.includes(input)) {
        const hint = typeof input === 'string' ? keyHint(input, field.values) : '';
        throw bad(path, input, field, hint ? ` (${hint})` : '');
      }
      return input;
    }
    case 'duration': {
      const ms = parseDuration(input);
      if (ms === undefined || (field.min !== undefined && ms < field.min) || (field.max !== undefined && ms > field.max)) {
        throw bad(path, input, field, ms === undefined || typeof input === 'number' ? '' : ` (it is ${formatDuration(ms)})`);
      }
      return ms;
    }
    case 'size': {
      const bytes = parseSize(input);
      if (bytes === undefined || (field.min !== undefined && bytes < field.min) || (field.max !== undefined && bytes > field.max)) {
        throw bad(path, input, field);
      }
      return bytes;
    }
    case 'dataSpec': {
      if (typeof input !== 'string') throw bad(path, input, field);
      try {
        parseDataSpec(input);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        throw new ConfigError(path, err.message.slice(err.field.length + 2));
      }
      return input;
    }
  }
}

/**
 * Compile user input against a field or a bare `{ key: field }` schema into a
 * deeply frozen value of the inferred type. `path` prefixes every key path in
 * errors (default: none, i.e. top level).
 */
export function compile<F extends Field>(schema: F, input: unknown, path?: string): Infer<F>;
export function compile<S extends Schema>(schema: S, input: unknown, path?: string): InferSchema<S>;
export function compile(schema: Field | Schema, input: unknown, path = ''): unknown {
  const field: Field = isField(schema) ? schema : { kind: 'object', doc: '', fields: schema };
  return compileField(field, input, path);
}
