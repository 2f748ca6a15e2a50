/**
 * The phase benchmark's pure parts (bench/phase.ts): a record read from a later first point,
 * and what a model's answers over several such starts say about its phase-robustness.
 *
 * A long series answered from its first point and from `o` points later is the same data in
 * windows that meet its cycles at another phase; a robust model answers both alike. For normal
 * series the answer should stay "nothing"; for anomalous ones the point-wise F1 should not
 * depend on where the windows fall.
 */
import { clipToWindow } from '../shared/datasets/window.js';
import { pointwise } from '../shared/metrics/pointwise.js';
import type { Interval, SeriesRecord } from '../shared/series/record.js';

/** `r` from point `o` on: id `<id>@<o>`, intervals clipped and shifted; `normal` when none are left. */
export function shiftedRecord(r: SeriesRecord, o: number): SeriesRecord {
  const n = r.series.length;
  if (!Number.isInteger(o) || o < 0 || o >= n) throw new Error(`offset ${o} outside [0, ${n}) of ${r.id}`);
  const intervals = clipToWindow(r.intervals, o, n - o);
  return { id: `${r.id}@${o}`, series: r.series.slice(o), intervals, type: intervals.length === 0 ? 'normal' : r.type };
}

/** Answers of one model: per offset, the intervals it gave each base record (by base id). */
export type AnswersByOffset = readonly ReadonlyMap<string, readonly Interval[]>[];

export interface PhaseSummary {
  /** Normal records: share answered with any interval, mean over offsets, and its min and max over offsets. */
  readonly falseAlarm: { readonly mean: number; readonly min: number; readonly max: number };
  /** Anomalous records: point-wise F1 (mean over records), mean over offsets and its min and max. */
  readonly pointF1: { readonly mean: number; readonly min: number; readonly max: number };
  /** Share of all records whose verdict (anything answered or not) is not the same at every offset. */
  readonly verdictChanges: number;
  readonly normal: number;
  readonly anomalous: number;
}

const spread = (xs: readonly number[]) => ({ mean: xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length), min: Math.min(...xs), max: Math.max(...xs) });

/**
 * Summarise one model's answers: `bases` are the records as loaded, `offsets[k]` the start of
 * reading k, `answers[k]` the model's intervals for each base at that start (in the shifted
 * record's own indices). Truth at offset k is the base's intervals read from there.
 */
export function phaseSummary(bases: readonly SeriesRecord[], offsets: readonly number[], answers: AnswersByOffset): PhaseSummary {
  const normal = bases.filter((b) => b.intervals.length === 0);
  const anomalous = bases.filter((b) => b.intervals.length > 0);
  const answered = (k: number, b: SeriesRecord) => {
    const a = answers[k]!.get(b.id);
    if (a === undefined) throw new Error(`no answer for ${b.id} at offset ${offsets[k]}`);
    return a;
  };
  const fa = offsets.map((_, k) => normal.filter((b) => answered(k, b).length > 0).length / Math.max(1, normal.length));
  const pw = offsets.map((o, k) => {
    const f1s = anomalous.map((b) => {
      const s = shiftedRecord(b, o);
      return pointwise(s.intervals, answered(k, b), s.series.length).f1;
    });
    return f1s.reduce((a, c) => a + c, 0) / Math.max(1, f1s.length);
  });
  const changes = bases.filter((b) => new Set(offsets.map((_, k) => answered(k, b).length > 0)).size > 1).length;
  return {
    falseAlarm: spread(fa),
    pointF1: spread(pw),
    verdictChanges: changes / Math.max(1, bases.length),
    normal: normal.length,
    anomalous: anomalous.length,
  };
}
