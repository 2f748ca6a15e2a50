/**
 * A scan for changes of slope under a seasonal background: the evidence for a trend anomaly
 * that a local slope cannot give when noise hides it (docs/POLICY.md §features).
 *
 * Model: x_t = a + b·t + c·sin(2πft) + d·cos(2πft) + γ·ramp_{s,d}(t) + noise, with f the
 * dominant frequency of the linearly detrended series (omitted when its period is not
 * between 2 samples and n/2) and ramp_{s,d}(t) = clip(t − s, 0, d): the slope is steeper (or
 * flatter) for d samples from s, then the old slope resumes from the new level. For every
 * start s and each duration d in DURATIONS (cut at the series' end), the statistic is the
 * squared t-value of γ, (c_r·r)² / (c_r·c_r · σ̂²), where r and c_r are x and the ramp with the
 * background regressors projected out and σ̂² = r·r / n — the F-statistic of adding the ramp.
 * Without a change it stays small (eval noisy-trend normals: at most ~20); a real change of
 * slope gives tens to thousands.
 *
 * Cost O(n·|DURATIONS|): every dot product with a ramp comes from prefix sums of v_t and t·v_t,
 *   c·v = Σ_{s≤t<e} (t − s)·v_t + (e − s)·Σ_{t≥e} v_t,   e = min(s + d, n).
 */
import { requireLength } from './checks.js';
import { dominantPeriod } from './fft.js';

export const SLOPE_CHANGE_DURATIONS: readonly number[] = Object.freeze([10, 20, 50, 100, 200, 400]);

export interface SlopeChangeScan {
  /** Per start s (length n): the largest statistic over the durations (0 where no ramp fits). */
  readonly start: Float64Array;
  /** Per point (length n): the largest statistic of a ramp whose last sample is that point. */
  readonly end: Float64Array;
  /** The background's seasonal frequency in cycles/sample; 0 when it has none. */
  readonly frequency: number;
}

/** The scan of x (n ≥ 1; see the file comment). Pure: x is not changed. */
export function slopeChangeScan(x: ArrayLike<number>, durations: readonly number[] = SLOPE_CHANGE_DURATIONS): SlopeChangeScan {
  requireLength('slopeChangeScan', x);
  const n = x.length;
  const start = new Float64Array(n);
  const end = new Float64Array(n);
  if (n < 4) return { start, end, frequency: 0 };
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < n; i++) [lo, hi] = [Math.min(lo, x[i]), Math.max(hi, x[i])];
  if (!(hi > lo)) return { start, end, frequency: 0 }; // a constant series: nothing changes
  const t = Float64Array.from({ length: n }, (_, i) => i);
  const q = orthonormal([new Float64Array(n).fill(1), Float64Array.from(t, (v) => v / n)]);
  const dom = dominantPeriod(residual(Float64Array.from(x), q));
  const frequency = dom.period >= 2 && dom.period < n / 2 ? dom.frequency : 0;
  if (frequency > 0) {
    const wave = [Math.sin, Math.cos].map((f) => Float64Array.from(t, (v) => f(2 * Math.PI * frequency * v)));
    orthonormal(wave, q); // the line's columns stay as they are; the sinusoid's join them
  }
  const r = residual(Float64Array.from(x), q);
  let rr = 0,
    xx = 0,
    xm = 0;
  for (let i = 0; i < n; i++) {
    rr += r[i] * r[i];
    xm += x[i] / n;
  }
  for (let i = 0; i < n; i++) xx += (x[i] - xm) ** 2;
  // A background fitted exactly leaves rounding noise; floor σ̂ at 1e-6 of the series' spread.
  const s2 = Math.max(rr / n, (1e-12 * xx) / n, Number.MIN_VALUE);
  const vs = [r, ...q];
  const p0 = vs.map((v) => prefix(v, (i) => v[i]));
  const p1 = vs.map((v) => prefix(v, (i) => i * v[i]));
  for (let s = 0; s < n - 2; s++) {
    for (const d of durations) {
      const e = Math.min(s + d, n);
      const len = e - s;
      if (len < 2) continue;
      const dot = (k: number) => p1[k]![e]! - p1[k]![s]! - s * (p0[k]![e]! - p0[k]![s]!) + len * (p0[k]![n]! - p0[k]![e]!);
      let cc = ((len - 1) * len * (2 * len - 1)) / 6 + len * len * (n - e);
      for (let k = 1; k < vs.length; k++) cc -= dot(k) ** 2;
      if (!(cc > 1e-9)) continue;
      const stat = dot(0) ** 2 / (cc * s2);
      if (stat > start[s]) start[s] = stat;
      if (stat > end[e - 1]) end[e - 1] = stat;
    }
  }
  return { start, end, frequency };
}

/** Gram–Schmidt (twice, for stability) of the columns against `out` and each other, appended to `out` (returned); columns that vanish are dropped. */
function orthonormal(cols: readonly Float64Array[], out: Float64Array[] = []): Float64Array[] {
  for (const c of cols) {
    const v = Float64Array.from(c);
    for (let pass = 0; pass < 2; pass++) for (const u of out) axpy(v, u, -dotOf(v, u));
    const norm = Math.sqrt(dotOf(v, v));
    if (norm > 1e-9 * Math.sqrt(c.length)) out.push(v.map((a) => a / norm));
  }
  return out;
}

/** x with its projection on the orthonormal columns q removed (in place; returned). */
function residual(x: Float64Array, q: readonly Float64Array[]): Float64Array {
  for (const u of q) axpy(x, u, -dotOf(x, u));
  return x;
}

function dotOf(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function axpy(y: Float64Array, x: Float64Array, a: number): void {
  for (let i = 0; i < y.length; i++) y[i] += a * x[i];
}

/** P[k] = Σ_{i<k} f(i), length n + 1. */
function prefix(v: Float64Array, f: (i: number) => number): Float64Array {
  const p = new Float64Array(v.length + 1);
  for (let i = 0; i < v.length; i++) p[i + 1] = p[i] + f(i);
  return p;
}
