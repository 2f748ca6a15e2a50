/**
 * The fixed sentence templates of the expert chain of thought (docs/METHOD.md §4).
 *
 * Every ExpCoT sentence is one of these templates with its slots filled, so
 * the set of words is closed (a fixed vocabulary can tokenise any ExpCoT) and
 * every number can be read back and checked (`parsePhrase`). Slots are
 * `{name:format}`:
 *
 *   int        an integer (indices, counts, window sizes): `453`
 *   f2         a number with exactly 2 decimals, no "-0.00": `-0.35`, `6.52`
 *   type       an anomaly class other than normal: `contextual point`
 *   family     `a noise-like level series` | `a trending series` | `a periodic series`
 *   intervals  half-open intervals `[120, 141), [610, 640)`
 *
 * Units: slopes and gradients are per 100 points, frequencies in cycles per
 * 100 points, phases in radians, so the numbers of a 1000-point series stay
 * in a readable range at 2 decimals. Each sentence starts with a capital
 * letter and ends with a full stop; sentences are joined by one space.
 * docs/EXPCOT.md lists them with their meaning.
 */
import { ANOMALY_TYPES } from '../series/labels.js';
import type { Interval } from '../series/record.js';

export const EXPCOT_PHRASES = Object.freeze({
  'obs.summary': 'Observation: the series has {n:int} points with mean {mean:f2} and std {std:f2}.',
  'obs.extremes': 'The largest absolute z-score is {maxZ:f2} at index {argMaxZ:int}, and the histogram outlier score (HBOS) is {hbos:f2}.',
  'obs.gradient': 'The smoothed gradient over {window:int} points has mean {mean:f2} and std {std:f2} per 100 points.',
  'obs.period': 'The FFT dominant period is {period:f2} points, with {share:f2} of the spectral power.',
  'obs.no-period': 'The FFT shows no dominant period.',
  'obs.discord': 'The matrix profile with window {m:int} has its top discord at index {start:int}, distance {distance:f2}.',
  'obs.no-discord': 'The series is too short for a matrix profile.',
  'rsn.family': 'Reasoning & Validation: the roughness is {roughness:f2} and a straight line explains {r2:f2} of the variance, so this is {family:family}.',
  'rsn.level': 'The level is the median {level:f2} with robust std {scale:f2}.',
  'rsn.level.interval': 'In [{s:int}, {e:int}) the values average {mean:f2}, a robust z-score of {meanZ:f2} that peaks at {maxZ:f2}.',
  'rsn.level.outside': 'Outside these intervals the largest robust z-score is {outZ:f2}.',
  'rsn.periodic': 'The oscillation has period {period:f2} points, amplitude {amplitude:f2} and noise {noise:f2} around local sine fits.',
  'rsn.point.interval':
    'In [{s:int}, {e:int}) the values stop following the sine: lag-1 autocorrelation {ac1:f2} and sine-fit residual {fitRms:f2}, while the largest robust z-score is only {maxZ:f2}.',
  'rsn.seasonal.interval':
    'In [{s:int}, {e:int}) the pace changes: the local frequency is {fIn:f2} cycles per 100 points against {fOut:f2} elsewhere, with a level-crossing count of {crossings:int} against {expected:f2} expected.',
  'rsn.shapelet.interval':
    'In [{s:int}, {e:int}) the cycle changes shape: the matrix profile reaches {mpMax:f2} against a median of {mpMedian:f2}, and the sine-fit residual is {fitRms:f2}.',
  'rsn.phase': 'Across [{s:int}, {e:int}) the phase of the sine shifts by {shift:f2} radians.',
  'rsn.trend': 'With the period {period:f2} oscillation removed, the typical local slope is {typical:f2} per 100 points.',
  'rsn.trend.no-period': 'The typical local slope is {typical:f2} per 100 points.',
  'rsn.trend.interval': 'In [{s:int}, {e:int}) the local slope is {slope:f2} per 100 points, {ratio:f2} times the typical slope.',
  'rsn.more': 'The other {k:int} intervals show the same pattern.',
  'rsn.normal.level': 'No stretch leaves the level: the largest robust z-score is {maxZ:f2} and the largest 3-point mean z-score is {max3:f2}.',
  'rsn.normal.periodic':
    'The oscillation holds throughout: the local sine fit leaves at most {maxFit:f2}, and the phase drifts at most {maxRate:f2} radians per point.',
  'rsn.normal.trend': 'The slope holds throughout: the local slope stays between {min:f2} and {max:f2} per 100 points.',
  'con.anomaly': 'Conclusion: a {type:type} anomaly in {intervals:intervals}.',
  'con.normal': 'Conclusion: nothing stands out, the series is normal.',
} as const);

export type PhraseId = keyof typeof EXPCOT_PHRASES;
export type PhraseValue = number | string | readonly Interval[];
export type PhraseValues = Readonly<Record<string, PhraseValue>>;

/** One filled template: what the ExpCoT's evidence is made of. */
export interface Phrase {
  readonly id: PhraseId;
  readonly values: PhraseValues;
}

/** The words a `family` slot may hold, by family name. */
export const FAMILY_WORDS = Object.freeze({
  level: 'a noise-like level series',
  trending: 'a trending series',
  periodic: 'a periodic series',
} as const);

const TYPE_WORDS = ANOMALY_TYPES.filter((t) => t !== 'normal');
const SLOT = /\{(\w+):(int|f2|type|family|intervals)\}/g;

/** Fixed 2-decimal form; "-0.00" is printed "0.00" so a sign never appears without a digit behind it. */
export function formatF2(v: number): string {
  const s = v.toFixed(2);
  return s === '-0.00' ? '0.00' : s;
}

/** `[s, e), [s, e)` for the `intervals` slot. */
export function formatIntervalList(ivs: readonly Interval[]): string {
  return ivs.map(([s, e]) => `[${s}, ${e})`).join(', ');
}

function formatSlot(fmt: string, v: PhraseValue, id: string, name: string): string {
  const bad = () => new TypeError(`phrase ${id}: slot ${name}:${fmt} cannot hold ${JSON.stringify(v)}`);
  switch (fmt) {
    case 'int':
      if (typeof v !== 'number' || !Number.isInteger(v)) throw bad();
      return String(v);
    case 'f2':
      if (typeof v !== 'number' || !Number.isFinite(v)) throw bad();
      return formatF2(v);
    case 'type':
      if (typeof v !== 'string' || !TYPE_WORDS.includes(v as never)) throw bad();
      return v;
    case 'family':
      if (typeof v !== 'string' || !Object.values(FAMILY_WORDS).includes(v as never)) throw bad();
      return v;
    default:
      if (!Array.isArray(v) || v.length === 0) throw bad();
      return formatIntervalList(v as readonly Interval[]);
  }
}

/** Fill template `id` with `values` (every slot must be given, in its format). */
export function renderPhrase(id: PhraseId, values: PhraseValues = {}): string {
  return EXPCOT_PHRASES[id].replace(SLOT, (_m, name: string, fmt: string) => {
    if (!(name in values)) throw new TypeError(`phrase ${id}: slot ${name} has no value`);
    return formatSlot(fmt, values[name], id, name);
  });
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const SLOT_PATTERNS: Record<string, string> = {
  int: '(-?\\d+)',
  f2: '(-?\\d+\\.\\d{2})',
  type: `(${TYPE_WORDS.map(escape).join('|')})`,
  family: `(${Object.values(FAMILY_WORDS).map(escape).join('|')})`,
  intervals: '(\\[\\d+, \\d+\\)(?:, \\[\\d+, \\d+\\))*)',
};

interface Matcher {
  readonly id: PhraseId;
  readonly re: RegExp;
  readonly slots: readonly [string, string][];
}

const MATCHERS: readonly Matcher[] = (Object.keys(EXPCOT_PHRASES) as PhraseId[]).map((id) => {
  const tpl = EXPCOT_PHRASES[id];
  const slots: [string, string][] = [];
  let re = '';
  let last = 0;
  for (const m of tpl.matchAll(SLOT)) {
    re += escape(tpl.slice(last, m.index)) + SLOT_PATTERNS[m[2]];
    slots.push([m[1], m[2]]);
    last = m.index! + m[0].length;
  }
  re += escape(tpl.slice(last));
  return { id, re: new RegExp(`^${re}$`), slots };
});

/**
 * Read one sentence back into its template and slot values (numbers as
 * numbers, intervals as pairs); undefined when no template matches.
 */
export function parsePhrase(sentence: string): Phrase | undefined {
  for (const { id, re, slots } of MATCHERS) {
    const m = re.exec(sentence);
    if (!m) continue;
    const values: Record<string, PhraseValue> = {};
    slots.forEach(([name, fmt], i) => {
      const text = m[i + 1];
      if (fmt === 'int' || fmt === 'f2') values[name] = Number(text);
      else if (fmt === 'intervals') values[name] = [...text.matchAll(/\[(\d+), (\d+)\)/g)].map((p) => [Number(p[1]), Number(p[2])] as Interval);
      else values[name] = text;
    });
    return { id, values };
  }
  return undefined;
}

/**
 * Split an ExpCoT think text into its sentences: each ends with "." and the
 * next starts with a capital letter after one space (decimal points are never
 * followed by a space, so numbers do not split).
 */
export function splitSentences(think: string): string[] {
  return think.split(/(?<=\.) (?=[A-Z])/).filter((s) => s.length > 0);
}
