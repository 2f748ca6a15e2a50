// `anomseer detect` runs a trained checkpoint on a real NAB series longer than the
// trained window, merges the window answers, and writes a plot and a JSON result; reads
// the CSVs spreadsheets write; answers a series shorter than a window as one window of its
// own length, and refuses one too short for the policy's analyses with one line, exit 2.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { compileJobConfig } from '../../shared/config/job.js';
import { runTraining } from '../../learner/trainer.js';
import { readValuesCsv } from '../../shared/datasets/values-csv.js';
import { MIN_DETECT_POINTS, detectSeries, openPolicy } from '../../shared/policy/inference.js';
import { ShapeError } from '../../shared/errors.js';
import { nabRoot } from '../datasets/paths.js';

const root = mkdtempSync(join(tmpdir(), 'anomseer-detect-'));
const nab = join(nabRoot, 'data', 'realTraffic', 'TravelTime_387.csv');
let checkpoint = '';

const detect = (args: string[]) => spawnSync(process.execPath, ['bin/anomseer.mjs', 'detect', ...args], { encoding: 'utf8' });
/** A CSV of n points: a sine with one spike, `timestamp,value`. */
function seriesCsv(name: string, n: number, text = (i: number, v: number) => `${i},${v}`, head = 'timestamp,value'): string {
  const path = join(root, name);
  const rows = Array.from({ length: n }, (_, i) => text(i, Number((Math.sin(i / 8) + (i === Math.floor(n / 2) ? 4 : 0)).toFixed(4))));
  writeFileSync(path, [head, ...rows].join('\n') + '\n');
  return path;
}
/** The one-line error contract: exit 2, a single stderr line starting `anomseer: `, no stack trace. */
function assertOneLineError(r: ReturnType<typeof detect>, re: RegExp): void {
  assert.is(r.status, 2, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.is(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^anomseer: /);
  assert.match(lines[0]!, re);
}

test('a checkpoint trained for 2 steps detects on a 2500-point NAB series in 256-point windows', async () => {
  const job = compileJobConfig({
    name: 'det',
    seed: 3,
    outputDir: join(root, 'run'),
    data: { train: 'anomllm:train?count=2&length=256', eval: 'anomllm:eval?count=1&length=256&tasks=range', seriesLength: 256 },
    policy: { rasterHeight: 32, rasterWidth: 128, dModel: 32, encoderLayers: 1, decoderLayers: 1, heads: 2, ffnDim: 64, maxTraceTokens: 160 },
    rollout: { groupSize: 2, promptsPerStep: 2, maxNewTokens: 160 },
    train: { steps: 2, checkpointEvery: 0, evalEvery: 0, evalCount: 1 },
  });
  checkpoint = (await runTraining(job, { clock: () => new Date(0), log: () => {} })).checkpoint;
  const out = join(root, 'out');
  const r = spawnSync(process.execPath, ['bin/anomseer.mjs', 'detect', nab, '--checkpoint', checkpoint, '--window', '256', '--out', out], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /2500 points, column value/);
  const res = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
  assert.is(res.points, 2500);
  // full windows; the last one is aligned to the series end so every point is read
  assert.equal(
    res.windows.map((w: { start: number }) => w.start),
    [0, 256, 512, 768, 1024, 1280, 1536, 1792, 2048, 2244],
  );
  assert.ok(res.windows.every((w: { length: number }) => w.length === 256));
  for (const [s, e] of res.intervals) assert.ok(Number.isInteger(s) && Number.isInteger(e) && 0 <= s && s < e && e <= 2500);
  assert.ok(['contextual point', 'global point', 'seasonal', 'trend', 'shapelet', 'normal'].includes(res.type));
  const meta = await sharp(readFileSync(join(out, 'plot.png'))).metadata();
  assert.is(meta.format, 'png');
  assert.is(meta.channels, 3);
});

test('a series file with a NaN value exits 2 naming the line and column', () => {
  const bad = join(root, 'bad.csv');
  writeFileSync(bad, 'timestamp,value\n1,0.5\n2,NaN\n');
  assertOneLineError(detect([bad, '--checkpoint', checkpoint]), /bad\.csv, line 3, field "value": "NaN" is not a finite number/);
});

test('a missing checkpoint exits 2 and says how to get one', () => {
  assertOneLineError(detect([nab, '--checkpoint', join(root, 'nope')]), /does not exist; train one with `anomseer train examples\/anomllm\.yaml`/);
});

// Fewer points than the analyses need (16): one line naming the file and the count; 16 is answered.
const short: [number, number][] = [
  [3, 2],
  [15, 2],
  [16, 0],
];
for (const [n, status] of short) {
  test(`a ${n}-point series ${status === 0 ? 'is answered' : 'exits 2 naming the file and the count'}`, () => {
    const file = seriesCsv(`short-${n}.csv`, n);
    const r = detect([file, '--checkpoint', checkpoint, '--out', join(root, `short-${n}`)]);
    if (status === 0) {
      assert.is(r.status, 0, r.stderr);
      assert.is(JSON.parse(readFileSync(join(root, `short-${n}`, 'result.json'), 'utf8')).points, n);
    } else assertOneLineError(r, new RegExp(`short-${n}\\.csv, field "value": has ${n} points; detect needs at least 16$`));
  });
}

test('a 300-point series is one window of its own length, answered by the shipped policy', () => {
  const out = join(root, 'w300');
  const r = detect([seriesCsv('p300.csv', 300), '--out', out]);
  assert.is(r.status, 0, r.stderr);
  const res = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
  assert.is(res.points, 300);
  assert.equal(
    res.windows.map((w: { start: number; length: number }) => [w.start, w.length]),
    [[0, 300]],
  );
  for (const [s, e] of [...res.intervals, ...res.windows[0].intervals])
    assert.ok(Number.isInteger(s) && Number.isInteger(e) && 0 <= s && s < e && e <= 300, `[${s}, ${e})`);
});

// What spreadsheets and databases write: the same 40 values in four dialects give the same answer.
const dialects: [string, (i: number, v: number) => string, string, string[]][] = [
  ['plain', (i, v) => `${i},${v}`, 'timestamp,value', []],
  ['BOM, quoted header and fields, CRLF', (i, v) => `"${i}","${v}"\r`, '\ufeff"timestamp","value"\r', []],
  ['semicolons', (i, v) => `${i};${v}`, 'timestamp;value', []],
  ['tabs, given with --delimiter tab', (i, v) => `${i}\t${v}`, 'timestamp\tvalue', ['--delimiter', 'tab']],
];
const answers: string[] = [];
for (const [name, row, head, flags] of dialects) {
  test(`detect reads ${name}`, () => {
    const out = join(root, `dialect-${answers.length}`);
    const r = detect([seriesCsv(`dialect-${answers.length}.csv`, 40, row, head), '--checkpoint', checkpoint, '--out', out, ...flags]);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, /\(40 points, column value\)/);
    const res = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    answers.push(JSON.stringify([res.intervals, res.type, res.windows.map((w: { text: string }) => w.text)]));
    assert.is(answers[answers.length - 1], answers[0], 'same answer as the plain CSV');
  });
}

test('an unknown --delimiter exits 2 naming the flag', () => {
  assertOneLineError(detect([nab, '--checkpoint', checkpoint, '--delimiter', '|']), /--delimiter: got "\|"; expected ",", ";" or tab/);
});

test('windows decoded in batches give the same answers as one window at a time', async () => {
  const { values } = await readValuesCsv(nab);
  const open = await openPolicy(checkpoint);
  try {
    const o = {
      features: open.loaded.spec.features,
      grammar: open.loaded.spec.grammar,
      spec: open.loaded.spec,
      tokenizer: open.loaded.tokenizer,
      windowLength: 256,
    };
    const one = await detectSeries(open.policy, values, { ...o, batchWindows: 1 });
    const progress: number[] = [];
    const batched = await detectSeries(open.policy, values, { ...o, batchWindows: 4, onProgress: (done) => progress.push(done) });
    assert.equal(progress, [4, 8, 10]);
    assert.equal(batched.windows, one.windows);
    assert.equal(batched.intervals, one.intervals);
    assert.is(batched.type, one.type);
  } finally {
    await open.dispose();
  }
});

test('detectSeries itself refuses a series shorter than MIN_DETECT_POINTS (callers other than the CLI)', async () => {
  const open = await openPolicy(checkpoint);
  try {
    const o = { features: open.loaded.spec.features, grammar: open.loaded.spec.grammar, spec: open.loaded.spec, tokenizer: open.loaded.tokenizer };
    await detectSeries(open.policy, new Float64Array(MIN_DETECT_POINTS - 1), o).then(
      () => assert.unreachable('no error'),
      (e: unknown) => assert.ok(e instanceof ShapeError && /has 15 points; detect needs at least 16/.test(e.message), String(e)),
    );
  } finally {
    await open.dispose();
  }
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
