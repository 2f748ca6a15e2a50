/**
 * Peak memory of `anomseer detect` by input size, the streaming CSV reader and batched windows
 * (new) side by side with main's whole-text parser and all-windows-first features (old,
 * reimplemented in bench/detect-memory-child.ts), measured in the same run.
 *
 *   node --import tsx bench/detect-memory.ts [--lines 10000,1000000,5000000] [--real 10000,1000000] [--no-doc]
 *
 * For each size it writes a `timestamp,value` CSV (one row a minute, a sine with noise and
 * spikes, 4 decimals) and runs, one process at a time, each process's peak RSS read by
 * bench/rss-probe.mjs (getrusage maxRSS at exit) and its wall time from spawn to exit:
 *   - parse only, old and new;
 *   - detect with the policy STUBBED (a fixed trace for every window): reading, windowing,
 *     features, annotated PNG and result.json are real, decoding is not — 5 M lines are 5 000
 *     windows, over 10 minutes of greedy decoding per run;
 *   - for the `--real` sizes, end to end with the shipped policy: old and new paths in the
 *     same bench process, and the CLI itself (`node bin/anomseer.mjs detect <csv>`).
 * Prints the tables and rewrites the `detect-memory` section of docs/BENCHMARKS.md.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBenchSection } from './bench-doc.js';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const sizes = (arg('lines') ?? '10000,1000000,5000000').split(',').map(Number);
const realSizes = (arg('real') ?? '10000,1000000')
  .split(',')
  .filter((s) => s !== '')
  .map(Number);
const root = new URL('..', import.meta.url).pathname;
const probe = join(root, 'bench', 'rss-probe.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'anomseer-detect-memory-'));

/** A `timestamp,value` CSV of `lines` data rows, the same bytes every run. */
function writeCsv(lines: number): string {
  const path = join(tmp, `series-${lines}.csv`);
  const fd = openSync(path, 'w');
  let chunk = 'timestamp,value\n';
  const t0 = Date.UTC(2020, 0, 1);
  for (let i = 0; i < lines; i++) {
    const noise = (((i * 7919) % 10007) / 10007 - 0.5) * 0.2;
    const v = Math.sin((2 * Math.PI * i) / 288) + noise + (i % 4999 === 0 ? 3 : 0);
    chunk += `${new Date(t0 + i * 60_000).toISOString().slice(0, 19).replace('T', ' ')},${v.toFixed(4)}\n`;
    if (chunk.length > 1 << 20) {
      writeSync(fd, chunk);
      chunk = '';
    }
  }
  writeSync(fd, chunk);
  closeSync(fd);
  return path;
}

interface Run {
  readonly rssMB: number;
  readonly seconds: number;
}

/** Run one measured process; exits the bench if it fails. */
function measure(args: string[]): Run {
  const rssFile = join(tmp, 'rss.txt');
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', probe, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, RSS_PROBE_FILE: rssFile } });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) {
    process.stderr.write(`failed: node ${args.join(' ')}\n${r.stderr}`);
    process.exit(1);
  }
  return { rssMB: Number(readFileSync(rssFile, 'utf8')) / 1024, seconds };
}

const child = (mode: string, csv: string) => measure(['--import', 'tsx', 'bench/detect-memory-child.ts', mode, csv, join(tmp, `out-${mode}`)]);
const cli = (csv: string) => measure(['bin/anomseer.mjs', 'detect', csv, '--out', join(tmp, 'out-cli')]);

const loadStart = loadavg()[0]!;
const rows: { lines: number; mb: number; runs: Record<string, Run> }[] = [];
for (const lines of [...new Set([...sizes, ...realSizes])].sort((a, b) => a - b)) {
  const csv = writeCsv(lines);
  const runs: Record<string, Run> = {};
  const mb = statSync(csv).size / 2 ** 20;
  if (sizes.includes(lines)) for (const mode of ['parse-old', 'parse-new', 'stub-old', 'stub-new']) runs[mode] = child(mode, csv);
  if (realSizes.includes(lines)) {
    runs['real-old'] = child('real-old', csv);
    runs['real-new'] = child('real-new', csv);
    runs['cli'] = cli(csv);
  }
  rows.push({ lines, mb, runs });
  const shown = Object.entries(runs).map(([k, r]) => `${k} ${r.rssMB.toFixed(0)} MB ${r.seconds.toFixed(1)} s`);
  console.log(`${lines} lines (${mb.toFixed(1)} MB): ${shown.join(', ')}`);
  rmSync(csv);
}
rmSync(tmp, { recursive: true, force: true });

const mb = (r: Run | undefined) => (r === undefined ? '' : r.rssMB.toFixed(0));
const sec = (r: Run | undefined) => (r === undefined ? '' : r.seconds.toFixed(1));
const table = (a: string, b: string) =>
  rows
    .filter((r) => r.runs[a] !== undefined)
    .map(
      (r) =>
        `| ${r.lines.toLocaleString('en-US')} | ${r.mb.toFixed(1)} | ${mb(r.runs[a])} | **${mb(r.runs[b])}** | ${(r.runs[a]!.rssMB / r.runs[b]!.rssMB).toFixed(1)}× | ${sec(r.runs[a])} | ${sec(r.runs[b])} |`,
    );
/** Bytes of peak RSS per extra input line, between the smallest and the largest size of a mode. */
function perLine(mode: string): string {
  const with_ = rows.filter((r) => r.runs[mode] !== undefined);
  if (with_.length < 2) return '–';
  const [a, b] = [with_[0]!, with_[with_.length - 1]!];
  return (((b.runs[mode]!.rssMB - a.runs[mode]!.rssMB) * 2 ** 20) / (b.lines - a.lines)).toFixed(0);
}

const header = ['| lines | CSV MB | old peak RSS MB | new peak RSS MB | old / new | old s | new s |', '|---|---|---|---|---|---|---|'];
const date = new Date().toISOString().slice(0, 10);
const machine = `Node ${process.version}, ${cpus().length}× ${cpus()[0]?.model.trim() ?? 'CPU'}`;
const command = `node --import tsx bench/detect-memory.ts --lines ${sizes.join(',')} --real ${realSizes.join(',')}`;
const section = [
  '<!-- bench:detect-memory:start -->',
  '## detect-memory — peak memory of `anomseer detect` by input size, old parser vs streaming reader',
  '',
  `Command: \`${command}\` (${date}, ${machine}; 1-minute load average ${loadStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end).`,
  ...(Math.max(loadStart, loadavg()[0]!) > cpus().length
    ? ['The machine was shared and oversubscribed (load average above its core count): the times are noisy; peak RSS does not depend on load.']
    : []),
  'Inputs: generated `timestamp,value` CSVs, one row a minute (about 27 bytes a line). Each figure is one process, run alone: its peak RSS',
  '(getrusage maxRSS at exit, `bench/rss-probe.mjs`; the same number `/usr/bin/time -v` prints) and its wall time from spawn to exit.',
  '**Old** = main at 75b7896: the whole file read as one string and split into line objects, then every window’s features built',
  'before any window is decoded (reimplemented in `bench/detect-memory-child.ts`, callable only there). **New** = `readValuesCsv`',
  '(64 KiB chunks into a growable Float64Array) and `detectSeries` featurising and decoding 32 windows at a time.',
  '',
  '### Parse only (read the CSV into a Float64Array)',
  '',
  ...header,
  ...table('parse-old', 'parse-new'),
  '',
  '### detect with the policy STUBBED',
  '',
  'The policy’s greedy decoding is replaced by a stub answering every window with one fixed “normal” trace, for old and new alike;',
  'reading, normalising, windowing, the features of every window (the shipped policy’s: plot + values + analyses + detector +',
  'ordinals, 64 × 484 floats a window), the annotated PNG and result.json are real. At 1 000 points a window, 5 M lines are 5 000',
  'windows of real decoding per run (about 5× the 1 M-line real run below), so the largest sizes are measured this way.',
  '',
  ...header,
  ...table('stub-old', 'stub-new'),
  '',
  `Growth per extra line between the smallest and the largest size: old ${perLine('stub-old')} bytes, new ${perLine('stub-new')} bytes`,
  `(parse only: old ${perLine('parse-old')}, new ${perLine('parse-new')}).`,
  'What the new path keeps per point: the values (8 bytes), the normalised series for the plot (8; a sorted copy of 8 more while',
  'the 1st/99th percentiles are found), and at the end the annotated chart’s own copy and x/y arrays (`shared/plot/chart.ts`,',
  '24 bytes a point, the largest single share, drawn after every window is answered). Features live for one batch of 32 windows',
  '(~4 MB), whatever the length; the old path held all of them (~124 KB a window, 620 MB at 5 M lines).',
  '',
  ...(realSizes.length > 0
    ? [
        '### End to end with the shipped policy (real decoding)',
        '',
        'Old and new paths with the shipped `checkpoints/default` (one ORT thread, real greedy decoding) in the bench process, and',
        'the CLI itself, `node bin/anomseer.mjs detect <csv>` (new path; it loads every command’s modules, so its baseline is higher).',
        'Times include loading the policy and writing the PNG.',
        '',
        '| lines | CSV MB | old peak RSS MB | new peak RSS MB | CLI peak RSS MB | old / new | old s | new s | CLI s |',
        '|---|---|---|---|---|---|---|---|---|',
        ...rows
          .filter((r) => r.runs['cli'] !== undefined)
          .map((r) => {
            const [o, n, c] = [r.runs['real-old']!, r.runs['real-new']!, r.runs['cli']!];
            return `| ${r.lines.toLocaleString('en-US')} | ${r.mb.toFixed(1)} | ${mb(o)} | **${mb(n)}** | ${mb(c)} | ${(o.rssMB / n.rssMB).toFixed(1)}× | ${sec(o)} | ${sec(n)} | ${sec(c)} |`;
          }),
        '',
      ]
    : []),
  '`tests/datasets/streaming-memory.test.ts` checks the streaming property without timing: reading 2 M lines stays under 300 MB.',
  '<!-- bench:detect-memory:end -->',
].join('\n');
console.log('\n' + section);
if (!process.argv.includes('--no-doc')) writeBenchSection('detect-memory', section);
