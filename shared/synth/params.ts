/**
 * The vocabulary of the broader generator (docs/DATA-GENERATOR.md "Synth tasks"):
 * anomaly kinds, background kinds, and the shapes of the parameter tables in
 * tasks.ts, with one doc comment per parameter. All lengths are in samples.
 *
 * A background is built in "unit" space, where its structure spans about 1:
 * a seasonal background's daily profile has peak-to-peak 1, a random walk is
 * scaled to range 1, plateau levels span [0, 1]. Structural anomaly sizes are
 * in that unit; point anomaly sizes are fractions of the rendered series' range.
 */
import type { IntervalType } from '../series/record.js';

export const ANOMALY_KINDS = ['global-spike', 'contextual-spike', 'level-shift', 'trend', 'frequency', 'amplitude', 'pattern', 'flatline'] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

export const BACKGROUND_KINDS = ['walk', 'daily', 'weekly', 'plateau', 'counts'] as const;
export type BackgroundKind = (typeof BACKGROUND_KINDS)[number];

/** The class label of each kind (docs/METHOD.md §2). */
export const KIND_TYPES: Readonly<Record<AnomalyKind, IntervalType>> = Object.freeze({
  'global-spike': 'global point',
  'contextual-spike': 'contextual point',
  'level-shift': 'global point',
  trend: 'trend',
  frequency: 'seasonal',
  amplitude: 'seasonal',
  pattern: 'shapelet',
  flatline: 'shapelet',
});

/** Kinds that change the seasonal cycle; drawn only on a background that has one. */
export const SEASONAL_KINDS: readonly AnomalyKind[] = ['frequency', 'amplitude', 'pattern', 'flatline'];
/** Backgrounds with a daily cycle. */
export const SEASONAL_BACKGROUNDS: readonly BackgroundKind[] = ['daily', 'weekly', 'counts'];
/** Kinds that are one sample long and written after the noise (the value itself is replaced). */
export const POINT_KINDS: readonly AnomalyKind[] = ['global-spike', 'contextual-spike'];

/** One task's row of the table in tasks.ts. */
export interface SynthTaskParams {
  /** Series length [lo, hi]: L = floor(exp(U(ln lo, ln(hi + 1)))), log-uniform so each octave is as common as another. */
  readonly length: readonly [number, number];
  /** Probability that a series gets no anomaly (labelled `normal`). */
  readonly normalRate: number;
  /**
   * Anomalies of an anomalous series [lo, hi]: uniform integer in [lo, cap] with
   * cap = max(lo, min(hi, floor(maxDensity·L))). Fewer are placed only when they do not fit (see `minGap`).
   */
  readonly count: readonly [number, number];
  /** Most anomalies per sample; caps the count of short series (0.05 allows 50 in 1,000 samples). */
  readonly maxDensity: number;
  /** Least normal samples between two events (anomalies, missing stretches), and between an event and either end. */
  readonly minGap: number;
  /** Relative weights of the anomaly kinds; each anomaly draws its kind (seasonal kinds only on seasonal backgrounds). */
  readonly kinds: Readonly<Partial<Record<AnomalyKind, number>>>;
  /** Relative weights of the backgrounds; each series draws one. */
  readonly backgrounds: Readonly<Partial<Record<BackgroundKind, number>>>;
  /** When true, a series with at least two anomalies has at least two types (its second anomaly's type differs from its first's). */
  readonly mixTypes: boolean;
  /** Probability that a series has missing stretches (filled, never labelled). */
  readonly missingRate: number;
  /** The daily cycle's shape: `harmonic` (drawProfile, the default) or `pulse` (a smoothed rectangular pulse; profile.ts drawPulseProfile). */
  readonly profile?: 'harmonic' | 'pulse';
  /** Probability that a series has no noise at all (σ0 = 0; values on a grid of the unit scale). Default 0. */
  readonly noiseFree?: number;
  /** The seasonal period's range [lo, hi] in samples, instead of BACKGROUND_PARAMS.period (same draw, so nothing else moves). */
  readonly period?: readonly [number, number];
}

/** One anomaly kind's row of ANOMALY_KIND_PARAMS. */
export interface KindParams {
  /** Duration [lo, hi] as integers; in samples, or in whole seasonal cycles when `unit` is `cycles`. */
  readonly duration: readonly [number, number];
  /** `samples`, or `cycles` of the background's period (the interval then starts and ends at cycle starts, except `frequency`). */
  readonly unit: 'samples' | 'cycles';
  /**
   * Size [lo, hi), drawn uniformly, meaning per kind:
   * global-spike: distance beyond the series' range, as a fraction of that range;
   * contextual-spike: distance from the expected value, as a fraction of the normal range (at least `sigmas`·σ_t);
   * level-shift: shift in background units (sign 50/50); trend: total level change over the interval in
   * background units (sign 50/50; the level keeps it afterwards); frequency, amplitude: factor, multiplied or
   * divided (50/50); pattern: warp exponent γ of the `warped` shape (γ or 1/γ); flatline: where the flat line sits,
   * as a fraction of the way from the cycle's low to its high.
   */
  readonly magnitude: readonly [number, number];
  /** contextual-spike only: least distance from the expected value in local noise stds (0 for the others). */
  readonly sigmas: number;
}

/** The backgrounds' parameters (BACKGROUND_PARAMS in tasks.ts). */
export interface BackgroundParams {
  /** Daily period [lo, hi] in samples (integer, uniform), also at most floor(L / minCycles) and at least 2. */
  readonly period: readonly [number, number];
  /** Least whole periods in a series: caps the period of short series. */
  readonly minCycles: number;
  /** Harmonics in the daily profile, integer [lo, hi]; harmonic k ≥ 2 has weight U(0, harmonicWeight)/k. */
  readonly harmonics: readonly [number, number];
  /** Largest relative weight of a higher harmonic (before the 1/k). */
  readonly harmonicWeight: number;
  /** weekly: amplitude factor of the 2 weekend days of each 7-day week, U(lo, hi). */
  readonly weekend: readonly [number, number];
  /** daily, weekly, counts: total linear drift over the series, U(−drift, drift) units. */
  readonly drift: number;
  /** daily, weekly, counts: a slow random walk added to the level, scaled to range U(0, wander) units. */
  readonly wander: number;
  /** plateau: number of levels, integer [lo, hi], evenly spaced on [0, 1]. */
  readonly plateauLevels: readonly [number, number];
  /** plateau: time on one level, floor(max(min, Exp(mean))) samples, as [mean, min]. */
  readonly plateauDwell: readonly [number, number];
  /** Noise std σ0 in units, U(lo, hi) (not for counts, whose noise is Poisson). */
  readonly noise: readonly [number, number];
  /** Heteroscedasticity: σ_t = σ0·(1 + h·g_t), h ~ U(lo, hi), g_t in [0, 1] the daily activity or a slow volatility process. */
  readonly hetero: readonly [number, number];
  /** counts: typical rate (events per sample), log-uniform [lo, hi]. */
  readonly countRate: readonly [number, number];
  /** counts: ratio of the daily peak rate to the trough, log-uniform [lo, hi]. */
  readonly countSwing: readonly [number, number];
  /** counts: one unit of level (drift, wander, level shift, trend) multiplies the rate by this. */
  readonly countLevelFactor: number;
  /** Natural units (not counts): value = offset + scale·unit value, scale = 10^U(lo, hi). */
  readonly unitScale: readonly [number, number];
  /** Natural units: offset = scale·U(lo, hi). */
  readonly unitOffset: readonly [number, number];
  /** Quantisation (not counts): values are rounded to q = 10^floor(log10(U(lo, hi)·σ0·scale)), at most half a noise std. */
  readonly quantum: readonly [number, number];
  /** Missing stretches per series when it has any, integer [lo, hi]. */
  readonly missingCount: readonly [number, number];
  /** Missing stretch length: integer in [lo, max(lo, floor(hi·L))] samples; hi is a fraction of the length. */
  readonly missingLength: readonly [number, number];
  /** Longest anomaly as a fraction of the series length (durations are capped so short series keep their anomalies). */
  readonly maxEventFraction: number;
}
