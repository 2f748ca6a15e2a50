/**
 * Classical time-series analyses: the evidence behind the expert chain of
 * thought (docs/METHOD.md §4) and the classical baseline detectors. All pure functions
 * over numeric arrays; inputs are never mutated.
 */
export { mean, std, median, quantile, quantiles, zScores, mad, MAD_TO_STD, robustZ, centredWindow, rollingMean, rollingStd } from './stats.js';
export { hbos, hbosModel, hbosOutlierScore, EMPTY_BIN_HEIGHT_FACTOR, HBOS_TOP_FRACTION, type HbosModel, type HbosOptions } from './hbos.js';
export { savgolCoefficients, savgolWeightsAt, savgolFilter, smoothedGradient, GRADIENT_WINDOW } from './savgol.js';
export {
  rfft,
  fftComplex,
  powerSpectrum,
  dominantPeriod,
  parabolicOffset,
  jacobsenOffset,
  slidingDominantFrequency,
  type DominantPeriod,
  type Spectrum,
} from './fft.js';
export { matrixProfile, discord, topDiscords, discordsFromProfile, exclusionZone, type Discord, type MatrixProfile } from './matrix-profile.js';
export { slopeChangeScan, SLOPE_CHANGE_DURATIONS, type SlopeChangeScan } from './slope-change.js';
export { fitLine } from './line-fit.js';
export { seasonalResidual, type SeasonalResidual } from './seasonal-residual.js';
