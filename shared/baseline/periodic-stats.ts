/**
 * Statistics of one interval of a periodic series, and the rule that names
 * the kind of break they show. The detector classifies its own runs with
 * them, and the ExpCoT cites them for the true intervals, so both speak of
 * the same measured quantities.
 *
 * - `ac1`: lag-1 autocorrelation of the values inside. A sine sampled many
 *   times per cycle has ac1 ≈ cos(2πf) ≈ 0.98 at 33 samples per cycle (0.84 even
 *   three times faster); replacement noise has ac1 ≈ 0. Low ac1 = noise burst.
 * - `phaseShift`: phase of the sine fitted just after the interval minus the
 *   phase just before (rad, wrapped to (−π, π]). A stretch that keeps the pace
 *   (or only changes shape over whole cycles) leaves it ≈ 0; a slower or
 *   faster stretch moves it by 2π·(f_in − f0)·length.
 * - `crossingRatio`: zero crossings per sample inside (around the series
 *   level, with a ±10% amplitude dead band), over the 2·f0 a healthy sine
 *   makes; ≈ 3 for a stretch three times faster.
 * - `localFrequency`: the pace inside, from the phase shift (whole turns
 *   chosen by the crossings); it recovers f0/3 for a short slow stretch,
 *   where a sliding spectrum of one period's width cannot resolve anything
 *   below one cycle per window.
 */
import type { AnomalyType } from '../series/labels.js';
import type { Interval } from '../series/record.js';
import { windowSineFits } from './sine-fit.js';
import type { BaselineThresholds } from './thresholds.js';

/** The fitted oscillation of a periodic series. */
export interface PeriodicModel {
  /** Frequency of the healthy stretches (cycles/sample) and its period (samples). */
  readonly frequency: number;
  readonly period: number;
  /** Median fitted amplitude of the windows. */
  readonly amplitude: number;
  /** Median of the series (the level crossings are counted around). */
  readonly level: number;
  /** Median window-fit RMS residual: the noise std of the healthy stretches. */
  readonly noise: number;
  /** 1.4826·MAD of the phase rate (rad/sample). */
  readonly rateSpread: number;
  /** Window widths (samples) of the fit score and the phase track; phase-rate lag (samples). */
  readonly fitWindow: number;
  readonly phaseWindow: number;
  readonly rateLag: number;
  /** Unwrapped phase of the centred windows (rad), length n. */
  readonly track: Float64Array;
}

export interface PeriodicIntervalStats {
  readonly start: number;
  readonly end: number;
  /** Lag-1 autocorrelation of the values inside (0 when fewer than 3 values or constant). */
  readonly ac1: number;
  /** Std of the values inside. */
  readonly std: number;
  /** RMS residual of the best sine of the series' frequency over the interval plus one fit window on each side. */
  readonly fitRms: number;
  /** Phase after − phase before (rad, wrapped); NaN when a side has fewer than max(6, w/2) samples. */
  readonly phaseShift: number;
  /** Level crossings inside (see `levelCrossings`). */
  readonly crossings: number;
  /** crossings per sample over the 2·f0 a healthy sine makes. */
  readonly crossingRatio: number;
  /** Pace inside (cycles/sample): f0 + (phaseShift + 2πk)/(2π·length), see `localFrequency`. */
  readonly localFrequency: number;
}

const wrap = (a: number): number => a - 2 * Math.PI * Math.round(a / (2 * Math.PI));

/** Lag-1 autocorrelation of x[s, e) around its own mean. */
export function lag1Autocorrelation(x: ArrayLike<number>, s: number, e: number): number {
  if (e - s < 3) return 0;
  let m = 0;
  for (let t = s; t < e; t++) m += x[t];
  m /= e - s;
  let num = 0,
    den = 0;
  for (let t = s; t < e; t++) {
    const d = x[t] - m;
    den += d * d;
    if (t + 1 < e) num += d * (x[t + 1] - m);
  }
  return den > 0 ? num / den : 0;
}

/** Crossings of `level` in x[s, e) with a dead band of ±band (a crossing needs to pass the far side). */
export function levelCrossings(x: ArrayLike<number>, s: number, e: number, level: number, band: number): number {
  let side = 0,
    count = 0;
  for (let t = s; t < e; t++) {
    const d = x[t] - level;
    const now = d > band ? 1 : d < -band ? -1 : 0;
    if (now !== 0) {
      if (side !== 0 && now !== side) count++;
      side = now;
    }
  }
  return count;
}

/** Phase of the sine (frequency f) fitted on x[a, b); NaN when the window is off the series or too short. */
function windowPhase(x: ArrayLike<number>, f: number, a: number, b: number): number {
  if (a < 0 || b > x.length || b - a < 4) return NaN;
  const sub = Array.prototype.slice.call(x, a, b) as number[];
  // Shift the fitted phase back to the series' time origin: the window starts at t = a.
  const fit = windowSineFits(sub, f, b - a);
  return wrap(fit.phase[0] - 2 * Math.PI * f * a);
}

/** Statistics of x on iv = [s, e) under `model` (see the file comment). */
export function periodicIntervalStats(x: ArrayLike<number>, model: PeriodicModel, iv: Interval): PeriodicIntervalStats {
  const [s, e] = iv;
  const n = x.length;
  const w = model.fitWindow;
  let m = 0;
  for (let t = s; t < e; t++) m += x[t];
  m /= e - s;
  let v = 0;
  for (let t = s; t < e; t++) v += (x[t] - m) ** 2;
  const a = Math.max(0, s - w),
    b = Math.min(n, e + w);
  const wide = Array.prototype.slice.call(x, a, b) as number[];
  const fitRms = wide.length >= 4 ? windowSineFits(wide, model.frequency, wide.length).rms[0] : 0;
  // Near the ends the side window is clipped to what exists, down to `minSide` samples.
  const minSide = Math.max(6, w >> 1);
  const before = s >= minSide ? windowPhase(x, model.frequency, Math.max(0, s - w), s) : NaN;
  const after = n - e >= minSide ? windowPhase(x, model.frequency, e, Math.min(n, e + w)) : NaN;
  const crossings = levelCrossings(x, s, e, model.level, 0.1 * model.amplitude);
  return {
    start: s,
    end: e,
    ac1: lag1Autocorrelation(x, s, e),
    std: Math.sqrt(v / (e - s)),
    fitRms,
    phaseShift: Number.isFinite(before) && Number.isFinite(after) ? wrap(after - before) : NaN,
    crossings,
    crossingRatio: crossings / (2 * model.frequency * (e - s)),
    localFrequency: localFrequency(model.frequency, Number.isFinite(before) && Number.isFinite(after) ? wrap(after - before) : NaN, crossings, e - s),
  };
}

/**
 * The pace of a stretch of `length` samples from the phase it gained: a sine
 * at f over L samples ends 2π(f − f0)·L ahead of one at f0. The shift is only
 * known modulo 2π, so the whole turns k are chosen to land nearest the pace
 * the level crossings suggest (crossings / 2L). Without a phase (at the
 * series ends) the crossing pace is the answer. Never negative.
 *
 * Example: f0 = 0.03, a stretch of 7 samples at 0.01 shifts the phase by
 * 2π·(−0.02)·7 = −0.88 rad, giving back 0.03 − 0.88/(2π·7) = 0.01; over 35
 * samples the shift −4.40 rad reads as +1.88, i.e. 0.0386 or 0.0386 − k/35,
 * and the one crossing (pace ≈ 1/70) picks k = 1: 0.0100.
 */
export function localFrequency(f0: number, phaseShift: number, crossings: number, length: number): number {
  const fc = crossings / (2 * length);
  if (!Number.isFinite(phaseShift)) return fc;
  const base = f0 + phaseShift / (2 * Math.PI * length);
  const k = Math.round((fc - base) * length);
  return Math.max(0, base + k / length);
}

/**
 * Name the break one interval shows: a phase moved by at least
 * `periodicPhaseShift` rad → seasonal; noise-like values (ac1 below
 * `periodicNoiseAc1` with a spread of at least `periodicNoiseStd`·amplitude)
 * → contextual point; crossings at least `periodicCrossRatio` times the
 * healthy rate → seasonal; the phase kept over at least
 * `periodicShapeletCycles` cycles → shapelet (only the shape changed).
 */
export function classifyPeriodicInterval(st: PeriodicIntervalStats, amplitude: number, period: number, T: BaselineThresholds): Exclude<AnomalyType, 'normal'> {
  // A noise burst replaces values but the sine underneath keeps its phase; a pace change moves it.
  if (Math.abs(st.phaseShift) >= T.periodicPhaseShift) return 'seasonal';
  if (st.ac1 < T.periodicNoiseAc1 && st.std >= T.periodicNoiseStd * amplitude) return 'contextual point';
  if (st.crossingRatio >= T.periodicCrossRatio) return 'seasonal';
  // A shapelet keeps the phase over whole cycles; without a measured phase on both sides, or
  // over less than a cycle, a break that is not noise is taken for a pace change.
  if (!Number.isFinite(st.phaseShift) || st.end - st.start < T.periodicShapeletCycles * period) return 'seasonal';
  return 'shapelet';
}
