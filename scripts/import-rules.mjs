#!/usr/bin/env node
/**
 * The repository's import rules (docs/ARCHITECTURE.md), checked on the source tree:
 *
 *   shared/     pure code used by every process: imports only shared/ (and no network,
 *               Redis or websocket library)
 *   proto/      the gRPC contracts: proto/ and shared/
 *   telemetry/  what every role serves operators: telemetry/, proto/, shared/
 *   dashboard/  the live dashboard (served by `train` and by the coordinator): dashboard/,
 *               proto/, shared/
 *   coordinator/, rollout-worker/, learner/  the three roles: themselves, shared/, proto/,
 *               telemetry/; the coordinator also serves dashboard/. No role imports another.
 *   serve/      `anomseer serve` (a trained policy over HTTP and gRPC) and `anomseer export`:
 *               a role like the three above — shared/, proto/, telemetry/; entry serve/main.ts.
 *   cli/, bin/  the front door: wires the parts; from a role it imports only the role's entry,
 *               `<role>/main.ts`, never its internals — or its `<role>/options.ts` (option
 *               defaults and validation, which flag definitions need when the CLI starts): that
 *               file imports only shared/, so loading it loads no package.
 *
 * and no folder cycle: the graph of folders (each file's directory), with an arrow for
 * every import between two folders, has no cycle.
 *
 *   node scripts/import-rules.mjs [root]     prints each violation; exit 1 when any
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** Top-level parts and the parts each may import (itself is always allowed). */
export const ALLOWED = Object.freeze({
  shared: [],
  proto: ['shared'],
  telemetry: ['proto', 'shared'],
  dashboard: ['proto', 'shared'],
  coordinator: ['shared', 'proto', 'telemetry', 'dashboard'],
  'rollout-worker': ['shared', 'proto', 'telemetry'],
  learner: ['shared', 'proto', 'telemetry'],
  serve: ['shared', 'proto', 'telemetry'],
  cli: ['shared', 'proto', 'telemetry', 'dashboard', 'coordinator', 'rollout-worker', 'learner', 'serve'],
  bin: ['cli'],
});

/** The roles: another part may import at most their entry file (or their options file). */
export const ROLES = Object.freeze(['coordinator', 'rollout-worker', 'learner', 'serve']);

/**
 * A role's options file: its option defaults and validation, which the CLI's flag definitions
 * need at start-up, while the role's main.ts (and its packages) is imported only inside the
 * command's action. So it may import only shared/ (docs/ARCHITECTURE.md "Entry points").
 */
export const ROLE_OPTIONS = 'options.ts';

/** Packages shared/ must not import: it runs in every process and talks to no network itself. */
export const SHARED_FORBIDDEN_PACKAGES = Object.freeze(['@grpc/grpc-js', '@grpc/proto-loader', 'ioredis', 'ws', 'prom-client', 'commander']);

const SPEC = /(?:from\s+|import\s*\(\s*|import\s+)(['"])([^'"]+)\1/g;

/** Every import specifier of a source text (static, side-effect and dynamic imports). */
export function importSpecifiers(text) {
  // Drop comments so an example in a doc comment is not read as an import.
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  return [...code.matchAll(SPEC)].map((m) => m[2]);
}

function walk(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      if (name === 'node_modules' || name === 'static' || name.startsWith('.')) return [];
      return statSync(p).isDirectory() ? walk(p) : /\.(ts|mts|mjs|js)$/.test(name) && !name.endsWith('.d.ts') ? [p] : [];
    });
}

/** The source files of the checked parts: [{ path (relative to root, '/'-separated), text }]. */
export function readSources(root) {
  return Object.keys(ALLOWED).flatMap((part) =>
    walk(join(root, part)).map((p) => ({ path: relative(root, p).split('\\').join('/'), text: readFileSync(p, 'utf8') })),
  );
}

/** Resolve a relative specifier of `from` (a repo path) to a repo path ('.js' → '.ts' when that exists in `known`). */
function resolveSpec(from, spec, known) {
  const abs = join(dirname(from), spec).split('\\').join('/');
  if (known.has(abs)) return abs;
  const ts = abs.replace(/\.js$/, '.ts');
  if (known.has(ts)) return ts;
  return abs;
}

const partOf = (path) => path.split('/')[0];

/**
 * The edges of the import graph: { from, to } repo paths, for relative imports only; and the
 * package imports { from, pkg }.
 */
export function importGraph(files) {
  const known = new Set(files.map((f) => f.path));
  const edges = [];
  const packages = [];
  for (const f of files) {
    for (const s of importSpecifiers(f.text)) {
      if (s.startsWith('.')) edges.push({ from: f.path, to: resolveSpec(f.path, s, known) });
      else if (!s.startsWith('node:')) packages.push({ from: f.path, pkg: s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0] });
    }
  }
  return { edges, packages };
}

/** Strongly connected components of size > 1 (and self-loops are ignored) — Tarjan's algorithm. */
export function cycles(nodes, arrows) {
  const adj = new Map(nodes.map((n) => [n, []]));
  for (const [a, b] of arrows) if (a !== b) (adj.get(a) ?? adj.set(a, []).get(a)).push(b);
  let index = 0;
  const idx = new Map(),
    low = new Map(),
    onStack = new Set(),
    stack = [],
    out = [];
  const strong = (v) => {
    idx.set(v, index);
    low.set(v, index);
    index += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of adj.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const n of adj.keys()) if (!idx.has(n)) strong(n);
  return out.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** Every broken rule, one line each (empty when the tree follows them). */
export function importViolations(files) {
  const { edges, packages } = importGraph(files);
  const out = [];
  for (const { from, to } of edges) {
    const a = partOf(from),
      b = partOf(to);
    if (a === b) continue;
    const allowed = ALLOWED[a];
    if (allowed === undefined) continue;
    if (!allowed.includes(b)) out.push(`${from} imports ${to}: ${a}/ may import only ${[a, ...allowed].map((p) => `${p}/`).join(', ')}`);
    else if (ROLES.includes(b) && to !== `${b}/main.ts` && to !== `${b}/${ROLE_OPTIONS}`)
      out.push(`${from} imports ${to}: outside ${b}/, import only its entry ${b}/main.ts (or its options, ${b}/${ROLE_OPTIONS})`);
  }
  for (const { from, pkg } of packages) {
    if (partOf(from) === 'shared' && SHARED_FORBIDDEN_PACKAGES.includes(pkg))
      out.push(`${from} imports ${pkg}: shared/ is pure and talks to no network (wire it in a role's main.ts)`);
  }
  const isRoleOptions = (path) => ROLES.some((r) => path === `${r}/${ROLE_OPTIONS}`);
  for (const { from, to } of edges)
    if (isRoleOptions(from) && partOf(to) !== 'shared')
      out.push(`${from} imports ${to}: a role's ${ROLE_OPTIONS} is loaded when the CLI starts; it may import only shared/`);
  for (const { from, pkg } of packages)
    if (isRoleOptions(from)) out.push(`${from} imports ${pkg}: a role's ${ROLE_OPTIONS} is loaded when the CLI starts; it may import no package`);
  const dirs = [...new Set(files.map((f) => dirname(f.path)))];
  const arrows = edges.map(({ from, to }) => [dirname(from), dirname(to)]).filter(([a, b]) => a !== b);
  for (const c of cycles(dirs, arrows)) out.push(`folder cycle: ${c.join(' ↔ ')}`);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('import-rules.mjs')) {
  const root = resolve(process.argv[2] ?? new URL('..', import.meta.url).pathname);
  const v = importViolations(readSources(root));
  for (const line of v) console.log(line);
  console.log(`${v.length} import rule violation(s) in ${root}`);
  process.exitCode = v.length === 0 ? 0 : 1;
}
