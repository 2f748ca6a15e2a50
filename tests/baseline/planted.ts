/**
 * Hand-built series with one planted anomaly each, for the detector tests.
 * Built here from their definitions (not with the AnomLLM generator), so the
 * detector is checked on cases nobody tuned it on.
 */
import { Rng } from '../../shared/rng.js';
import type { Interval } from '../../shared/series/record.js';

export const N = 1000;

export function noise(seed: number, std: number, n = N): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => rng.normal(0, std));
}

/** Phase-continuous sine: frequency f everywhere except `factor`·f inside each interval. */
export function sine(f: number, opts: { amplitude?: number; n?: number; changes?: readonly [Interval, number][] } = {}): Float64Array {
  const n = opts.n ?? N;
  const out = new Float64Array(n);
  let phase = 0;
  for (let t = 0; t < n; t++) {
    let ft = f;
    for (const [[s, e], factor] of opts.changes ?? []) if (t >= s && t < e) ft = f * factor;
    out[t] = (opts.amplitude ?? 1) * Math.sin(2 * Math.PI * phase);
    phase += ft;
  }
  return out;
}

export function add(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((v, i) => v + b[i]);
}

/** Level shift: `delta` added on [s, e). */
export function shift(x: Float64Array, [s, e]: Interval, delta: number): Float64Array {
  return x.map((v, t) => (t >= s && t < e ? v + delta : v));
}

/** Values on [s, e) replaced by N(0, std) noise. */
export function burst(x: Float64Array, [s, e]: Interval, std: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  return x.map((v, t) => (t >= s && t < e ? rng.normal(0, std) : v));
}

/** sin(2π·f·t) + a level rising `slope`/n per sample, `steep`/n inside [s, e); min-max scaled to [−1, 1]. */
export function trendSeries(f: number, slope: number, steep?: readonly [Interval, number], n = N): Float64Array {
  let level = 0;
  const raw = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const inside = steep !== undefined && t >= steep[0][0] && t < steep[0][1];
    if (t > 0) level += (inside ? steep![1] : slope) / n;
    raw[t] = Math.sin(2 * Math.PI * f * t) + level;
  }
  let lo = Infinity,
    hi = -Infinity;
  for (const v of raw) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return raw.map((v) => (2 * (v - lo)) / (hi - lo) - 1);
}

/** Sine of integer period p and amplitude a with the whole cycles of [s, e) replaced by a square wave. */
export function squareCycle(p: number, a: number, [s, e]: Interval, n = N): Float64Array {
  return Float64Array.from({ length: n }, (_, t) => {
    if (t >= s && t < e) {
      const phi = ((t - s) % p) / p;
      return phi === 0 || phi === 0.5 ? 0 : phi < 0.5 ? a : -a;
    }
    return a * Math.sin((2 * Math.PI * t) / p);
  });
}

/** True when some detected interval overlaps `truth` with both ends within `tol` samples. */
export function foundNear(found: readonly Interval[], truth: Interval, tol: number): boolean {
  return found.some(([s, e]) => s < truth[1] && truth[0] < e && Math.abs(s - truth[0]) <= tol && Math.abs(e - truth[1]) <= tol);
}
