// The images' install steps, built for real without a container engine: each Dockerfile is
// linted, then its stages are carried out in temp directories standing for /app, instruction by
// instruction — COPY from the build context or an earlier stage, RUN in `sh -c` with the
// stage's ENV (the real `npm ci --omit=dev --ignore-scripts` against the npm registry, the real
// `node scripts/build.mjs`, the real `node bin/build-status.mjs` check) — and the final stage's
// ENTRYPOINT is run as its USER (uid 1000), as `docker run IMAGE worker --help` would.
// What cannot be reproduced here is said, not skipped silently: the base images' own files
// (their node binary is this machine's node; images pin the Node LTS major, checked in
// dockerfiles.test.ts) and the one step that downloads from outside the npm registry
// (onnxruntime-node's CUDA installer in Dockerfile.cuda), whose script is checked to exist.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { deployDir, repoRoot } from './deploy-files.js';
import { instructions, lint, stages } from './dockerfile.js';
import type { Stage } from './dockerfile.js';

/** RUN steps that fetch from outside the npm registry: not runnable on this network. */
const NEEDS_INTERNET = [/onnxruntime-node\/script\/install/];

const dockerfiles = ['Dockerfile', 'Dockerfile.cuda'];

for (const name of dockerfiles) {
  test(`${name}: lints clean`, () => {
    assert.equal(lint(instructions(readFileSync(join(deployDir, name), 'utf8'))), []);
  });
}

test('the linter catches what it should', () => {
  const bad = instructions(
    [
      'FROM node',
      'FROM node:26-trixie-slim AS a',
      'FROM node:26-trixie-slim AS a',
      'COPY --from=later /x /y',
      'RUNN echo',
      'ENTRYPOINT ["node", bin]',
      `RUN echo "oops`,
    ].join('\n'),
  );
  assert.equal(lint(bad), [
    'line 1: FROM node has no tag: pin one',
    'line 3: stage a defined twice',
    'line 4: COPY --from=later names no earlier stage',
    'line 5: unknown instruction RUNN',
    'line 6: ENTRYPOINT [...] is not valid JSON (Docker would run it through a shell)',
    'line 7: RUN has an unterminated quote',
  ]);
});

interface Built {
  /** Stage name (or index) → its /app directory. */
  readonly dirs: Map<string, string>;
  readonly env: Record<string, string>;
  readonly user: string | undefined;
  readonly entrypoint: string[];
  /** What was not reproduced, one line each. */
  readonly notes: string[];
  readonly ran: string[];
}

const sh = (cmd: string, cwd: string, env: Record<string, string>) =>
  spawnSync('sh', ['-c', cmd], { cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 << 20 });

/** Carry out every stage of a Dockerfile under `root` (one directory per stage, standing for /app). */
function build(file: string, root: string): Built {
  const all = stages(instructions(readFileSync(file, 'utf8')));
  const dirs = new Map<string, string>();
  const notes: string[] = [];
  const ran: string[] = [];
  let env: Record<string, string> = {};
  let user: string | undefined;
  let entrypoint: string[] = [];
  all.forEach((st: Stage, index) => {
    const dir = join(root, st.name ?? `stage-${index}`);
    const from = dirs.get(st.base);
    if (from !== undefined) {
      const cp = spawnSync('cp', ['-a', from, dir]);
      assert.is(cp.status, 0, `FROM ${st.base}: ${cp.stderr}`);
    } else {
      mkdirSync(dir, { recursive: true });
      notes.push(`FROM ${st.base}: the base image's own files are not here (this machine's node ${process.version} stands in)`);
    }
    env = {};
    user = undefined;
    for (const i of st.instructions.slice(1)) {
      const where = `${file.slice(repoRoot.length)}:${i.line} ${i.op} ${i.args}`;
      if (i.op === 'WORKDIR') assert.is(i.args, '/app', `${where}: the stages work in /app`);
      else if (i.op === 'ENV') {
        const m = /^(\w+)=(.*)$/.exec(i.args);
        assert.ok(m, `${where}: ENV KEY=value`);
        env[m![1]!] = m![2]!;
      } else if (i.op === 'COPY') {
        const words = i.args.split(/\s+/);
        const fromStage = /^--from=(\S+)$/.exec(words[0]!)?.[1];
        const paths = fromStage === undefined ? words : words.slice(1);
        const dest = paths.at(-1)!;
        for (const src of paths.slice(0, -1)) {
          let source: string;
          if (fromStage === undefined) source = join(repoRoot, src);
          else if (dirs.has(fromStage) && src.startsWith('/app/')) source = join(dirs.get(fromStage)!, src.slice('/app/'.length));
          else {
            notes.push(`${where}: a file of the base image (${src}), not reproduced`);
            continue;
          }
          assert.ok(existsSync(source), `${where}: ${src} exists`);
          const target = dest.startsWith('/') ? (dest.startsWith('/app/') ? join(dir, dest.slice(5)) : undefined) : join(dir, dest);
          if (target === undefined) {
            notes.push(`${where}: outside /app, not reproduced`);
            continue;
          }
          const into = paths.length > 2 || dest.endsWith('/') ? join(target, src.split('/').at(-1)!) : target;
          mkdirSync(dirname(into), { recursive: true });
          const cp = spawnSync('cp', ['-a', source, into]);
          assert.is(cp.status, 0, `${where}: ${cp.stderr}`);
        }
      } else if (i.op === 'RUN') {
        if (NEEDS_INTERNET.some((re) => re.test(i.args))) {
          const script = /node (\S+)/.exec(i.args)?.[1];
          assert.ok(script !== undefined && existsSync(join(dir, `${script}.js`)), `${where}: the script it runs is installed`);
          notes.push(`${where}: downloads from outside the npm registry, not run here`);
          continue;
        }
        const r = sh(i.args.replace(/(^|[\s:=])\/app(?=\/|\s|$)/g, `$1${dir}`), dir, env);
        assert.is(r.status, 0, `${where} failed:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
        ran.push(i.args);
      } else if (i.op === 'USER') user = i.args;
      else if (i.op === 'ENTRYPOINT') entrypoint = JSON.parse(i.args) as string[];
      else assert.ok(['CMD', 'LABEL', 'EXPOSE', 'ARG'].includes(i.op), `${where}: the test does not carry out ${i.op}`);
    }
    dirs.set(st.name ?? String(index), dir);
  });
  return { dirs, env, user, entrypoint, notes, ran };
}

for (const name of dockerfiles) {
  test(`${name}: its install and build steps run, and the image's ENTRYPOINT runs the compiled CLI as its user`, () => {
    const root = mkdtempSync(join(tmpdir(), 'anomseer-image-'));
    try {
      chmodSync(root, 0o755); // the image's user must reach /app
      const b = build(join(deployDir, name), root);
      assert.ok(
        b.ran.some((r) => /^npm ci --omit=dev --ignore-scripts\b/.test(r)),
        'npm ci ran',
      );
      assert.ok(b.ran.includes('node scripts/build.mjs'), 'the build stage compiled dist/');
      assert.ok(b.ran.includes('node bin/build-status.mjs'), 'the final stage found dist/ current');
      const app = [...b.dirs.values()].at(-1)!;
      assert.ok(existsSync(join(app, 'dist', 'main.mjs')), 'dist/ in the final stage');
      assert.not.ok(existsSync(join(app, 'node_modules', 'typescript')), 'no dev dependency in the image');
      assert.is(statSync(join(app, 'runs')).uid, 1000, '/app/runs belongs to the image user');
      const [uid, gid] = (b.user ?? '0:0').split(':').map(Number);
      // `docker run IMAGE worker --help` / `status --help`: the ENTRYPOINT with the command's args.
      for (const args of [['worker', '--help'], ['stop', '--help'], ['--version']]) {
        const [cmd, ...rest] = b.entrypoint;
        assert.is(cmd, 'node');
        const r = spawnSync(process.execPath, [...rest, ...args], {
          cwd: app,
          uid,
          gid,
          env: { PATH: process.env.PATH ?? '', HOME: app, ...b.env },
          encoding: 'utf8',
        });
        assert.is(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
        assert.is(r.stderr, '', `${args.join(' ')} runs dist/, with no fallback warning`);
      }
      if (process.env.CLUSTER_TEST_VERBOSE) console.log(`${name}:\n  ${b.notes.join('\n  ')}`);
      assert.ok(
        b.notes.every((n) => /^FROM |a file of the base image|downloads from outside the npm registry/.test(n)),
        b.notes.join('\n'),
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

test.run();
