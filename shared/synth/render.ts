/**
 * From the expected value (unit space) to the values a user would record:
 *
 *   counts:  rate_t = rate·exp(κ·(s_t − mean s₀) + ln(countLevelFactor)·(l_t − mean l₀)),  x_t ~ Poisson(rate_t)
 *            (integers; s the seasonal part, l the level part, ₀ = without anomalies)
 *   others:  x_t = offset + scale·(u_t + σ_t·ε_t),   σ_t = σ0·(1 + h·g_t),  ε_t ~ N(0, 1)
 *            scale = 10^U(unitScale), offset = scale·U(unitOffset),
 *            then x_t rounded to the grid q = 10^e, e = floor(log10(U(quantum)·σ0·scale))
 *
 * The grid is the recording precision of real metrics (NAB's CPU series move in
 * steps of 0.002); it is at most half a base noise std, so it never hides an anomaly.
 * Poisson: inversion for rates below 30; above, round(N(rate, rate)) clipped at 0
 * (the normal approximation; mean and variance stay the rate).
 */
import type { Rng } from '../rng.js';
import type { Background } from './background.js';
import type { BackgroundParams } from './params.js';
import type { Structure } from './structural.js';

export interface Rendered {
  /** The recorded values, shape (L,). */
  readonly values: Float64Array;
  /** Expected value in natural units (counts: the rate), shape (L,). */
  readonly expected: Float64Array;
  /** Noise std in natural units (counts: √rate), shape (L,). */
  readonly sigma: Float64Array;
  /** Grid exponent e: every value is a multiple of 10^e (0 for counts). */
  readonly gridExponent: number;
  readonly counts: boolean;
}

/** Largest rate drawn by inversion; above it the normal approximation is used. */
export const POISSON_INVERSION_MAX = 30;

export function poisson(rng: Rng, rate: number): number {
  if (rate >= POISSON_INVERSION_MAX) return Math.max(0, Math.round(rng.normal(rate, Math.sqrt(rate))));
  const u = rng.uniform();
  let k = 0,
    p = Math.exp(-rate),
    cdf = p;
  while (u > cdf && p > 0) {
    k += 1;
    p *= rate / k;
    cdf += p;
  }
  return k;
}

/**
 * v on the grid 10^e, by `round`, `ceil` (up) or `floor` (down): k·10^e for an integer k.
 * For e < 0 the value is k / 10^−e, one correctly rounded division of two exact numbers,
 * so it is the double nearest the decimal and prints as such (12.3, not 12.300000000000001,
 * which k·0.1 could give).
 */
export function onGrid(v: number, e: number, mode: 'round' | 'ceil' | 'floor'): number {
  const f = mode === 'round' ? Math.round : mode === 'ceil' ? Math.ceil : Math.floor;
  if (e >= 0) {
    const q = 10 ** e;
    return f(v / q) * q;
  }
  const m = 10 ** -e;
  return f(v * m) / m;
}

/** Draw order — counts: one Poisson draw per sample; others: noise per sample, scale, offset, grid. */
export function render(rng: Rng, bg: Background, st: Structure, p: BackgroundParams): Rendered {
  const n = bg.length;
  const values = new Float64Array(n),
    expected = new Float64Array(n),
    sigma = new Float64Array(n);
  if (bg.kind === 'counts') {
    const lambda = Math.log(p.countLevelFactor);
    for (let t = 0; t < n; t++) {
      const seasonal = st.expected[t] - st.level[t];
      const rate = bg.rate * Math.exp(bg.kappa * (seasonal - st.baseSeasonMean) + lambda * (st.level[t] - st.baseLevelMean));
      expected[t] = rate;
      sigma[t] = Math.sqrt(rate);
      values[t] = poisson(rng, rate);
    }
    return { values, expected, sigma, gridExponent: 0, counts: true };
  }
  const g = st.activity ?? bg.volatility;
  const unit = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    // A stuck stretch still draws its noise (the draw order stays the same) and discards it.
    sigma[t] = st.stuck?.[t] === 1 ? 0 : bg.sigma0 * (1 + bg.hetero * (g === undefined ? 0 : g[t]));
    unit[t] = st.expected[t] + sigma[t] * rng.normal();
  }
  const scale = 10 ** rng.range(p.unitScale[0], p.unitScale[1]);
  const offset = scale * rng.range(p.unitOffset[0], p.unitOffset[1]);
  // A noise-free series (σ0 = 0) is rounded to a grid of 0.1–1 % of its unit scale instead.
  const e = Math.floor(Math.log10(rng.range(p.quantum[0], p.quantum[1]) * (bg.sigma0 > 0 ? bg.sigma0 : 0.02) * scale));
  for (let t = 0; t < n; t++) {
    values[t] = onGrid(offset + scale * unit[t], e, 'round');
    expected[t] = offset + scale * st.expected[t];
    sigma[t] *= scale;
  }
  return { values, expected, sigma, gridExponent: e, counts: false };
}
