/**
 * Level-shift detector for `level` series (label: global point).
 *
 * The baseline level and spread are the median and the scaled MAD, which a
 * minority of shifted samples cannot move; each sample gets a robust z-score
 * z_t = (x_t − median) / (1.4826·MAD). A shifted stretch keeps one sign, so
 * the mean of z over 3 neighbours stays high there while independent noise
 * averages towards 0: a run starts where that 3-sample mean reaches
 * `levelCoreZ` and extends over neighbours whose own |z| ≥ `levelEdgeZ`.
 *
 * Example: N(0, 0.1) noise with [120, 141) raised by ≈ 0.65 has z ≈ 6.5 inside
 * and |z| < 3 almost everywhere outside, so the answer is [[120, 141]].
 */
import { median, mad, MAD_TO_STD } from '../analysis/index.js';
import type { Interval } from '../series/record.js';
import { dropShort, mergeRuns } from './runs.js';
import { BASELINE_THRESHOLDS, type BaselineThresholds } from './thresholds.js';

export interface LevelEvidence {
  /** Median of the series (its normal level). */
  readonly level: number;
  /** 1.4826·MAD (the std of the normal samples); falls back to the std. */
  readonly scale: number;
  /** Largest |robust z| over the series and where it is. */
  readonly maxAbsZ: number;
  readonly argMaxAbsZ: number;
  /** Thresholds used (robust z units). */
  readonly coreZ: number;
  readonly edgeZ: number;
}

/** Robust z-scores of x against its median and scaled MAD (std fallback; zeros for a constant series). */
export function levelZ(x: ArrayLike<number>): { z: Float64Array; level: number; scale: number } {
  const n = x.length;
  const level = median(x);
  let scale = MAD_TO_STD * mad(x);
  if (!(scale > 0)) {
    let v = 0;
    for (let t = 0; t < n; t++) v += (x[t] - level) ** 2;
    scale = Math.sqrt(v / n);
  }
  const z = new Float64Array(n);
  if (scale > 0) for (let t = 0; t < n; t++) z[t] = (x[t] - level) / scale;
  return { z, level, scale };
}

/** Detect level shifts in x (n ≥ 1): intervals and the evidence behind them. */
export function detectLevel(x: ArrayLike<number>, T: BaselineThresholds = BASELINE_THRESHOLDS): { intervals: Interval[]; evidence: LevelEvidence } {
  const n = x.length;
  const { z, level, scale } = levelZ(x);
  let maxAbsZ = 0,
    argMaxAbsZ = 0;
  for (let t = 0; t < n; t++) {
    if (Math.abs(z[t]) > maxAbsZ) {
      maxAbsZ = Math.abs(z[t]);
      argMaxAbsZ = t;
    }
  }
  // Core: |mean of z over t−1, t, t+1| ≥ coreZ; shoulders: own |z| ≥ edgeZ with the same sign.
  const runs: Interval[] = [];
  let t = 0;
  while (t < n) {
    const lo = Math.max(0, t - 1),
      hi = Math.min(n, t + 2);
    let s = 0;
    for (let k = lo; k < hi; k++) s += z[k];
    const m3 = s / (hi - lo);
    if (!(Math.abs(m3) >= T.levelCoreZ)) {
      t++;
      continue;
    }
    const sign = Math.sign(m3);
    let a = t,
      b = t + 1;
    while (a > 0 && sign * z[a - 1] >= T.levelEdgeZ) a--;
    while (b < n && sign * z[b] >= T.levelEdgeZ) b++;
    const last = runs[runs.length - 1];
    if (last !== undefined && a <= last[1]) runs[runs.length - 1] = [last[0], Math.max(last[1], b)];
    else runs.push([a, b]);
    t = Math.max(b, t + 1);
  }
  const intervals = dropShort(mergeRuns(runs, T.levelMergeGap), T.levelMinLength);
  return { intervals, evidence: { level, scale, maxAbsZ, argMaxAbsZ, coreZ: T.levelCoreZ, edgeZ: T.levelEdgeZ } };
}

/** Statistics of one interval of a level series, against the series' median and robust spread. */
export interface LevelIntervalStats {
  readonly start: number;
  readonly end: number;
  /** Mean value inside. */
  readonly mean: number;
  /** Mean robust z inside (signed: + above the level, − below). */
  readonly meanZ: number;
  /** Largest |robust z| inside. */
  readonly maxAbsZ: number;
}

/** Level statistics of x on iv = [s, e) given the series' level and scale (from `levelZ`). */
export function levelIntervalStats(x: ArrayLike<number>, level: number, scale: number, iv: Interval): LevelIntervalStats {
  const [s, e] = iv;
  let sum = 0,
    maxAbsZ = 0;
  for (let t = s; t < e; t++) {
    sum += x[t];
    const z = scale > 0 ? Math.abs(x[t] - level) / scale : 0;
    if (z > maxAbsZ) maxAbsZ = z;
  }
  const mean = sum / (e - s);
  return { start: s, end: e, mean, meanZ: scale > 0 ? (mean - level) / scale : 0, maxAbsZ };
}
