/** Every YAML under deploy/, parsed (all documents, `<<` merge keys on), for the deploy tests. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const repoRoot = new URL('../..', import.meta.url).pathname;
export const deployDir = join(repoRoot, 'deploy');

export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

export interface YamlDoc {
  /** Path relative to the repository root. */
  readonly file: string;
  readonly value: any;
}

export function loadYaml(): { docs: YamlDoc[]; errors: string[] } {
  const docs: YamlDoc[] = [];
  const errors: string[] = [];
  for (const path of filesUnder(deployDir).filter((p) => /\.ya?ml$/.test(p))) {
    const file = relative(repoRoot, path);
    for (const d of parseAllDocuments(readFileSync(path, 'utf8'), { merge: true })) {
      for (const e of d.errors) errors.push(`${file}: ${e.message}`);
      const value = d.toJS();
      if (value !== null && value !== undefined) docs.push({ file, value });
    }
  }
  return { docs, errors };
}
