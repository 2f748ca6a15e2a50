/**
 * File-system access for the loaders, with every failure turned into a
 * DataError that names the path (a missing file must never surface as a raw
 * ENOENT stack trace). Synchronous: loaders run once at start-up. readText holds a
 * whole file, so it serves small files (JSONL, labels, UCR); CSVs of any size are read
 * in chunks by csv-file.ts.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../errors.js';

export type PathKind = 'file' | 'dir' | 'missing';

/** Whether `path` is a file, a directory, or absent. */
export function pathKind(path: string): PathKind {
  try {
    const st = statSync(path);
    return st.isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}

/** Require `path` to be a file (not missing, not a directory). */
export function requireFile(path: string, what = 'file'): void {
  const kind = pathKind(path);
  if (kind === 'missing') throw new DataError(path, `${what} does not exist`);
  if (kind === 'dir') throw new DataError(path, `is a directory; expected a ${what}`);
}

/** Read a UTF-8 text file; a missing or unreadable file is a DataError naming it. */
export function readText(path: string, what = 'file'): string {
  requireFile(path, what);
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new DataError(path, `cannot read ${what}: ${(err as Error).message}`);
  }
}

/** Require `path` to be a directory. */
export function requireDir(path: string, what = 'directory'): void {
  const kind = pathKind(path);
  if (kind === 'missing') throw new DataError(path, `${what} does not exist`);
  if (kind === 'file') throw new DataError(path, `is a file; expected a ${what}`);
}

/**
 * Files directly inside `dir` whose names end with one of `exts` (lower-case,
 * with the dot), sorted by name so that loading order — and so record order —
 * does not depend on the file system.
 */
export function listFiles(dir: string, exts: readonly string[]): string[] {
  requireDir(dir);
  return readdirSync(dir)
    .filter((name) => exts.some((x) => name.toLowerCase().endsWith(x)) && pathKind(join(dir, name)) === 'file')
    .sort();
}

/** Sub-directories directly inside `dir`, sorted by name. */
export function listDirs(dir: string): string[] {
  requireDir(dir);
  return readdirSync(dir)
    .filter((name) => pathKind(join(dir, name)) === 'dir')
    .sort();
}
