/**
 * Build an expert chain of thought (docs/METHOD.md §4): Observation, Reasoning &
 * Validation, Conclusion, each a run of fixed-template sentences whose
 * numbers are computed from the series, then the paper's output template.
 *
 * `buildExpCot` argues for a labelled record's TRUE intervals and type (the
 * training target). `blindExpCot` argues for the classical detector's own
 * answer, with the same templates (the baseline's explanation). Both are
 * deterministic: the same values give the same bytes.
 */
import { detect, type Detection, resolveThresholds } from '../baseline/detect.js';
import { type FamilyEvidence, inferFamily } from '../baseline/family.js';
import type { BaselineThresholds } from '../baseline/thresholds.js';
import { DataError } from '../errors.js';
import type { AnomalyType } from '../series/labels.js';
import type { Interval, SeriesRecord } from '../series/record.js';
import { formatTrace } from '../trace/format.js';
import { type ObservationEvidence, observe } from './observe.js';
import { type Phrase, renderPhrase } from './phrases.js';
import { reason } from './reason.js';

/** Shortest series an ExpCoT is built for (the analyses need a few cycles of data). */
export const MIN_EXPCOT_LENGTH = 16;

export interface ExpCotOptions {
  /** Threshold overrides for the shared models (window sizes); defaults to the tuned ones. */
  readonly thresholds?: Partial<BaselineThresholds>;
}

export interface ExpCotEvidence {
  /** Every sentence as its template id and slot values, in order. */
  readonly phrases: readonly Phrase[];
  readonly family: FamilyEvidence;
  readonly observation: ObservationEvidence;
}

export interface ExpCot {
  /** The whole trace: `<think> … </think>\n<answer>…</answer>\n<class>…</class>`. */
  readonly text: string;
  /** The think part only (sentences joined by single spaces). */
  readonly think: string;
  readonly evidence: ExpCotEvidence;
}

/** The conclusion sentence for an answer. */
function conclude(intervals: readonly Interval[], type: AnomalyType): Phrase {
  return type === 'normal' || intervals.length === 0 ? { id: 'con.normal', values: {} } : { id: 'con.anomaly', values: { type, intervals } };
}

/**
 * The ExpCoT arguing that x has `type` anomalies at `intervals` (sorted,
 * disjoint, half-open, inside [0, n); none for `normal`). `where` names the
 * source in errors.
 */
export function composeExpCot(x: Float64Array, intervals: readonly Interval[], type: AnomalyType, opts: ExpCotOptions = {}, where = 'series'): ExpCot {
  if (x.length < MIN_EXPCOT_LENGTH) throw new DataError(where, `has ${x.length} points; an ExpCoT needs at least ${MIN_EXPCOT_LENGTH}`, { field: 'series' });
  if ((type === 'normal') !== (intervals.length === 0)) {
    throw new DataError(where, type === 'normal' ? 'is "normal" but has intervals' : `is "${type}" but has no intervals`, { field: 'type' });
  }
  const thresholds = resolveThresholds(opts.thresholds);
  const obs = observe(x);
  const family = inferFamily(x, thresholds);
  const phrases: Phrase[] = [...obs.phrases, ...reason({ x, intervals, type, family, observation: obs.evidence, thresholds }), conclude(intervals, type)];
  const think = phrases.map((p) => renderPhrase(p.id, p.values)).join(' ');
  const text = formatTrace({ think, intervals, type: intervals.length === 0 ? 'normal' : type });
  return { text, think, evidence: { phrases, family, observation: obs.evidence } };
}

/**
 * The training ExpCoT of a labelled record: its true intervals and type.
 * Throws DataError for `unknown` records (real data without a class: there is
 * no type to argue for) and for series shorter than MIN_EXPCOT_LENGTH.
 */
export function buildExpCot(record: SeriesRecord, opts: ExpCotOptions = {}): ExpCot {
  if (record.type === 'unknown') {
    throw new DataError(record.id, 'has type "unknown"; an ExpCoT argues for a known type, so label the record or leave it out of ExpCoT building', {
      field: 'type',
    });
  }
  return composeExpCot(record.series, record.intervals, record.type, opts, record.id);
}

/**
 * The blind ExpCoT: the classical detector's answer on x, argued with the same
 * templates. A series too short for the analyses (under MIN_EXPCOT_LENGTH
 * points; the detector calls it normal) gets the conclusion sentence alone.
 */
export function blindExpCot(x: Float64Array, opts: ExpCotOptions & { detection?: Detection } = {}): ExpCot & { detection: Detection } {
  const detection = opts.detection ?? detect(x, { thresholds: opts.thresholds });
  if (x.length < MIN_EXPCOT_LENGTH) {
    const only = conclude(detection.intervals, detection.type);
    const think = renderPhrase(only.id, only.values);
    const family = detection.evidence.family;
    const observation: ObservationEvidence = {
      n: x.length,
      mean: 0,
      std: 0,
      maxAbsZ: 0,
      argMaxAbsZ: 0,
      hbos: 0,
      gradientWindow: 0,
      gradientMean: 0,
      gradientStd: 0,
      period: Infinity,
      periodShare: 0,
    };
    const text = formatTrace({ think, intervals: detection.intervals, type: detection.type });
    return { text, think, evidence: { phrases: [only], family, observation }, detection };
  }
  return { ...composeExpCot(x, detection.intervals, detection.type, opts), detection };
}
