/**
 * Local sine fits: the periodic model behind the contextual-point, seasonal and
 * shapelet detectors of the classical baseline.
 *
 * A window [a, a + w) of x is fitted by least squares with
 *   x_t ≈ α·sin(ωt) + β·cos(ωt) + γ,   ω = 2π·f (f in cycles/sample),
 * i.e. a sine of the series' own frequency with a free phase, amplitude and
 * level. A healthy stretch of a sine-like series fits almost exactly whatever
 * its phase, so the fit's RMS residual measures how far a window is from
 * "the same oscillation as everywhere else" — the phase is free, so a
 * phase-continuous series whose pace changed earlier still fits afterwards.
 *
 * All window fits of one width cost O(n) through prefix sums of the nine
 * products the normal equations need.
 */

/** Per-window fit summary, each array of length n − w + 1 (index = window start). */
export interface WindowFits {
  /** RMS residual of the fit, same unit as x. */
  readonly rms: Float64Array;
  /** Fitted amplitude √(α² + β²). */
  readonly amplitude: Float64Array;
  /** Fitted phase atan2(β, α) in radians, (−π, π]. */
  readonly phase: Float64Array;
}

/**
 * Fit every window [a, a + w) of x (n ≥ w ≥ 4) with a sine of frequency f
 * (cycles/sample) plus a constant. Returns the RMS residual, amplitude and
 * phase per window start a = 0 … n − w.
 */
export function windowSineFits(x: ArrayLike<number>, f: number, w: number): WindowFits {
  const n = x.length;
  const count = Math.max(0, n - w + 1);
  const rms = new Float64Array(count),
    amplitude = new Float64Array(count),
    phase = new Float64Array(count);
  if (count === 0) return { rms, amplitude, phase };
  // Prefix sums of s², c², sc, s, c, xs, xc, x, x² (k = 0 … 8), centred x to keep precision.
  let mu = 0;
  for (let t = 0; t < n; t++) mu += x[t];
  mu /= n;
  const P = new Float64Array(9 * (n + 1));
  const omega = 2 * Math.PI * f;
  for (let t = 0; t < n; t++) {
    const s = Math.sin(omega * t),
      c = Math.cos(omega * t),
      v = x[t] - mu;
    const o = 9 * t,
      q = o + 9;
    P[q] = P[o] + s * s;
    P[q + 1] = P[o + 1] + c * c;
    P[q + 2] = P[o + 2] + s * c;
    P[q + 3] = P[o + 3] + s;
    P[q + 4] = P[o + 4] + c;
    P[q + 5] = P[o + 5] + v * s;
    P[q + 6] = P[o + 6] + v * c;
    P[q + 7] = P[o + 7] + v;
    P[q + 8] = P[o + 8] + v * v;
  }
  for (let a = 0; a < count; a++) {
    const lo = 9 * a,
      hi = 9 * (a + w);
    const ss = P[hi] - P[lo],
      cc = P[hi + 1] - P[lo + 1],
      sc = P[hi + 2] - P[lo + 2];
    const s1 = P[hi + 3] - P[lo + 3],
      c1 = P[hi + 4] - P[lo + 4];
    const xs = P[hi + 5] - P[lo + 5],
      xc = P[hi + 6] - P[lo + 6],
      x1 = P[hi + 7] - P[lo + 7],
      xx = P[hi + 8] - P[lo + 8];
    // Normal equations [[ss, sc, s1], [sc, cc, c1], [s1, c1, w]]·(α, β, γ) = (xs, xc, x1), by Cramer's rule.
    const m00 = cc * w - c1 * c1,
      m01 = sc * w - c1 * s1,
      m02 = sc * c1 - cc * s1;
    const det = ss * m00 - sc * m01 + s1 * m02;
    if (!(Math.abs(det) > 1e-12)) {
      rms[a] = Math.sqrt(Math.max(0, xx - (x1 * x1) / w) / w);
      continue;
    }
    const al = (xs * m00 - sc * (xc * w - c1 * x1) + s1 * (xc * c1 - cc * x1)) / det;
    const be = (ss * (xc * w - c1 * x1) - xs * m01 + s1 * (sc * x1 - xc * s1)) / det;
    const ga = (ss * (cc * x1 - xc * c1) - sc * (sc * x1 - xc * s1) + xs * m02) / det;
    const rss = xx - (al * xs + be * xc + ga * x1);
    rms[a] = rss > 0 ? Math.sqrt(rss / w) : 0;
    amplitude[a] = Math.hypot(al, be);
    phase[a] = Math.atan2(be, al);
  }
  return { rms, amplitude, phase };
}

/**
 * Per-sample "best explanation" error: for sample t the smallest window RMS
 * over the windows [a, a + w) that contain t (length n). A healthy sample next
 * to an anomaly still has a clean window on its far side, so this score rises
 * only inside the anomaly rather than smearing w samples around it.
 */
export function coveringMin(windowValues: ArrayLike<number>, w: number, n: number): Float64Array {
  const out = new Float64Array(n).fill(Infinity);
  const count = windowValues.length;
  for (let a = 0; a < count; a++) {
    const v = windowValues[a];
    for (let t = a; t < a + w; t++) if (v < out[t]) out[t] = v;
  }
  return out;
}

/**
 * The frequency (cycles/sample) near `guess` whose windows of width w fit x
 * best in the median: golden-section search of the median window RMS over
 * [guess·(1 − span), guess·(1 + span)]. The median ignores the anomalous
 * minority, so a series whose pace changed in a few places still gives the
 * pace of its normal stretches (the global spectral peak would be pulled off).
 */
export function refineFrequency(x: ArrayLike<number>, guess: number, w: number, span = 0.12, iterations = 24): number {
  const cost = (f: number): number => medianOf(windowSineFits(x, f, w).rms);
  let lo = guess * (1 - span),
    hi = guess * (1 + span);
  const g = (Math.sqrt(5) - 1) / 2;
  let c = hi - g * (hi - lo),
    d = lo + g * (hi - lo);
  let fc = cost(c),
    fd = cost(d);
  for (let i = 0; i < iterations; i++) {
    if (fc <= fd) {
      hi = d;
      d = c;
      fd = fc;
      c = hi - g * (hi - lo);
      fc = cost(c);
    } else {
      lo = c;
      c = d;
      fc = fd;
      d = lo + g * (hi - lo);
      fd = cost(d);
    }
  }
  return fc <= fd ? c : d;
}

/** Median of a numeric array (copy sorted; NaN-free input). */
export function medianOf(x: ArrayLike<number>): number {
  const s = Float64Array.from(x).sort();
  if (s.length === 0) return NaN;
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h] : 0.5 * (s[h - 1] + s[h]);
}
