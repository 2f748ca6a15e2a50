/**
 * The broader generator's tables (docs/DATA-GENERATOR.md "Synth tasks"): one row
 * per task, one per anomaly kind, and the backgrounds' parameters. The meaning
 * of every field is the doc comment on its interface in params.ts.
 *
 * Reading a row: `global-spikes` series are 250–4,000 samples long; 10 % are
 * normal; the others carry 1 to min(50, floor(0.05·L)) one-sample spikes beyond
 * the series' range, at least 3 normal samples apart, on any of the five
 * backgrounds; a quarter of all series also have missing stretches.
 */
import type { SynthTaskName } from '../series/labels.js';
import type { AnomalyKind, BackgroundParams, KindParams, SynthTaskParams } from './params.js';

const ALL_BACKGROUNDS = { walk: 1, daily: 1, weekly: 1, plateau: 1, counts: 1 } as const;
const SEASONAL = { daily: 1, weekly: 1, counts: 1 } as const;
const LENGTH = [250, 4000] as const;

export const SYNTH_TASK_PARAMS: Readonly<Record<SynthTaskName, SynthTaskParams>> = Object.freeze({
  'global-spikes': {
    length: LENGTH,
    normalRate: 0.1,
    count: [1, 50],
    maxDensity: 0.05,
    minGap: 3,
    kinds: { 'global-spike': 1 },
    backgrounds: ALL_BACKGROUNDS,
    mixTypes: false,
    missingRate: 0.25,
  },
  'contextual-spikes': {
    length: LENGTH,
    normalRate: 0.1,
    count: [1, 50],
    maxDensity: 0.05,
    minGap: 3,
    kinds: { 'contextual-spike': 1 },
    backgrounds: ALL_BACKGROUNDS,
    mixTypes: false,
    missingRate: 0.25,
  },
  'dense-points': {
    length: LENGTH,
    normalRate: 0.05,
    count: [10, 50],
    maxDensity: 0.05,
    minGap: 3,
    kinds: { 'global-spike': 1, 'contextual-spike': 1 },
    backgrounds: ALL_BACKGROUNDS,
    mixTypes: true,
    missingRate: 0.25,
  },
  'level-shift': {
    length: LENGTH,
    normalRate: 0.15,
    count: [1, 6],
    maxDensity: 0.005,
    minGap: 20,
    kinds: { 'level-shift': 1 },
    backgrounds: { walk: 1, daily: 1, weekly: 1, counts: 1 },
    mixTypes: false,
    missingRate: 0.25,
  },
  pattern: {
    length: LENGTH,
    normalRate: 0.15,
    count: [1, 3],
    maxDensity: 0.003,
    minGap: 10,
    kinds: { pattern: 1 },
    backgrounds: { daily: 1, weekly: 1, counts: 0.5 },
    mixTypes: false,
    missingRate: 0.25,
  },
  'seasonal-change': {
    length: LENGTH,
    normalRate: 0.15,
    count: [1, 4],
    maxDensity: 0.004,
    minGap: 20,
    kinds: { frequency: 1, amplitude: 1 },
    backgrounds: SEASONAL,
    mixTypes: false,
    missingRate: 0.25,
  },
  'trend-change': {
    length: LENGTH,
    normalRate: 0.2,
    count: [1, 3],
    maxDensity: 0.002,
    minGap: 50,
    kinds: { trend: 1 },
    backgrounds: SEASONAL,
    mixTypes: false,
    missingRate: 0.25,
  },
  'multi-type': {
    length: LENGTH,
    normalRate: 0.05,
    count: [2, 8],
    maxDensity: 0.008,
    minGap: 10,
    kinds: { 'global-spike': 2, 'contextual-spike': 2, 'level-shift': 1, trend: 1, frequency: 1, amplitude: 1, pattern: 1 },
    backgrounds: SEASONAL,
    mixTypes: true,
    missingRate: 0.25,
  },
  'pulse-cycles': {
    length: LENGTH,
    normalRate: 0.5,
    count: [1, 2],
    maxDensity: 0.003,
    minGap: 10,
    kinds: { pattern: 1, amplitude: 1, 'level-shift': 1, flatline: 1 },
    backgrounds: { daily: 1, weekly: 1 },
    mixTypes: false,
    missingRate: 0,
    profile: 'pulse',
    noiseFree: 0.5,
    period: [48, 288],
  },
});

export const ANOMALY_KIND_PARAMS: Readonly<Record<AnomalyKind, KindParams>> = Object.freeze({
  'global-spike': { duration: [1, 1], unit: 'samples', magnitude: [0.3, 1], sigmas: 0 },
  'contextual-spike': { duration: [1, 1], unit: 'samples', magnitude: [0.2, 0.6], sigmas: 4 },
  'level-shift': { duration: [10, 150], unit: 'samples', magnitude: [0.4, 1], sigmas: 0 },
  trend: { duration: [50, 250], unit: 'samples', magnitude: [0.5, 1.2], sigmas: 0 },
  frequency: { duration: [1, 3], unit: 'cycles', magnitude: [2, 3.5], sigmas: 0 },
  amplitude: { duration: [1, 2], unit: 'cycles', magnitude: [2, 3.5], sigmas: 0 },
  pattern: { duration: [1, 2], unit: 'cycles', magnitude: [2.5, 4], sigmas: 0 },
  flatline: { duration: [1, 2], unit: 'cycles', magnitude: [0.25, 0.75], sigmas: 0 },
});

export const BACKGROUND_PARAMS: BackgroundParams = Object.freeze({
  period: [24, 96],
  minCycles: 6,
  harmonics: [1, 4],
  harmonicWeight: 0.6,
  weekend: [0.3, 0.7],
  drift: 1,
  wander: 0.3,
  plateauLevels: [2, 4],
  plateauDwell: [150, 40],
  noise: [0.015, 0.07],
  hetero: [0, 2],
  countRate: [20, 400],
  countSwing: [3, 10],
  countLevelFactor: 4,
  unitScale: [-1, 3],
  unitOffset: [-1, 5],
  quantum: [0.05, 0.5],
  missingCount: [1, 3],
  missingLength: [5, 0.04],
  maxEventFraction: 0.2,
} as const);
