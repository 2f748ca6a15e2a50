/** The blind classical baseline detector (family inference, level / trend / periodic detectors). */
export { detect, resolveThresholds, MIN_DETECT_LENGTH, type Detection, type DetectOptions, type Evidence, type IntervalEvidence } from './detect.js';
export { BASELINE_THRESHOLDS, type BaselineThresholds } from './thresholds.js';
export { FAMILIES, inferFamily, roughness, type Family, type FamilyEvidence } from './family.js';
export { detectLevel, levelIntervalStats, levelZ, type LevelEvidence, type LevelIntervalStats } from './level.js';
export { detectTrend, localSlopes, trendIntervalStats, trendWindow, type LocalSlopes, type TrendEvidence, type TrendIntervalStats } from './trend.js';
export { detectPeriodic, periodicModel, phaseTrack, refineFrequencyByPhase, type PeriodicEvidence } from './periodic.js';
export {
  classifyPeriodicInterval,
  lag1Autocorrelation,
  levelCrossings,
  localFrequency,
  periodicIntervalStats,
  type PeriodicIntervalStats,
  type PeriodicModel,
} from './periodic-stats.js';
export { coveringMin, medianOf, windowSineFits, type WindowFits } from './sine-fit.js';
export { dropShort, growRuns, hysteresisRuns, mergeRuns, runsMask, coveredLength } from './runs.js';
