/**
 * The least-squares line through a series: the baseline's trend evidence (R²) and the
 * detrending step of the seasonal residual. Pure.
 */

/** Least-squares line a + b·t through x: intercept, slope per sample, R², residual. */
export function fitLine(x: ArrayLike<number>): { intercept: number; slope: number; r2: number; residual: Float64Array } {
  const n = x.length;
  const tm = (n - 1) / 2;
  let xm = 0;
  for (let t = 0; t < n; t++) xm += x[t];
  xm /= n;
  let stt = 0,
    stx = 0,
    sxx = 0;
  for (let t = 0; t < n; t++) {
    const dt = t - tm,
      dx = x[t] - xm;
    stt += dt * dt;
    stx += dt * dx;
    sxx += dx * dx;
  }
  const slope = stt > 0 ? stx / stt : 0;
  const intercept = xm - slope * tm;
  const residual = new Float64Array(n);
  let rss = 0;
  for (let t = 0; t < n; t++) {
    residual[t] = x[t] - intercept - slope * t;
    rss += residual[t] * residual[t];
  }
  return { intercept, slope, r2: sxx > 0 ? Math.max(0, 1 - rss / sxx) : 0, residual };
}
