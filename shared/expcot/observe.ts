/**
 * The Observation part of an ExpCoT (docs/METHOD.md §4, step 1): what any series shows
 * before a type is argued, in the paper's order — a global scan (mean, std,
 * largest |z|, HBOS outlier score), then structure (smoothed gradient, FFT
 * dominant period), then local pattern (matrix-profile discord, window ≈ 50).
 * The same sentences open every ExpCoT, whatever the type.
 */
import { dominantPeriod, GRADIENT_WINDOW, hbosOutlierScore, matrixProfile, discordsFromProfile, exclusionZone, smoothedGradient } from '../analysis/index.js';
import type { Phrase } from './phrases.js';

/** Subsequence length of the discord search (docs/METHOD.md §4: "window about 50"). */
export const EXPCOT_DISCORD_WINDOW = 50;

export interface ObservationEvidence {
  readonly n: number;
  readonly mean: number;
  readonly std: number;
  /** Largest |(x − mean)/std| and its index (first on ties); 0 and 0 for a constant series. */
  readonly maxAbsZ: number;
  readonly argMaxAbsZ: number;
  /** hbosOutlierScore(x), nats. */
  readonly hbos: number;
  /** Savitzky–Golay gradient window actually used, and the gradient's mean and std per sample. */
  readonly gradientWindow: number;
  readonly gradientMean: number;
  readonly gradientStd: number;
  /** FFT dominant period (samples; Infinity when none) and its power share. */
  readonly period: number;
  readonly periodShare: number;
  /** Matrix-profile window, top discord; undefined when the series is too short. */
  readonly discord?: { readonly m: number; readonly start: number; readonly distance: number };
  /** The matrix profile itself (length n − m + 1), reused by the shapelet reasoning. */
  readonly profile?: Float64Array;
}

/** Discord window for a series of n points: 50, or n/4 for short series; 0 when under 16 points. */
export function discordWindow(n: number): number {
  const m = Math.min(EXPCOT_DISCORD_WINDOW, Math.floor(n / 4));
  return m >= 4 ? m : 0;
}

/** Window `smoothedGradient` really uses for n points (it shrinks to the largest odd length ≤ n). */
export function gradientWindow(n: number): number {
  return Math.min(GRADIENT_WINDOW, n % 2 === 1 ? n : n - 1);
}

/** Mean and population std of x: the numbers of `obs.summary`. */
export function meanStd(x: ArrayLike<number>): [number, number] {
  let m = 0;
  for (let i = 0; i < x.length; i++) m += x[i];
  m /= x.length;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i] - m) ** 2;
  return [m, Math.sqrt(v / x.length)];
}

/** Compute the Observation evidence of x (n ≥ 2) and its sentences. */
export function observe(x: Float64Array): { phrases: Phrase[]; evidence: ObservationEvidence } {
  const n = x.length;
  const [mean, std] = meanStd(x);
  let maxAbsZ = 0,
    argMaxAbsZ = 0;
  if (std > 0) {
    for (let t = 0; t < n; t++) {
      const z = Math.abs(x[t] - mean) / std;
      if (z > maxAbsZ) {
        maxAbsZ = z;
        argMaxAbsZ = t;
      }
    }
  }
  const hbos = hbosOutlierScore(x);
  const gw = gradientWindow(n);
  const [gradientMean, gradientStd] = meanStd(smoothedGradient(x, GRADIENT_WINDOW));
  const dom = dominantPeriod(x);
  const m = discordWindow(n);
  let discord: ObservationEvidence['discord'];
  let profile: Float64Array | undefined;
  if (m > 0 && n >= m + exclusionZone(m) + 1) {
    profile = matrixProfile(x, m).profile;
    const [top] = discordsFromProfile(profile, m, 1);
    if (top !== undefined) discord = { m, start: top.start, distance: top.distance };
  }
  const evidence: ObservationEvidence = {
    n,
    mean,
    std,
    maxAbsZ,
    argMaxAbsZ,
    hbos,
    gradientWindow: gw,
    gradientMean,
    gradientStd,
    period: dom.period,
    periodShare: dom.share,
    discord,
    profile,
  };
  const phrases: Phrase[] = [
    { id: 'obs.summary', values: { n, mean, std } },
    { id: 'obs.extremes', values: { maxZ: maxAbsZ, argMaxZ: argMaxAbsZ, hbos } },
    { id: 'obs.gradient', values: { window: gw, mean: 100 * gradientMean, std: 100 * gradientStd } },
    Number.isFinite(dom.period) ? { id: 'obs.period', values: { period: dom.period, share: dom.share } } : { id: 'obs.no-period', values: {} },
    discord !== undefined ? { id: 'obs.discord', values: { m, start: discord.start, distance: discord.distance } } : { id: 'obs.no-discord', values: {} },
  ];
  return { phrases, evidence };
}
