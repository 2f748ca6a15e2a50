import { asFloat64, requireInt } from './checks.js';
import { parabolicOffset } from './spectral-peak.js';

/**
 * Frequency track of a series: the dominant frequency of a short window
 * around every sample. The ExpCoT uses it to find where a sine changes
 * frequency (the `freq` task's seasonal anomalies, docs/METHOD.md §3).
 */

/**
 * Dominant frequency (cycles/sample) of the `window`-sample window around each
 * sample of x — a frequency track for finding where a sine speeds up or slows
 * down. The window for sample i is [i − ⌊w/2⌋, i − ⌊w/2⌋ + w) shifted inside
 * the series (edge samples share the first/last whole window; w shrinks to n
 * when the series is shorter). Each window has its mean removed and a Hann
 * taper, and its peak bin k ≥ 1 is refined by a parabola through the log
 * magnitudes (a Hann peak is nearly Gaussian: a clean sine of ≥ 2.5 cycles per
 * window comes out within 0.02 bin, measured for w = 64 and 100). A window
 * with no non-DC power gives 0.
 *
 * The window spectra are updated by a sliding DFT, O(w) per sample, and
 * recomputed directly every 4w samples (O(w²/2) each, so O(w) per sample
 * still) to stop rounding from accumulating.
 * With step > 1 the peak is searched only at every step-th sample and the
 * samples between take the value of the nearest searched sample.
 * Returns length n.
 */
export function slidingDominantFrequency(x: ArrayLike<number>, window: number, step = 1): Float64Array {
  requireInt('slidingDominantFrequency.window', window, 2);
  requireInt('slidingDominantFrequency.step', step, 1);
  const n = x.length;
  const out = new Float64Array(n);
  if (n < 2) return out;
  const v = asFloat64(x);
  const w = Math.min(window, n);
  const dft = new WindowDft(w);
  const refresh = 4 * w;
  const lastStart = n - w;
  let cur = -1; // start of the window held in dft
  let lastSearched = -1;
  for (let i = 0; i < n; i++) {
    const s = Math.min(lastStart, Math.max(0, i - (w >> 1)));
    if (s !== cur) {
      if (cur < 0 || s !== cur + 1 || s % refresh === 0) dft.direct(v, s);
      else dft.slide(v[s + w - 1] - v[cur]);
      cur = s;
    }
    if (i % step === 0 || i === n - 1) {
      const value = dft.hannPeak();
      // Fill the samples since the previous search: the nearer searched sample wins.
      for (let j = lastSearched + 1; j < i; j++) out[j] = lastSearched >= 0 && j - lastSearched <= i - j ? out[lastSearched] : value;
      out[i] = value;
      lastSearched = i;
    }
  }
  return out;
}

/**
 * The DFT bins 0…⌊w/2⌋+1 of one length-w window (the Hann taper needs one bin
 * past the last), kept up to date as the window slides by one sample.
 */
class WindowDft {
  private readonly w: number;
  private readonly nBins: number;
  private readonly kTop: number;
  /** e^(−2πi·t/w), t < w, for the direct transform. */
  private readonly cr: Float64Array;
  private readonly ci: Float64Array;
  /** e^(+2πi·k/w), k < nBins, for the sliding update. */
  private readonly er: Float64Array;
  private readonly ei: Float64Array;
  private readonly xr: Float64Array;
  private readonly xi: Float64Array;
  private readonly pow: Float64Array;

  constructor(w: number) {
    this.w = w;
    this.kTop = w >> 1;
    this.nBins = this.kTop + 2;
    this.cr = new Float64Array(w);
    this.ci = new Float64Array(w);
    for (let t = 0; t < w; t++) {
      this.cr[t] = Math.cos((2 * Math.PI * t) / w);
      this.ci[t] = -Math.sin((2 * Math.PI * t) / w);
    }
    this.er = new Float64Array(this.nBins);
    this.ei = new Float64Array(this.nBins);
    for (let k = 0; k < this.nBins; k++) {
      this.er[k] = Math.cos((2 * Math.PI * k) / w);
      this.ei[k] = Math.sin((2 * Math.PI * k) / w);
    }
    this.xr = new Float64Array(this.nBins);
    this.xi = new Float64Array(this.nBins);
    this.pow = new Float64Array(this.nBins);
  }

  /** Transform v[s, s + w) directly: O(w) per bin. */
  direct(v: Float64Array, s: number): void {
    const { w, nBins, cr, ci, xr, xi } = this;
    for (let k = 0; k < nBins; k++) {
      let sr = 0,
        si = 0;
      for (let t = 0, idx = 0; t < w; t++) {
        sr += v[s + t] * cr[idx];
        si += v[s + t] * ci[idx];
        idx += k;
        if (idx >= w) idx -= w;
      }
      xr[k] = sr;
      xi[k] = si;
    }
  }

  /**
   * Slide the window one sample right; `d` = entering value − leaving value.
   * X_k ← (X_k + d)·e^(2πik/w), since the entering sample sits at phase w ≡ 0.
   */
  slide(d: number): void {
    const { nBins, er, ei, xr, xi } = this;
    for (let k = 0; k < nBins; k++) {
      const ar = xr[k] + d,
        ai = xi[k];
      xr[k] = ar * er[k] - ai * ei[k];
      xi[k] = ar * ei[k] + ai * er[k];
    }
  }

  /**
   * Peak frequency (cycles/sample) of the mean-removed, Hann-tapered window,
   * or 0 when it has no non-DC power. The periodic Hann taper is applied in
   * the frequency domain: H_k = ½X_k − ¼(X_{k−1} + X_{k+1}), with X_0 = 0
   * after mean removal (and X_w = X_0 for w = 2).
   */
  hannPeak(): number {
    const { w, kTop, xr, xi, pow } = this;
    let best = 0,
      bestPow = 0,
      sumPow = 0;
    for (let k = 1; k <= kTop; k++) {
      const lr = k === 1 ? 0 : xr[k - 1],
        li = k === 1 ? 0 : xi[k - 1];
      const rr = k + 1 === w ? 0 : xr[k + 1],
        ri = k + 1 === w ? 0 : xi[k + 1];
      const hr = 0.5 * xr[k] - 0.25 * (lr + rr);
      const hi = 0.5 * xi[k] - 0.25 * (li + ri);
      const q = hr * hr + hi * hi;
      pow[k] = q;
      sumPow += q;
      if (q > bestPow) {
        bestPow = q;
        best = k;
      }
    }
    // A flat window leaves only rounding residue (|H_k| ~ 1e-16·|X_0|) in the non-DC bins.
    if (best === 0 || !(bestPow > 1e-22 * (xr[0] * xr[0] + xi[0] * xi[0] + sumPow))) return 0;
    let off = 0;
    // log|H|² is 2·log|H|: the parabola's vertex offset is the same.
    if (best > 1 && best < kTop && pow[best - 1] > 0 && pow[best + 1] > 0) {
      off = parabolicOffset(Math.log(pow[best - 1]), Math.log(bestPow), Math.log(pow[best + 1]));
    }
    return (best + off) / w;
  }
}
