// Plain-loop statistics and protocol checks shared by the anomllm tests.
import type { Interval } from '../../shared/series/record.js';

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

/** Population standard deviation. */
export function std(xs: ArrayLike<number>): number {
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i] - m) ** 2;
  return Math.sqrt(s / xs.length);
}

/** Standard error of the mean of `xs`. */
export function stderr(xs: ArrayLike<number>): number {
  return std(xs) / Math.sqrt(xs.length);
}

/**
 * E[floor(max(m, X))] for X ~ Exp(mu) and integer m, by summing tail
 * probabilities: E[Y] = Σ_{k≥1} P(Y ≥ k) = m + Σ_{k≥m+1} e^(−k/mu).
 */
export function expectedFlooredMax(m: number, mu: number): number {
  return m + Math.exp(-(m + 1) / mu) / (1 - Math.exp(-1 / mu));
}

/** Indices in [0, length) that are outside every interval. */
export function outside(intervals: readonly Interval[], length: number): number[] {
  const inside = new Array<boolean>(length).fill(false);
  for (const [s, e] of intervals) for (let t = s; t < e; t++) inside[t] = true;
  const out: number[] = [];
  for (let t = 0; t < length; t++) if (!inside[t]) out.push(t);
  return out;
}

/**
 * Throws unless `intervals` obey the placement rule: sorted, half-open,
 * inside [0, length), the first start and every gap at least `minGap`,
 * every duration at least `minDur` unless clipped at `length`, at most `maxCount`.
 */
export function checkPlacement(intervals: readonly Interval[], length: number, p: { minGap: number; minDur: number; maxCount: number }, where = ''): void {
  if (intervals.length > p.maxCount) throw new Error(`${where}: ${intervals.length} intervals > maxCount ${p.maxCount}`);
  let prevEnd = 0;
  for (const [s, e] of intervals) {
    if (!(Number.isInteger(s) && Number.isInteger(e) && s < e && e <= length)) throw new Error(`${where}: bad interval [${s}, ${e}) in length ${length}`);
    if (s - prevEnd < p.minGap) throw new Error(`${where}: gap ${s - prevEnd} < minGap ${p.minGap} before [${s}, ${e})`);
    if (e - s < p.minDur && e !== length) throw new Error(`${where}: duration ${e - s} < minDur ${p.minDur} in unclipped [${s}, ${e})`);
    prevEnd = e;
  }
}
