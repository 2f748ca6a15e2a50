/**
 * The normal part of a synth series, in unit space (params.ts): what the series
 * does when nothing is wrong. Five kinds:
 *
 *   walk     a Gaussian random walk scaled to range 1; slow volatility changes
 *   daily    a daily cycle (profile.ts) of period P, plus linear drift and a slow wander
 *   weekly   daily, with the 2 weekend days of every 7 scaled by a factor < 1
 *   plateau  piecewise-constant levels (2–4, evenly spaced on [0, 1]) visited in turn
 *   counts   daily, as the log of a Poisson rate (integer values; render.ts)
 *
 * Heteroscedastic noise (render.ts): σ_t = σ0·(1 + h·g_t) with g_t the daily
 * activity for the seasonal kinds, or a slow volatility process (an AR(1) with
 * time constant L/10, scaled to [0, 1]) for walk and plateau.
 */
import type { Rng } from '../rng.js';
import type { BackgroundKind, BackgroundParams, SynthTaskParams } from './params.js';
import { SEASONAL_BACKGROUNDS } from './params.js';
import { type Profile, drawProfile, drawPulseProfile } from './profile.js';

export interface Background {
  readonly kind: BackgroundKind;
  readonly length: number;
  /** Samples per daily cycle; Infinity for walk and plateau. */
  readonly period: number;
  /** The daily profile (seasonal kinds only). */
  readonly profile: Profile | undefined;
  /** Phase before the first sample, in cycles: phase_t = phase0 + Σ_{k≤t} f_k. */
  readonly phase0: number;
  /** weekly: amplitude factor of weekend days (1 for the other kinds). */
  readonly weekend: number;
  /** weekly: weekday of cycle 0 (0–6; days 5 and 6 of each week are the weekend). */
  readonly weekStart: number;
  /** Level in units, shape (L,): the walk, the plateaus, or drift + wander. */
  readonly level: Float64Array;
  /** Base noise std σ0 in units (unused by counts). */
  readonly sigma0: number;
  /** Heteroscedasticity h (unused by counts). */
  readonly hetero: number;
  /** walk, plateau: the volatility process g_t in [0, 1], shape (L,). */
  readonly volatility: Float64Array | undefined;
  /** counts: typical rate, events per sample. */
  readonly rate: number;
  /** counts: κ = ln(peak/trough rate), the log-rate per unit of the daily cycle (render.ts). */
  readonly kappa: number;
}

/** Scale `x` in place to [0, span]; a constant array becomes zeros. Returns x. */
export function scaleToRange(x: Float64Array, span: number): Float64Array {
  let lo = Infinity,
    hi = -Infinity;
  for (const v of x) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi > lo)) return x.fill(0);
  for (let i = 0; i < x.length; i++) x[i] = (span * (x[i] - lo)) / (hi - lo);
  return x;
}

function randomWalk(rng: Rng, n: number): Float64Array {
  const w = new Float64Array(n);
  for (let t = 1; t < n; t++) w[t] = w[t - 1] + rng.normal();
  return w;
}

function volatility(rng: Rng, n: number): Float64Array {
  const rho = Math.exp(-1 / Math.max(1, n / 10));
  const v = new Float64Array(n);
  for (let t = 0; t < n; t++) v[t] = (t > 0 ? rho * v[t - 1] : 0) + rng.normal();
  return scaleToRange(v, 1);
}

function plateaus(rng: Rng, n: number, p: BackgroundParams): Float64Array {
  const m = p.plateauLevels[0] + rng.int(p.plateauLevels[1] - p.plateauLevels[0] + 1);
  const out = new Float64Array(n);
  let level = rng.int(m);
  for (let t = 0; t < n;) {
    const dwell = Math.floor(Math.max(p.plateauDwell[1], rng.exponential(p.plateauDwell[0])));
    out.fill(m === 1 ? 0 : level / (m - 1), t, Math.min(n, t + dwell));
    t += dwell;
    if (m > 1) {
      const next = rng.int(m - 1);
      level = next >= level ? next + 1 : next;
    }
  }
  return out;
}

/** Integer period in [lo, hi] ∩ [2, floor(n / minCycles)] (2 when the series is too short for lo). */
export function periodRange(n: number, p: BackgroundParams): readonly [number, number] {
  const hi = Math.max(2, Math.min(p.period[1], Math.floor(n / p.minCycles)));
  return [Math.min(p.period[0], hi), hi];
}

const logUniform = (rng: Rng, [lo, hi]: readonly [number, number]) => Math.exp(rng.range(Math.log(lo), Math.log(hi)));

/** A task's choices about its backgrounds; absent = the defaults, drawing nothing extra. */
export type BackgroundStyle = Pick<SynthTaskParams, 'profile' | 'noiseFree' | 'period'>;

/**
 * One background of `kind` and length n. Draw order: period, profile, phase0,
 * weekend factor and start day (weekly), level (walk / plateaus / drift then
 * wander), [noise-free or not, when the style has noiseFree], σ0, h, volatility
 * (walk, plateau), rate and κ (counts).
 */
export function drawBackground(rng: Rng, kind: BackgroundKind, n: number, p: BackgroundParams, style: BackgroundStyle = {}): Background {
  const seasonal = SEASONAL_BACKGROUNDS.includes(kind);
  let period = Infinity,
    profile: Profile | undefined,
    phase0 = 0;
  if (seasonal) {
    const [lo, hi] = periodRange(n, style.period === undefined ? p : { ...p, period: style.period });
    period = lo + rng.int(hi - lo + 1);
    profile = style.profile === 'pulse' ? drawPulseProfile(rng) : drawProfile(rng, p.harmonics, p.harmonicWeight);
    phase0 = rng.uniform();
  }
  const weekly = kind === 'weekly';
  const weekend = weekly ? rng.range(p.weekend[0], p.weekend[1]) : 1;
  const weekStart = weekly ? rng.int(7) : 0;
  let level: Float64Array;
  if (kind === 'walk') level = scaleToRange(randomWalk(rng, n), 1);
  else if (kind === 'plateau') level = plateaus(rng, n, p);
  else {
    const drift = rng.range(-p.drift, p.drift);
    const wander = scaleToRange(randomWalk(rng, n), rng.range(0, p.wander));
    level = new Float64Array(n);
    for (let t = 0; t < n; t++) level[t] = (n > 1 ? (drift * t) / (n - 1) : 0) + wander[t];
  }
  const counts = kind === 'counts';
  const quiet = style.noiseFree !== undefined && !counts && rng.bernoulli(style.noiseFree);
  const sigma0 = counts ? 0 : rng.range(p.noise[0], p.noise[1]) * (quiet ? 0 : 1);
  const hetero = counts ? 0 : rng.range(p.hetero[0], p.hetero[1]);
  const vol = kind === 'walk' || kind === 'plateau' ? volatility(rng, n) : undefined;
  const rate = counts ? logUniform(rng, p.countRate) : 0;
  const kappa = counts ? Math.log(logUniform(rng, p.countSwing)) : 0;
  return { kind, length: n, period, profile, phase0, weekend, weekStart, level, sigma0, hetero, volatility: vol, rate, kappa };
}

/** The weekly amplitude factor of day `day` (an integer cycle index; 1 except weekly weekends). */
export function dayFactor(bg: Background, day: number): number {
  if (bg.kind !== 'weekly') return 1;
  const weekday = (((day + bg.weekStart) % 7) + 7) % 7;
  return weekday >= 5 ? bg.weekend : 1;
}
