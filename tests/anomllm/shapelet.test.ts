import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateSplit, generateTask } from '../../shared/anomllm/generate.js';
import type { SeriesRecord } from '../../shared/series/record.js';
import { outside } from './helpers.js';

const records = generateTask('shapelet', { seed: 61, count: 300 });

// The three replacement cycles, written out independently of the generator: phase φ = j/P.
const SHAPES: Record<string, (phi: number) => number> = {
  triangle: (phi) => (phi <= 0.25 ? 4 * phi : phi <= 0.75 ? 2 - 4 * phi : 4 * phi - 4),
  square: (phi) => (phi === 0 || phi === 0.5 ? 0 : phi < 0.5 ? 1 : -1),
  sawtooth: (phi) => (phi < 0.5 ? 2 * phi : 2 * phi - 2),
};

/** The smallest lag in [20, 60] under which the normal part repeats exactly: the period. */
function periodOf(r: SeriesRecord): number {
  const out = new Set(outside(r.intervals, r.series.length));
  for (let p = 20; p <= 60; p++) {
    let ok = true;
    for (let t = 0; t + p < r.series.length && ok; t++) {
      if (out.has(t) && out.has(t + p) && Math.abs(r.series[t + p] - r.series[t]) > 1e-9) ok = false;
    }
    if (ok) return p;
  }
  throw new Error(`${r.id}: no period in [20, 60]`);
}

test('shapelet series are a pure sine A·sin(2πt/P) outside intervals', () => {
  for (const r of records) {
    const P = periodOf(r);
    const q = Math.round(P / 4);
    const A = r.series[q] / Math.sin((2 * Math.PI * q) / P);
    assert.ok(A >= 0.5 && A <= 1, `${r.id}: amplitude ${A}`);
    for (const t of outside(r.intervals, 1000)) assert.ok(Math.abs(r.series[t] - A * Math.sin((2 * Math.PI * t) / P)) < 1e-9, r.id);
  }
});

test('each interval is whole cycles of one other waveform at the same period and amplitude, starting 3+ cycles in', () => {
  const seen = new Set<string>();
  for (const r of records) {
    const P = periodOf(r);
    const q = Math.round(P / 4);
    const A = r.series[q] / Math.sin((2 * Math.PI * q) / P);
    for (const [s, e] of r.intervals) {
      assert.is(s % P, 0, `${r.id}: start ${s} on a cycle boundary of ${P}`);
      assert.is(e % P, 0, `${r.id}: end ${e} on a cycle boundary of ${P}`);
      assert.ok(s >= 3 * P);
      const match = Object.keys(SHAPES).filter((name) => {
        for (let t = s; t < e; t++) if (Math.abs(r.series[t] - A * SHAPES[name](((t - s) % P) / P)) > 1e-9) return false;
        return true;
      });
      assert.is(match.length, 1, `${r.id} [${s}, ${e}) matches ${match}`);
      seen.add(match[0]);
      let diff = 0;
      for (let t = s; t < e; t++) diff = Math.max(diff, Math.abs(r.series[t] - A * Math.sin((2 * Math.PI * t) / P)));
      assert.ok(diff > 0.1 * A, `${r.id}: the shape differs from the sine`);
    }
    assert.is(r.type, r.intervals.length > 0 ? 'shapelet' : 'normal');
  }
  assert.equal([...seen].sort(), ['sawtooth', 'square', 'triangle']);
});

test('most shapelet series have an anomaly, some are normal, none has more than 4', () => {
  const normal = records.filter((r) => r.type === 'normal').length;
  assert.ok(normal > 0 && normal < records.length / 2, `${normal} normal`);
  assert.ok(records.every((r) => r.intervals.length <= 4));
});

test('shapelet is never in a default split', () => {
  const tasks = new Set(generateSplit('train', { count: 1 }).map((r) => r.task));
  assert.not.ok(tasks.has('shapelet'));
  assert.is(tasks.size, 8);
});

test.run();
