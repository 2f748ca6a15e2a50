/**
 * Every tuned constant of the classical baseline, in one place.
 *
 * Tuned on the TRAIN split only (anomllm:train, seed 3407, 400 series per
 * task), by sweeping one constant at a time with
 *
 *   node --import tsx bench/baseline-tune.ts --sweep <name>=v1,v2,…
 *
 * and checked with `node --import tsx bench/baseline-tune.ts --tasks …,shapelet`
 * so the held-out shapelets are not broken by a change (never tuned for them).
 * Train-split score with these values (3,200 series): class accuracy 98.88%,
 * affiliation F1 freq 98.25, trend 98.00, range 100.00, point 99.32,
 * average 98.89. The eval split (seed 42) was run once, after freezing them:
 * docs/EXPCOT.md and docs/BENCHMARKS.md (section `baseline`) hold that table.
 *
 * Units: z in robust standard deviations; "periods" multiply the series' own
 * oscillation period P (samples); fractions are of the threshold they qualify.
 */
export interface BaselineThresholds {
  // ── family (family.ts) ──
  /** Roughness MAD(Δx)/(√2·MAD(x)) at or above which a series is a noise-like level series (≈1 noise, ≈0.13 a sine). */
  readonly familyRoughness: number;
  /** Line R² at or above which a smooth series is trending (train: trend tasks ≥ 0.55, others ≤ 0.14). */
  readonly familyTrendR2: number;

  // ── level shifts (level.ts) ──
  /** |mean robust z over 3 samples| that opens a run. */
  readonly levelCoreZ: number;
  /** Own |robust z| (same sign) a neighbour needs to join the run. */
  readonly levelEdgeZ: number;
  /** Runs this many samples apart or closer are merged. */
  readonly levelMergeGap: number;
  /** Shortest answered run (samples). */
  readonly levelMinLength: number;

  // ── slope changes (trend.ts) ──
  /** Smallest half-width of the slope window (samples). */
  readonly trendMinHalfWindow: number;
  /** Half-width of the slope window, in periods. */
  readonly trendHalfWindowPeriods: number;
  /** A slope must differ from the typical one by this fraction of it … */
  readonly trendRatio: number;
  /** … and by this many standard errors of the local slope. */
  readonly trendZ: number;
  /** Hysteresis: a run extends while the score is at least this fraction of the threshold. */
  readonly trendEdgeFraction: number;
  /** A run is trimmed to where the slope deviation is at least this fraction of its peak (0.5 = half-height of the ramp). */
  readonly trendPeakFraction: number;
  /** Runs at most this many periods apart are merged. */
  readonly trendMergePeriods: number;
  /** Shortest run before trimming, in periods. */
  readonly trendMinLengthPeriods: number;

  // ── oscillation breaks (periodic.ts, periodic-stats.ts) ──
  /** Smallest window of the sine fits and the phase track (samples). */
  readonly periodicMinWindow: number;
  /** Width of the sine-fit windows behind the fit score, in periods. */
  readonly periodicFitWindowPeriods: number;
  /** Fit-score threshold floor as a fraction of the amplitude (what clean series use). */
  readonly periodicFitFloor: number;
  /** Fit-score threshold in noise stds (what noisy series use). */
  readonly periodicFitK: number;
  /** Width of the windows behind the phase track, in periods. */
  readonly periodicPhaseWindowPeriods: number;
  /** The phase rate is the track's slope over ± this many periods. */
  readonly periodicRateLagPeriods: number;
  /** Phase-rate threshold floor as a fraction of ω0 (a 25% change of pace). */
  readonly periodicRateFloor: number;
  /** Phase-rate threshold in robust spreads of the rate. */
  readonly periodicRateK: number;
  /** Hysteresis: a run extends while a score is at least this fraction of its threshold. */
  readonly periodicEdgeFraction: number;
  /** The fit core of a run is where the fit score reaches this fraction of its threshold. */
  readonly periodicCoreLevel: number;
  /** Runs at most this many periods apart are merged. */
  readonly periodicMergePeriods: number;
  /** Shortest run (samples); also the smallest core. */
  readonly periodicMinLength: number;
  /** Lag-1 autocorrelation below which a break is noise-like … */
  readonly periodicNoiseAc1: number;
  /** … provided its values spread at least this fraction of the amplitude. */
  readonly periodicNoiseStd: number;
  /** |phase shift| (rad) across a break at or above which the pace changed (seasonal). */
  readonly periodicPhaseShift: number;
  /** A run opened by the phase rate alone must shift the phase by at least this (rad). */
  readonly periodicRateRunShift: number;
  /** A shape change (shapelet) must span at least this many periods. */
  readonly periodicShapeletCycles: number;
  /** Crossing ratio at or above which a break that kept its phase is a faster stretch (seasonal). */
  readonly periodicCrossRatio: number;
}

export const BASELINE_THRESHOLDS: BaselineThresholds = Object.freeze({
  familyRoughness: 0.5,
  familyTrendR2: 0.3,

  levelCoreZ: 4,
  levelEdgeZ: 2.5,
  levelMergeGap: 2,
  levelMinLength: 2,

  trendMinHalfWindow: 10,
  trendHalfWindowPeriods: 1,
  trendRatio: 0.15,
  trendZ: 4,
  trendEdgeFraction: 0.5,
  trendPeakFraction: 0.5,
  trendMergePeriods: 1,
  trendMinLengthPeriods: 0.5,

  periodicMinWindow: 6,
  periodicFitWindowPeriods: 0.5,
  periodicFitFloor: 0.02,
  periodicFitK: 1.8,
  periodicPhaseWindowPeriods: 0.4,
  periodicRateLagPeriods: 0.18,
  periodicRateFloor: 0.25,
  periodicRateK: 5,
  periodicEdgeFraction: 0.7,
  periodicCoreLevel: 1,
  periodicMergePeriods: 0.2,
  periodicMinLength: 3,
  periodicNoiseAc1: 0.55,
  periodicNoiseStd: 0.1,
  periodicPhaseShift: 0.5,
  periodicRateRunShift: 0.4,
  periodicShapeletCycles: 0.4,
  periodicCrossRatio: 1.6,
});
