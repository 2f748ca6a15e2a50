// Per-task statistics of the synth generator against its table (shared/synth/tasks.ts):
// lengths, normal rate, anomaly counts, interval lengths, types, backgrounds, missing
// stretches and gaps. Tolerances are 4 standard errors of the statistic.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../shared/rng.js';
import { SYNTH_TASKS, type SynthTaskName } from '../../shared/series/labels.js';
import type { Interval } from '../../shared/series/record.js';
import { type SynthDraw, drawSynth } from '../../shared/synth/draw.js';
import { ANOMALY_KINDS, BACKGROUND_KINDS, KIND_TYPES } from '../../shared/synth/params.js';
import { ANOMALY_KIND_PARAMS, BACKGROUND_PARAMS, SYNTH_TASK_PARAMS } from '../../shared/synth/tasks.js';
import { mean } from '../anomllm/helpers.js';

const N = 300;
const natural = new Map<SynthTaskName, SynthDraw[]>();
const fixed = new Map<SynthTaskName, SynthDraw[]>();
for (const task of SYNTH_TASKS) {
  const rng = new Rng(20260).fork(task);
  natural.set(
    task,
    Array.from({ length: N }, (_, i) => drawSynth(rng.fork(`n${i}`), SYNTH_TASK_PARAMS[task])),
  );
  fixed.set(
    task,
    Array.from({ length: N }, (_, i) => drawSynth(rng.fork(`f${i}`), SYNTH_TASK_PARAMS[task], 1000)),
  );
}
const all = (task: SynthTaskName) => [...natural.get(task)!, ...fixed.get(task)!];

/** |observed share − p| within 4 binomial standard errors. */
function share(name: string, hits: number, n: number, p: number): void {
  const se = Math.sqrt((p * (1 - p)) / n);
  assert.ok(Math.abs(hits / n - p) <= 4 * se + 1e-12, `${name}: ${hits}/${n} = ${(hits / n).toFixed(4)}, expected ${p} ± ${(4 * se).toFixed(4)}`);
}

test('lengths lie in the table range and are log-uniform: mean ln L is the midpoint of [ln lo, ln(hi + 1)]', () => {
  const logs: number[] = [];
  for (const task of SYNTH_TASKS) {
    const [lo, hi] = SYNTH_TASK_PARAMS[task].length;
    for (const d of natural.get(task)!) {
      assert.ok(d.series.length >= lo && d.series.length <= hi, `${task}: L = ${d.series.length}`);
      logs.push(Math.log(d.series.length));
    }
  }
  const [lo, hi] = SYNTH_TASK_PARAMS['global-spikes'].length;
  const a = Math.log(lo),
    b = Math.log(hi + 1);
  // Flooring lowers ln L by less than ln(1 + 1/L) <= 1/lo.
  const want = (a + b) / 2 - 0.5 / lo;
  const se = (b - a) / Math.sqrt(12 * logs.length);
  assert.ok(Math.abs(mean(logs) - want) < 4 * se + 0.5 / lo, `mean ln L ${mean(logs)} vs ${want}`);
  const short = logs.filter((x) => x < (a + b) / 2).length;
  share('series below the geometric middle length', short, logs.length, 0.5);
});

for (const task of SYNTH_TASKS) {
  const p = SYNTH_TASK_PARAMS[task];

  test(`${task}: the share of series drawn normal is normalRate ${p.normalRate}`, () => {
    const draws = all(task);
    share(`${task} normal`, draws.filter((d) => d.drawn === 0).length, draws.length, p.normalRate);
  });

  test(`${task}: anomaly counts lie in [${p.count[0]}, cap], with mean (lo + cap)/2 at length 1000, and at most 50 labelled`, () => {
    for (const d of all(task)) {
      const cap = Math.max(p.count[0], Math.min(p.count[1], Math.floor(p.maxDensity * d.series.length)));
      if (d.drawn > 0) assert.ok(d.drawn >= p.count[0] && d.drawn <= cap, `drawn ${d.drawn} outside [${p.count[0]}, ${cap}]`);
      assert.is(d.intervals.length, d.drawn - d.unplaced - d.infeasible);
      assert.ok(d.intervals.length <= 50);
    }
    const cap = Math.max(p.count[0], Math.min(p.count[1], Math.floor(p.maxDensity * 1000)));
    const counts = fixed
      .get(task)!
      .filter((d) => d.drawn > 0)
      .map((d) => d.drawn);
    const k = cap - p.count[0] + 1;
    const se = Math.sqrt((k * k - 1) / 12 / counts.length);
    assert.ok(Math.abs(mean(counts) - (p.count[0] + cap) / 2) < 4 * se + 1e-12, `mean count ${mean(counts)} vs ${(p.count[0] + cap) / 2}`);
    if (k > 1) assert.ok(counts.includes(p.count[0]) && counts.includes(cap), 'both ends of the count range occur');
  });

  test(`${task}: few drawn anomalies are lost (no room, or a contextual spike with no room for its value)`, () => {
    const draws = all(task);
    const drawn = draws.reduce((s, d) => s + d.drawn, 0);
    const lost = draws.reduce((s, d) => s + d.unplaced + d.infeasible, 0);
    assert.ok(lost <= 0.03 * drawn, `${lost} of ${drawn} lost`);
  });

  test(`${task}: intervals and missing stretches are sorted, at least minGap ${p.minGap} apart and from both ends`, () => {
    for (const d of all(task)) {
      const events: Interval[] = [...d.intervals, ...d.missing.map((m) => m.interval)].sort((x, y) => x[0] - y[0]);
      let prevEnd = 0;
      for (const [s, e] of events) {
        assert.ok(s < e && s - prevEnd >= p.minGap, `event [${s}, ${e}) after ${prevEnd}`);
        prevEnd = e;
      }
      if (events.length > 0) assert.ok(d.series.length - prevEnd >= p.minGap, `last event ends at ${prevEnd} of ${d.series.length}`);
      for (let k = 1; k < d.intervals.length; k++) assert.ok(d.intervals[k][0] > d.intervals[k - 1][1], 'intervals are sorted and never touch');
    }
  });

  test(`${task}: the types present are exactly those of its kinds, and backgrounds follow their weights`, () => {
    const draws = all(task);
    const want = new Set(ANOMALY_KINDS.filter((k) => (p.kinds[k] ?? 0) > 0).map((k) => KIND_TYPES[k]));
    assert.equal(new Set(draws.flatMap((d) => d.types)), want);
    for (const d of draws) d.kinds.forEach((k, i) => assert.is(d.types[i], KIND_TYPES[k]));
    const total = BACKGROUND_KINDS.reduce((s, b) => s + (p.backgrounds[b] ?? 0), 0);
    for (const b of BACKGROUND_KINDS) {
      share(`${task} background ${b}`, draws.filter((d) => d.background.kind === b).length, draws.length, (p.backgrounds[b] ?? 0) / total);
    }
  });

  test(`${task}: the share of series with missing stretches is missingRate ${p.missingRate}, each 1–3 stretches of the table's lengths`, () => {
    const draws = natural.get(task)!;
    share(`${task} missing`, draws.filter((d) => d.missing.length > 0).length, draws.length, p.missingRate);
    for (const d of draws) {
      assert.ok(d.missing.length <= BACKGROUND_PARAMS.missingCount[1]);
      const hi = Math.max(BACKGROUND_PARAMS.missingLength[0], Math.floor(BACKGROUND_PARAMS.missingLength[1] * d.series.length));
      for (const {
        interval: [s, e],
      } of d.missing)
        assert.ok(e - s >= BACKGROUND_PARAMS.missingLength[0] && e - s <= hi, `missing length ${e - s}`);
    }
  });

  if (p.mixTypes) {
    test(`${task}: a series with two or more anomalies (none lost) has at least two types`, () => {
      let checked = 0;
      for (const d of all(task)) {
        if (d.drawn < 2 || d.unplaced + d.infeasible > 0) continue;
        checked++;
        assert.ok(new Set(d.types).size >= 2, `types ${d.types.join(', ')}`);
      }
      assert.ok(checked > N);
    });
  }
}

test('interval lengths at length 1000: spikes 1 sample; sample kinds uniform on [lo, min(hi, 0.2·L)]; cycle kinds whole cycles', () => {
  const byKind = new Map<string, { len: number; period: number }[]>();
  for (const task of SYNTH_TASKS) {
    for (const d of fixed.get(task)!) {
      d.kinds.forEach((k, i) => {
        const [s, e] = d.intervals[i];
        const list = byKind.get(k) ?? [];
        list.push({ len: e - s, period: d.background.period });
        byKind.set(k, list);
      });
    }
  }
  for (const kind of ANOMALY_KINDS) {
    const list = byKind.get(kind) ?? [];
    // flatline is drawn by one task (pulse-cycles), the others by several.
    assert.ok(list.length >= (kind === 'flatline' ? 40 : 100), `${kind}: ${list.length} intervals`);
    const kp = ANOMALY_KIND_PARAMS[kind];
    if (kp.unit === 'samples') {
      const hi = Math.max(kp.duration[0], Math.min(kp.duration[1], Math.floor(BACKGROUND_PARAMS.maxEventFraction * 1000)));
      for (const { len } of list) assert.ok(len >= kp.duration[0] && len <= hi, `${kind} length ${len}`);
      const k = hi - kp.duration[0] + 1;
      const se = Math.sqrt((k * k - 1) / 12 / list.length);
      const m = mean(list.map((x) => x.len));
      assert.ok(Math.abs(m - (kp.duration[0] + hi) / 2) < 4 * se + 1e-12, `${kind} mean length ${m}`);
      continue;
    }
    for (const { len, period } of list) {
      const hi = Math.max(kp.duration[0], Math.min(kp.duration[1], Math.floor((BACKGROUND_PARAMS.maxEventFraction * 1000) / period)));
      const cycles = Math.round(len / period);
      assert.ok(cycles >= kp.duration[0] && cycles <= hi, `${kind}: ${len} samples = ${cycles} cycles of ${period}`);
      // frequency slots are exactly c·P; aligned kinds follow the float phase, within a sample.
      assert.ok(kind === 'frequency' ? len === cycles * period : Math.abs(len - cycles * period) <= 1, `${kind}: ${len} vs ${cycles}·${period}`);
    }
  }
});

test('kinds follow their weights where no type mixing intervenes: seasonal-change is half frequency, dense-points half global', () => {
  for (const [task, kind] of [
    ['seasonal-change', 'frequency'],
    ['dense-points', 'global-spike'],
  ] as const) {
    const kinds = all(task).flatMap((d) => d.kinds);
    // dense-points forces its second anomaly to the other type, which keeps the share at ½ by symmetry.
    share(`${task} ${kind}`, kinds.filter((k) => k === kind).length, kinds.length, 0.5);
  }
  const multi = new Set(all('multi-type').flatMap((d) => d.kinds));
  assert.equal(multi, new Set(ANOMALY_KINDS.filter((k) => k !== 'flatline')), 'multi-type draws every kind but flatline (pulse-cycles only)');
});

test.run();
