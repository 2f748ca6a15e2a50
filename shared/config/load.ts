/**
 * Job files: YAML in, JobConfig out, and the effective config back out as
 * YAML. An entry point does, once:
 *
 *   const config = applyOverrides(loadJobFile(path), parseSetFlags(opts.set));
 *   logger.info(describeConfig(config));
 *
 * YAML syntax errors are DataErrors naming the file, line and column; a
 * value the schema refuses is a ConfigError naming the key path, with the
 * file and line appended when the key is in the file.
 */
import { readFileSync } from 'node:fs';
import { type Document, LineCounter, isNode, parseDocument, stringify } from 'yaml';
import { ConfigError, DataError } from '../errors.js';
import type { Field } from './schema.js';
import { toInput } from './plain.js';
import { JOB_SCHEMA, type JobConfig, compileJobConfig } from './job.js';

export { applyOverrides, parseSetFlags } from './overrides.js';

/** `a.b[2].c` → ['a', 'b', 2, 'c']; `(root)` → []. */
function pathSegments(field: string): (string | number)[] {
  if (field === '(root)') return [];
  const out: (string | number)[] = [];
  for (const part of field.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (m === null) return out;
    if (m[1] !== '') out.push(m[1]);
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

/** 1-based line of the deepest node of `field` (or of its nearest ancestor) that the file holds. */
function lineOf(doc: Document, lines: LineCounter, field: string): number | undefined {
  const segs = pathSegments(field);
  for (let n = segs.length; n > 0; n--) {
    const node: unknown = doc.getIn(segs.slice(0, n), true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}

/**
 * Parse job YAML text (named `file` in errors) and compile it. An empty file
 * is all defaults.
 */
export function parseJobYaml(text: string, file = '<job>'): JobConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first !== undefined) {
    const { line, col } = lines.linePos(first.pos[0]);
    const msg = first.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new DataError(file, `invalid YAML at column ${col}: ${msg}`, { line });
  }
  const input: unknown = doc.toJS();
  try {
    return compileJobConfig(input);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const line = lineOf(doc, lines, err.field);
    if (line === undefined) throw err;
    throw new ConfigError(err.field, `${err.message.slice(err.field.length + 2)} (${file}, line ${line})`);
  }
}

/** Read and compile a YAML job file. Throws ConfigError when unreadable or invalid, DataError on bad YAML. */
export function loadJobFile(path: string): JobConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(path, `cannot read the job file (${code}${code === 'ENOENT' ? ': no such file' : ''})`);
  }
  return parseJobYaml(text, path);
}

/**
 * The effective config as YAML, in schema order, durations as `60s` and sizes
 * as `64MiB`, secrets (keys named token/password/secret) as `<redacted>`.
 * Parsing the text and compiling it gives the same config back (secrets aside).
 * `config` is a JobConfig, or a value compiled from `schema` when one is given.
 */
export function describeConfig(config: unknown, schema: Field = JOB_SCHEMA): string {
  return stringify(toInput(schema, config, { redact: true }), { lineWidth: 0 });
}
