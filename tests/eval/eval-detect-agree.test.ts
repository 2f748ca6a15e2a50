// `anomseer eval` on real data answers every record as `anomseer detect` answers the same file:
// normalised, cut into windows of the trained length, windows merged (one shared function,
// shared/policy/inference.ts detectSeries). Before, eval resampled a long series to the model's
// length while detect windowed it, and the two disagreed on the same file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { readNabCsv } from '../../shared/datasets/nab.js';
import { nabRoot } from '../datasets/paths.js';

const root = mkdtempSync(join(tmpdir(), 'anomseer-agree-'));
const csv = join(nabRoot, 'data', 'realTraffic', 'TravelTime_387.csv');
const cli = (args: string[]) => spawnSync(process.execPath, ['bin/anomseer.mjs', ...args], { encoding: 'utf8' });

test('eval and detect give the same intervals and type on a 2,500-point NAB file (shipped checkpoint)', () => {
  assert.ok(readNabCsv(csv).values.length > 1000, 'the file is longer than one window');
  // a NAB root with this one file and its own label windows
  const nab = join(root, 'nab');
  mkdirSync(join(nab, 'data', 'realTraffic'), { recursive: true });
  mkdirSync(join(nab, 'labels'));
  copyFileSync(csv, join(nab, 'data', 'realTraffic', 'TravelTime_387.csv'));
  const windows = JSON.parse(readFileSync(join(nabRoot, 'labels', 'combined_windows.json'), 'utf8')) as Record<string, unknown>;
  const key = 'realTraffic/TravelTime_387.csv';
  assert.ok(Array.isArray(windows[key]) && (windows[key] as unknown[]).length > 0, 'the file has labelled windows');
  writeFileSync(join(nab, 'labels', 'combined_windows.json'), JSON.stringify({ [key]: windows[key] }));
  const data = `nab:${nab}`;
  const saved = join(root, 'pred.jsonl');
  const ev = cli(['eval', '--checkpoint', 'checkpoints/default', '--data', data, '--save-predictions', saved, '--json', join(root, 'first.json')]);
  assert.is(ev.status, 0, ev.stderr);
  const pred = JSON.parse(readFileSync(saved, 'utf8').trim()) as {
    intervals: number[][];
    type: string;
    text?: string;
    windows: { start: number; text: string }[];
    normalize?: string;
  };

  const out = join(root, 'detect');
  const det = cli(['detect', csv, '--checkpoint', 'checkpoints/default', '--out', out]);
  assert.is(det.status, 0, det.stderr);
  const res = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as { intervals: number[][]; type: string; windows: unknown[] };
  assert.ok(res.windows.length >= 3, `detect read the file in windows (${res.windows.length})`);
  assert.equal(pred.intervals, res.intervals);
  assert.is(pred.type, res.type);
  // several windows: no single trace, each window's own; rescoring the saved answers gives this eval's report
  assert.is(pred.text, undefined);
  assert.equal(
    pred.windows.map((w) => w.start),
    res.windows.map((w) => (w as { start: number }).start),
  );
  const again = cli(['eval', '--predictions', saved, '--data', data, '--json', join(root, 'again.json')]);
  assert.is(again.status, 0, again.stderr);
  type Faith = { traces: number; conclusionAgreement: number; statedNumberAccuracy: number; statedNumbers: number; wellFormedIntervals: number };
  const [a, b] = ['again.json', 'first.json'].map(
    (f) => JSON.parse(readFileSync(join(root, f), 'utf8')) as { pointF1: number; iou: number; classAccuracy: number; faithfulness?: Faith },
  );
  assert.equal([a!.pointF1, a!.iou, a!.classAccuracy], [b!.pointF1, b!.iou, b!.classAccuracy]);
  // Each window's trace is checked against the window it read, scaled as detect scaled it: the
  // shipped (faithful) policy's facts are copied from those points, so every stated number is
  // right — checked on the raw values instead, its means and deviations would be wrong.
  assert.is(pred.normalize, 'robust');
  const f = b!.faithfulness!;
  assert.is(f.traces, pred.windows.length, 'one checked trace per window');
  assert.ok(f.statedNumbers > pred.windows.length, `numbers were stated (${f.statedNumbers})`);
  assert.equal([f.conclusionAgreement, f.statedNumberAccuracy, f.wellFormedIntervals], [100, 100, 100]);
  assert.equal(a!.faithfulness, f, 'rescoring the saved predictions checks the same traces the same way');
  // The agreement above is not between two empty answers (how well the answer matches NAB's
  // windows is the real-data benchmark's subject, not this test's).
  assert.ok(res.intervals.length > 0, 'the compared answers hold intervals');
});

test('a --normalize mode eval does not know is refused with one line naming the flag', () => {
  const data = `nab:${join(root, 'nab')}`;
  const bad = cli(['eval', '--checkpoint', 'checkpoints/default', '--data', data, '--normalize', 'zscore']);
  assert.is(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /--normalize/);
});

test.after(() => rmSync(root, { recursive: true, force: true }));

test.run();
