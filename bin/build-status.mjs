/**
 * Is dist/ (the compiled CLI, written by scripts/build.mjs) current for the TypeScript sources
 * next to it? bin/anomseer.mjs asks on every start and runs dist/ only when the answer is yes.
 *
 * dist/build-manifest.json lists every file the build compiled (repo path → size, mtime and
 * sha256 of the bytes esbuild read) and every file it wrote (path → size). A source is unchanged
 * when its size and mtime match; when only its mtime moved (a `git checkout`, a `touch`), its
 * sha256 decides. So a start costs one stat per source (~200 files, about a millisecond), and
 * an edited file is never hidden by a stale build.
 *
 *   node bin/build-status.mjs      prints "dist/ is current" (exit 0) or why not (exit 1)
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The manifest's path inside the repository, and its format version. */
export const MANIFEST = 'dist/build-manifest.json';
export const MANIFEST_VERSION = 1;

/** sha256 (hex) of a file's bytes. */
export const sha256Of = (bytes) => createHash('sha256').update(bytes).digest('hex');

/**
 * `{ current: true }`, or `{ current: false, reason }` where reason is one phrase such as
 * "cli/main.ts and 2 other sources changed since the last build".
 */
export function buildStatus(root) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(root, MANIFEST), 'utf8'));
  } catch {
    return { current: false, reason: 'dist/ has not been built' };
  }
  if (manifest?.version !== MANIFEST_VERSION || typeof manifest.inputs !== 'object' || typeof manifest.outputs !== 'object') {
    return { current: false, reason: `${MANIFEST} is not a build manifest of this version` };
  }
  for (const [path, size] of Object.entries(manifest.outputs)) {
    const st = statOrNull(join(root, path));
    if (st === null || st.size !== size) return { current: false, reason: `${path} is missing or damaged` };
  }
  const changed = [];
  for (const [path, was] of Object.entries(manifest.inputs)) {
    const st = statOrNull(join(root, path));
    if (st !== null && st.size === was.size && st.mtimeMs === was.mtimeMs) continue;
    if (st === null || st.size !== was.size || sha256Of(readFileSync(join(root, path))) !== was.sha256) changed.push(path);
  }
  if (changed.length === 0) return { current: true };
  const others = changed.length - 1;
  const what = others === 0 ? changed[0] : `${changed[0]} and ${others} other source${others === 1 ? '' : 's'}`;
  return { current: false, reason: `${what} changed since the last build` };
}

function statOrNull(path) {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const s = buildStatus(fileURLToPath(new URL('..', import.meta.url)));
  console.log(s.current ? 'dist/ is current' : `dist/ is not current: ${s.reason} (npm run build)`);
  process.exitCode = s.current ? 0 : 1;
}
