/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), for the tests: what
 * a scrape of an anomseer role must satisfy, checked line by line. Throws PromTextError naming
 * the line on anything Prometheus would reject or that breaks the conventions we promise:
 *
 * - `# HELP <name> <text>` (escapes \\ and \n) and `# TYPE <name> <type>`, at most one of each
 *   per family, TYPE before the family's first sample; other `#` lines are comments;
 * - metric names `[a-zA-Z_:][a-zA-Z0-9_:]*`, label names `[a-zA-Z_][a-zA-Z0-9_]*` (no `__`
 *   prefix), label values in double quotes with escapes \\ \" \n only, no repeated label;
 * - values are Go floats: decimal or exponent notation, `NaN`, `+Inf`, `-Inf`; optional
 *   integer timestamp;
 * - a family's samples are contiguous; no series appears twice;
 * - counters are named `…_total`; histograms have `_bucket{le}` series whose `le` grow strictly,
 *   whose counts never decrease, which end at `le="+Inf"`, and whose `_count` equals the +Inf
 *   bucket, plus a `_sum`.
 */

export class PromTextError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'PromTextError';
  }
}

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly timestampMs?: number;
}

export interface Family {
  readonly name: string;
  type: MetricType;
  help?: string;
  readonly samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES: readonly MetricType[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];
const FLOAT = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)$/;

/**
 * A float as Go's strconv.ParseFloat (Prometheus' parser) reads it: decimal or exponent,
 * NaN and [+-]Inf / Infinity in any case (prom-client writes NaN as "Nan").
 */
export function parseValue(text: string, line = 0): number {
  if (/^nan$/i.test(text)) return NaN;
  const inf = /^([+-]?)inf(?:inity)?$/i.exec(text);
  if (inf !== null) return inf[1] === '-' ? -Infinity : Infinity;
  if (!FLOAT.test(text)) throw new PromTextError(line, `"${text}" is not a float`);
  return Number(text);
}

function unescapeHelp(text: string, line: number): string {
  return text.replace(/\\(.)?/g, (_m, c: string | undefined) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    throw new PromTextError(line, `HELP text has an invalid escape "\\${c ?? ''}"`);
  });
}

/** The family a sample name belongs to, given the families declared so far. */
function familyOf(name: string, families: ReadonlyMap<string, Family>): string {
  for (const suffix of ['_bucket', '_count', '_sum']) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length);
      const f = families.get(base);
      if (f !== undefined && (f.type === 'histogram' || f.type === 'summary')) return base;
    }
  }
  return name;
}

/** `{a="x",b="y\"z"}` starting at text[i] === '{' → labels and the index after '}'. */
function parseLabels(text: string, start: number, line: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    if (text[i] === '}') return { labels, end: i + 1 };
    const m = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(text.slice(i));
    if (m === null) throw new PromTextError(line, `bad label name at column ${i + 1}`);
    const name = m[0];
    if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new PromTextError(line, `label name "${name}" is reserved or invalid`);
    if (name in labels) throw new PromTextError(line, `label "${name}" repeated`);
    i += name.length;
    if (text[i] !== '=' || text[i + 1] !== '"') throw new PromTextError(line, `label "${name}": expected ="value"`);
    i += 2;
    let value = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) throw new PromTextError(line, `label "${name}": unterminated value`);
      if (c === '"') break;
      if (c === '\\') {
        const e = text[i + 1];
        if (e === '\\') value += '\\';
        else if (e === '"') value += '"';
        else if (e === 'n') value += '\n';
        else throw new PromTextError(line, `label "${name}": invalid escape "\\${e ?? ''}"`);
        i += 2;
        continue;
      }
      value += c;
      i += 1;
    }
    labels[name] = value;
    i += 1;
    if (text[i] === ',') i += 1;
    else if (text[i] !== '}') throw new PromTextError(line, `label "${name}": expected "," or "}"`);
  }
}

const seriesKey = (name: string, labels: Readonly<Record<string, string>>) =>
  `${name}{${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',')}}`;

/** Parse and check a whole exposition; families by name, in order of appearance. */
export function parsePromText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  const closed = new Set<string>();
  let current: string | undefined;
  const helpSeen = new Set<string>();
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  else if (text.length > 0) throw new PromTextError(lines.length, 'the exposition must end with a newline');

  const enter = (name: string, line: number) => {
    if (current === name) return;
    if (closed.has(name)) throw new PromTextError(line, `family "${name}" is not contiguous`);
    if (current !== undefined) closed.add(current);
    current = name;
  };

  lines.forEach((raw, idx) => {
    const n = idx + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(raw);
      if (m === null) return; // a comment
      const [, kind, name, rest = ''] = m as unknown as [string, string, string, string?];
      if (!METRIC_NAME.test(name)) throw new PromTextError(n, `metric name "${name}" is invalid`);
      enter(name, n);
      let f = families.get(name);
      if (kind === 'TYPE') {
        const type = rest.trim() as MetricType;
        if (!TYPES.includes(type)) throw new PromTextError(n, `TYPE "${rest}" is not one of ${TYPES.join(', ')}`);
        if (f !== undefined && (f.samples.length > 0 || f.type !== 'untyped')) throw new PromTextError(n, `TYPE of "${name}" given twice or after its samples`);
        if (f === undefined) families.set(name, (f = { name, type, samples: [] }));
        else f.type = type;
      } else {
        if (helpSeen.has(name)) throw new PromTextError(n, `HELP of "${name}" given twice`);
        helpSeen.add(name);
        if (f === undefined) families.set(name, (f = { name, type: 'untyped', samples: [] }));
        f.help = unescapeHelp(rest, n);
      }
      return;
    }
    const nm = /^[^\s{]+/.exec(raw);
    if (nm === null) throw new PromTextError(n, 'expected a metric name');
    const name = nm[0];
    if (!METRIC_NAME.test(name)) throw new PromTextError(n, `metric name "${name}" is invalid`);
    let i = name.length;
    let labels: Record<string, string> = {};
    if (raw[i] === '{') ({ labels, end: i } = parseLabels(raw, i, n));
    const rest = raw.slice(i);
    const vm = /^[ \t]+(\S+)(?:[ \t]+(-?\d+))?[ \t]*$/.exec(rest);
    if (vm === null) throw new PromTextError(n, `expected " <value> [timestamp]" after the series, got "${rest}"`);
    const value = parseValue(vm[1]!, n);
    const fam = familyOf(name, families);
    enter(fam, n);
    let f = families.get(fam);
    if (f === undefined) families.set(fam, (f = { name: fam, type: 'untyped', samples: [] }));
    const key = seriesKey(name, labels);
    if (seen.has(key)) throw new PromTextError(n, `series ${key} appears twice`);
    seen.add(key);
    f.samples.push({ name, labels, value, ...(vm[2] === undefined ? {} : { timestampMs: Number(vm[2]) }) });
  });

  for (const f of families.values()) checkFamily(f);
  return families;
}

function checkFamily(f: Family): void {
  if (f.type === 'counter') {
    if (!f.name.endsWith('_total')) throw new PromTextError(0, `counter "${f.name}" must be named …_total`);
    for (const s of f.samples) if (!(s.value >= 0)) throw new PromTextError(0, `counter ${f.name} is ${s.value}`);
  }
  if (f.type !== 'histogram') return;
  const groups = new Map<string, { buckets: [number, number][]; count?: number; sum?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = seriesKey('', rest);
    const g = groups.get(key) ?? { buckets: [] };
    groups.set(key, g);
    if (s.name === `${f.name}_bucket`) {
      if (le === undefined) throw new PromTextError(0, `${f.name}_bucket without le`);
      g.buckets.push([parseValue(le), s.value]);
    } else if (s.name === `${f.name}_count`) g.count = s.value;
    else if (s.name === `${f.name}_sum`) g.sum = s.value;
    else throw new PromTextError(0, `histogram ${f.name} has a stray series ${s.name}`);
  }
  for (const [key, g] of groups) {
    const where = `${f.name}${key}`;
    if (g.buckets.length === 0) throw new PromTextError(0, `${where}: no buckets`);
    for (let i = 1; i < g.buckets.length; i++) {
      if (!(g.buckets[i]![0] > g.buckets[i - 1]![0])) throw new PromTextError(0, `${where}: le not increasing`);
      if (g.buckets[i]![1] < g.buckets[i - 1]![1]) throw new PromTextError(0, `${where}: bucket counts decrease`);
    }
    const last = g.buckets.at(-1)!;
    if (last[0] !== Infinity) throw new PromTextError(0, `${where}: the last bucket must be le="+Inf"`);
    if (g.count === undefined || g.sum === undefined) throw new PromTextError(0, `${where}: _count and _sum are required`);
    if (g.count !== last[1]) throw new PromTextError(0, `${where}: _count ${g.count} != +Inf bucket ${last[1]}`);
  }
}

/** Samples of `name` whose labels include `match`. */
export function samplesOf(families: ReadonlyMap<string, Family>, name: string, match: Readonly<Record<string, string>> = {}): Sample[] {
  const fam = families.get(familyOf(name, families));
  return (fam?.samples ?? []).filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

/** The one value of `name` with labels including `match`; throws when there is not exactly one. */
export function valueOf(families: ReadonlyMap<string, Family>, name: string, match: Readonly<Record<string, string>> = {}): number {
  const s = samplesOf(families, name, match);
  if (s.length !== 1) throw new Error(`${name}${JSON.stringify(match)}: ${s.length} series`);
  return s[0]!.value;
}

/** Sum of `name` over every series matching `match` (0 when none). */
export function sumOf(families: ReadonlyMap<string, Family>, name: string, match: Readonly<Record<string, string>> = {}): number {
  return samplesOf(families, name, match).reduce((a, s) => a + s.value, 0);
}
