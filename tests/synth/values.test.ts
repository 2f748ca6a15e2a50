// What the synth values are, checked on generated series: spikes meet their definitions
// (global: beyond everything else; contextual: inside the normal range, far from the
// expected value), the noise is what render.ts says (Gaussian with σ_t, or Poisson),
// values sit on their grid, missing stretches are filled by hold or linear interpolation.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../shared/rng.js';
import { SYNTH_TASKS } from '../../shared/series/labels.js';
import { type SynthDraw, drawSynth } from '../../shared/synth/draw.js';
import { drawPulseProfile, profileValue } from '../../shared/synth/profile.js';
import { ANOMALY_KIND_PARAMS, BACKGROUND_PARAMS, SYNTH_TASK_PARAMS } from '../../shared/synth/tasks.js';
import { checkSynthTaskParams } from '../../shared/synth/check-params.js';
import { mean } from '../anomllm/helpers.js';

const draws: SynthDraw[] = [];
for (const task of SYNTH_TASKS) {
  const rng = new Rng(4242).fork(task);
  for (let i = 0; i < 150; i++) draws.push(drawSynth(rng.fork(String(i)), SYNTH_TASK_PARAMS[task]));
}

/** The smallest noise std of a series outside stuck stretches (which have none); 0 for a noise-free series. */
function baseSigma(d: SynthDraw): number {
  const noisy = d.rendered.sigma.filter((v) => v > 0);
  return noisy.length === 0 ? 0 : Math.min(...noisy);
}

/** 1 where a sample is inside an anomaly or a missing stretch. */
function special(d: SynthDraw): Uint8Array {
  const m = new Uint8Array(d.series.length);
  for (const [s, e] of d.intervals) m.fill(1, s, e);
  for (const {
    interval: [s, e],
  } of d.missing)
    m.fill(1, s, e);
  return m;
}

test('a global spike lies beyond every other sample by mag·R, R the range of the series without global spikes', () => {
  const [lo, hi] = ANOMALY_KIND_PARAMS['global-spike'].magnitude;
  let seen = 0;
  for (const d of draws) {
    const spikes = new Set(d.kinds.flatMap((k, i) => (k === 'global-spike' ? [d.intervals[i][0]] : [])));
    if (spikes.size === 0) continue;
    let min = Infinity,
      max = -Infinity;
    d.series.forEach((v, t) => {
      if (spikes.has(t)) return;
      min = Math.min(min, v);
      max = Math.max(max, v);
    });
    const R = max - min,
      q = 10 ** d.rendered.gridExponent;
    for (const t of spikes) {
      const v = d.series[t];
      const dist = v > max ? v - max : min - v;
      assert.ok(dist >= Math.max(q, lo * R) - 1e-9 * Math.abs(v) && dist <= Math.max(q, hi * R) + q + 1e-9 * Math.abs(v), `spike ${v} vs [${min}, ${max}]`);
      if (d.rendered.counts) assert.ok(v > max, 'counts only spike upwards');
      seen++;
    }
  }
  assert.ok(seen > 2000, `${seen} global spikes`);
});

test('a contextual spike lies inside the normal range, at least max(4σ_t, 0.2·range) from its expected value', () => {
  const { magnitude, sigmas } = ANOMALY_KIND_PARAMS['contextual-spike'];
  let seen = 0;
  for (const d of draws) {
    const inside = new Uint8Array(d.series.length);
    for (const [s, e] of d.intervals) inside.fill(1, s, e);
    let lo = Infinity,
      hi = -Infinity;
    d.series.forEach((v, t) => {
      if (inside[t]) return;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    });
    d.kinds.forEach((k, i) => {
      if (k !== 'contextual-spike') return;
      const t = d.intervals[i][0];
      const v = d.series[t];
      assert.ok(v >= lo && v <= hi, `contextual ${v} outside [${lo}, ${hi}]`);
      const need = Math.max(sigmas * d.rendered.sigma[t], magnitude[0] * (hi - lo));
      assert.ok(Math.abs(v - d.rendered.expected[t]) >= need * (1 - 1e-9), `|${v} − ${d.rendered.expected[t]}| < ${need}`);
      seen++;
    });
  }
  assert.ok(seen > 2000, `${seen} contextual spikes`);
});

test('Gaussian backgrounds: (x − expected)/σ_t outside anomalies and gaps has mean 0 and variance 1 (+ the grid’s ≤ 1/48)', () => {
  const z: number[] = [];
  for (const d of draws) {
    if (d.rendered.counts || d.background.sigma0 === 0) continue;
    const m = special(d);
    d.series.forEach((v, t) => {
      if (!m[t]) z.push((v - d.rendered.expected[t]) / d.rendered.sigma[t]);
    });
  }
  assert.ok(z.length > 200_000);
  const mu = mean(z);
  const variance = mean(z.map((x) => (x - mu) ** 2));
  assert.ok(Math.abs(mu) < 4 / Math.sqrt(z.length), `mean ${mu}`);
  // Rounding to a grid of at most σ0/2 ≤ σ_t/2 adds at most (σ_t/2)²/12 = σ_t²/48 of variance.
  const se = Math.sqrt(2 / z.length);
  assert.ok(variance > 1 - 4 * se && variance < 1 + 1 / 48 + 4 * se, `variance ${variance}`);
});

test('counts are non-negative integers with Poisson dispersion: E[(x − λ)²/λ] = 1 outside anomalies and gaps', () => {
  const r: number[] = [];
  const mu: number[] = [];
  for (const d of draws) {
    if (!d.rendered.counts) continue;
    const m = special(d);
    d.series.forEach((v, t) => {
      if (m[t]) return;
      assert.ok(Number.isInteger(v) && v >= 0, `count ${v}`);
      const lambda = d.rendered.expected[t];
      r.push((v - lambda) ** 2 / lambda);
      mu.push((v - lambda) / Math.sqrt(lambda));
    });
  }
  assert.ok(r.length > 100_000);
  assert.ok(Math.abs(mean(mu)) < 4 / Math.sqrt(mu.length), `mean standardized count ${mean(mu)}`);
  // Var[(x − λ)²/λ] = 2 + 1/λ ≤ 2 + 1/lowest rate; rates here stay above ~1.
  assert.ok(Math.abs(mean(r) - 1) < 4 * Math.sqrt(3 / r.length), `dispersion ${mean(r)}`);
});

test('every value is finite and on its series’ grid of 10^e, at most half a base noise std', () => {
  for (const d of draws) {
    const e = d.rendered.gridExponent;
    for (const v of d.series) {
      assert.ok(Number.isFinite(v));
      const k = e >= 0 ? v / 10 ** e : v * 10 ** -e;
      assert.ok(Math.abs(k - Math.round(k)) < 1e-6 * Math.max(1, Math.abs(k)), `${v} is off the grid 1e${e}`);
      if (e < 0) assert.is(v, Math.round(k) / 10 ** -e, 'prints as its decimal');
    }
    if (!d.rendered.counts && d.background.sigma0 > 0) {
      const sigma0 = baseSigma(d);
      assert.ok(10 ** e <= BACKGROUND_PARAMS.quantum[1] * sigma0 * (1 + 1e-9), `grid 1e${e} vs σ0 ${sigma0}`);
    }
  }
});

test('pulse-cycles: half its series have no noise — every normal value is its expected value on a grid of ≤ 1 % of the unit scale — and its daily cycles are pulses', () => {
  const quiet = draws.filter((d) => d.background.sigma0 === 0 && !d.rendered.counts);
  // Only pulse-cycles draws noise-free series: 150 draws at noiseFree 0.5.
  assert.ok(quiet.length > 50 && quiet.length < 100, `${quiet.length} noise-free series`);
  for (const d of quiet) {
    const q = 10 ** d.rendered.gridExponent;
    const m = special(d);
    const span = Math.max(...d.rendered.expected) - Math.min(...d.rendered.expected);
    assert.ok(q <= 0.011 * span, `grid ${q} vs span ${span}`);
    d.series.forEach((v, t) => {
      if (!m[t]) assert.ok(Math.abs(v - d.rendered.expected[t]) <= q / 2 + 1e-9 * Math.abs(v), `${v} vs ${d.rendered.expected[t]}`);
    });
  }
  // A pulse profile spends most of its cycle near its low or its high (a sine spends ~50 % in the outer fifths).
  const p = drawPulseProfile(new Rng(9));
  let near = 0;
  for (let j = 0; j < 512; j++) {
    const v = profileValue(p, j / 512);
    if (v - p.min < 0.15 || p.max - v < 0.15) near += 1;
  }
  assert.ok(near / 512 > 0.75, `${near} of 512 near the low or the high`);
});

test('pulse-cycles draws its period from [48, 288] (5- to 30-minute samples of a day), within n / 6; the other tasks from [24, 96]', () => {
  SYNTH_TASKS.forEach((task, k) => {
    const mine = draws.slice(150 * k, 150 * (k + 1)).filter((d) => Number.isFinite(d.background.period));
    const [lo, hi] = task === 'pulse-cycles' ? [48, 288] : BACKGROUND_PARAMS.period;
    for (const d of mine) {
      const cap = Math.max(2, Math.min(hi, Math.floor(d.series.length / BACKGROUND_PARAMS.minCycles)));
      assert.ok(d.background.period >= Math.min(lo, cap) && d.background.period <= cap, `${task}: period ${d.background.period} of ${d.series.length} points`);
    }
    if (task === 'pulse-cycles') assert.ok(mine.filter((d) => d.background.period > 96).length > 10, "periods beyond the other tasks' range are drawn");
  });
  assert.throws(() => checkSynthTaskParams('t', { ...SYNTH_TASK_PARAMS['pulse-cycles'], period: [1, 10] }), /period/);
});

test('a flatline is stuck (one value repeated exactly) or idling (its level with noise), about half each', () => {
  const pulse = draws.slice(150 * SYNTH_TASKS.indexOf('pulse-cycles'), 150 * (SYNTH_TASKS.indexOf('pulse-cycles') + 1));
  let stuck = 0,
    idle = 0;
  for (const d of pulse) {
    d.kinds.forEach((kind, i) => {
      if (kind !== 'flatline') return;
      const [s, e] = d.intervals[i]!;
      const held = d.series.slice(s, e).every((v) => v === d.series[s]);
      if (held) stuck++;
      else if (d.background.sigma0 > 0) idle++;
      if (held) for (let t = s; t < e; t++) assert.is(d.rendered.sigma[t], 0);
    });
  }
  assert.ok(stuck >= 3 && idle >= 3, `${stuck} stuck, ${idle} idling with noise`);
});

test('missing stretches hold the previous value, or run on a straight line between their neighbours', () => {
  let hold = 0,
    linear = 0;
  for (const d of draws) {
    const q = 10 ** d.rendered.gridExponent;
    for (const {
      interval: [s, e],
      fill,
    } of d.missing) {
      const a = d.series[s - 1],
        b = d.series[e];
      for (let t = s; t < e; t++) {
        const want = fill === 'hold' ? a : a + ((b - a) * (t - s + 1)) / (e - s + 1);
        assert.ok(Math.abs(d.series[t] - want) <= q / 2 + 1e-9 * Math.abs(want), `${fill} at ${t}: ${d.series[t]} vs ${want}`);
      }
      if (fill === 'hold') hold++;
      else linear++;
    }
  }
  const n = hold + linear;
  assert.ok(n > 300);
  assert.ok(Math.abs(hold / n - 0.5) < 4 * Math.sqrt(0.25 / n), `hold share ${hold / n}`);
});

test('heteroscedastic noise: σ_t stays within [σ0, σ0·(1 + h)], h < hetero hi, and varies in most series', () => {
  let varying = 0,
    gaussian = 0;
  for (const d of draws) {
    if (d.rendered.counts) continue;
    gaussian++;
    const lo = baseSigma(d),
      hi = Math.max(...d.rendered.sigma);
    assert.ok(hi <= lo * (1 + BACKGROUND_PARAMS.hetero[1]) * (1 + 1e-9), `σ from ${lo} to ${hi}`);
    if (hi > 1.2 * lo) varying++;
  }
  assert.ok(varying > 0.7 * gaussian, `${varying} of ${gaussian} series have σ varying by more than 20 %`);
});

test('plateau backgrounds: outside anomalies the expected value takes at most plateauLevels hi distinct values', () => {
  let seen = 0;
  for (const d of draws) {
    if (d.background.kind !== 'plateau') continue;
    const inside = new Uint8Array(d.series.length);
    for (const [s, e] of d.intervals) inside.fill(1, s, e);
    const levels = new Set<number>();
    d.rendered.expected.forEach((v, t) => {
      if (!inside[t]) levels.add(v);
    });
    assert.ok(levels.size <= BACKGROUND_PARAMS.plateauLevels[1], `${levels.size} levels`);
    seen++;
  }
  assert.ok(seen > 50);
});

test.run();
