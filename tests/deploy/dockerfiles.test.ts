// deploy/Dockerfile and deploy/Dockerfile.cuda: production deps only, install scripts denied
// (onnxruntime-node's CUDA installer run on purpose in the CUDA image), every source directory
// the CLI needs copied, a non-root user, and the one ENTRYPOINT the manifests rely on.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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

const files = { cpu: join(deployDir, 'Dockerfile'), cuda: join(deployDir, 'Dockerfile.cuda') };
const parsed = Object.fromEntries(Object.entries(files).map(([k, p]) => [k, instructions(readFileSync(p, 'utf8'))])) as Record<
  keyof typeof files,
  Instruction[]
>;
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  allowScripts: Record<string, boolean>;
};
const tsconfig = JSON.parse(readFileSync(join(repoRoot, 'tsconfig.json'), 'utf8')) as { include: string[] };
/** What the CLI imports at runtime: the type-checked source dirs minus tests, benchmarks, scripts. */
const runtimeDirs = tsconfig.include.filter((d) => !['tests', 'bench', 'scripts'].includes(d));

test('the runtime can run on production dependencies: tsx (and what bin/ imports) is not dev-only', () => {
  assert.ok(pkg.dependencies.tsx, 'bin/anomseer.mjs registers tsx at runtime');
  assert.match(readFileSync(join(repoRoot, 'bin/anomseer.mjs'), 'utf8'), /tsx\/esm\/api/);
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

  test(`${name}: npm ci --omit=dev with install scripts denied, from node:20-bookworm-slim`, () => {
    const ci = ins.filter((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args));
    assert.is(ci.length, 1);
    assert.match(ci[0]!.args, /--omit=dev/);
    assert.match(ci[0]!.args, /--ignore-scripts/);
    assert.ok(
      Object.values(pkg.allowScripts).every((v) => v === false),
      'package.json allowScripts still denies every listed script',
    );
    assert.ok(ins.some((i) => i.op === 'FROM' && /^node:20-bookworm-slim\b/.test(i.args)));
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

test('Dockerfile.cuda: CUDA 12 runtime base, Node 20, onnxruntime-node installed for cuda12 at build time', () => {
  const ins = parsed.cuda;
  assert.match(finalStage(ins)[0]!.args, /^nvidia\/cuda:12\.[\w.-]*runtime/);
  assert.ok(
    finalStage(ins).some((i) => i.op === 'COPY' && /--from=node \/usr\/local\/bin\/node/.test(i.args)),
    'node 20 binary',
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
