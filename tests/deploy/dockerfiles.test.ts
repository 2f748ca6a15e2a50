// deploy/Dockerfile and deploy/Dockerfile.cuda: production deps only, install scripts denied
// (onnxruntime-node's CUDA installer run on purpose in the CUDA image), every source directory
// the CLI needs copied, dist/ built in a build stage from every file the build reads and checked
// current in the final image, a non-root user, and the one ENTRYPOINT the manifests rely on.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { deployDir, repoRoot } from './deploy-files.js';

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile → instructions (continuation lines joined, comments dropped). */
function instructions(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => {
      const sp = l.indexOf(' ');
      return { op: l.slice(0, sp).toUpperCase(), args: l.slice(sp + 1).trim() };
    });
}

/** The instructions of the last stage (the image that runs). */
function finalStage(ins: Instruction[]): Instruction[] {
  const from = ins.map((i) => i.op).lastIndexOf('FROM');
  return ins.slice(from);
}

/** The instructions of the stage named `name` (`FROM … AS name`), up to the next FROM. */
function stage(ins: Instruction[], name: string): Instruction[] {
  const from = ins.findIndex((i) => i.op === 'FROM' && new RegExp(`\\s+AS\\s+${name}$`, 'i').test(i.args));
  if (from < 0) return [];
  const next = ins.findIndex((i, k) => k > from && i.op === 'FROM');
  return ins.slice(from, next < 0 ? undefined : next);
}

/** Repository paths a stage's context COPYs put at the same path under WORKDIR /app. */
function copiedInPlace(st: Instruction[]): string[] {
  return st
    .filter((i) => i.op === 'COPY' && !i.args.startsWith('--'))
    .flatMap((i) => {
      const words = i.args.split(/\s+/);
      const dest = words.at(-1)!.replace(/^\.\//, '');
      const srcs = words.slice(0, -1);
      return srcs.filter((s) => (srcs.length > 1 || dest === '' || dest.endsWith('/') ? join(dest, basename(s)) : dest) === s);
    });
}

const covers = (copied: string[], path: string) => copied.some((c) => path === c || path.startsWith(`${c}/`));

const files = { cpu: join(deployDir, 'Dockerfile'), cuda: join(deployDir, 'Dockerfile.cuda') };
const parsed = Object.fromEntries(Object.entries(files).map(([k, p]) => [k, instructions(readFileSync(p, 'utf8'))])) as Record<
  keyof typeof files,
  Instruction[]
>;
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  allowScripts: Record<string, boolean>;
};
const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
const tsconfig = JSON.parse(readFileSync(join(repoRoot, 'tsconfig.json'), 'utf8')) as { include: string[] };
/** What scripts/build.mjs read for the current dist/ (scripts/run-tests.mjs builds it first). */
const buildInputs = Object.keys((JSON.parse(readFileSync(join(repoRoot, 'dist/build-manifest.json'), 'utf8')) as { inputs: Record<string, unknown> }).inputs);
/** The Node LTS line the images ship: the highest major package.json's "engines" names (26). */
const ltsMajor = Math.max(...[...pkg.engines.node.matchAll(/\^(\d+)\./g)].map((m) => Number(m[1])));
/** What the CLI imports at runtime: the type-checked source dirs minus tests, benchmarks, scripts. */
const runtimeDirs = tsconfig.include.filter((d) => !['tests', 'bench', 'scripts'].includes(d));

test('production dependencies build and run the CLI: esbuild (for the build stage) and tsx (the fallback) are not dev-only', () => {
  const bin = readFileSync(join(repoRoot, 'bin/anomseer.mjs'), 'utf8');
  assert.match(bin, /dist\/main\.mjs/, 'bin/anomseer.mjs runs the compiled CLI');
  assert.match(bin, /tsx\/esm\/api/, 'and registers tsx when dist/ is not current');
  assert.ok(pkg.dependencies.tsx, 'tsx is a runtime dependency');
  for (const p of ['node_modules/tsx', 'node_modules/esbuild', 'node_modules/@esbuild/linux-x64']) {
    assert.ok(lock.packages[p] !== undefined, `${p} in package-lock.json`);
    assert.not.ok(lock.packages[p]!.dev, `${p} is installed by npm ci --omit=dev`);
  }
  for (const dep of ['@grpc/grpc-js', 'ioredis', 'onnxruntime-node', 'commander']) assert.ok(pkg.dependencies[dep], dep);
});

for (const [name, ins] of Object.entries(parsed)) {
  test(`${name}: ENTRYPOINT ["node", "bin/anomseer.mjs"] and a non-root USER in the final stage`, () => {
    const last = finalStage(ins);
    const entry = last.filter((i) => i.op === 'ENTRYPOINT').map((i) => JSON.parse(i.args));
    assert.equal(entry, [['node', 'bin/anomseer.mjs']]);
    const users = last.filter((i) => i.op === 'USER').map((i) => i.args);
    assert.ok(users.length > 0, 'USER');
    const user = users.at(-1)!.split(':')[0]!;
    assert.not.ok(['root', '0'].includes(user), `USER ${user}`);
    assert.match(user, /^[1-9]\d*$/, 'numeric, so runAsNonRoot can check it');
  });

  test(`${name}: npm ci --omit=dev with install scripts denied, from the Node LTS image (node:${ltsMajor}-…-slim)`, () => {
    const ci = ins.filter((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args));
    assert.is(ci.length, 1);
    assert.match(ci[0]!.args, /--omit=dev/);
    assert.match(ci[0]!.args, /--ignore-scripts/);
    assert.ok(
      Object.values(pkg.allowScripts).every((v) => v === false),
      'package.json allowScripts still denies every listed script',
    );
    const nodeBases = ins.filter((i) => i.op === 'FROM' && i.args.startsWith('node:')).map((i) => i.args.split(/\s+/)[0]);
    assert.ok(nodeBases.length > 0);
    for (const b of nodeBases) assert.match(b!, new RegExp(`^node:${ltsMajor}-[a-z]+-slim$`), `${b}: the LTS line of package.json engines`);
  });

  test(`${name}: copies every source directory the CLI needs, and they exist`, () => {
    const copied = finalStage(ins)
      .filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    for (const d of runtimeDirs) assert.ok(copied.includes(d), `COPY ${d}`);
    for (const src of copied) assert.ok(existsSync(join(repoRoot, src)), `${src} exists`);
    assert.ok(
      finalStage(ins).some((i) => i.op === 'COPY' && /--from=deps \/app\/node_modules/.test(i.args)),
      'node_modules from the deps stage',
    );
  });
}

for (const [name, ins] of Object.entries(parsed)) {
  test(`${name}: a build stage from deps runs scripts/build.mjs after copying every file the build reads`, () => {
    const build = stage(ins, 'build');
    assert.ok(build.length > 0, 'FROM deps AS build');
    assert.match(build[0]!.args, /^deps\s+AS\s+build$/i, 'on the production node_modules');
    const runs = build.filter((i) => i.op === 'RUN').map((i) => i.args);
    assert.equal(runs, ['node scripts/build.mjs']);
    const copied = copiedInPlace(
      build.slice(
        0,
        build.findIndex((i) => i.op === 'RUN'),
      ),
    );
    assert.ok(buildInputs.length > 100, `${buildInputs.length} inputs`);
    for (const p of buildInputs) assert.ok(covers(copied, p), `the build stage copies ${p}`);
  });

  test(`${name}: the final stage takes dist/ from the build stage and fails unless it is current for its sources`, () => {
    const last = finalStage(ins);
    const fromBuild = last.findIndex((i) => i.op === 'COPY' && /^--from=build\s+\/app\/dist\s+\.\/dist$/.test(i.args));
    assert.ok(fromBuild >= 0, 'COPY --from=build /app/dist ./dist');
    const check = last.findIndex((i) => i.op === 'RUN' && i.args === 'node bin/build-status.mjs');
    assert.ok(check > fromBuild, 'RUN node bin/build-status.mjs after dist/ is in place');
    const copied = copiedInPlace(last.slice(0, check));
    for (const p of buildInputs) assert.ok(covers(copied, p), `the final stage copies ${p} before the check`);
  });
}

test('package.json engines: Node 20 (what these machines run) up to the LTS line the images ship', () => {
  assert.is(ltsMajor, 26, 'Node 26 is the Active LTS line in December 2026 (docs/DEPLOY.md "Node version")');
  assert.ok(
    pkg.engines.node.includes(`^${process.versions.node.split('.')[0]}.`),
    `this machine's Node ${process.version} is in engines (npm ci here stays quiet)`,
  );
});

test('Dockerfile.cuda: CUDA 12 runtime base, the LTS Node, onnxruntime-node installed for cuda12 at build time', () => {
  const ins = parsed.cuda;
  assert.match(finalStage(ins)[0]!.args, /^nvidia\/cuda:12\.[\w.-]*runtime/);
  assert.ok(
    finalStage(ins).some((i) => i.op === 'COPY' && /--from=node \/usr\/local\/bin\/node/.test(i.args)),
    'the LTS node binary',
  );
  const install = ins.filter((i) => i.op === 'RUN' && i.args.includes('onnxruntime-node/script/install'));
  assert.equal(
    install.map((i) => i.args),
    ['ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install'],
  );
  assert.ok(existsSync(join(repoRoot, 'node_modules/onnxruntime-node/script/install.js')), 'the installer ships in the package');
  assert.not.ok(
    parsed.cpu.some((i) => i.args.includes('onnxruntime-node/script/install')),
    'the CPU image never downloads providers',
  );
});

test.run();
