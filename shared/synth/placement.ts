/**
 * Which events a synth series gets and where (docs/DATA-GENERATOR.md "Synth tasks").
 * Events are the anomalies and the missing stretches; each occupies a slot.
 *
 * 1. Normal with probability normalRate; else K anomalies, K uniform in
 *    [count lo, cap], cap = max(lo, min(hi, floor(maxDensity·L))).
 * 2. Each anomaly draws its kind from the task's weights (seasonal kinds only on
 *    a background with a daily cycle). With mixTypes, the second anomaly's kind
 *    is drawn among kinds of another type, so the series has two types.
 * 3. Slot lengths: 1 for spikes; a duration U{lo..hi} samples (hi capped at
 *    maxEventFraction·L); for cycle kinds c = U{lo..hi} cycles (c·P capped
 *    likewise): c·P samples for `frequency`, (c + 1)·P + 2 for `amplitude`,
 *    `pattern` and `flatline`, which are later aligned to cycle starts inside their slot.
 * 4. With probability missingRate, 1–3 missing stretches.
 * 5. Fit: slots need Σ lengths + (E + 1)·minGap samples (a gap before, between and
 *    after them). While they do not fit, drop the last missing stretch, then the
 *    last anomaly (the first two anomalies are the last to go).
 * 6. Place: the events in a random order; the F = L − need free samples are
 *    spread by E sorted uniform integers in [0, F], so every arrangement with
 *    gaps ≥ minGap is possible, and no event is nearer than minGap to either end.
 */
import type { Rng } from '../rng.js';
import type { Interval } from '../series/record.js';
import type { Background } from './background.js';
import { type AnomalyKind, type BackgroundParams, type KindParams, type SynthTaskParams, ANOMALY_KINDS, KIND_TYPES, SEASONAL_KINDS } from './params.js';

export interface PlannedAnomaly {
  readonly kind: AnomalyKind;
  /** The samples reserved for it: its interval, or (amplitude, pattern, flatline) the span it is aligned within. */
  readonly slot: Interval;
  /** Whole cycles for cycle kinds, 0 otherwise. */
  readonly cycles: number;
}

export interface EventPlan {
  /** Sorted by slot start. */
  readonly anomalies: readonly PlannedAnomaly[];
  /** Missing stretches, sorted, disjoint from the anomaly slots. */
  readonly missing: readonly Interval[];
  /** K, the anomalies drawn. */
  readonly drawn: number;
  /** Drawn anomalies dropped because they did not fit. */
  readonly unplaced: number;
}

/** cap = max(lo, min(hi, floor(maxDensity·L))): the most anomalies a series of length n may draw. */
export function countCap(task: SynthTaskParams, n: number): number {
  return Math.max(task.count[0], Math.min(task.count[1], Math.floor(task.maxDensity * n)));
}

const uniformInt = (rng: Rng, lo: number, hi: number) => lo + rng.int(hi - lo + 1);

/** The kinds the task may draw on this background, with their weights, in ANOMALY_KINDS order. */
export function allowedKinds(task: SynthTaskParams, bg: Background): { kinds: AnomalyKind[]; weights: number[] } {
  const kinds = ANOMALY_KINDS.filter((k) => (task.kinds[k] ?? 0) > 0 && (Number.isFinite(bg.period) || !SEASONAL_KINDS.includes(k)));
  return { kinds, weights: kinds.map((k) => task.kinds[k]!) };
}

function drawKinds(rng: Rng, task: SynthTaskParams, bg: Background, count: number): AnomalyKind[] {
  const { kinds, weights } = allowedKinds(task, bg);
  const out: AnomalyKind[] = [];
  for (let i = 0; i < count; i++) {
    let w = weights;
    if (i === 1 && task.mixTypes) {
      const other = weights.map((x, j) => (KIND_TYPES[kinds[j]] === KIND_TYPES[out[0]] ? 0 : x));
      if (other.some((x) => x > 0)) w = other;
    }
    out.push(kinds[rng.categorical(w)]);
  }
  return out;
}

function slotLength(rng: Rng, kind: AnomalyKind, kp: KindParams, bg: Background, n: number, bgp: BackgroundParams): { length: number; cycles: number } {
  const room = bgp.maxEventFraction * n;
  if (kp.unit === 'samples') {
    return { length: uniformInt(rng, kp.duration[0], Math.max(kp.duration[0], Math.min(kp.duration[1], Math.floor(room)))), cycles: 0 };
  }
  const P = bg.period;
  const cycles = uniformInt(rng, kp.duration[0], Math.max(kp.duration[0], Math.min(kp.duration[1], Math.floor(room / P))));
  return { length: kind === 'frequency' ? cycles * P : (cycles + 1) * P + 2, cycles };
}

/** Draw order: normal coin, K, kinds, slot lengths, missing coin, their number and lengths, the order, the offsets. */
export function planEvents(
  rng: Rng,
  task: SynthTaskParams,
  bg: Background,
  kindParams: Readonly<Record<AnomalyKind, KindParams>>,
  bgp: BackgroundParams,
): EventPlan {
  const n = bg.length;
  const anomalous = !rng.bernoulli(task.normalRate);
  const drawn = anomalous ? uniformInt(rng, task.count[0], countCap(task, n)) : 0;
  const kinds = drawKinds(rng, task, bg, drawn);
  const slots = kinds.map((kind) => ({ kind, ...slotLength(rng, kind, kindParams[kind], bg, n, bgp) }));
  const missingLengths: number[] = [];
  if (rng.bernoulli(task.missingRate)) {
    const m = uniformInt(rng, bgp.missingCount[0], bgp.missingCount[1]);
    const hi = Math.max(bgp.missingLength[0], Math.floor(bgp.missingLength[1] * n));
    for (let i = 0; i < m; i++) missingLengths.push(uniformInt(rng, bgp.missingLength[0], hi));
  }
  const g = task.minGap;
  const need = () => slots.reduce((s, x) => s + x.length, 0) + missingLengths.reduce((s, x) => s + x, 0) + (slots.length + missingLengths.length + 1) * g;
  while (slots.length + missingLengths.length > 0 && need() > n) {
    if (missingLengths.length > 0) missingLengths.pop();
    else slots.pop();
  }
  type Ev = { length: number; anomaly?: (typeof slots)[number] };
  const events: Ev[] = rng.shuffle([...slots.map((a) => ({ length: a.length, anomaly: a })), ...missingLengths.map((length) => ({ length }))]);
  const free = n - need();
  const offsets = events.map(() => rng.int(free + 1)).sort((a, b) => a - b);
  const anomalies: PlannedAnomaly[] = [];
  const missing: Interval[] = [];
  let start = g;
  events.forEach((ev, i) => {
    const s = start + offsets[i];
    const slot: Interval = [s, s + ev.length];
    if (ev.anomaly) anomalies.push({ kind: ev.anomaly.kind, slot, cycles: ev.anomaly.cycles });
    else missing.push(slot);
    start += ev.length + g;
  });
  return { anomalies, missing, drawn, unplaced: drawn - anomalies.length };
}
