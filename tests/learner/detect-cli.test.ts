// `anomseer detect` runs a trained checkpoint on a real NAB series longer than the
// trained window, merges the window answers, and writes a plot and a JSON result.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { compileJobConfig } from '../../shared/config/job.js';
import { runTraining } from '../../learner/trainer.js';

const root = mkdtempSync(join(tmpdir(), 'anomseer-detect-'));
const nab = resolve('data', 'nab', 'data', 'realTraffic', 'TravelTime_387.csv');
let checkpoint = '';

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
  const r = spawnSync(process.execPath, ['bin/anomseer.mjs', 'detect', bad, '--checkpoint', checkpoint], { encoding: 'utf8' });
  assert.is(r.status, 2);
  assert.match(r.stderr, /bad\.csv, line 3, field "value": "NaN" is not a finite number/);
});

test('a missing checkpoint exits 2 and says how to get one', () => {
  const r = spawnSync(process.execPath, ['bin/anomseer.mjs', 'detect', nab, '--checkpoint', join(root, 'nope')], { encoding: 'utf8' });
  assert.is(r.status, 2);
  assert.match(r.stderr, /does not exist; train one with `anomseer train examples\/anomllm\.yaml`/);
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
