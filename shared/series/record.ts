import { DataError } from '../errors.js';
import { ANOMALY_TYPES, type AnomalyType, isAnomalyType } from './labels.js';

/**
 * A record's label: one of the six classes, or `unknown` for real data whose
 * windows are labelled but whose anomaly type is not (NAB, UCR, TSB-AD).
 * `unknown` records have intervals; class accuracy skips them.
 */
export type RecordType = AnomalyType | 'unknown';

/** Half-open index interval [start, end). */
export type Interval = readonly [number, number];

/** The type of one anomalous interval: any class but `normal`. */
export type IntervalType = Exclude<AnomalyType, 'normal'>;

/**
 * Tie order of `dominantType`: the class order of docs/METHOD.md §2
 * (contextual point, global point, seasonal, trend, shapelet).
 */
export const INTERVAL_TYPE_ORDER: readonly IntervalType[] = ANOMALY_TYPES.filter((t): t is IntervalType => t !== 'normal');

/**
 * The record type of a series whose intervals have several types: the type
 * covering the most anomalous points (sum of its intervals' lengths); a tie
 * goes to the type first in INTERVAL_TYPE_ORDER. `normal` when there are no
 * intervals. Example: a 1-point global spike and a 40-point trend → `trend`;
 * two 1-point global spikes and two 1-point contextual ones → `contextual point`.
 */
export function dominantType(intervals: readonly Interval[], types: readonly IntervalType[]): IntervalType | 'normal' {
  const points = new Map<IntervalType, number>();
  intervals.forEach(([s, e], k) => points.set(types[k], (points.get(types[k]) ?? 0) + (e - s)));
  let best: IntervalType | 'normal' = 'normal';
  let most = 0;
  for (const t of INTERVAL_TYPE_ORDER) {
    const n = points.get(t) ?? 0;
    if (n > most) [best, most] = [t, n];
  }
  return best;
}

/**
 * One labelled series: the unit of every dataset, prompt and evaluation.
 * `series` values are finite numbers; `intervals` are sorted, disjoint,
 * half-open and inside [0, series.length); `type` is `normal` iff there are
 * no intervals (`unknown` needs intervals). `task` names the generator task when known.
 * `intervalTypes`, when given, holds one type per interval (same order) and then
 * `type` must be their `dominantType` (series with several anomaly types).
 */
export interface SeriesRecord {
  readonly id: string;
  readonly series: Float64Array;
  readonly intervals: readonly Interval[];
  readonly type: RecordType;
  readonly task?: string;
  readonly intervalTypes?: readonly IntervalType[];
}

/** The JSONL form of a record (one object per line). */
export interface SeriesRecordJson {
  id: string;
  series: number[];
  intervals: [number, number][];
  type: RecordType;
  task?: string;
  intervalTypes?: IntervalType[];
}

export function recordToJson(r: SeriesRecord): SeriesRecordJson {
  const out: SeriesRecordJson = {
    id: r.id,
    series: Array.from(r.series),
    intervals: r.intervals.map(([s, e]) => [s, e]),
    type: r.type,
  };
  if (r.task !== undefined) out.task = r.task;
  if (r.intervalTypes !== undefined) out.intervalTypes = [...r.intervalTypes];
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
  if (r.intervalTypes !== undefined) validateIntervalTypes(r, at);
  return r;
}

function validateIntervalTypes(r: SeriesRecord, at: (field: string, msg: string) => DataError): void {
  const types = r.intervalTypes!;
  if (!Array.isArray(types)) throw at('intervalTypes', 'must be an array with one type per interval');
  if (types.length !== r.intervals.length)
    throw at('intervalTypes', `has ${types.length} entries but there are ${r.intervals.length} intervals; give one type per interval`);
  types.forEach((t, k) => {
    if (!(INTERVAL_TYPE_ORDER as readonly unknown[]).includes(t))
      throw at('intervalTypes', `entry ${k} is ${JSON.stringify(t)}; allowed: ${INTERVAL_TYPE_ORDER.join(', ')}`);
  });
  const want = dominantType(r.intervals, types);
  if (r.type !== want) {
    throw at(
      'type',
      `is "${r.type}" but intervalTypes make it "${want}" (the type covering the most anomalous points; ties in the order ${INTERVAL_TYPE_ORDER.join(', ')})`,
    );
  }
}
