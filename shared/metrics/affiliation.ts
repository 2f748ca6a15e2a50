/**
 * Affiliation precision and recall (Huet, Navarro & Rossi, KDD 2022, "Local
 * Evaluation of Time Series Anomaly Detection Algorithms"), computed as the
 * public `affiliation-metrics-py` package does, which is what AnomLLM and the
 * paper score with (docs/METHOD.md §5, §7).
 *
 * Intervals are continuous segments: the half-open index interval [s, e) is
 * the segment from s to e (a point i covers [i, i+1)), exactly as the
 * package's `convert_vector_to_events` turns a 0/1 vector into events, and the
 * time range is [0, L]. (The alternative reading, closed [s, e−1], fails the
 * fixture, and it would make every one-point event a zero-length segment,
 * which the package rejects.)
 *
 * 1. Zones. Ground-truth events J_1 < … < J_n split [0, L] at the midpoints
 *    between consecutive events: zone E_j is every time closer to J_j than to
 *    any other event; the first zone starts at 0 and the last ends at L.
 * 2. Precision of event j. Take the prediction restricted to E_j (pieces of
 *    positive length). For a predicted time x at distance d = dist(x, J_j),
 *    score the survival F̄(d) = P(dist(X, J_j) > d) for X uniform on E_j, i.e.
 *    1 − (|J_j| + min(d, m) + min(d, M)) / |E_j| with m, M the smaller and larger
 *    gap between J_j and the zone's edges; a time inside J_j scores 1. Precision_j is
 *    the mean of F̄ over the predicted segments (an integral, not a sample of
 *    points). Zones without any prediction give NaN and are left out.
 * 3. Recall of event j. Split J_j among the predicted pieces in E_j by the
 *    same nearest-segment rule (cut at midpoints between pieces, inside E_j).
 *    A time y of J_j at distance d from its predicted piece scores
 *    1 − (min(d, y − e_min) + min(d, e_max − y)) / |E_j|, the chance that a uniform
 *    point of E_j is farther from y; inside the piece it scores 1. Recall_j is
 *    the mean over J_j; a zone with no prediction scores 0.
 * 4. Precision = mean of the non-NaN precision_j (NaN when all are NaN, as
 *    the package returns); recall = mean of recall_j over all events.
 *
 * Worked example (fixture case 1): truth [3, 6), prediction [2, 5), L = 10.
 * One zone E = [0, 10], |J| = 3, m = 3, M = 4. The predicted part [2, 3] lies
 * at distance 1…0: ∫ 1 − (3 + 2d)/10 = 0.6; the part [3, 5] inside J gives 2;
 * precision = 2.6 / 3 = 0.8667. Recall: [3, 5] inside the prediction gives 2;
 * [5, 6] lies at distance 0…1 from pivot 5 with y − 0 and 10 − y both ≥ d:
 * ∫ 1 − 2d/10 = 0.9; recall = 2.9 / 3 = 0.9667.
 */
import type { Interval } from '../series/record.js';
import { assertIntervals, harmonicF1, type PRF } from './pointwise.js';

/** A continuous segment [lo, hi] on the time axis. */
export type Segment = readonly [number, number];

export interface AffiliationDetail {
  readonly precision: number;
  readonly recall: number;
  /** Per ground-truth event; NaN where the zone holds no prediction. */
  readonly individualPrecision: readonly number[];
  readonly individualRecall: readonly number[];
}

/** Intersection of two segments, or undefined when it has no length. */
function intersect(a: Segment, b: Segment): Segment | undefined {
  const lo = Math.max(a[0], b[0]);
  const hi = Math.min(a[1], b[1]);
  return lo < hi ? [lo, hi] : undefined;
}

/** Affiliation zones of sorted disjoint `events` within `range` (midpoint cuts). */
export function affiliationZones(events: readonly Segment[], range: Segment): Segment[] {
  const n = events.length;
  const zones: Segment[] = [];
  for (let j = 0; j < n; j++) {
    const left = j === 0 ? range[0] : (events[j - 1][1] + events[j][0]) / 2;
    const right = j === n - 1 ? range[1] : (events[j][1] + events[j + 1][0]) / 2;
    zones.push([left, right]);
  }
  return zones;
}

/**
 * Exact integral over [a, b] of a function that is linear between the given
 * breakpoints: split there, then the trapezoid rule is exact on each piece.
 */
function integratePiecewiseLinear(f: (x: number) => number, a: number, b: number, breaks: readonly number[]): number {
  const cuts = [a, ...breaks.filter((x) => x > a && x < b).sort((p, q) => p - q), b];
  let sum = 0;
  for (let k = 0; k + 1 < cuts.length; k++) {
    const lo = cuts[k];
    const hi = cuts[k + 1];
    sum += ((hi - lo) * (f(lo) + f(hi))) / 2;
  }
  return sum;
}

/** ∫_{x∈I} F̄_precision(dist(x, J)) dx over zone E (I ⊂ E, J ⊂ E). */
function precisionIntegral(I: Segment, J: Segment, E: Segment): number {
  const size = E[1] - E[0];
  const lenJ = J[1] - J[0];
  const m = Math.min(J[0] - E[0], E[1] - J[1]);
  const M = Math.max(J[0] - E[0], E[1] - J[1]);
  const fbar = (d: number) => 1 - (lenJ + Math.min(d, m) + Math.min(d, M)) / size;
  let sum = 0;
  const inside = intersect(I, J);
  if (inside) sum += inside[1] - inside[0];
  if (I[0] < J[0]) {
    const hi = Math.min(I[1], J[0]);
    sum += integratePiecewiseLinear((x) => fbar(J[0] - x), I[0], hi, [J[0] - m, J[0] - M]);
  }
  if (I[1] > J[1]) {
    const lo = Math.max(I[0], J[1]);
    sum += integratePiecewiseLinear((x) => fbar(x - J[1]), lo, I[1], [J[1] + m, J[1] + M]);
  }
  return sum;
}

/** ∫_{y∈P} F̄_recall,y(dist(y, I)) dy for a piece P of the truth outside I, pivot = the near end of I. */
function recallOutsideIntegral(P: Segment, pivot: number, E: Segment): number {
  // As the package: a pivot on or beyond the zone's edge scores 0 (cannot happen for pieces inside E).
  if (pivot <= E[0] || pivot >= E[1]) return 0;
  const size = E[1] - E[0];
  const f = (y: number) => {
    const d = Math.abs(y - pivot);
    return 1 - (Math.min(d, y - E[0]) + Math.min(d, E[1] - y)) / size;
  };
  return integratePiecewiseLinear(f, P[0], P[1], [(pivot + E[0]) / 2, (pivot + E[1]) / 2, pivot]);
}

/** ∫_{y∈P} F̄_recall over a truth piece P with respect to predicted segment I, zone E. */
function recallIntegral(I: Segment, P: Segment, E: Segment): number {
  let sum = 0;
  const inside = intersect(P, I);
  if (inside) sum += inside[1] - inside[0];
  if (P[0] < I[0]) sum += recallOutsideIntegral([P[0], Math.min(P[1], I[0])], I[0], E);
  if (P[1] > I[1]) sum += recallOutsideIntegral([Math.max(P[0], I[1]), P[1]], I[1], E);
  return sum;
}

/**
 * Affiliation on continuous segments, as the package's `pr_from_events`.
 * `truth` must be non-empty; both lists sorted, disjoint, inside `range`.
 */
export function affiliationFromEvents(truth: readonly Segment[], pred: readonly Segment[], range: Segment): AffiliationDetail {
  const zones = affiliationZones(truth, range);
  const individualPrecision: number[] = [];
  const individualRecall: number[] = [];
  for (let j = 0; j < truth.length; j++) {
    const J = truth[j];
    const E = zones[j];
    const pieces = pred.map((I) => intersect(I, E)).filter((x): x is Segment => x !== undefined);
    if (pieces.length === 0) {
      individualPrecision.push(NaN);
      individualRecall.push(0);
      continue;
    }
    let num = 0;
    let den = 0;
    for (const I of pieces) {
      num += precisionIntegral(I, J, E);
      den += I[1] - I[0];
    }
    individualPrecision.push(num / den);
    // Recall: J is shared among the predicted pieces by their own zones within E.
    const subZones = affiliationZones(pieces, E);
    let rec = 0;
    for (let k = 0; k < pieces.length; k++) {
      const P = intersect(J, subZones[k]);
      if (P) rec += recallIntegral(pieces[k], P, E);
    }
    individualRecall.push(rec / (J[1] - J[0]));
  }
  const defined = individualPrecision.filter((p) => !Number.isNaN(p));
  const precision = defined.length > 0 ? defined.reduce((a, b) => a + b, 0) / defined.length : NaN;
  const recall = individualRecall.reduce((a, b) => a + b, 0) / individualRecall.length;
  return { precision, recall, individualPrecision, individualRecall };
}

/**
 * Affiliation precision, recall and their harmonic mean for index intervals
 * (half-open, sorted, disjoint, inside [0, length)) over the range [0, length].
 * Both empty → 1, 1, 1; exactly one empty → 0, 0, 0 (AnomLLM's conventions;
 * the package itself refuses an empty truth).
 */
export function affiliation(truth: readonly Interval[], pred: readonly Interval[], length: number): PRF {
  assertIntervals(truth, length, 'truth');
  assertIntervals(pred, length, 'prediction');
  if (truth.length === 0 && pred.length === 0) return { precision: 1, recall: 1, f1: 1 };
  if (truth.length === 0 || pred.length === 0) return { precision: 0, recall: 0, f1: 0 };
  const { precision, recall } = affiliationFromEvents(truth, pred, [0, length]);
  return { precision, recall, f1: harmonicF1(precision, recall) };
}
