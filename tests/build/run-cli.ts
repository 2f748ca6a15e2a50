/**
 * Run `node bin/anomseer.mjs …` of a checkout (this repository by default) with
 * loaded-packages.mjs preloaded: the result carries the npm packages the process loaded.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const repoRoot = new URL('../..', import.meta.url).pathname;
const hook = pathToFileURL(join(repoRoot, 'tests/build/loaded-packages.mjs')).href;

/** What `--help` and light commands must not load: native and network packages, and tsx's esbuild (a compiled start). */
export const HEAVY = ['onnxruntime-node', 'sharp', '@grpc/grpc-js', '@grpc/proto-loader', 'ioredis', 'ws'] as const;

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** npm packages the process loaded (CommonJS ones; see loaded-packages.mjs). */
  readonly loaded: string[];
}

export interface CliOptions {
  /** The checkout whose bin/anomseer.mjs runs (default this repository). */
  readonly root?: string;
  readonly cwd?: string;
  readonly env?: Record<string, string>;
}

export function runCli(args: readonly string[], opts: CliOptions = {}): CliRun {
  const dir = mkdtempSync(join(tmpdir(), 'anomseer-cli-run-'));
  const out = join(dir, 'loaded.txt');
  try {
    const r = spawnSync(process.execPath, ['--import', hook, join(opts.root ?? repoRoot, 'bin/anomseer.mjs'), ...args], {
      cwd: opts.cwd ?? opts.root ?? repoRoot,
      encoding: 'utf8',
      // ANOMSEER_RUN_SOURCES from the caller's shell must not decide which code runs
      env: { ...process.env, ANOMSEER_RUN_SOURCES: '', ...opts.env, LOADED_PACKAGES_OUT: out },
    });
    let loaded: string[] = [];
    try {
      loaded = readFileSync(out, 'utf8')
        .split('\n')
        .filter((l) => l !== '');
    } catch {
      /* the process died before its exit handler ran: loaded stays empty, and status says why */
    }
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, loaded };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
