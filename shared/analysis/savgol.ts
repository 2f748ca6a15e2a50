import { ConfigError, ShapeError } from '../errors.js';
import { asFloat64, requireInt } from './checks.js';

/**
 * Savitzky–Golay smoothing and differentiation (Savitzky & Golay 1964): at each
 * sample, fit a polynomial of degree `order` by least squares to the `window`
 * samples around it and take the fitted value (or its derivative) there. The
 * fit is linear in the data, so it reduces to fixed weights per window.
 * The ExpCoT uses the smoothed first derivative to judge trend stability.
 *
 * Units: the d-th derivative is per sample^d (sample spacing 1).
 */

/** Factorial-style falling product k·(k−1)…(k−d+1) (= k!/(k−d)!, 0 when d > k). */
function fallingFactorial(k: number, d: number): number {
  let p = 1;
  for (let j = 0; j < d; j++) p *= k - j;
  return p;
}

/**
 * Inverse of the symmetric positive-definite (size × size) matrix g by
 * Gauss–Jordan elimination with partial pivoting; g is overwritten.
 */
function invertInPlace(g: Float64Array, size: number): Float64Array {
  const inv = new Float64Array(size * size);
  for (let r = 0; r < size; r++) inv[r * size + r] = 1;
  const swapRows = (a: Float64Array, r1: number, r2: number) => {
    for (let k = 0; k < size; k++) {
      const t = a[r1 * size + k];
      a[r1 * size + k] = a[r2 * size + k];
      a[r2 * size + k] = t;
    }
  };
  for (let c = 0; c < size; c++) {
    let piv = c;
    for (let r = c + 1; r < size; r++) if (Math.abs(g[r * size + c]) > Math.abs(g[piv * size + c])) piv = r;
    if (piv !== c) {
      swapRows(g, c, piv);
      swapRows(inv, c, piv);
    }
    const d = g[c * size + c];
    for (let k = 0; k < size; k++) {
      g[c * size + k] /= d;
      inv[c * size + k] /= d;
    }
    for (let r = 0; r < size; r++) {
      const f = g[r * size + c];
      if (r === c || f === 0) continue;
      for (let k = 0; k < size; k++) {
        g[r * size + k] -= f * g[c * size + k];
        inv[r * size + k] -= f * inv[c * size + k];
      }
    }
  }
  return inv;
}

/**
 * The least-squares projector of a window: P (size × window, size = order + 1)
 * with fitted coefficients c_k = Σ_j P_kj·y_j of the polynomial Σ_k c_k·s^k in
 * the scaled position s = (j − h)/h ∈ [−1, 1] (h = (window − 1)/2). Scaling keeps
 * the normal equations well conditioned for the usual orders (≤ 6).
 * Cached per (window, order): it depends on nothing else.
 */
interface Projector {
  readonly p: Float64Array;
  readonly size: number;
  readonly h: number;
  readonly scale: number;
}

const projectors = new Map<string, Projector>();

function projector(window: number, order: number): Projector {
  const key = `${window}/${order}`;
  let pr = projectors.get(key);
  if (pr !== undefined) return pr;
  const h = (window - 1) / 2;
  const scale = h > 0 ? h : 1;
  const size = order + 1;
  const t = new Float64Array(window);
  for (let j = 0; j < window; j++) t[j] = (j - h) / scale;
  // G = AᵀA with A_jk = t_j^k, so G_kl = Σ_j t_j^(k+l).
  const powSums = new Float64Array(2 * order + 1);
  for (let j = 0; j < window; j++) {
    let q = 1;
    for (let e = 0; e <= 2 * order; e++) {
      powSums[e] += q;
      q *= t[j];
    }
  }
  const g = new Float64Array(size * size);
  for (let k = 0; k < size; k++) for (let l = 0; l < size; l++) g[k * size + l] = powSums[k + l];
  const gi = invertInPlace(g, size);
  const p = new Float64Array(size * window);
  for (let j = 0; j < window; j++) {
    let q = 1;
    for (let l = 0; l < size; l++) {
      for (let k = 0; k < size; k++) p[k * window + j] += gi[k * size + l] * q;
      q *= t[j];
    }
  }
  pr = { p, size, h, scale };
  projectors.set(key, pr);
  return pr;
}

/**
 * Least-squares weights w (length `window`) such that, for the degree-`order`
 * polynomial P fitted to samples y_0…y_{window−1} at positions 0…window−1,
 * P^(deriv)(at) = Σ_j w_j·y_j (per sample^deriv). `at` may be any position
 * (the edges evaluate the first/last window's fit away from its centre).
 */
export function savgolWeightsAt(window: number, order: number, at: number, deriv = 0): Float64Array {
  const w = new Float64Array(window);
  if (deriv > order) return w;
  const { p, size, h, scale } = projector(window, order);
  // v_k = d^deriv/ds^deriv of s^k at s = (at − h)/scale; d/dt = (1/scale)·d/ds.
  const s = (at - h) / scale;
  const unit = scale ** deriv;
  for (let k = deriv; k < size; k++) {
    const vk = (fallingFactorial(k, deriv) * s ** (k - deriv)) / unit;
    for (let j = 0; j < window; j++) w[j] += vk * p[k * window + j];
  }
  return w;
}

function checkParams(fn: string, window: number, order: number, deriv: number): void {
  requireInt(`${fn}.window`, window, 1);
  if (window % 2 === 0) throw new ConfigError(`${fn}.window`, `must be odd, got ${window}`);
  requireInt(`${fn}.order`, order, 0);
  if (order >= window) throw new ConfigError(`${fn}.order`, `must be less than window (${window}), got ${order}`);
  requireInt(`${fn}.deriv`, deriv, 0);
}

/**
 * Centre weights c (length `window`, odd) for the `deriv`-th derivative of the
 * degree-`order` fit, in correlation order: y'_i = Σ_j c_j·x_{i−h+j}, h = (window−1)/2.
 * (scipy's `savgol_coeffs` returns the same numbers reversed, for convolution;
 * for deriv 0 they are symmetric.) Example: window 5, order 2 → [−3, 12, 17, 12, −3]/35.
 */
export function savgolCoefficients(window: number, order: number, deriv = 0): Float64Array {
  checkParams('savgol', window, order, deriv);
  return savgolWeightsAt(window, order, (window - 1) / 2, deriv);
}

/**
 * Savitzky–Golay filter of x (length n ≥ window): the `deriv`-th derivative
 * (per sample^deriv) of a degree-`order` polynomial fitted to the `window`
 * samples centred on each sample. The first and last h = (window−1)/2 samples,
 * which have no full centred window, take the value of the polynomial fitted
 * to the first (last) whole window, evaluated at their own position — scipy's
 * `savgol_filter(mode='interp')`. Returns a new array of length n.
 */
export function savgolFilter(x: ArrayLike<number>, window: number, order: number, deriv = 0): Float64Array {
  checkParams('savgol', window, order, deriv);
  const n = x.length;
  if (n < window) {
    throw new ShapeError(`savgolFilter: the series has ${n} value(s); need at least window = ${window}`);
  }
  const v = asFloat64(x);
  const out = new Float64Array(n);
  const h = (window - 1) / 2;
  const wm = windowWeights(window, order, deriv);
  // Centre: row h of the weight matrix slid along the series.
  correlateRow(v, wm, h, window, h, n - h, out);
  // Edges: rows 0…h−1 on the first window, rows h+1…window−1 on the last.
  for (let p = 0; p < h; p++) {
    out[p] = dotRow(v, 0, wm, p, window);
    out[n - h + p] = dotRow(v, n - window, wm, h + 1 + p, window);
  }
  return out;
}

/**
 * (window × window) matrix whose row p holds the weights of the fit's
 * `deriv`-th derivative at position p of a window. Cached for windows up to
 * CACHE_MAX_WINDOW (≤ 320 KB each), so the usual filters reuse it across series
 * while an unusual huge window does not stay in memory.
 */
const weightMatrices = new Map<string, Float64Array>();
const CACHE_MAX_WINDOW = 201;

function windowWeights(window: number, order: number, deriv: number): Float64Array {
  const key = `${window}/${order}/${deriv}`;
  let wm = weightMatrices.get(key);
  if (wm === undefined) {
    wm = new Float64Array(window * window);
    for (let p = 0; p < window; p++) wm.set(savgolWeightsAt(window, order, p, deriv), p * window);
    if (window <= CACHE_MAX_WINDOW) weightMatrices.set(key, wm);
  }
  return wm;
}

/** Σ_j wm[row, j]·v[start + j]. */
function dotRow(v: Float64Array, start: number, wm: Float64Array, row: number, window: number): number {
  let acc = 0;
  const base = row * window;
  for (let j = 0; j < window; j++) acc += wm[base + j] * v[start + j];
  return acc;
}

/** out[i] = Σ_j wm[row, j]·v[i − h + j] for i in [from, to). */
function correlateRow(v: Float64Array, wm: Float64Array, row: number, window: number, from: number, to: number, out: Float64Array): void {
  const h = (window - 1) >> 1;
  const base = row * window;
  for (let i = from; i < to; i++) {
    let acc = 0;
    const start = i - h;
    for (let j = 0; j < window; j++) acc += wm[base + j] * v[start + j];
    out[i] = acc;
  }
}

/** Default Savitzky–Golay window of `smoothedGradient` (samples). */
export const GRADIENT_WINDOW = 51;

/**
 * Smoothed first derivative of x (per sample): a Savitzky–Golay derivative
 * with the given odd window (default 51) and order (default 2). When the
 * series is shorter than the window, the window shrinks to the largest odd
 * length ≤ n; if that leaves no more samples than order + 1, it falls back
 * to plain central differences (one-sided at the ends, like numpy.gradient),
 * and a single sample has gradient 0.
 */
export function smoothedGradient(x: ArrayLike<number>, window = GRADIENT_WINDOW, order = 2): Float64Array {
  checkParams('smoothedGradient', window, order, 1);
  const n = x.length;
  const w = Math.min(window, n % 2 === 1 ? n : n - 1);
  if (w > order) return savgolFilter(x, w, order, 1);
  const out = new Float64Array(n);
  if (n < 2) return out;
  out[0] = x[1] - x[0];
  out[n - 1] = x[n - 1] - x[n - 2];
  for (let i = 1; i < n - 1; i++) out[i] = (x[i + 1] - x[i - 1]) / 2;
  return out;
}
