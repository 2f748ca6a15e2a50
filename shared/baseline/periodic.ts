/**
 * Detector for `periodic` series (labels: contextual point, seasonal, shapelet).
 *
 * Model: the series is one sine of frequency f0 whose phase is free to differ
 * from stretch to stretch (windowSineFits). Two per-sample scores find where
 * that model breaks:
 *
 * - fit score: the RMS residual of the best w-sample window fit covering the
 *   sample (w ≈ P/2), in units of the larger of `periodicFitFloor`·amplitude
 *   and `periodicFitK`·noise. Noise bursts, fast stretches and odd shapes
 *   cannot be fitted by the sine; a healthy sample always has a clean window.
 * - phase rate: the slope of the fitted phase along the series (rad/sample),
 *   in units of the larger of `periodicRateFloor`·ω0 and `periodicRateK`
 *   robust spreads. A stretch that runs slower than f0 fits the sine fairly
 *   well window by window but drags the phase behind: this catches it.
 *
 * Samples where either score reaches 1 seed runs (hysteresis down to
 * `periodicEdgeFraction`), which are merged and length-filtered. Each run is
 * classified on its fit core — the span where the fit score itself passes
 * `periodicCoreLevel` — from the statistics of periodic-stats.ts: a moved
 * phase or a faster crossing rate → seasonal; noise-like values →
 * contextual point (answered with the sharp core); the same pace with
 * another shape → shapelet. A run without a core (opened by the phase rate
 * alone) must have moved the phase by `periodicRateRunShift`, or it is dropped.
 */
import { dominantPeriod, median, mad, MAD_TO_STD } from '../analysis/index.js';
import type { AnomalyType } from '../series/labels.js';
import type { Interval } from '../series/record.js';
import { type PeriodicModel, type PeriodicIntervalStats, periodicIntervalStats, classifyPeriodicInterval } from './periodic-stats.js';
import { dropShort, hysteresisRuns, mergeRuns } from './runs.js';
import { coveringMin, medianOf, windowSineFits } from './sine-fit.js';
import { BASELINE_THRESHOLDS, type BaselineThresholds } from './thresholds.js';

export interface PeriodicEvidence {
  readonly model: PeriodicModel;
  /** Fit-score threshold (same unit as x) and phase-rate threshold (rad/sample). */
  readonly fitThreshold: number;
  readonly rateThreshold: number;
  /** Largest covering fit RMS and where it is. */
  readonly maxFit: number;
  readonly argMaxFit: number;
  /** Largest |phase rate| and where it is. */
  readonly maxRate: number;
  readonly argMaxRate: number;
}

const wrap = (a: number): number => a - 2 * Math.PI * Math.round(a / (2 * Math.PI));

/**
 * Frequency of the healthy stretches: start from the spectral peak, then
 * correct by the median phase drift between windows `w` apart (a sine of
 * frequency f fitted at f̂ drifts by 2π(f − f̂) rad per sample), twice.
 */
export function refineFrequencyByPhase(x: ArrayLike<number>, f: number, w: number, iterations = 2): number {
  let fHat = f;
  for (let it = 0; it < iterations; it++) {
    const { phase } = windowSineFits(x, fHat, w);
    const count = phase.length - w;
    if (count <= 0) break;
    const d = new Float64Array(count);
    for (let a = 0; a < count; a++) d[a] = wrap(phase[a + w] - phase[a]);
    fHat += medianOf(d) / (2 * Math.PI * w);
  }
  return fHat;
}

/** The phase of the w-window fit centred on each sample, unwrapped along the series (length n). */
export function phaseTrack(x: ArrayLike<number>, f: number, w: number): Float64Array {
  const n = x.length;
  const { phase } = windowSineFits(x, f, w);
  const h = (w - 1) >> 1;
  const out = new Float64Array(n);
  for (let t = 0; t < n; t++) out[t] = phase[Math.min(n - w, Math.max(0, t - h))];
  for (let t = 1; t < n; t++) out[t] = out[t - 1] + wrap(out[t] - out[t - 1]);
  return out;
}

/** Fit the periodic model of x: frequency, amplitude, noise and the per-sample scores. */
export function periodicModel(
  x: ArrayLike<number>,
  T: BaselineThresholds = BASELINE_THRESHOLDS,
): {
  model: PeriodicModel;
  fitScore: Float64Array;
  rate: Float64Array;
} {
  const n = x.length;
  const peak = dominantPeriod(x);
  const p0 = Number.isFinite(peak.period) ? Math.min(Math.max(peak.period, 4), n / 2) : n / 2;
  const w = Math.max(T.periodicMinWindow, Math.round(T.periodicFitWindowPeriods * p0));
  const frequency = refineFrequencyByPhase(x, 1 / p0, w);
  const period = 1 / frequency;
  const fits = windowSineFits(x, frequency, w);
  const fitScore = coveringMin(fits.rms, w, n);
  const amplitude = medianOf(fits.amplitude);
  const noise = medianOf(fits.rms);
  const w2 = Math.max(T.periodicMinWindow, Math.round(T.periodicPhaseWindowPeriods * period));
  const k = Math.max(1, Math.round(T.periodicRateLagPeriods * period));
  const track = phaseTrack(x, frequency, w2);
  const rate = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const a = Math.max(0, t - k),
      b = Math.min(n - 1, t + k);
    rate[t] = b > a ? (track[b] - track[a]) / (b - a) : 0;
  }
  const rateSpread = MAD_TO_STD * mad(rate);
  const level = median(x);
  return {
    model: { frequency, period, amplitude, level, noise, rateSpread, fitWindow: w, phaseWindow: w2, rateLag: k, track },
    fitScore,
    rate,
  };
}

/** Detect breaks of the oscillation in x; intervals, the series type, evidence and per-interval stats. */
export function detectPeriodic(
  x: ArrayLike<number>,
  T: BaselineThresholds = BASELINE_THRESHOLDS,
): {
  intervals: Interval[];
  type: AnomalyType;
  stats: PeriodicIntervalStats[];
  labels: Exclude<AnomalyType, 'normal'>[];
  evidence: PeriodicEvidence;
} {
  const n = x.length;
  const { model, fitScore, rate } = periodicModel(x, T);
  const omega = 2 * Math.PI * model.frequency;
  const fitThreshold = Math.max(T.periodicFitFloor * model.amplitude, T.periodicFitK * model.noise, 1e-9);
  const rateThreshold = Math.max(T.periodicRateFloor * omega, T.periodicRateK * model.rateSpread);
  const fitRatio = new Float64Array(n),
    rateRatio = new Float64Array(n);
  let maxFit = 0,
    argMaxFit = 0,
    maxRate = 0,
    argMaxRate = 0;
  for (let t = 0; t < n; t++) {
    const r = Math.abs(rate[t]);
    fitRatio[t] = fitScore[t] / fitThreshold;
    rateRatio[t] = r / rateThreshold;
    if (fitScore[t] > maxFit) {
      maxFit = fitScore[t];
      argMaxFit = t;
    }
    if (r > maxRate) {
      maxRate = r;
      argMaxRate = t;
    }
  }
  // A run opens where either score reaches 1. The fit score is sharp (a healthy sample always
  // has a clean window); the phase rate is smeared over the phase window and the rate lag. So a
  // run is classified on its fit core (the span where the fit score passes periodicCoreLevel),
  // and a noise burst answers with that core, while a pace change keeps the whole run.
  const score = new Float64Array(n);
  for (let t = 0; t < n; t++) score[t] = Math.max(fitRatio[t], rateRatio[t]);
  const runs = dropShort(mergeRuns(hysteresisRuns(score, 1, T.periodicEdgeFraction), Math.round(T.periodicMergePeriods * model.period)), T.periodicMinLength);
  const intervals: Interval[] = [];
  const stats: PeriodicIntervalStats[] = [];
  const labels: Exclude<AnomalyType, 'normal'>[] = [];
  const cores: Interval[] = [];
  for (const [s, e] of runs) {
    let a = -1,
      b = -1;
    for (let t = s; t < e; t++)
      if (fitRatio[t] >= T.periodicCoreLevel) {
        if (a < 0) a = t;
        b = t + 1;
      }
    // A core too short for an autocorrelation is widened around its middle (within the run).
    if (a >= 0 && b - a < T.periodicMinLength) {
      const mid = (a + b) >> 1;
      a = Math.max(s, mid - (T.periodicMinLength >> 1));
      b = Math.min(e, a + T.periodicMinLength);
    }
    const core: Interval = a >= 0 ? [a, b] : [s, e];
    const coreStats = periodicIntervalStats(x, model, core);
    // A run opened by the phase rate alone claims a pace change: the phase must really have
    // moved across it (noise can tilt the phase track for a moment without moving it).
    if (a < 0 && Number.isFinite(coreStats.phaseShift) && Math.abs(coreStats.phaseShift) < T.periodicRateRunShift) continue;
    const label = classifyPeriodicInterval(coreStats, model.amplitude, model.period, T);
    const iv: Interval = label === 'contextual point' ? core : [s, e];
    intervals.push(iv);
    stats.push(label === 'contextual point' ? coreStats : periodicIntervalStats(x, model, iv));
    labels.push(label);
    cores.push(core);
  }
  // Series type: the class with the most core samples behind it.
  const votes = new Map<AnomalyType, number>();
  cores.forEach(([a, b], i) => votes.set(labels[i], (votes.get(labels[i]) ?? 0) + (b - a)));
  let type: AnomalyType = 'normal',
    best = 0;
  for (const [c, v] of votes)
    if (v > best) {
      best = v;
      type = c;
    }
  return { intervals, type, stats, labels, evidence: { model, fitThreshold, rateThreshold, maxFit, argMaxFit, maxRate, argMaxRate } };
}
