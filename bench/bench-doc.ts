/** Shared by bench scripts: rewrite one marked section of docs/BENCHMARKS.md, leaving the rest alone. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export const BENCHMARKS_MD = new URL('../docs/BENCHMARKS.md', import.meta.url).pathname;

/**
 * `body` goes between `<!-- bench:<name>:start -->` and `<!-- bench:<name>:end -->` (appended
 * when absent); a body that already starts and ends with those markers is taken as it is.
 */
export function writeBenchSection(name: string, body: string, path = BENCHMARKS_MD): void {
  const start = `<!-- bench:${name}:start -->`,
    end = `<!-- bench:${name}:end -->`;
  const inner = body.trim().replace(start, '').replace(end, '').trim();
  const section = `${start}\n${inner}\n${end}`;
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  const i = text.indexOf(start),
    j = text.indexOf(end);
  const next = i >= 0 && j > i ? text.slice(0, i) + section + text.slice(j + end.length) : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(path, next);
}
