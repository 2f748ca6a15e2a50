/**
 * What the analyses say about one series, as the faithful trace states it (docs/POLICY.md
 * §faithful): the numbers of its Observation and Reasoning sentences and the blind detector's
 * verdict. They are computed by the same code that writes ExpCoT (shared/expcot observe's
 * `meanStd`, shared/baseline `inferFamily` with the tuned thresholds, `detect`), so a trace
 * that states them states the series' own numbers — `anomseer eval`'s faithfulness check
 * recomputes them the same way.
 *
 * Every process derives the facts of a prompt from its values alone (a worker from the leased
 * series, the learner from the record, detect from each window), so they agree bit for bit.
 */
import { detect } from '../baseline/detect.js';
import type { Detection } from '../baseline/detect.js';
import { inferFamily } from '../baseline/family.js';
import { ShapeError } from '../errors.js';
import { meanStd } from '../expcot/observe.js';
import { FAMILY_WORDS } from '../expcot/phrases.js';
import type { AnomalyType } from '../series/labels.js';
import type { Interval } from '../series/record.js';

/** Fewest points the facts are defined for (the family's trend fit and the detector need a few). */
export const MIN_FACTS_LENGTH = 16;

export interface SeriesFacts {
  readonly n: number;
  /** `obs.summary`: mean and population std. */
  readonly mean: number;
  readonly std: number;
  /** `rsn.family`: roughness, trend R² and the family words. */
  readonly roughness: number;
  readonly r2: number;
  readonly family: (typeof FAMILY_WORDS)[keyof typeof FAMILY_WORDS];
  /** The blind classical detector's answer (sorted, disjoint, half-open). */
  readonly detected: readonly Interval[];
  readonly detectedType: AnomalyType;
}

/**
 * The facts of series x (finite values, at least MIN_FACTS_LENGTH points). `detector: false`
 * leaves the detector's intervals out (a policy that does not read the detector must not be
 * handed its answer).
 */
export function seriesFacts(x: Float64Array, opts: { detector?: boolean; detection?: Detection } = {}): SeriesFacts {
  if (x.length < MIN_FACTS_LENGTH) throw new ShapeError(`seriesFacts: the series has ${x.length} points; at least ${MIN_FACTS_LENGTH} are needed`);
  const [mean, std] = meanStd(x);
  const fam = inferFamily(x);
  const d = opts.detector === false ? { intervals: [] as Interval[], type: 'normal' as AnomalyType } : (opts.detection ?? detect(x));
  return {
    n: x.length,
    mean,
    std,
    roughness: fam.roughness,
    r2: fam.trendR2,
    family: FAMILY_WORDS[fam.family],
    detected: d.intervals.map(([s, e]) => [s, e] as Interval),
    detectedType: d.type,
  };
}
