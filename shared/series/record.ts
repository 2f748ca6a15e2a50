import { DataError } from '../errors.js';
import { type AnomalyType, isAnomalyType } from './labels.js';

/**
 * A record's label: one of the six classes, or `unknown` for real data whose
 * windows are labelled but whose anomaly type is not (NAB, UCR, TSB-AD).
 * `unknown` records have intervals; class accuracy skips them.
 */
export type RecordType = AnomalyType | 'unknown';

/** Half-open index interval [start, end). */
export type Interval = readonly [number, number];

/**
 * One labelled series: the unit of every dataset, prompt and evaluation.
 * `series` values are finite numbers; `intervals` are sorted, disjoint,
 * half-open and inside [0, series.length); `type` is `normal` iff there are
 * no intervals (`unknown` needs intervals). `task` names the generator task when known.
 */
export interface SeriesRecord {
  readonly id: string;
  readonly series: Float64Array;
  readonly intervals: readonly Interval[];
  readonly type: RecordType;
  readonly task?: string;
}

/** The JSONL form of a record (one object per line). */
export interface SeriesRecordJson {
  id: string;
  series: number[];
  intervals: [number, number][];
  type: RecordType;
  task?: string;
}

export function recordToJson(r: SeriesRecord): SeriesRecordJson {
  const out: SeriesRecordJson = {
    id: r.id,
    series: Array.from(r.series),
    intervals: r.intervals.map(([s, e]) => [s, e]),
    type: r.type,
  };
  if (r.task !== undefined) out.task = r.task;
  return out;
}

/**
 * Check a record's invariants; throws DataError naming `file`, `line` and the field.
 * Used by every loader so all data sources fail the same way.
 */
export function validateRecord(r: SeriesRecord, file: string, line?: number): SeriesRecord {
  const at = (field: string, msg: string) => new DataError(file, msg, { line, field });
  if (typeof r.id !== 'string' || r.id.length === 0) throw at('id', 'must be a non-empty string');
  if (r.series.length === 0) throw at('series', 'is empty; a series needs at least one value');
  for (let i = 0; i < r.series.length; i++) {
    if (!Number.isFinite(r.series[i])) throw at('series', `value ${i} is ${r.series[i]}; every value must be a finite number`);
  }
  if (!isAnomalyType(r.type) && r.type !== 'unknown')
    throw at('type', `"${String(r.type)}" is not one of the six labels (or "unknown" for real data of unlabelled type)`);
  let prevEnd = -1;
  for (let k = 0; k < r.intervals.length; k++) {
    const iv = r.intervals[k];
    const [s, e] = iv;
    if (!Number.isInteger(s) || !Number.isInteger(e)) throw at('intervals', `interval ${k} [${s}, ${e}] must hold two integers`);
    if (s >= e) throw at('intervals', `interval ${k} [${s}, ${e}] has start >= end; intervals are half-open [start, end)`);
    if (s < 0 || e > r.series.length) throw at('intervals', `interval ${k} [${s}, ${e}] is outside [0, ${r.series.length})`);
    if (s < prevEnd) throw at('intervals', `interval ${k} [${s}, ${e}] overlaps or precedes the one before; sort and merge them`);
    prevEnd = e;
  }
  if ((r.type === 'normal') !== (r.intervals.length === 0)) {
    throw at('type', r.type === 'normal' ? 'is "normal" but intervals are given' : `is "${r.type}" but no intervals are given`);
  }
  return r;
}
