/**
 * The daily cycle of the seasonal backgrounds and the other shapes a pattern
 * anomaly swaps in for it. φ ∈ [0, 1) is the phase within one cycle.
 *
 * Daily profile: p(φ) = c · Σ_{k=1..H} a_k (sin(2πkφ + θ_k) − sin θ_k), with
 * a_1 = 1, a_k = U(0, w)/k, θ_k = U(0, 2π), and c chosen so that the cycle's
 * peak-to-peak is 1 (measured on a 512-point grid). p(0) = 0, so every cycle
 * starts and ends at 0: scaling a whole cycle (the weekend factor, an amplitude
 * anomaly) or swapping its shape never makes a jump at the cycle's start.
 *
 * Pattern shapes (same period, same cycle mean, value 0 at φ = 0):
 *   triangle, square, sawtooth: ½·waveform (shared/anomllm/shapelet.ts), peak-to-peak 1;
 *   inverted: −p(φ);  warped: p(φ^γ), γ drawn per anomaly (time runs unevenly within the cycle).
 * Each raw shape r gets + (mean(p) − mean(r))·2 sin²(πφ), a bump that is 0 at both ends
 * and averages 1, so the anomalous cycle keeps the normal cycle's mean: only the shape changes.
 * A shape is only drawn when it is visibly different: somewhere in the cycle it is at least
 * MIN_PATTERN_DISTANCE from the profile (a triangle can otherwise be almost a plain sine).
 */
import { waveform } from '../anomllm/shapelet.js';
import type { Rng } from '../rng.js';

export const PATTERN_SHAPES = ['triangle', 'square', 'sawtooth', 'inverted', 'warped'] as const;
export type PatternShape = (typeof PATTERN_SHAPES)[number];

/** Grid used to normalise the profile and measure cycle means. */
export const PROFILE_GRID = 512;
/** Least largest gap between a pattern cycle and the normal cycle, as a fraction of the cycle's peak-to-peak (1). */
export const MIN_PATTERN_DISTANCE = 0.15;

export interface Profile {
  /** Harmonic weights a_k (already multiplied by the normalising c), shape (H,). */
  readonly a: Float64Array;
  /** Harmonic phases θ_k, shape (H,). */
  readonly theta: Float64Array;
  /** Lowest and highest value over a cycle (on the grid); max − min = 1. */
  readonly min: number;
  readonly max: number;
  /** Mean over a cycle (on the grid). */
  readonly mean: number;
}

function rawProfile(a: Float64Array, theta: Float64Array, phi: number): number {
  let v = 0;
  for (let k = 0; k < a.length; k++) v += a[k] * (Math.sin(2 * Math.PI * (k + 1) * phi + theta[k]) - Math.sin(theta[k]));
  return v;
}

function gridStats(f: (phi: number) => number): { min: number; max: number; mean: number } {
  let min = Infinity,
    max = -Infinity,
    sum = 0;
  for (let j = 0; j < PROFILE_GRID; j++) {
    const v = f(j / PROFILE_GRID);
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, max, mean: sum / PROFILE_GRID };
}

/** Draw order: number of harmonics, then per harmonic its weight (k ≥ 2) and phase. */
export function drawProfile(rng: Rng, harmonics: readonly [number, number], weight: number): Profile {
  const h = harmonics[0] + rng.int(harmonics[1] - harmonics[0] + 1);
  const a = new Float64Array(h),
    theta = new Float64Array(h);
  for (let k = 0; k < h; k++) {
    a[k] = k === 0 ? 1 : rng.range(0, weight) / (k + 1);
    theta[k] = rng.range(0, 2 * Math.PI);
  }
  const raw = gridStats((phi) => rawProfile(a, theta, phi));
  // A first harmonic of weight 1 alone spans 2, so the span is never near 0.
  const c = 1 / (raw.max - raw.min);
  for (let k = 0; k < h; k++) a[k] *= c;
  return { a, theta, min: raw.min * c, max: raw.max * c, mean: raw.mean * c };
}

/**
 * A daily cycle that is a rectangular pulse — low, then high for a duty fraction d of the cycle,
 * as machines switched on by a schedule are — smoothed: the pulse's first `harmonics` Fourier
 * terms, each damped by the Lanczos factor sinc(k / (harmonics + 1)) so the edges ramp instead
 * of ringing. Term k of a pulse of duty d starting at phase φ0 is (2/πk)·sin(πkd)·cos(2πk(φ − φ0 − d/2)),
 * i.e. weight a_k = (2/πk)·sin(πkd)·σ_k and phase θ_k = π/2 − 2πk(φ0 + d/2) in p's form; then
 * scaled, as drawProfile's, to peak-to-peak 1. Draw order: d ~ U(0.2, 0.8), φ0 ~ U(0, 1).
 */
export function drawPulseProfile(rng: Rng, harmonics = 15): Profile {
  const d = rng.range(0.2, 0.8);
  const phi0 = rng.uniform();
  const a = new Float64Array(harmonics),
    theta = new Float64Array(harmonics);
  for (let k = 1; k <= harmonics; k++) {
    const x = (Math.PI * k) / (harmonics + 1);
    a[k - 1] = ((2 / (Math.PI * k)) * Math.sin(Math.PI * k * d) * Math.sin(x)) / x;
    theta[k - 1] = Math.PI / 2 - 2 * Math.PI * k * (phi0 + d / 2);
  }
  const raw = gridStats((phi) => rawProfile(a, theta, phi));
  const c = 1 / (raw.max - raw.min);
  for (let k = 0; k < harmonics; k++) a[k] *= c;
  return { a, theta, min: raw.min * c, max: raw.max * c, mean: raw.mean * c };
}

/** p(φ) for φ in [0, 1). */
export function profileValue(p: Profile, phi: number): number {
  return rawProfile(p.a, p.theta, phi);
}

/** A pattern anomaly's cycle: its raw shape plus the mean-keeping bump (see the file comment). */
export interface PatternCycle {
  readonly shape: PatternShape;
  /** Warp exponent (used by `warped` only). */
  readonly gamma: number;
  /** mean(p) − mean(raw shape). */
  readonly meanFix: number;
}

function rawShape(p: Profile, shape: PatternShape, gamma: number, phi: number): number {
  switch (shape) {
    case 'triangle':
    case 'square':
    case 'sawtooth':
      return 0.5 * waveform(shape, phi);
    case 'inverted':
      return -profileValue(p, phi);
    case 'warped':
      return profileValue(p, Math.pow(phi, gamma));
  }
}

function cycleOf(p: Profile, shape: PatternShape, gamma: number): PatternCycle {
  return { shape, gamma, meanFix: p.mean - gridStats((phi) => rawShape(p, shape, gamma, phi)).mean };
}

/** Largest |pattern − profile| over the cycle (on the grid). */
export function patternDistance(p: Profile, c: PatternCycle): number {
  let d = 0;
  for (let j = 0; j < PROFILE_GRID; j++) d = Math.max(d, Math.abs(patternValue(p, c, j / PROFILE_GRID) - profileValue(p, j / PROFILE_GRID)));
  return d;
}

/**
 * Draw order: γ from [lo, hi), whether it is inverted (1/γ), then the shape, uniform over the
 * shapes at least MIN_PATTERN_DISTANCE from this profile (the farthest one if none is).
 */
export function drawPatternCycle(rng: Rng, p: Profile, gammaRange: readonly [number, number]): PatternCycle {
  const g = rng.range(gammaRange[0], gammaRange[1]);
  const gamma = rng.bernoulli(0.5) ? g : 1 / g;
  const cycles = PATTERN_SHAPES.map((shape) => cycleOf(p, shape, gamma));
  const distances = cycles.map((c) => patternDistance(p, c));
  const far = cycles.filter((_, i) => distances[i] >= MIN_PATTERN_DISTANCE);
  if (far.length === 0) return cycles[distances.indexOf(Math.max(...distances))];
  return far[rng.int(far.length)];
}

/** The pattern cycle's value at phase φ in [0, 1). */
export function patternValue(p: Profile, c: PatternCycle, phi: number): number {
  const bump = 2 * Math.sin(Math.PI * phi) ** 2;
  return rawShape(p, c.shape, c.gamma, phi) + c.meanFix * bump;
}
