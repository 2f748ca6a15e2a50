/**
 * The blind classical baseline: given only the values of a series (no task
 * name, no label), infer its family, run the detectors that fit it, and
 * answer with intervals and a type, plus every number the decision used.
 *
 *   level     → robust z-score level shifts          → global point
 *   trending  → local slope against the typical one  → trend
 *   periodic  → local sine fit and phase drift       → contextual point | seasonal | shapelet
 *
 * No interval found → `normal`. The evidence is what the blind ExpCoT cites.
 */
import { ConfigError, ShapeError } from '../errors.js';
import type { AnomalyType } from '../series/labels.js';
import type { Interval } from '../series/record.js';
import { type FamilyEvidence, inferFamily } from './family.js';
import { type LevelEvidence, type LevelIntervalStats, detectLevel, levelIntervalStats } from './level.js';
import { type PeriodicEvidence, detectPeriodic } from './periodic.js';
import type { PeriodicIntervalStats } from './periodic-stats.js';
import { BASELINE_THRESHOLDS, type BaselineThresholds } from './thresholds.js';
import { type TrendEvidence, type TrendIntervalStats, detectTrend, trendIntervalStats } from './trend.js';

/** Shortest series the detectors run on; shorter ones are answered `normal`. */
export const MIN_DETECT_LENGTH = 16;

/** Per-interval statistics, tagged by the detector that measured them. */
export type IntervalEvidence =
  | ({ readonly kind: 'level' } & LevelIntervalStats)
  | ({ readonly kind: 'trend' } & TrendIntervalStats)
  | ({ readonly kind: 'periodic'; readonly label: Exclude<AnomalyType, 'normal'> } & PeriodicIntervalStats);

export interface Evidence {
  /** Series length. */
  readonly length: number;
  readonly family: FamilyEvidence;
  /** Present for the family's detector only. */
  readonly level?: LevelEvidence;
  readonly trend?: TrendEvidence;
  readonly periodic?: PeriodicEvidence;
  /** One entry per answered interval, same order. */
  readonly intervals: readonly IntervalEvidence[];
}

export interface Detection {
  readonly intervals: Interval[];
  readonly type: AnomalyType;
  readonly evidence: Evidence;
}

export interface DetectOptions {
  /** Override tuned thresholds (for tuning scripts and ablations); unknown keys are a ConfigError. */
  readonly thresholds?: Partial<BaselineThresholds>;
}

/** Merge overrides into the tuned thresholds, rejecting unknown names and non-finite values. */
export function resolveThresholds(over: Partial<BaselineThresholds> | undefined): BaselineThresholds {
  if (over === undefined) return BASELINE_THRESHOLDS;
  for (const [k, v] of Object.entries(over)) {
    if (!(k in BASELINE_THRESHOLDS))
      throw new ConfigError(`thresholds.${k}`, `is not a baseline threshold; valid names: ${Object.keys(BASELINE_THRESHOLDS).join(', ')}`);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(`thresholds.${k}`, `must be a finite number, got ${String(v)}`);
  }
  return Object.freeze({ ...BASELINE_THRESHOLDS, ...over });
}

/** Run the blind baseline on one series (finite values; any length, < 16 samples is `normal`). */
export function detect(values: Float64Array, opts: DetectOptions = {}): Detection {
  const T = resolveThresholds(opts.thresholds);
  const n = values.length;
  for (let t = 0; t < n; t++) {
    if (!Number.isFinite(values[t])) throw new ShapeError(`detect: value ${t} is ${values[t]}; every value must be a finite number`);
  }
  if (n < MIN_DETECT_LENGTH) {
    const family: FamilyEvidence = { family: 'level', roughness: 0, trendR2: 0, lineSlope: 0, period: Infinity, periodShare: 0 };
    return { intervals: [], type: 'normal', evidence: { length: n, family, intervals: [] } };
  }
  const family = inferFamily(values, T);
  if (family.family === 'level') {
    const { intervals, evidence } = detectLevel(values, T);
    const stats = intervals.map((iv) => ({ kind: 'level' as const, ...levelIntervalStats(values, evidence.level, evidence.scale, iv) }));
    return { intervals, type: intervals.length > 0 ? 'global point' : 'normal', evidence: { length: n, family, level: evidence, intervals: stats } };
  }
  if (family.family === 'trending') {
    const { intervals, fits, evidence } = detectTrend(values, family.period, T);
    const stats = intervals.map((iv) => ({ kind: 'trend' as const, ...trendIntervalStats(fits.slope, evidence.typicalSlope, iv) }));
    return { intervals, type: intervals.length > 0 ? 'trend' : 'normal', evidence: { length: n, family, trend: evidence, intervals: stats } };
  }
  const { intervals, type, stats, labels, evidence } = detectPeriodic(values, T);
  const ivs = stats.map((st, i) => ({ kind: 'periodic' as const, label: labels[i], ...st }));
  return { intervals, type, evidence: { length: n, family, periodic: evidence, intervals: ivs } };
}
