/**
 * The expected value of a synth series in unit space, with its structural
 * anomalies (everything but spikes) built in:
 *
 *   u_t = level_t + w(day_t) · season_t,   season_t = p(φ_t),   φ_t = frac(phase_t)
 *   phase_t = phase0 + Σ_{k≤t} f_k,        f_k = 1/P, day_t = floor(phase_t)
 *
 *   level-shift [s, e): level_t += δ inside, δ = ±U(mag) units.
 *   trend [s, e):       level_t += Δ·(t − s + 1)/(e − s) inside and Δ after (the level keeps
 *                       the change, as the protocol's trend does), Δ = ±U(mag) units.
 *   frequency [s, e):   f_t = f·m or f/m (50/50), m = U(mag); the phase stays continuous.
 *   amplitude:          season_t = a·p(φ_t) or p(φ_t)/a over c whole cycles, a = U(mag).
 *   pattern:            season_t = the pattern cycle (profile.ts) over c whole cycles.
 *   flatline:           season_t = w(day_t)·(min p + m·(max p − min p)) over c whole cycles, m = U(mag):
 *                       the cycle stops and the series holds one level: half the time stuck (a sensor that
 *                       repeats its last value: one value, no noise), half idling (that level, with noise).
 *
 * Amplitude and pattern anomalies are aligned to cycle starts: their interval
 * runs from the first sample whose phase reaches the next whole cycle K after
 * the slot start, to the first sample whose phase reaches K + c. Their slot has
 * a spare cycle and 2 samples, and no frequency anomaly shares it, so it always
 * fits. Since p(0) = 0 the series has no jump where such an interval starts.
 */
import type { Rng } from '../rng.js';
import type { Interval } from '../series/record.js';
import { type Background, dayFactor } from './background.js';
import type { AnomalyKind, KindParams } from './params.js';
import type { PlannedAnomaly } from './placement.js';
import { type PatternCycle, drawPatternCycle, patternValue, profileValue } from './profile.js';

export interface Structure {
  /** Expected value u_t = level_t + seasonal part, in units, anomalies included, shape (L,). */
  readonly expected: Float64Array;
  /** The level part alone (background level, level shifts, trends), shape (L,). */
  readonly level: Float64Array;
  /** Means of the level and (counts only; 0 otherwise) of the seasonal part without any anomaly: counts centre their log-rate on them. */
  readonly baseLevelMean: number;
  readonly baseSeasonMean: number;
  /** Daily activity g_t = (season_t − min p)/(max p − min p) clipped to [0, 1]; undefined without a cycle. */
  readonly activity: Float64Array | undefined;
  /** The labelled interval of each anomaly, in the order given. */
  readonly intervals: readonly Interval[];
  /** phase_t in cycles (frequency anomalies included), shape (L,); zeros without a daily cycle. */
  readonly phase: Float64Array;
  /** 1 where the series is stuck (a flatline drawn stuck): the value holds exactly, without noise; undefined when none is. */
  readonly stuck?: Uint8Array;
}

type Drawn = { sign: number; size: number; cycle?: PatternCycle; stuck?: boolean };

function cycleAligned(kind: AnomalyKind): boolean {
  return kind === 'amplitude' || kind === 'pattern' || kind === 'flatline';
}

/** [first t ≥ a with phase_t ≥ K, first t with phase_t ≥ K + c), K = ceil(phase_a). */
export function alignToCycles(phase: Float64Array, [a, b]: Interval, cycles: number): Interval {
  const k = Math.ceil(phase[a]);
  let s = a;
  while (s < b && phase[s] < k) s++;
  let e = s;
  while (e < b && phase[e] < k + cycles) e++;
  // The slot holds a spare cycle, so this never fires; it guards the slot arithmetic in placement.ts.
  if (!(s < e && (e < b || (b < phase.length && phase[b] >= k + cycles)))) {
    throw new RangeError(`alignToCycles: ${cycles} cycles from ${a} do not fit the slot [${a}, ${b})`);
  }
  return [s, e];
}

/** Per anomaly, in order: a pattern draws its cycle (profile.ts); the other structural kinds their sign (50/50), then size U(mag); spikes nothing. */
function drawParams(rng: Rng, bg: Background, anomalies: readonly PlannedAnomaly[], kp: Readonly<Record<AnomalyKind, KindParams>>): (Drawn | undefined)[] {
  return anomalies.map(({ kind }) => {
    if (kind === 'global-spike' || kind === 'contextual-spike') return undefined;
    if (kind === 'pattern') return { sign: 1, size: 0, cycle: drawPatternCycle(rng, bg.profile!, kp.pattern.magnitude) };
    const sign = rng.bernoulli(0.5) ? 1 : -1;
    const size = rng.range(kp[kind].magnitude[0], kp[kind].magnitude[1]);
    // A flatline is a stuck sensor (one value, no noise) or an idling machine (one level, noise as before), 50/50.
    return kind === 'flatline' ? { sign, size, stuck: rng.bernoulli(0.5) } : { sign, size };
  });
}

export function buildStructure(rng: Rng, bg: Background, anomalies: readonly PlannedAnomaly[], kp: Readonly<Record<AnomalyKind, KindParams>>): Structure {
  const n = bg.length;
  const drawn = drawParams(rng, bg, anomalies, kp);
  const level = Float64Array.from(bg.level);
  const p = bg.profile;
  const phase = new Float64Array(n);
  if (p) {
    const pace = new Float64Array(n).fill(1 / bg.period);
    anomalies.forEach(({ kind, slot: [s, e] }, i) => {
      if (kind === 'frequency') pace.fill(drawn[i]!.sign > 0 ? drawn[i]!.size / bg.period : 1 / (drawn[i]!.size * bg.period), s, e);
    });
    let ph = bg.phase0;
    for (let t = 0; t < n; t++) phase[t] = ph += pace[t];
  }
  const intervals = anomalies.map(({ kind, slot, cycles }) => (cycleAligned(kind) ? alignToCycles(phase, slot, cycles) : slot));
  const season = new Float64Array(n);
  let levelSum = 0,
    seasonSum = 0;
  for (let t = 0; t < n; t++) {
    if (p) {
      season[t] = dayFactor(bg, Math.floor(phase[t])) * profileValue(p, phase[t] - Math.floor(phase[t]));
      if (bg.kind === 'counts') {
        const base = bg.phase0 + (t + 1) / bg.period;
        seasonSum += dayFactor(bg, Math.floor(base)) * profileValue(p, base - Math.floor(base));
      }
    }
    levelSum += level[t];
  }
  anomalies.forEach(({ kind }, i) => {
    const [s, e] = intervals[i];
    const d = drawn[i];
    if (d === undefined) return;
    if (kind === 'level-shift') for (let t = s; t < e; t++) level[t] += d.sign * d.size;
    else if (kind === 'trend') for (let t = s; t < n; t++) level[t] += (d.sign * d.size * Math.min(t - s + 1, e - s)) / (e - s);
    else if (kind === 'amplitude' || kind === 'pattern' || kind === 'flatline') {
      const factor = d.sign > 0 ? d.size : 1 / d.size;
      const flat = p === undefined ? 0 : p.min + d.size * (p.max - p.min);
      for (let t = s; t < e; t++) {
        const phi = phase[t] - Math.floor(phase[t]);
        const shape = kind === 'amplitude' ? factor * profileValue(p!, phi) : kind === 'flatline' ? flat : patternValue(p!, d.cycle!, phi);
        season[t] = dayFactor(bg, Math.floor(phase[t])) * shape;
      }
    }
  });
  const expected = new Float64Array(n);
  for (let t = 0; t < n; t++) expected[t] = level[t] + season[t];
  let stuck: Uint8Array | undefined;
  anomalies.forEach((_, i) => {
    if (drawn[i]?.stuck !== true) return;
    const [s, e] = intervals[i];
    stuck ??= new Uint8Array(n);
    for (let t = s; t < e; t++) [expected[t], stuck[t]] = [expected[s]!, 1];
  });
  let activity: Float64Array | undefined;
  if (p) {
    activity = new Float64Array(n);
    for (let t = 0; t < n; t++) activity[t] = Math.min(1, Math.max(0, (season[t] - p.min) / (p.max - p.min)));
  }
  return {
    expected,
    level,
    baseLevelMean: n > 0 ? levelSum / n : 0,
    baseSeasonMean: n > 0 ? seasonSum / n : 0,
    activity,
    intervals,
    phase,
    ...(stuck === undefined ? {} : { stuck }),
  };
}
