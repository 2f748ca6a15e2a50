// Streaming is a correctness property: reading a 2-million-line series file keeps the numbers
// (16 MB), not the text (~55 MB as one string, several hundred MB as line strings). A child
// process reads the file with readValuesCsv and reports its peak RSS; the bound is generous
// (the old whole-text parser peaked at ~520 MB on this file, the streaming one at ~140 MB,
// docs/BENCHMARKS.md `detect-memory`), and nothing here depends on time.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LINES = 2_000_000;
const BOUND_MB = 300;
const dir = mkdtempSync(join(tmpdir(), 'anomseer-stream-'));
const file = join(dir, 'big.csv');

/** Value of row i (the sum is compared with a tolerance for rounding). */
const valueOf = (i: number) => ((i * 7919) % 10007) / 1000 - 5;

test(`reading ${LINES} lines keeps peak RSS under ${BOUND_MB} MB and reads every value`, () => {
  const fd = openSync(file, 'w');
  writeSync(fd, '"timestamp","value"\r\n');
  let chunk = '';
  let want = 0;
  for (let i = 0; i < LINES; i++) {
    const v = valueOf(i);
    want += v;
    chunk += `2020-01-01 00:00:${String(i % 60).padStart(2, '0')},${v}\r\n`;
    if (chunk.length > 1 << 20) {
      writeSync(fd, chunk);
      chunk = '';
    }
  }
  writeSync(fd, chunk);
  closeSync(fd);
  const child = `
    import { readValuesCsv } from './shared/datasets/values-csv.ts';
    const r = await readValuesCsv(${JSON.stringify(file)});
    let sum = 0;
    for (const v of r.values) sum += v;
    console.log(JSON.stringify({ n: r.values.length, column: r.column, sum, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { n: number; column: string; sum: number; maxRssMB: number };
  assert.is(out.n, LINES);
  assert.is(out.column, 'value');
  assert.ok(Math.abs(out.sum - want) < 1e-6 * LINES, `sum ${out.sum} vs ${want}`);
  assert.ok(out.maxRssMB < BOUND_MB, `peak RSS ${out.maxRssMB.toFixed(0)} MB; the bound is ${BOUND_MB} MB`);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
