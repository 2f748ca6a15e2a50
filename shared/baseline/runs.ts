/**
 * From per-sample scores to answer intervals: hysteresis thresholding, gap
 * merging and a minimum length. Every detector of the baseline ends here, so
 * all of them answer with the same kind of intervals: half-open [start, end),
 * sorted, disjoint and separated by more than the merge gap.
 */
import type { Interval } from '../series/record.js';

/**
 * Runs of samples with score ≥ `low` that hold at least one sample with
 * score ≥ `high` (hysteresis: a strong core grows into its weaker shoulders,
 * a weak blip alone is ignored). `low` ≤ `high`; NaN never passes.
 */
export function hysteresisRuns(score: ArrayLike<number>, high: number, low: number = high): Interval[] {
  const out: Interval[] = [];
  const n = score.length;
  let t = 0;
  while (t < n) {
    if (!(score[t] >= low)) {
      t++;
      continue;
    }
    const s = t;
    let strong = false;
    while (t < n && score[t] >= low) {
      if (score[t] >= high) strong = true;
      t++;
    }
    if (strong) out.push([s, t]);
  }
  return out;
}

/** Merge sorted runs whose gap (next start − previous end) is at most `maxGap` samples. */
export function mergeRuns(runs: readonly Interval[], maxGap: number): Interval[] {
  const out: [number, number][] = [];
  for (const [s, e] of runs) {
    const last = out[out.length - 1];
    if (last !== undefined && s - last[1] <= maxGap) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** Drop runs shorter than `minLength` samples. */
export function dropShort(runs: readonly Interval[], minLength: number): Interval[] {
  return runs.filter(([s, e]) => e - s >= minLength);
}

/** Grow each run by `left` samples before and `right` after, clipped to [0, n), then merge overlaps. */
export function growRuns(runs: readonly Interval[], left: number, right: number, n: number): Interval[] {
  const grown = runs.map(([s, e]) => [Math.max(0, s - left), Math.min(n, e + right)] as Interval);
  return mergeRuns(grown, 0);
}

/** Total samples covered by the runs. */
export function coveredLength(runs: readonly Interval[]): number {
  let k = 0;
  for (const [s, e] of runs) k += e - s;
  return k;
}

/** 0/1 mask of length n, 1 inside any run. */
export function runsMask(runs: readonly Interval[], n: number): Uint8Array {
  const m = new Uint8Array(n);
  for (const [s, e] of runs) m.fill(1, Math.max(0, s), Math.min(n, e));
  return m;
}
