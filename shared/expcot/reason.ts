/**
 * The Reasoning & Validation part of an ExpCoT (docs/METHOD.md §4, step 2): the
 * evidence that fits the answered type, measured on the series for each
 * answered interval.
 *
 *   global point      robust z-scores against the median (baseline/level.ts)
 *   contextual point  lag-1 autocorrelation and sine-fit residual, with the
 *                     values still inside the normal range (baseline/periodic-stats.ts)
 *   seasonal          local frequency (from the phase gained, whole turns set by
 *                     the level crossings) and crossings against the healthy
 *                     pace, and the phase shift across the interval
 *   trend             local slope with the oscillation removed (baseline/trend.ts)
 *   shapelet          matrix profile over the interval, sine-fit residual, phase kept
 *   normal            the statistic of the series' own family stays quiet
 *
 * Which analyses are cited depends on the answered type; which family
 * sentence opens, and every number, come from the data. The same code argues
 * for the true answer (training ExpCoT) and for the detector's answer (blind ExpCoT).
 */
import { median } from '../analysis/index.js';
import { type FamilyEvidence } from '../baseline/family.js';
import { levelIntervalStats, levelZ } from '../baseline/level.js';
import { periodicModel } from '../baseline/periodic.js';
import { periodicIntervalStats } from '../baseline/periodic-stats.js';
import type { BaselineThresholds } from '../baseline/thresholds.js';
import { localSlopes, trendIntervalStats, trendWindow } from '../baseline/trend.js';
import type { AnomalyType } from '../series/labels.js';
import type { Interval } from '../series/record.js';
import type { ObservationEvidence } from './observe.js';
import { FAMILY_WORDS, type Phrase } from './phrases.js';

/** At most this many intervals get their own sentences; the rest are summed up in one. */
export const EXPCOT_MAX_DETAILED = 5;

export interface ReasonInput {
  readonly x: Float64Array;
  readonly intervals: readonly Interval[];
  readonly type: AnomalyType;
  readonly family: FamilyEvidence;
  readonly observation: ObservationEvidence;
  readonly thresholds: BaselineThresholds;
}

function detailed<T>(items: readonly T[]): { shown: readonly T[]; more: number } {
  return { shown: items.slice(0, EXPCOT_MAX_DETAILED), more: Math.max(0, items.length - EXPCOT_MAX_DETAILED) };
}

function more(k: number): Phrase[] {
  return k > 0 ? [{ id: 'rsn.more', values: { k } }] : [];
}

/** Largest |robust z| of x inside [s, e). */
function maxAbsIn(z: Float64Array, s: number, e: number): number {
  let m = 0;
  for (let t = s; t < e; t++) m = Math.max(m, Math.abs(z[t]));
  return m;
}

function levelPhrases(inp: ReasonInput): Phrase[] {
  const { x, intervals } = inp;
  const { z, level, scale } = levelZ(x);
  const out: Phrase[] = [{ id: 'rsn.level', values: { level, scale } }];
  const { shown, more: k } = detailed(intervals);
  for (const iv of shown) {
    const st = levelIntervalStats(x, level, scale, iv);
    out.push({ id: 'rsn.level.interval', values: { s: iv[0], e: iv[1], mean: st.mean, meanZ: st.meanZ, maxZ: st.maxAbsZ } });
  }
  out.push(...more(k));
  if (intervals.length > 0) {
    const inside = new Uint8Array(x.length);
    for (const [s, e] of intervals) inside.fill(1, s, e);
    let outZ = 0;
    for (let t = 0; t < x.length; t++) if (!inside[t]) outZ = Math.max(outZ, Math.abs(z[t]));
    out.push({ id: 'rsn.level.outside', values: { outZ } });
  } else {
    let max3 = 0;
    for (let t = 0; t < x.length; t++) {
      const lo = Math.max(0, t - 1),
        hi = Math.min(x.length, t + 2);
      let sum = 0;
      for (let k2 = lo; k2 < hi; k2++) sum += z[k2];
      max3 = Math.max(max3, Math.abs(sum / (hi - lo)));
    }
    out.push({ id: 'rsn.normal.level', values: { maxZ: maxAbsIn(z, 0, x.length), max3 } });
  }
  return out;
}

function phasePhrase(iv: Interval, shift: number): Phrase[] {
  return Number.isFinite(shift) ? [{ id: 'rsn.phase', values: { s: iv[0], e: iv[1], shift } }] : [];
}

function periodicPhrases(inp: ReasonInput): Phrase[] {
  const { x, intervals, type, observation } = inp;
  const { model, fitScore, rate } = periodicModel(x, inp.thresholds);
  const out: Phrase[] = [{ id: 'rsn.periodic', values: { period: model.period, amplitude: model.amplitude, noise: model.noise } }];
  const { shown, more: k } = detailed(intervals);
  if (type === 'contextual point') {
    const { z } = levelZ(x);
    for (const iv of shown) {
      const st = periodicIntervalStats(x, model, iv);
      out.push({ id: 'rsn.point.interval', values: { s: iv[0], e: iv[1], ac1: st.ac1, fitRms: st.fitRms, maxZ: maxAbsIn(z, iv[0], iv[1]) } });
    }
  } else if (type === 'seasonal') {
    for (const iv of shown) {
      const st = periodicIntervalStats(x, model, iv);
      out.push({
        id: 'rsn.seasonal.interval',
        values: {
          s: iv[0],
          e: iv[1],
          fIn: 100 * st.localFrequency,
          fOut: 100 * model.frequency,
          crossings: st.crossings,
          expected: 2 * model.frequency * (iv[1] - iv[0]),
        },
      });
      out.push(...phasePhrase(iv, st.phaseShift));
    }
  } else if (type === 'shapelet') {
    const profile = observation.profile;
    const m = observation.discord?.m ?? 0;
    for (const iv of shown) {
      const st = periodicIntervalStats(x, model, iv);
      if (profile !== undefined && m > 0) {
        let mpMax = 0;
        const lo = Math.max(0, iv[0] - m + 1),
          hi = Math.min(profile.length, iv[1]);
        for (let a = lo; a < hi; a++) if (Number.isFinite(profile[a])) mpMax = Math.max(mpMax, profile[a]);
        out.push({ id: 'rsn.shapelet.interval', values: { s: iv[0], e: iv[1], mpMax, mpMedian: finiteMedian(profile), fitRms: st.fitRms } });
      }
      out.push(...phasePhrase(iv, st.phaseShift));
    }
  } else {
    // normal: the two break scores of the detector stay low everywhere.
    let maxFit = 0,
      maxRate = 0;
    for (let t = 0; t < x.length; t++) {
      if (Number.isFinite(fitScore[t])) maxFit = Math.max(maxFit, fitScore[t]);
      if (Number.isFinite(rate[t])) maxRate = Math.max(maxRate, Math.abs(rate[t]));
    }
    out.push({ id: 'rsn.normal.periodic', values: { maxFit, maxRate } });
  }
  out.push(...more(k));
  return out;
}

function finiteMedian(v: Float64Array): number {
  const f: number[] = [];
  for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i])) f.push(v[i]);
  return f.length > 0 ? median(f) : 0;
}

function trendPhrases(inp: ReasonInput): Phrase[] {
  const { x, intervals, family } = inp;
  const { period, halfWindow } = trendWindow(family.period, x.length, inp.thresholds);
  const { slope } = localSlopes(x, period, halfWindow);
  const typical = median(slope);
  const out: Phrase[] = [
    Number.isFinite(period)
      ? { id: 'rsn.trend', values: { period, typical: 100 * typical } }
      : { id: 'rsn.trend.no-period', values: { typical: 100 * typical } },
  ];
  const { shown, more: k } = detailed(intervals);
  for (const iv of shown) {
    const st = trendIntervalStats(slope, typical, iv);
    out.push({ id: 'rsn.trend.interval', values: { s: iv[0], e: iv[1], slope: 100 * st.slope, ratio: st.ratio } });
  }
  out.push(...more(k));
  if (intervals.length === 0) {
    let lo = Infinity,
      hi = -Infinity;
    for (let t = 0; t < slope.length; t++) {
      lo = Math.min(lo, slope[t]);
      hi = Math.max(hi, slope[t]);
    }
    out.push({ id: 'rsn.normal.trend', values: { min: 100 * lo, max: 100 * hi } });
  }
  return out;
}

/** The model an answer is argued with: by the answered type, or by the data's family for `normal`. */
export function reasoningModel(type: AnomalyType, family: FamilyEvidence['family']): 'level' | 'periodic' | 'trend' {
  switch (type) {
    case 'global point':
      return 'level';
    case 'trend':
      return 'trend';
    case 'contextual point':
    case 'seasonal':
    case 'shapelet':
      return 'periodic';
    default:
      return family === 'level' ? 'level' : family === 'trending' ? 'trend' : 'periodic';
  }
}

/** The Reasoning & Validation sentences for answering `type` with `intervals` on x. */
export function reason(inp: ReasonInput): Phrase[] {
  const { family } = inp;
  const head: Phrase = { id: 'rsn.family', values: { roughness: family.roughness, r2: family.trendR2, family: FAMILY_WORDS[family.family] } };
  const model = reasoningModel(inp.type, family.family);
  const body = model === 'level' ? levelPhrases(inp) : model === 'trend' ? trendPhrases(inp) : periodicPhrases(inp);
  return [head, ...body];
}
