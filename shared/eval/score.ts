/**
 * Scoring a set of predictions the way docs/METHOD.md §7 (and AnomLLM) does: every
 * series gets its own metrics on 0/1 vectors of its own length; a category's
 * figure is the mean over its series; the table's average is the mean of the
 * four paper categories (freq, trend, range, point) that are present.
 *
 * - Category of a record: `categoryOf(task)` when the task is known (noisy-
 *   and flat- variants fold into their base); else from the type (global
 *   point → range, contextual point → point, seasonal → freq, trend → trend,
 *   shapelet → shapelet); else `other` (normal series without a task, real
 *   data of type `unknown`).
 * - Shapelet, `other` and any other non-paper category are reported under
 *   their own key but left out of `average`, so the average stays comparable
 *   with the paper's table.
 * - Class accuracy counts only records whose type is known (not `unknown`).
 * - A record without a prediction scores 0 on every metric, its class counts
 *   as wrong, and it is counted in `missing`. A prediction whose answer did
 *   not parse scores 0 on every localization metric, but its class still
 *   counts (as in the reward, where the class term is independent).
 * - Every figure in the report is a percentage (0–100).
 */
import { normalizeForPlot, policyView } from '../plot/normalize.js';
import type { NormalizeMode } from '../plot/normalize.js';
import { type Category, CATEGORIES, type AnomalyType, categoryOf } from '../series/labels.js';
import type { Interval, SeriesRecord } from '../series/record.js';
import { parseTrace, cleanIntervals } from '../trace/parse.js';
import { pointwise, type PRF } from '../metrics/pointwise.js';
import { affiliation } from '../metrics/affiliation.js';
import { meanIntervalIoU } from '../metrics/iou.js';
import { summarizeFaithfulness, traceFaithfulness } from './faithfulness.js';
import type { FaithfulnessReport, TraceFaithfulness } from './faithfulness.js';

/** One model answer for one series. `intervals: null` = no parseable answer. */
export type Prediction = {
  intervals: readonly Interval[] | null;
  type: AnomalyType | undefined;
  formatOk: boolean;
  text?: string;
  /** A record answered in windows (detect's path): each window's trace, window-relative. */
  windows?: readonly PredictionWindow[];
  /** How the whole series was scaled before the traces read it (detect's path); absent = as it is. */
  normalize?: NormalizeMode;
  /** The policy's own scaling of each prompt (window) after that (policy.normalize); absent = scoreAll's `readAs`. */
  scaled?: NormalizeMode;
};

/** One window of a windowed answer: the points [start, start + length) of the scaled series. */
export interface PredictionWindow {
  readonly start: number;
  readonly length: number;
  readonly text: string;
}

/** Parse a raw trace into a Prediction for a series of `length` points. */
export function predictionFromTrace(text: string, length: number): Prediction {
  const p = parseTrace(text, length);
  return { intervals: p.intervals, type: p.type, formatOk: p.formatOk, text };
}

/** Metrics of one series (fractions in [0, 1], not percent). */
export interface SeriesScore {
  readonly id: string;
  readonly category: string;
  /** False when the record's type is `unknown` (left out of class accuracy). */
  readonly typeKnown: boolean;
  readonly classCorrect: boolean;
  readonly formatOk: boolean;
  /** True when no prediction was given for this record. */
  readonly missing: boolean;
  readonly pointwise: PRF;
  readonly affiliation: PRF;
  readonly iou: number;
}

const TYPE_CATEGORY: Partial<Record<string, string>> = {
  'global point': 'range',
  'contextual point': 'point',
  seasonal: 'freq',
  trend: 'trend',
  shapelet: 'shapelet',
};

/** The table column a record belongs to (see the file comment). */
export function recordCategory(record: Pick<SeriesRecord, 'task' | 'type'>): string {
  if (record.task !== undefined && record.task !== '') return categoryOf(record.task);
  return TYPE_CATEGORY[record.type] ?? 'other';
}

const ZERO: PRF = Object.freeze({ precision: 0, recall: 0, f1: 0 });

/** Score one record against its prediction (undefined = missing). */
export function scoreSeries(record: SeriesRecord, prediction: Prediction | undefined): SeriesScore {
  const length = record.series.length;
  const typeKnown = record.type !== 'unknown';
  const base = { id: record.id, category: recordCategory(record), typeKnown };
  if (prediction === undefined || prediction.intervals === null) {
    const missing = prediction === undefined;
    return {
      ...base,
      classCorrect: !missing && typeKnown && prediction.type === record.type,
      formatOk: false,
      missing,
      pointwise: ZERO,
      affiliation: ZERO,
      iou: 0,
    };
  }
  // Clean again so hand-built predictions (unsorted, overlapping, past the end) score as parsed ones would.
  const pred = cleanIntervals(prediction.intervals, length);
  return {
    ...base,
    classCorrect: typeKnown && prediction.type === record.type,
    formatOk: prediction.formatOk,
    missing: false,
    pointwise: pointwise(record.intervals, pred, length),
    affiliation: affiliation(record.intervals, pred, length),
    iou: meanIntervalIoU(record.intervals, pred, length),
  };
}

/** Means over one category's series, in percent. */
export interface CategoryReport {
  readonly count: number;
  /** Percent over the category's records of known type; null when there are none. */
  readonly classAccuracy: number | null;
  readonly affiliation: PRF;
  readonly pointwise: PRF;
  readonly iou: number;
}

export interface EvalReport {
  /** Records scored. */
  readonly count: number;
  /** Records that had no prediction (scored 0). */
  readonly missing: number;
  /** Percent of correct classes over records of known type; null when none is known. */
  readonly classAccuracy: number | null;
  /** Percent of predictions with a well-formed trace. */
  readonly formatRate: number;
  /** Affiliation F1 (percent) per category present, plus `average` over the paper's four present. */
  readonly affiliationF1: Readonly<Record<string, number>>;
  /** Point-wise F1 (percent), mean over all records. */
  readonly pointF1: number;
  /** Mean interval IoU (percent), mean over all records. */
  readonly iou: number;
  /** Records per category. */
  readonly counts: Readonly<Record<string, number>>;
  readonly perCategory: Readonly<Record<string, CategoryReport>>;
  readonly series: readonly SeriesScore[];
  /** Whether the traces' reasoning is true (faithfulness.ts); present when predictions carry their text. */
  readonly faithfulness?: FaithfulnessReport;
}

const pct = (x: number) => 100 * x;
const mean = (xs: readonly number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
const meanPrf = (xs: readonly PRF[]): PRF => ({
  precision: pct(mean(xs.map((x) => x.precision))),
  recall: pct(mean(xs.map((x) => x.recall))),
  f1: pct(mean(xs.map((x) => x.f1))),
});

function classAccuracyOf(scores: readonly SeriesScore[]): number | null {
  const known = scores.filter((s) => s.typeKnown);
  return known.length === 0 ? null : pct(known.filter((s) => s.classCorrect).length / known.length);
}

/** Paper categories first in the paper's order, then the rest alphabetically. */
export function orderCategories(names: Iterable<string>): string[] {
  const set = new Set(names);
  const paper = CATEGORIES.filter((c) => set.has(c));
  const rest = [...set].filter((c) => !(CATEGORIES as readonly string[]).includes(c)).sort();
  return [...paper, ...rest];
}

/** Build the report from per-series scores (exposed so callers can score incrementally). */
export function summarize(scores: readonly SeriesScore[]): EvalReport {
  const byCat = new Map<string, SeriesScore[]>();
  for (const s of scores) {
    const list = byCat.get(s.category);
    if (list) list.push(s);
    else byCat.set(s.category, [s]);
  }
  const cats = orderCategories(byCat.keys());
  const perCategory: Record<string, CategoryReport> = {};
  const counts: Record<string, number> = {};
  const affiliationF1: Record<string, number> = {};
  for (const c of cats) {
    const list = byCat.get(c)!;
    counts[c] = list.length;
    perCategory[c] = {
      count: list.length,
      classAccuracy: classAccuracyOf(list),
      affiliation: meanPrf(list.map((s) => s.affiliation)),
      pointwise: meanPrf(list.map((s) => s.pointwise)),
      iou: pct(mean(list.map((s) => s.iou))),
    };
  }
  const paper = cats.filter((c): c is Category => (CATEGORIES as readonly string[]).includes(c));
  for (const c of paper) affiliationF1[c] = perCategory[c].affiliation.f1;
  if (paper.length > 0) affiliationF1.average = mean(paper.map((c) => perCategory[c].affiliation.f1));
  for (const c of cats) if (!paper.includes(c as Category)) affiliationF1[c] = perCategory[c].affiliation.f1;
  return {
    count: scores.length,
    missing: scores.filter((s) => s.missing).length,
    classAccuracy: classAccuracyOf(scores),
    formatRate: pct(mean(scores.map((s) => (s.formatOk ? 1 : 0)))),
    affiliationF1,
    pointF1: pct(mean(scores.map((s) => s.pointwise.f1))),
    iou: pct(mean(scores.map((s) => s.iou))),
    counts,
    perCategory,
    series: scores,
  };
}

/**
 * Score every record; a record whose id is not in `predictions` scores 0 and counts as missing.
 * Predictions that carry their trace text are also checked for faithfulness (faithfulness.ts),
 * each trace against the points it read: the series scaled as the prediction says (detect's
 * whole-series step), for a windowed answer each window's trace against its window (ids
 * `<id>@<start>`), then scaled by `readAs`, the policy's own scaling of every prompt
 * (policy.normalize; default `none`, the points as they are).
 */
export function scoreAll(records: readonly SeriesRecord[], predictions: ReadonlyMap<string, Prediction>, readAs: NormalizeMode = 'none'): EvalReport {
  const report = summarize(records.map((r) => scoreSeries(r, predictions.get(r.id))));
  const traced = records.flatMap((r) => tracesRead(r, predictions.get(r.id), readAs));
  return traced.length === 0 ? report : { ...report, faithfulness: summarizeFaithfulness(traced) };
}

/** Each trace of `p` with its faithfulness on the points it read. */
function tracesRead(r: SeriesRecord, p: Prediction | undefined, readAs: NormalizeMode): { id: string; f: TraceFaithfulness }[] {
  if (p === undefined || (p.text === undefined && p.windows === undefined)) return [];
  const scale = (x: Float64Array, mode: NormalizeMode | undefined) => (mode === undefined || mode === 'none' ? x : normalizeForPlot(x, mode));
  const x = scale(r.series, p.normalize);
  const own = p.scaled ?? readAs;
  const view = (w: Float64Array) => (own === 'none' ? w : policyView(w, own));
  if (p.windows !== undefined)
    return p.windows.map((w) => ({ id: `${r.id}@${w.start}`, f: traceFaithfulness(w.text, view(x.subarray(w.start, w.start + w.length))) }));
  return [{ id: r.id, f: traceFaithfulness(p.text!, view(x)) }];
}

/**
 * The report as JSON-ready data, keys in this order: count, classAccuracy,
 * affiliationF1 {freq, trend, range, point, average, then other categories},
 * pointF1, iou, missing, formatRate, counts, perCategory, faithfulness (when checked). Absent categories are
 * left out; per-series scores are not included.
 */
export function reportToJson(report: EvalReport): Record<string, unknown> {
  return {
    count: report.count,
    classAccuracy: report.classAccuracy,
    affiliationF1: { ...report.affiliationF1 },
    pointF1: report.pointF1,
    iou: report.iou,
    missing: report.missing,
    formatRate: report.formatRate,
    counts: { ...report.counts },
    perCategory: JSON.parse(JSON.stringify(report.perCategory)) as unknown,
    ...(report.faithfulness === undefined ? {} : { faithfulness: JSON.parse(JSON.stringify(report.faithfulness)) as unknown }),
  };
}
