// `anomseer eval` on real data answers every record as `anomseer detect` answers the same file:
// normalised, cut into windows of the trained length, windows merged (one shared function,
// shared/policy/inference.ts detectSeries). Before, eval resampled a long series to the model's
// length while detect windowed it, and the two disagreed on the same file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { readNabCsv } from '../../shared/datasets/nab.js';
import { nabRoot } from '../datasets/paths.js';

const root = mkdtempSync(join(tmpdir(), 'anomseer-agree-'));
const csv = join(nabRoot, 'data', 'realTraffic', 'TravelTime_387.csv');
const cli = (args: string[]) => spawnSync(process.execPath, ['bin/anomseer.mjs', ...args], { encoding: 'utf8' });

test('eval and detect give the same intervals and type on a 2,500-point NAB file (shipped checkpoint)', () => {
  const series = readNabCsv(csv);
  assert.ok(series.values.length > 1000, 'the file is longer than one window');
  const data = join(root, 'one.jsonl');
  writeFileSync(data, JSON.stringify({ id: 'travel-387', series: Array.from(series.values), intervals: [], type: 'normal' }) + '\n');
  const saved = join(root, 'pred.jsonl');
  const ev = cli(['eval', '--checkpoint', 'checkpoints/default', '--data', `jsonl:${data}`, '--save-predictions', saved]);
  assert.is(ev.status, 0, ev.stderr);
  const pred = JSON.parse(readFileSync(saved, 'utf8').trim()) as { intervals: number[][]; type: string; text: string };

  const out = join(root, 'detect');
  const det = cli(['detect', csv, '--checkpoint', 'checkpoints/default', '--out', out]);
  assert.is(det.status, 0, det.stderr);
  const res = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as { intervals: number[][]; type: string; windows: unknown[] };
  assert.ok(res.windows.length >= 3, `detect read the file in windows (${res.windows.length})`);
  assert.equal(pred.intervals, res.intervals);
  assert.is(pred.type, res.type);
  assert.match(pred.text, /\[window 0\.\.1000\]/);
});

test('a --normalize mode eval does not know is refused with one line naming the flag', () => {
  const bad = cli(['eval', '--checkpoint', 'checkpoints/default', '--data', `jsonl:${join(root, 'one.jsonl')}`, '--normalize', 'zscore']);
  assert.is(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /--normalize/);
});

test.run();
