/**
 * A tiny schema toolkit (no dependencies): field descriptors that carry a
 * default, a range and a one-line doc, from which come
 *   - the compiled, frozen, typed value (`compile`, compile.ts),
 *   - the TypeScript type (`Infer<typeof SCHEMA>`, no second interface),
 *   - the printable user-input form (`toInput`, plain.ts),
 *   - the reference docs (`configReference`, reference.ts).
 *
 * Defaults are written in user-input form (`'60s'`, `'64MiB'`) and compiled
 * like user input, so a default outside its own range fails at once.
 *
 *   const S = t.object({ alpha: t.number({ min: 0, max: 10, default: 0.3, doc: 'Weight α.' }) }, { doc: '' });
 *   type C = Infer<typeof S>;      // { readonly alpha: number }
 *   compile(S, { alpha: 12 });     // ConfigError "alpha: is 12; must be a number in [0, 10]"
 */
export { compile } from './compile.js';

interface FieldBase<In> {
  /** One line: what the key means (the "meaning" column of docs/CONFIG.md). */
  readonly doc: string;
  /** Value taken when the key is absent, in user-input form. No default and no derive → required. */
  readonly default?: In;
  /**
   * Default computed from the already-compiled sibling keys (e.g. outputDir
   * from name), in user-input form. Used only when the key is absent.
   */
  readonly derive?: (siblings: Readonly<Record<string, unknown>>) => In;
  /** How the docs show a derived default, e.g. `runs/<name>`. */
  readonly defaultDoc?: string;
}

export interface NumberField extends FieldBase<number> {
  readonly kind: 'number';
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
  /** min is excluded: the value must be > min. */
  readonly minExclusive?: boolean;
  /** max is excluded: the value must be < max. */
  readonly maxExclusive?: boolean;
}

export interface BooleanField extends FieldBase<boolean> {
  readonly kind: 'boolean';
}

export interface StringField extends FieldBase<string> {
  readonly kind: 'string';
  /** What the docs and errors call the accepted form, e.g. `host:port`. Default: non-empty string. */
  readonly allowed?: string;
  /** Extra check: undefined when fine, else why not (appended to the error). */
  readonly check?: (value: string) => string | undefined;
}

export interface EnumField<V extends string = string> extends FieldBase<V> {
  readonly kind: 'enum';
  readonly values: readonly V[];
}

/** Compiles to milliseconds. Accepts `250ms`, `30s`, `5m`, `1h`, `1h30m` or a number of ms. */
export interface DurationField extends FieldBase<string | number> {
  readonly kind: 'duration';
  /** Bounds in ms (inclusive). */
  readonly min?: number;
  readonly max?: number;
}

/** Compiles to bytes. Accepts `64MiB`, `512KiB`, `1GB`, `100B` or a number of bytes. */
export interface SizeField extends FieldBase<string | number> {
  readonly kind: 'size';
  readonly min?: number;
  readonly max?: number;
}

/** A data-source spec string (`anomllm:train`, `jsonl:path`, …), checked with parseDataSpec; stays a string. */
export interface DataSpecField extends FieldBase<string> {
  readonly kind: 'dataSpec';
}

export interface ArrayField<I extends Field = Field> extends FieldBase<readonly unknown[]> {
  readonly kind: 'array';
  readonly items: I;
  readonly minItems?: number;
  readonly maxItems?: number;
}

export interface ObjectField<S extends Schema = Schema> {
  readonly kind: 'object';
  readonly doc: string;
  readonly fields: S;
  /** Cross-key checks on the compiled (frozen) value; throw a ConfigError naming the key. */
  readonly refine?: (value: InferSchema<S>, path: string) => void;
}

export type Field =
  | NumberField
  | BooleanField
  | StringField
  | EnumField<string>
  | DurationField
  | SizeField
  | DataSpecField
  | ArrayField<any> // eslint-disable-line @typescript-eslint/no-explicit-any -- recursive variance
  | ObjectField<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export type Schema = { readonly [key: string]: Field };

/** The compiled type of a field. */
export type Infer<F> =
  F extends ObjectField<infer S>
    ? InferSchema<S>
    : F extends ArrayField<infer I>
      ? readonly Infer<I>[]
      : F extends EnumField<infer V>
        ? V
        : F extends { readonly kind: 'boolean' }
          ? boolean
          : F extends { readonly kind: 'number' | 'duration' | 'size' }
            ? number
            : F extends { readonly kind: 'string' | 'dataSpec' }
              ? string
              : never;

/** The compiled type of an object schema: every key present, everything readonly. */
export type InferSchema<S extends Schema> = { readonly [K in keyof S]: Infer<S[K]> };

type Opts<F> = Omit<F, 'kind'>;

/** Field builders; `t.number({ min: 0, default: 1, doc: '…' })` and so on. */
export const t = Object.freeze({
  number: (o: Opts<NumberField>): NumberField => ({ kind: 'number', ...o }),
  boolean: (o: Opts<BooleanField>): BooleanField => ({ kind: 'boolean', ...o }),
  string: (o: Opts<StringField>): StringField => ({ kind: 'string', ...o }),
  enum: <const V extends string>(values: readonly V[], o: Opts<FieldBase<NoInfer<V>>>): EnumField<V> => ({ kind: 'enum', values, ...o }),
  duration: (o: Opts<DurationField>): DurationField => ({ kind: 'duration', ...o }),
  size: (o: Opts<SizeField>): SizeField => ({ kind: 'size', ...o }),
  dataSpec: (o: Opts<DataSpecField>): DataSpecField => ({ kind: 'dataSpec', ...o }),
  array: <I extends Field>(items: I, o: Omit<Opts<ArrayField<I>>, 'items'>): ArrayField<I> => ({ kind: 'array', items, ...o }),
  object: <const S extends Schema>(fields: S, o: Omit<Opts<ObjectField<S>>, 'fields'>): ObjectField<S> => ({ kind: 'object', fields, ...o }),
});

/** True for a field descriptor (as opposed to a bare `{ key: field }` schema). */
export function isField(x: unknown): x is Field {
  return typeof x === 'object' && x !== null && typeof (x as { kind?: unknown }).kind === 'string';
}

/** `a.b` + `c` → `a.b.c`; '' + `c` → `c`. */
export function joinPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function fmtNum(x: number): string {
  return Math.abs(x) >= 1e21 || (Math.abs(x) < 1e-6 && x !== 0) ? x.toExponential() : String(x);
}

function rangeText(min: number | undefined, max: number | undefined, minEx = false, maxEx = false, show: (x: number) => string = fmtNum): string {
  if (min !== undefined && max !== undefined) return ` in ${minEx ? '(' : '['}${show(min)}, ${show(max)}${maxEx ? ')' : ']'}`;
  if (min !== undefined) return ` ${minEx ? '>' : '>='} ${show(min)}`;
  if (max !== undefined) return ` ${maxEx ? '<' : '<='} ${show(max)}`;
  return '';
}

/**
 * The allowed values of a field as a noun phrase without article, shared by
 * error messages and docs: `integer in [1, 65535]`, `number > 0`,
 * `one of constant, warmup, warmup-cosine`, `duration >= 1ms`.
 */
export function allowedText(field: Field): string {
  switch (field.kind) {
    case 'number':
      return `${field.integer === true ? 'integer' : 'number'}${rangeText(field.min, field.max, field.minExclusive, field.maxExclusive)}`;
    case 'boolean':
      return 'boolean (true or false)';
    case 'string':
      return field.allowed ?? 'non-empty string';
    case 'enum':
      return `one of ${field.values.join(', ')}`;
    case 'duration':
      return `duration${rangeText(field.min, field.max, false, false, (x) => `${x}ms`)} (like 250ms, 30s, 5m, 1h, or a number of ms)`;
    case 'size':
      return `size in bytes${rangeText(field.min, field.max)} (like 64MiB, 512KiB, or a number of bytes)`;
    case 'dataSpec':
      return 'data spec (`anomllm:<train|eval>[?…]`, `synth:<train|eval>[?…]`, `jsonl:<path>`, `nab:<dir>`, `ucr:<file|dir>`, `tsb:<file|dir>[#<column>]`, `mix:<w>@<spec>|<w>@<spec>`)';
    case 'array': {
      const exact = field.minItems !== undefined && field.minItems === field.maxItems;
      const len = exact ? ` of ${field.minItems} items` : rangeText(field.minItems, field.maxItems).replace(/^ (in )?/, ' with length ');
      return `list${len}, each ${withArticle(allowedText(field.items))}`;
    }
    case 'object':
      return `mapping with keys ${Object.keys(field.fields).join(', ')}`;
  }
}

/** `an integer …` / `a number …` / `one of …`: the article for an allowedText phrase. */
export function withArticle(phrase: string): string {
  if (phrase.startsWith('one of ')) return phrase;
  return /^[aeiou]/i.test(phrase) ? `an ${phrase}` : `a ${phrase}`;
}
