/**
 * docs/CONFIG.md's key reference, generated from the schema's doc strings so
 * the docs cannot drift: a test checks that the file holds exactly
 * configReference() between the markers below. To regenerate after changing
 * the schema:
 *
 *   node --import tsx -e "import('./shared/config/reference.ts').then((m) => m.writeConfigDoc('docs/CONFIG.md'))"
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { type Field, type Schema, allowedText, joinPath } from './schema.js';
import { JOB_SCHEMA } from './job.js';

export const REFERENCE_START = '<!-- config:start -->';
export const REFERENCE_END = '<!-- config:end -->';

/** A markdown table cell: pipes escaped (also inside code spans, as GFM wants). */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function flow(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(flow).join(', ')}]`;
  return String(v);
}

function defaultCell(f: Exclude<Field, { kind: 'object' }>): string {
  if (f.default !== undefined) return `\`${flow(f.default)}\``;
  if (f.defaultDoc !== undefined) return `\`${f.defaultDoc}\``;
  return '*required*';
}

function section(field: Field & { kind: 'object' }, path: string, out: string[]): void {
  const fields = field.fields as Schema;
  const leaves = Object.entries(fields).filter(([, f]) => f.kind !== 'object');
  if (leaves.length > 0) {
    out.push(path === '' ? '### Top level' : `### \`${path}\``, '');
    if (path !== '') out.push(field.doc, '');
    out.push('| key | default | allowed | meaning |', '|---|---|---|---|');
    for (const [k, f] of leaves) {
      if (f.kind === 'object') continue;
      out.push(`| \`${joinPath(path, k)}\` | ${cell(defaultCell(f))} | ${cell(allowedText(f))} | ${cell(f.doc)} |`);
    }
    out.push('');
  } else if (path !== '') {
    out.push(`### \`${path}\``, '', field.doc, '');
  }
  for (const [k, f] of Object.entries(fields)) {
    if (f.kind === 'object') section(f, joinPath(path, k), out);
  }
}

/** The markdown reference of every key of `schema` (default: the job): default, allowed values, meaning. */
export function configReference(schema: Field & { kind: 'object' } = JOB_SCHEMA): string {
  const out: string[] = [];
  section(schema, '', out);
  return `${out.join('\n').trimEnd()}\n`;
}

/** The text between the markers of a markdown document, or undefined when they are missing. */
export function extractReference(markdown: string): string | undefined {
  const a = markdown.indexOf(REFERENCE_START);
  const b = markdown.indexOf(REFERENCE_END);
  if (a < 0 || b < a) return undefined;
  return markdown.slice(a + REFERENCE_START.length, b).replace(/^\n/, '');
}

/** `markdown` with the text between the markers replaced by `reference`. */
export function spliceReference(markdown: string, reference: string = configReference()): string {
  const a = markdown.indexOf(REFERENCE_START);
  const b = markdown.indexOf(REFERENCE_END);
  if (a < 0 || b < a) throw new ConfigError('docs', `markers ${REFERENCE_START} … ${REFERENCE_END} not found`);
  return `${markdown.slice(0, a + REFERENCE_START.length)}\n${reference}${markdown.slice(b)}`;
}

/** Regenerate the reference inside a markdown file in place (a dev tool; see the header). */
export function writeConfigDoc(path: string): void {
  writeFileSync(path, spliceReference(readFileSync(path, 'utf8')));
}
