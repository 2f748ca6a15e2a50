/**
 * One synth series, start to end. Each stage draws from its own keyed fork of
 * the series' stream, so changing one stage (say, the spikes) leaves the others'
 * draws as they were:
 *
 *   length → background kind → background → events (placement.ts)
 *   → structure (structural.ts) → noise and units (render.ts)
 *   → missing stretches (missing.ts) → spikes (points.ts)
 *
 * Missing stretches are filled before the spikes are written, so the spikes'
 * reference ranges are those of the final normal samples.
 */
import type { Rng } from '../rng.js';
import type { Interval, IntervalType } from '../series/record.js';
import { type Background, drawBackground } from './background.js';
import { type MissingStretch, fillMissing } from './missing.js';
import { type AnomalyKind, type BackgroundKind, type BackgroundParams, type KindParams, type SynthTaskParams, BACKGROUND_KINDS, KIND_TYPES } from './params.js';
import { planEvents } from './placement.js';
import { writeSpikes } from './points.js';
import { type Rendered, render } from './render.js';
import { buildStructure } from './structural.js';
import { ANOMALY_KIND_PARAMS, BACKGROUND_PARAMS } from './tasks.js';

export interface SynthDraw {
  /** The recorded values, shape (L,). */
  readonly series: Float64Array;
  /** Sorted, disjoint, half-open; at least minGap normal samples apart and from either end. */
  readonly intervals: readonly Interval[];
  /** One type per interval. */
  readonly types: readonly IntervalType[];
  /** One kind per interval. */
  readonly kinds: readonly AnomalyKind[];
  readonly background: Background;
  /** Expected values, noise stds and the value grid (render.ts), for tests and analysis. */
  readonly rendered: Rendered;
  readonly missing: readonly MissingStretch[];
  /** Anomalies drawn (before any was dropped). */
  readonly drawn: number;
  /** Drawn anomalies that did not fit the series. */
  readonly unplaced: number;
  /** Contextual spikes with no room on either side (not written, not labelled). */
  readonly infeasible: number;
}

export interface SynthTables {
  readonly kinds: Readonly<Record<AnomalyKind, KindParams>>;
  readonly background: BackgroundParams;
}

const DEFAULT_TABLES: SynthTables = { kinds: ANOMALY_KIND_PARAMS, background: BACKGROUND_PARAMS };

/** L = floor(exp(U(ln lo, ln(hi + 1)))), in [lo, hi]: log-uniform over the integers. */
export function drawLength(rng: Rng, [lo, hi]: readonly [number, number]): number {
  return Math.min(hi, Math.floor(Math.exp(rng.range(Math.log(lo), Math.log(hi + 1)))));
}

function drawBackgroundKind(rng: Rng, weights: SynthTaskParams['backgrounds']): BackgroundKind {
  return BACKGROUND_KINDS[rng.categorical(BACKGROUND_KINDS.map((k) => weights[k] ?? 0))];
}

/** One series of `task`; `length` fixes L instead of drawing it. All randomness comes from `rng`. */
export function drawSynth(rng: Rng, task: SynthTaskParams, length?: number, tables: SynthTables = DEFAULT_TABLES): SynthDraw {
  const n = length ?? drawLength(rng.fork('length'), task.length);
  const background = drawBackground(rng.fork('background'), drawBackgroundKind(rng.fork('background-kind'), task.backgrounds), n, tables.background, task);
  const plan = planEvents(rng.fork('events'), task, background, tables.kinds, tables.background);
  const structure = buildStructure(rng.fork('structure'), background, plan.anomalies, tables.kinds);
  const rendered = render(rng.fork('noise'), background, structure, tables.background);
  const missing = fillMissing(rng.fork('missing'), rendered.values, plan.missing, rendered.gridExponent);
  const kept = writeSpikes(rng.fork('spikes'), rendered, plan.anomalies, structure.intervals, tables.kinds);
  const intervals: Interval[] = [];
  const kinds: AnomalyKind[] = [];
  plan.anomalies.forEach((a, i) => {
    if (!kept[i]) return;
    intervals.push(structure.intervals[i]);
    kinds.push(a.kind);
  });
  return {
    series: rendered.values,
    intervals,
    types: kinds.map((k) => KIND_TYPES[k]),
    kinds,
    background,
    rendered,
    missing,
    drawn: plan.drawn,
    unplaced: plan.unplaced,
    infeasible: kept.filter((k) => !k).length,
  };
}
