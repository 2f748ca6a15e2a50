#!/usr/bin/env node
/**
 * Compile the CLI and the roles to JavaScript in dist/, so `node bin/anomseer.mjs` starts
 * without a transpiler. One esbuild bundle from cli/main.ts, ES modules with code splitting:
 * every `await import(...)` of a command's action (cli/commands/*.ts) becomes its own chunk,
 * so `--help` loads only the commands' flag definitions. Every package stays external
 * (onnxruntime-node, sharp, @grpc/grpc-js, ioredis, ws, prom-client, … resolve from
 * node_modules at run time, as they do for the sources).
 *
 * Runs on `npm ci` / `npm install` (the root "prepare" script), on `npm run build`, before
 * `npm test` when dist/ is out of date (scripts/run-tests.mjs), and as an explicit step in the
 * images (deploy/Dockerfile*, which install with --ignore-scripts). Offline, about a second.
 *
 * Asset paths: sources find files beside themselves with `new URL('./x', import.meta.url)`
 * (proto/anomseer.proto, coordinator/state/lua/, dashboard's page, checkpoints/default). In a
 * chunk, import.meta.url is the chunk's URL in dist/, so the build replaces each source's
 * `import.meta.url` by the URL that source file has in the repository; its assets then resolve
 * exactly as they do when the sources run.
 *
 * Staleness: dist/build-manifest.json records every compiled source (size, mtime, sha256 of
 * the bytes compiled) and every output; bin/build-status.mjs checks it on each start.
 *
 *   node scripts/build.mjs        build dist/ (replaced atomically)
 *   node bin/build-status.mjs     is dist/ current? (exit 1, and why, when it is not)
 */
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MANIFEST, MANIFEST_VERSION, sha256Of } from '../bin/build-status.mjs';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The one entry point; bin/anomseer.mjs imports dist/main.mjs. */
export const ENTRY = 'cli/main.ts';
/** Files that change what the build writes without being compiled themselves. */
const BUILD_INPUTS = ['scripts/build.mjs', 'tsconfig.json'];

const toRepoPath = (root, abs) => relative(root, abs).split(sep).join('/');

/**
 * esbuild plugin: load each TypeScript source of the repository, remember what was compiled,
 * and give it its own import.meta.url (see the file comment). Chunks are written flat into
 * dist/, so from any chunk the source is at `../<repo path>`.
 */
function sourcesPlugin(root, compiled) {
  return {
    name: 'anomseer-sources',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        const path = toRepoPath(root, args.path);
        if (path.startsWith('..') || path.startsWith('node_modules/')) return undefined;
        const st = statSync(args.path); // before reading: a write after this moves the mtime
        const bytes = readFileSync(args.path);
        compiled.set(path, { size: st.size, mtimeMs: st.mtimeMs, sha256: sha256Of(bytes) });
        const text = bytes.toString('utf8');
        const other = /\bimport\.meta\b(?!\.url\b)/.exec(text);
        if (other !== null)
          throw new Error(`${path}: only import.meta.url is supported in compiled sources, found "${text.slice(other.index, other.index + 30)}"`);
        const own = `new URL(${JSON.stringify(`../${path}`)}, import.meta.url).href`;
        return { contents: text.replaceAll('import.meta.url', own), loader: 'ts' };
      });
    },
  };
}

/** Build dist/ under `root` (default this repository). Returns { ms, inputs, outputs }. */
export async function build(root = REPO_ROOT) {
  const t0 = performance.now();
  const esbuild = await import('esbuild');
  const outdir = join(root, 'dist');
  const tmp = join(root, `dist.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  const compiled = new Map();
  try {
    const result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: { main: join(root, ENTRY) },
      outdir: tmp,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      outExtension: { '.js': '.mjs' },
      chunkNames: '[name]-[hash]',
      sourcemap: 'linked',
      sourcesContent: false,
      metafile: true,
      logLevel: 'warning',
      plugins: [sourcesPlugin(root, compiled)],
    });
    const fromMeta = Object.keys(result.metafile.inputs).filter((p) => !p.startsWith('node_modules/'));
    const missed = fromMeta.filter((p) => !compiled.has(p));
    if (missed.length > 0) throw new Error(`inputs not recorded for the staleness check: ${missed.join(', ')}`);
    for (const p of BUILD_INPUTS) {
      const abs = join(root, p);
      if (!existsSync(abs)) continue;
      const st = statSync(abs);
      compiled.set(p, { size: st.size, mtimeMs: st.mtimeMs, sha256: sha256Of(readFileSync(abs)) });
    }
    const outputs = {};
    for (const abs of Object.keys(result.metafile.outputs).map((p) => join(root, p))) {
      outputs[`dist/${toRepoPath(tmp, abs)}`] = statSync(abs).size;
    }
    const inputs = Object.fromEntries([...compiled].sort(([a], [b]) => (a < b ? -1 : 1)));
    writeFileSync(join(tmp, basename(MANIFEST)), JSON.stringify({ version: MANIFEST_VERSION, esbuild: esbuild.version, inputs, outputs }, null, 1) + '\n');
    // Swap in the new dist/ in two renames: a CLI starting meanwhile sees no manifest (and runs
    // the sources) or a complete build, never half of one.
    const old = join(root, `dist.old-${process.pid}`);
    if (existsSync(outdir)) renameSync(outdir, old);
    renameSync(tmp, outdir);
    rmSync(old, { recursive: true, force: true });
    return { ms: performance.now() - t0, inputs: Object.keys(inputs).length, outputs: Object.keys(outputs).length };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await build();
  console.log(`build: dist/ from ${r.inputs} sources, ${r.outputs} files, in ${(r.ms / 1000).toFixed(2)} s`);
}
