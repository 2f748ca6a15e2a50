// The synth building blocks one by one, on hand-made backgrounds: the daily profile and
// pattern shapes, cycle alignment, each structural anomaly against its definition
// (shared/synth/structural.ts), the weekly factor, the value grid and the Poisson sampler.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../shared/rng.js';
import { type Background, dayFactor } from '../../shared/synth/background.js';
import type { AnomalyKind } from '../../shared/synth/params.js';
import type { PlannedAnomaly } from '../../shared/synth/placement.js';
import { MIN_PATTERN_DISTANCE, PATTERN_SHAPES, PROFILE_GRID, drawPatternCycle, drawProfile, patternValue, profileValue } from '../../shared/synth/profile.js';
import { onGrid, poisson } from '../../shared/synth/render.js';
import { alignToCycles, buildStructure } from '../../shared/synth/structural.js';
import { ANOMALY_KIND_PARAMS } from '../../shared/synth/tasks.js';
import { mean } from '../anomllm/helpers.js';

const frac = (x: number) => x - Math.floor(x);

function daily(seed: number, n = 800, period = 40): Background {
  return {
    kind: 'daily',
    length: n,
    period,
    profile: drawProfile(new Rng(seed), [1, 4], 0.6),
    phase0: 0.37,
    weekend: 1,
    weekStart: 0,
    level: Float64Array.from({ length: n }, (_, t) => 0.001 * t),
    sigma0: 0.02,
    hetero: 0,
    volatility: undefined,
    rate: 0,
    kappa: 0,
  };
}
const one = (kind: AnomalyKind, slot: [number, number], cycles = 0): PlannedAnomaly[] => [{ kind, slot, cycles }];

test('the daily profile is 0 at φ = 0, spans exactly 1 on its grid, and its stored mean is the grid mean', () => {
  for (let seed = 0; seed < 50; seed++) {
    const p = drawProfile(new Rng(seed), [1, 4], 0.6);
    assert.ok(Math.abs(profileValue(p, 0)) < 1e-12);
    const grid = Array.from({ length: PROFILE_GRID }, (_, j) => profileValue(p, j / PROFILE_GRID));
    assert.ok(Math.abs(Math.max(...grid) - Math.min(...grid) - 1) < 1e-12);
    assert.ok(Math.abs(mean(grid) - p.mean) < 1e-12);
  }
});

test('every pattern shape starts its cycle at 0, keeps the profile’s cycle mean, and differs from the profile by MIN_PATTERN_DISTANCE', () => {
  const seen = new Set<string>();
  for (let seed = 0; seed < 200; seed++) {
    const p = drawProfile(new Rng(seed), [1, 4], 0.6);
    const c = drawPatternCycle(new Rng(seed + 1000), p, ANOMALY_KIND_PARAMS.pattern.magnitude);
    seen.add(c.shape);
    assert.ok(Math.abs(patternValue(p, c, 0)) < 1e-12, `${c.shape} at φ = 0`);
    const grid = Array.from({ length: PROFILE_GRID }, (_, j) => patternValue(p, c, j / PROFILE_GRID));
    assert.ok(Math.abs(mean(grid) - p.mean) < 1e-9, `${c.shape} cycle mean ${mean(grid)} vs ${p.mean}`);
    const diff = Math.max(...grid.map((v, j) => Math.abs(v - profileValue(p, j / PROFILE_GRID))));
    assert.ok(diff >= MIN_PATTERN_DISTANCE, `${c.shape} (γ ${c.gamma}) differs from the profile by only ${diff}`);
  }
  assert.equal(seen, new Set(PATTERN_SHAPES));
});

const alignCases: [string, number[], [number, number], number, [number, number]][] = [
  ['starts at the first whole cycle after the slot start', [0.2, 0.6, 1.0, 1.4, 1.8, 2.2, 2.6, 3.0], [0, 8], 1, [2, 5]],
  ['a slot starting on a whole cycle starts there', [1.0, 1.5, 2.0, 2.5, 3.0], [0, 5], 1, [0, 2]],
  ['two cycles', [0.9, 1.2, 1.5, 1.8, 2.1, 2.4, 2.7, 3.0, 3.3], [0, 9], 2, [1, 7]],
];
for (const [name, phase, slot, cycles, want] of alignCases) {
  test(`alignToCycles: ${name}`, () => assert.equal(alignToCycles(Float64Array.from(phase), slot, cycles), want));
}

test('alignToCycles refuses a slot too short for its cycles', () => {
  assert.throws(() => alignToCycles(Float64Array.from([0.2, 0.6, 1.0, 1.4, 1.8, 2.2]), [0, 4], 1), /do not fit the slot/);
});

test('without anomalies the expected value is level + p(frac(phase0 + (t + 1)/P))', () => {
  const bg = daily(1);
  const st = buildStructure(new Rng(2), bg, [], ANOMALY_KIND_PARAMS);
  for (let t = 0; t < bg.length; t++) {
    const want = bg.level[t] + profileValue(bg.profile!, frac(bg.phase0 + (t + 1) / bg.period));
    assert.ok(Math.abs(st.expected[t] - want) < 1e-9, `t = ${t}`);
  }
});

for (let seed = 0; seed < 6; seed++) {
  test(`level-shift and trend (seed ${seed}): δ inside only; Δ ramps over the interval and stays after`, () => {
    const bg = daily(seed);
    const base = buildStructure(new Rng(0), bg, [], ANOMALY_KIND_PARAMS).expected;
    const shift = buildStructure(new Rng(seed), bg, one('level-shift', [100, 160]), ANOMALY_KIND_PARAMS).expected;
    const delta = shift[100] - base[100];
    assert.ok(Math.abs(delta) >= 0.4 && Math.abs(delta) < 1, `δ ${delta}`);
    for (let t = 0; t < bg.length; t++) assert.ok(Math.abs(shift[t] - base[t] - (t >= 100 && t < 160 ? delta : 0)) < 1e-9, `shift at ${t}`);
    const trend = buildStructure(new Rng(seed), bg, one('trend', [200, 300]), ANOMALY_KIND_PARAMS).expected;
    const total = trend[299] - base[299];
    assert.ok(Math.abs(total) >= 0.5 && Math.abs(total) < 1.2, `Δ ${total}`);
    for (let t = 0; t < bg.length; t++) {
      const want = t < 200 ? 0 : (total * Math.min(t - 199, 100)) / 100;
      assert.ok(Math.abs(trend[t] - base[t] - want) < 1e-9, `trend at ${t}`);
    }
  });

  test(`frequency (seed ${seed}): the phase pace is m/P or 1/(m·P) inside, 1/P elsewhere, m in [2, 3.5)`, () => {
    const bg = daily(seed);
    const st = buildStructure(new Rng(seed), bg, one('frequency', [120, 200], 2), ANOMALY_KIND_PARAMS);
    const pace = (t: number) => st.phase[t] - (t > 0 ? st.phase[t - 1] : bg.phase0);
    const inside = pace(150) * bg.period;
    const m = inside > 1 ? inside : 1 / inside;
    assert.ok(m >= 2 && m < 3.5, `m ${m}`);
    for (let t = 0; t < bg.length; t++) assert.ok(Math.abs(pace(t) * bg.period - (t >= 120 && t < 200 ? inside : 1)) < 1e-9, `pace at ${t}`);
    for (let t = 0; t < bg.length; t++) {
      assert.ok(Math.abs(st.expected[t] - bg.level[t] - profileValue(bg.profile!, frac(st.phase[t]))) < 1e-9, `phase-continuous value at ${t}`);
    }
    assert.equal(st.intervals, [[120, 200]]);
  });

  test(`amplitude (seed ${seed}): whole cycles from a cycle start, the season scaled by a or 1/a, a in [2, 3.5)`, () => {
    const bg = daily(seed);
    const st = buildStructure(new Rng(seed), bg, one('amplitude', [101, 101 + 3 * 40 + 2], 2), ANOMALY_KIND_PARAMS);
    const [[s, e]] = st.intervals;
    assert.ok(s >= 101 && e <= 223);
    assert.is(Math.floor(st.phase[s]) - Math.floor(st.phase[s - 1]), 1, 'starts where a cycle starts');
    assert.is(Math.floor(st.phase[e]) - Math.floor(st.phase[s]), 2, 'ends after 2 whole cycles');
    const ratios: number[] = [];
    for (let t = 0; t < bg.length; t++) {
      const p = profileValue(bg.profile!, frac(st.phase[t]));
      const season = st.expected[t] - bg.level[t];
      if (t < s || t >= e) assert.ok(Math.abs(season - p) < 1e-9, `unchanged at ${t}`);
      else if (Math.abs(p) > 0.05) ratios.push(season / p);
    }
    const a = ratios[0];
    assert.ok(
      ratios.every((r) => Math.abs(r - a) < 1e-9),
      'one factor over the interval',
    );
    assert.ok((a >= 2 && a < 3.5) || (1 / a >= 2 && 1 / a < 3.5), `factor ${a}`);
  });

  test(`pattern (seed ${seed}): whole cycles from a cycle start hold another shape with the same cycle mean`, () => {
    const bg = daily(seed);
    const st = buildStructure(new Rng(seed), bg, one('pattern', [300, 300 + 2 * 40 + 2], 1), ANOMALY_KIND_PARAMS);
    const [[s, e]] = st.intervals;
    assert.is(Math.floor(st.phase[s]) - Math.floor(st.phase[s - 1]), 1);
    assert.is(e - s, 40);
    const season = Array.from({ length: e - s }, (_, j) => st.expected[s + j] - bg.level[s + j]);
    const normal = Array.from({ length: e - s }, (_, j) => profileValue(bg.profile!, frac(st.phase[s + j])));
    assert.ok(Math.abs(mean(season) - mean(normal)) < 0.02, `cycle means ${mean(season)} vs ${mean(normal)}`);
    assert.ok(Math.max(...season.map((v, j) => Math.abs(v - normal[j]))) >= MIN_PATTERN_DISTANCE - 0.02, 'the shape differs');
    for (let t = 0; t < bg.length; t++) {
      if (t < s || t >= e) assert.ok(Math.abs(st.expected[t] - bg.level[t] - profileValue(bg.profile!, frac(st.phase[t]))) < 1e-9);
    }
  });
}

const stuckSeeds: number[] = [];
for (let seed = 0; seed < 6; seed++) {
  test(`flatline (seed ${seed}): whole cycles from a cycle start hold one level between the cycle's low and high (stuck: one value exactly); nothing else changes`, () => {
    const bg = daily(seed);
    const st = buildStructure(new Rng(seed), bg, one('flatline', [300, 300 + 2 * 40 + 2], 1), ANOMALY_KIND_PARAMS);
    const [[s, e]] = st.intervals;
    assert.is(Math.floor(st.phase[s]) - Math.floor(st.phase[s - 1]), 1, 'starts where a cycle starts');
    assert.is(e - s, 40);
    const p = bg.profile!;
    const flat = st.expected[s] - bg.level[s];
    const m = (flat - p.min) / (p.max - p.min);
    assert.ok(m >= 0.25 && m < 0.75, `level at ${m} of the cycle's span`);
    const stuck = st.stuck !== undefined;
    if (stuck) stuckSeeds.push(seed);
    for (let t = 0; t < bg.length; t++) {
      const season = st.expected[t] - bg.level[t];
      if (t >= s && t < e) {
        if (stuck) assert.ok(st.expected[t] === st.expected[s] && st.stuck![t] === 1, `stuck at ${t}`);
        else assert.ok(Math.abs(season - flat) < 1e-12, `flat at ${t}`);
      } else {
        assert.ok(Math.abs(season - profileValue(p, frac(st.phase[t]))) < 1e-9, `unchanged at ${t}`);
        assert.ok(st.stuck === undefined || st.stuck[t] === 0);
      }
    }
  });
}
test('flatlines of seeds 0–5 are stuck in some and idle in others', () => {
  assert.ok(stuckSeeds.length > 0 && stuckSeeds.length < 6, `stuck in seeds ${stuckSeeds}`);
});

test('the weekly factor applies to days 5 and 6 of each week only, counted from weekStart', () => {
  const bg = { ...daily(0), kind: 'weekly' as const, weekend: 0.4, weekStart: 3 };
  assert.equal(
    Array.from({ length: 14 }, (_, d) => dayFactor(bg, d)),
    [1, 1, 0.4, 0.4, 1, 1, 1, 1, 1, 0.4, 0.4, 1, 1, 1],
  );
  assert.is(dayFactor(bg, -5), 0.4, 'negative days wrap too');
  assert.is(dayFactor(daily(0), 2), 1, 'daily backgrounds have no weekend');
});

const gridCases: [number, number, 'round' | 'ceil' | 'floor', number][] = [
  [12.34567, -2, 'round', 12.35],
  [12.34467, -2, 'ceil', 12.35],
  [12.34567, -2, 'floor', 12.34],
  [-0.0449, -2, 'round', -0.04],
  [-0.0449, -2, 'floor', -0.05],
  [1234, 2, 'round', 1200],
  [1251, 2, 'ceil', 1300],
  [7.5, 0, 'round', 8],
  [0.30000000000000004, -1, 'round', 0.3],
];
for (const [v, e, mode, want] of gridCases) {
  test(`onGrid(${v}, ${e}, ${mode}) = ${want}`, () => assert.is(onGrid(v, e, mode), want));
}

for (const rate of [0.5, 4, 29.5, 30, 250]) {
  test(`poisson(${rate}): mean and variance are the rate (inversion below 30, normal approximation above)`, () => {
    const rng = new Rng(Math.round(rate * 10));
    const xs = Array.from({ length: 40_000 }, () => poisson(rng, rate));
    assert.ok(xs.every((x) => Number.isInteger(x) && x >= 0));
    const m = mean(xs);
    const v = mean(xs.map((x) => (x - m) ** 2));
    assert.ok(Math.abs(m - rate) < 4 * Math.sqrt(rate / xs.length), `mean ${m}`);
    // Var of the sample variance ≈ (μ4 − σ⁴)/n = (rate + 2·rate²)/n for Poisson; rounding adds 1/12 above 30.
    const extra = rate >= 30 ? 1 / 12 : 0;
    assert.ok(Math.abs(v - rate - extra) < 4 * Math.sqrt((rate + 2 * rate * rate) / xs.length), `variance ${v}`);
  });
}

test.run();
