import { ShapeError } from '../errors.js';
import { asFloat64, requireInt } from './checks.js';

/**
 * Matrix profile (Yeh et al. 2016): for every subsequence of length m, the
 * z-normalised Euclidean distance to its nearest neighbour elsewhere in the
 * series. Its maximum is the top discord — the subsequence least like any
 * other — which the ExpCoT cites as evidence of a shapelet anomaly (docs/METHOD.md §4).
 *
 * Exact algorithm, SCAMP form of STOMP (Zimmerman et al. 2019): walk every
 * diagonal k = j − i of the distance matrix once, updating the centred
 * cross-product along it in O(1) per step,
 *   cov(i+1, j+1) = cov(i, j) + df_i·dg_j + df_j·dg_i,
 *   df_i = (y_{i+m} − y_i)/2,  dg_i = (y_{i+m} − μ_{i+1}) + (y_i − μ_i),
 * so the whole profile costs O(n²/2) plus O(n·m) to start the diagonals.
 * The series is first centred and scaled by its own mean and std, which
 * changes no z-normalised distance but keeps the products near 1.
 * Pearson correlation ρ = cov / (‖a − μ_a‖·‖b − μ_b‖) gives d = √(2m(1 − ρ)).
 *
 * Conventions (as stumpy): pairs with |i − j| ≤ ⌈m/4⌉ are trivial matches
 * and excluded. A constant subsequence (all values equal) has no z-normal
 * form; by definition two constant subsequences are at distance 0 and a
 * constant and a non-constant one at √m (the distance of a z-normalised
 * subsequence to the zero vector). A subsequence with no non-trivial
 * neighbour (only in very short series) has distance Infinity and index −1.
 */

export interface MatrixProfile {
  /** Nearest-neighbour distance per subsequence start, length n − m + 1. */
  readonly profile: Float64Array;
  /** Start of that nearest neighbour, length n − m + 1 (−1 when none). */
  readonly index: Int32Array;
}

/** Half-width of the trivial-match exclusion zone for subsequence length m. */
export function exclusionZone(m: number): number {
  return Math.ceil(m / 4);
}

/** Recompute each diagonal's cross-product directly this often (steps), to bound rounding drift. */
const REFRESH = 1024;

function check(fn: string, n: number, m: number): void {
  requireInt(`${fn}.m`, m, 2);
  if (n < m) throw new ShapeError(`${fn}: the series has ${n} value(s); need at least m = ${m}`);
}

/** Matrix profile of x with subsequence length m (integer ≥ 2, n ≥ m). */
export function matrixProfile(x: ArrayLike<number>, m: number): MatrixProfile {
  check('matrixProfile', x.length, m);
  const src = asFloat64(x);
  const n = src.length;
  const l = n - m + 1;
  const excl = exclusionZone(m);

  // Centre and scale the whole series (does not change any z-normalised distance).
  let gm = 0;
  for (let t = 0; t < n; t++) gm += src[t];
  gm /= n;
  let gv = 0;
  for (let t = 0; t < n; t++) gv += (src[t] - gm) ** 2;
  const gs = Math.sqrt(gv / n) || 1;
  const y = new Float64Array(n);
  for (let t = 0; t < n; t++) y[t] = (src[t] - gm) / gs;

  // Per-subsequence mean, inverse centred norm, and exact constancy (from run lengths of x).
  const runEnd = new Int32Array(n);
  runEnd[n - 1] = n;
  for (let t = n - 2; t >= 0; t--) runEnd[t] = src[t] === src[t + 1] ? runEnd[t + 1] : t + 1;
  const mu = new Float64Array(l);
  const inv = new Float64Array(l); // 1/‖window − μ‖; 0 marks a constant window
  const constStarts: number[] = [];
  for (let i = 0; i < l; i++) {
    let s = 0;
    for (let t = 0; t < m; t++) s += y[i + t];
    const mi = s / m;
    let ss = 0;
    for (let t = 0; t < m; t++) ss += (y[i + t] - mi) ** 2;
    mu[i] = mi;
    // ss can round to 0 only for values equal to ~1e-16 relative; treat those as constant too.
    if (runEnd[i] >= i + m || !(ss > 0)) constStarts.push(i);
    else inv[i] = 1 / Math.sqrt(ss);
  }
  const df = new Float64Array(l);
  const dg = new Float64Array(l);
  for (let i = 0; i + 1 < l; i++) {
    df[i] = (y[i + m] - y[i]) / 2;
    dg[i] = y[i + m] - mu[i + 1] + (y[i] - mu[i]);
  }

  // Best Pearson correlation per row; ρ = 1 ⇔ d = 0, ρ = ½ ⇔ d = √m. In this loop a
  // pair involving a constant window gets ρ = 0 (inv = 0); fixed up below.
  const best = new Float64Array(l).fill(-Infinity);
  const index = new Int32Array(l).fill(-1);
  const sw: Sweep = { y, mu, inv, df, dg, best, index, m };
  // Four diagonals at a time share the loads of row i (df, dg, inv, best): ~1.3× faster
  // than one at a time on n = 1000, m = 50 (bench/analyses.ts machine).
  let k = excl + 1;
  for (; k + 3 < l; k += 4) sweepFour(sw, k, l - k - 3);
  for (; k < l; k++) sweepOne(sw, k, 0, l - k);
  if (constStarts.length > 0) applyConstantPairs(best, index, inv, constStarts, excl);

  const profile = new Float64Array(l);
  for (let i = 0; i < l; i++) {
    if (index[i] < 0) profile[i] = Infinity;
    else {
      const d2 = 2 * m * (1 - best[i]);
      profile[i] = d2 > 0 ? Math.sqrt(d2) : 0;
    }
  }
  return { profile, index };
}

/** Arrays shared by the diagonal sweeps (see `matrixProfile`). */
interface Sweep {
  readonly y: Float64Array;
  readonly mu: Float64Array;
  readonly inv: Float64Array;
  readonly df: Float64Array;
  readonly dg: Float64Array;
  readonly best: Float64Array;
  readonly index: Int32Array;
  readonly m: number;
}

/** Centred cross-product of the windows starting at i and j, computed directly (O(m)). */
function directCov(sw: Sweep, i: number, j: number): number {
  const { y, mu, m } = sw;
  const mi = mu[i],
    mj = mu[j];
  let c = 0;
  for (let t = 0; t < m; t++) c += (y[i + t] - mi) * (y[j + t] - mj);
  return c;
}

/** Cells (i, i + k) of diagonal k for i in [from, to): direct start, then the O(1) update. */
function sweepOne(sw: Sweep, k: number, from: number, to: number): void {
  const { inv, df, dg, best, index } = sw;
  for (let i0 = from; i0 < to; i0 += REFRESH) {
    const iEnd = Math.min(to, i0 + REFRESH);
    let cov = directCov(sw, i0, i0 + k);
    for (let i = i0, j = i0 + k; i < iEnd; i++, j++) {
      if (i > i0) cov += df[i - 1] * dg[j - 1] + df[j - 1] * dg[i - 1];
      const rho = cov * inv[i] * inv[j];
      if (rho > best[i]) {
        best[i] = rho;
        index[i] = j;
      }
      if (rho > best[j]) {
        best[j] = rho;
        index[j] = i;
      }
    }
  }
}

/**
 * Diagonals k…k+3 together for the rows i < len where all four exist
 * (len = l − k − 3), then the few cells left on the shorter-indexed three.
 */
function sweepFour(sw: Sweep, k: number, len: number): void {
  const { inv, df, dg, best, index } = sw;
  for (let i0 = 0; i0 < len; i0 += REFRESH) {
    const iEnd = Math.min(len, i0 + REFRESH);
    let c0 = directCov(sw, i0, i0 + k);
    let c1 = directCov(sw, i0, i0 + k + 1);
    let c2 = directCov(sw, i0, i0 + k + 2);
    let c3 = directCov(sw, i0, i0 + k + 3);
    for (let i = i0; i < iEnd; i++) {
      const j = i + k;
      if (i > i0) {
        const dfi = df[i - 1],
          dgi = dg[i - 1];
        c0 += dfi * dg[j - 1] + df[j - 1] * dgi;
        c1 += dfi * dg[j] + df[j] * dgi;
        c2 += dfi * dg[j + 1] + df[j + 1] * dgi;
        c3 += dfi * dg[j + 2] + df[j + 2] * dgi;
      }
      const invi = inv[i];
      const r0 = c0 * invi * inv[j];
      const r1 = c1 * invi * inv[j + 1];
      const r2 = c2 * invi * inv[j + 2];
      const r3 = c3 * invi * inv[j + 3];
      let b = best[i],
        at = -1;
      if (r0 > b) {
        b = r0;
        at = j;
      }
      if (r1 > b) {
        b = r1;
        at = j + 1;
      }
      if (r2 > b) {
        b = r2;
        at = j + 2;
      }
      if (r3 > b) {
        b = r3;
        at = j + 3;
      }
      if (at >= 0) {
        best[i] = b;
        index[i] = at;
      }
      if (r0 > best[j]) {
        best[j] = r0;
        index[j] = i;
      }
      if (r1 > best[j + 1]) {
        best[j + 1] = r1;
        index[j + 1] = i;
      }
      if (r2 > best[j + 2]) {
        best[j + 2] = r2;
        index[j + 2] = i;
      }
      if (r3 > best[j + 3]) {
        best[j + 3] = r3;
        index[j + 3] = i;
      }
    }
  }
  // Diagonal k + d (d < 3) has 3 − d more cells than the shared rows: start them afresh.
  for (let d = 0; d < 3; d++) sweepOne(sw, k + d, len, len + 3 - d);
}

/**
 * Correct the rows touched by constant windows (marked by inv = 0): a constant
 * row's best is ρ = 1 when another constant window lies outside its exclusion
 * zone, else ½ (any neighbour); a non-constant row can reach ρ = ½ through any
 * constant window outside its zone. The constant starts are sorted, so such a
 * window exists iff the first or the last one lies outside the zone.
 */
function applyConstantPairs(best: Float64Array, index: Int32Array, inv: Float64Array, constStarts: number[], excl: number): void {
  const first = constStarts[0],
    last = constStarts[constStarts.length - 1];
  for (let i = 0; i < best.length; i++) {
    const far = Math.abs(first - i) > excl ? first : Math.abs(last - i) > excl ? last : -1;
    if (inv[i] === 0) {
      if (far >= 0) {
        best[i] = 1;
        index[i] = far;
      } else if (index[i] >= 0) best[i] = 0.5;
    } else if (far >= 0 && best[i] < 0.5) {
      best[i] = 0.5;
      index[i] = far;
    }
  }
}

export interface Discord {
  /** Start index of the subsequence (length m). */
  readonly start: number;
  /** Its nearest-neighbour z-normalised distance (the matrix-profile value). */
  readonly distance: number;
}

/**
 * Up to k discords from a computed profile, largest distance first, pairwise
 * non-overlapping (starts at least m apart). Subsequences without a
 * neighbour (distance Infinity) are not candidates.
 */
export function discordsFromProfile(profile: ArrayLike<number>, m: number, k: number): Discord[] {
  requireInt('topDiscords.k', k, 0);
  const order: number[] = [];
  for (let i = 0; i < profile.length; i++) if (Number.isFinite(profile[i])) order.push(i);
  // Stable sort: ties keep the earliest start, as numpy's argmax would.
  order.sort((a, b) => profile[b] - profile[a]);
  const out: Discord[] = [];
  for (const i of order) {
    if (out.length >= k) break;
    if (out.some((d) => Math.abs(d.start - i) < m)) continue;
    out.push({ start: i, distance: profile[i] });
  }
  return out;
}

/** The top discord of x for subsequence length m (needs n ≥ m + ⌈m/4⌉ + 1). */
export function discord(x: ArrayLike<number>, m: number): Discord {
  const { profile } = matrixProfile(x, m);
  const [top] = discordsFromProfile(profile, m, 1);
  if (top === undefined) {
    throw new ShapeError(`discord: the series has ${x.length} value(s); with m = ${m} a discord needs at least ${m + exclusionZone(m) + 1}`);
  }
  return top;
}

/** Up to k non-overlapping discords of x, largest distance first (see `discordsFromProfile`). */
export function topDiscords(x: ArrayLike<number>, m: number, k: number): Discord[] {
  requireInt('topDiscords.k', k, 0);
  return discordsFromProfile(matrixProfile(x, m).profile, m, k);
}
