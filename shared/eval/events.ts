/**
 * An event-level reading of one answer against label windows, as NAB means its windows: a
 * window counts as found when any answered interval touches it, and every answered interval
 * touching no window is a false alarm. Beside it, the share of the series the answer marks.
 *
 * Why beside point-wise F1: NAB's windows are wide (10 % of a file, split among its anomalies),
 * so point-wise F1 on NAB grows with how much of the file an answer marks — a detector marking
 * 80 % of a file outscores one that marks each anomaly's exact points. Windows found, false
 * alarms and the share marked say which of the two happened.
 */
import type { Interval } from '../series/record.js';

export interface EventScore {
  /** Label windows touched by at least one answered interval. */
  readonly windowsFound: number;
  readonly windows: number;
  /** Answered intervals that touch no label window. */
  readonly falseAlarms: number;
  /** Points inside answered intervals over the series' points, 0–1. */
  readonly markedShare: number;
}

const touches = (a: Interval, b: Interval): boolean => a[0] < b[1] && b[0] < a[1];

/** Windows found, false alarms and share marked of `answer` against `windows` on a series of `n` points. */
export function eventScore(windows: readonly Interval[], answer: readonly Interval[], n: number): EventScore {
  let marked = 0;
  for (const [s, e] of answer) marked += Math.max(0, Math.min(e, n) - Math.max(s, 0));
  return {
    windowsFound: windows.filter((w) => answer.some((a) => touches(a, w))).length,
    windows: windows.length,
    falseAlarms: answer.filter((a) => !windows.some((w) => touches(a, w))).length,
    markedShare: n > 0 ? marked / n : 0,
  };
}
