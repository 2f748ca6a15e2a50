/**
 * Sub-bin refinement of a spectral peak, shared by `dominantPeriod` and the
 * sliding frequency track.
 */

/**
 * Offset in (−½, ½) bins of a peak at b from three samples a (left), b, c (right)
 * by fitting a parabola through them; 0 when the three are not a strict peak.
 */
export function parabolicOffset(a: number, b: number, c: number): number {
  const den = a - 2 * b + c;
  if (!(den < 0)) return 0;
  const d = (0.5 * (a - c)) / den;
  return d > 0.5 ? 0.5 : d < -0.5 ? -0.5 : d;
}

/**
 * Offset in [−½, ½] bins of a peak at bin k of a rectangular-window DFT, from
 * the complex values of bins k−1, k, k+1 (Jacobsen & Kootsookos 2007):
 * δ = Re[(X_{k−1} − X_{k+1}) / (2X_k − X_{k−1} − X_{k+1})]. Needs 1 ≤ k < re.length − 1.
 */
export function jacobsenOffset(re: ArrayLike<number>, im: ArrayLike<number>, k: number): number {
  const nr = re[k - 1] - re[k + 1],
    ni = im[k - 1] - im[k + 1];
  const dr = 2 * re[k] - re[k - 1] - re[k + 1],
    di = 2 * im[k] - im[k - 1] - im[k + 1];
  const den = dr * dr + di * di;
  if (!(den > 0)) return 0;
  const d = (nr * dr + ni * di) / den;
  return d > 0.5 ? 0.5 : d < -0.5 ? -0.5 : d;
}
