/**
 * Is a trace's reasoning true? Three checks on one trace, against its own series:
 *
 * 1. **Conclusion agreement** — the `Conclusion:` sentence of `<think>` names exactly the
 *    intervals of `<answer>` and the type of `<class>` (`nothing stands out, the series is
 *    normal` ↔ `[]` and `normal`). A missing or unreadable conclusion disagrees.
 * 2. **Stated numbers** — every number a sentence of `<think>` states about the series, read
 *    back through its ExpCoT template (shared/expcot/phrases.ts `parsePhrase`), equals the
 *    value the ExpCoT code computes from the series, as printed: `int` slots exactly, `f2`
 *    slots after the same 2-decimal rounding. The reference is the ExpCoT built by the same
 *    code (`composeExpCot`) for the trace's own answer (its intervals and class), so an
 *    interval sentence is checked against the evidence for that very interval. A stated
 *    number with no reference sentence (a sentence the ExpCoT would not write for this
 *    answer) counts as wrong and is reported as unverifiable. The `family` word of the
 *    reasoning sentence is a stated fact too (`so this is a trending series`), checked the
 *    same way. Sentences that fit no template state nothing checkable; they are counted.
 * 3. **Well-formed intervals** — in the conclusion and in the answer, every interval has
 *    0 ≤ start < end ≤ n and they come in order without overlap (touching allowed).
 *
 * Example: "… mean 0.04 and std 0.20 …" on a series whose mean is 0.0449 states `0.04`
 * correctly (0.0449 prints as 0.04); "the series has 1000 points" on a 3-point window is wrong.
 */
import { composeExpCot, MIN_EXPCOT_LENGTH } from '../expcot/build.js';
import { formatF2, parsePhrase } from '../expcot/phrases.js';
import type { Phrase, PhraseValue } from '../expcot/phrases.js';
import { EXPCOT_PHRASES } from '../expcot/phrases.js';
import type { AnomalyType } from '../series/labels.js';
import type { Interval } from '../series/record.js';
import { firstTagContent, parseRawPairs, parseTrace } from '../trace/parse.js';

/** One stated value that differs from the series' own. */
export interface WrongNumber {
  readonly phrase: string;
  readonly slot: string;
  readonly stated: string;
  /** What the ExpCoT code computes, as it would print it; null when nothing to compare with. */
  readonly actual: string | null;
}

export interface TraceFaithfulness {
  /** 'agrees' | 'disagrees' | 'missing' (no conclusion sentence in the think text). */
  readonly conclusion: 'agrees' | 'disagrees' | 'missing';
  /** Numbers (and family words) stated about the series, and how many were right. */
  readonly stated: number;
  readonly correct: number;
  readonly wrong: readonly WrongNumber[];
  /** Of the wrong ones, those with no reference sentence to check against. */
  readonly unverifiable: number;
  /** Sentences of the think text that fit no ExpCoT template. */
  readonly freeSentences: number;
  /** Every interval of the conclusion and the answer well formed (see the file comment). */
  readonly wellFormed: boolean;
  /** `phrase.slot` of every stated number, in order (for per-slot accuracy). */
  readonly statedSlots: readonly string[];
}

/** Split a think text into sentences: each ends with a full stop followed by a space or the end. */
export function sentencesOf(think: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < think.length; i++) {
    if (think[i] === '.' && (i + 1 === think.length || think[i + 1] === ' ')) {
      const s = think.slice(start, i + 1).trim();
      if (s !== '') out.push(s);
      start = i + 1;
    }
  }
  const rest = think.slice(start).trim();
  if (rest !== '') out.push(rest);
  return out;
}

/** Half-open `[s, e)` pairs written anywhere in a sentence (lenient: any digits between brackets). */
function statedIntervals(sentence: string): [number, number][] {
  return [...sentence.matchAll(/\[\s*(-?\d+)\s*,\s*(-?\d+)\s*\)/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

/** 0 ≤ s < e ≤ n, sorted, disjoint (touching allowed). */
export function intervalsWellFormed(ivs: readonly (readonly [number, number])[], n: number): boolean {
  let prevEnd = 0;
  for (const [s, e] of ivs) {
    if (!Number.isInteger(s) || !Number.isInteger(e) || s < prevEnd || s >= e || e > n) return false;
    prevEnd = e;
  }
  return true;
}

const sameIntervals = (a: readonly (readonly [number, number])[], b: readonly (readonly [number, number])[]) =>
  a.length === b.length && a.every(([s, e], i) => s === b[i]![0] && e === b[i]![1]);

/** The slot formats of a template, by slot name. */
function slotFormats(id: Phrase['id']): Map<string, string> {
  return new Map([...EXPCOT_PHRASES[id].matchAll(/\{(\w+):(\w+)\}/g)].map((m) => [m[1]!, m[2]!]));
}

const printed = (fmt: string, v: PhraseValue | undefined): string | null =>
  v === undefined ? null : fmt === 'f2' && typeof v === 'number' ? formatF2(v) : fmt === 'int' && typeof v === 'number' ? String(v) : String(v);

/** A key matching a stated sentence to its reference: the template, plus its interval when it has one. */
const keyOf = (p: Phrase) => `${p.id}${typeof p.values.s === 'number' ? `@${p.values.s},${p.values.e}` : ''}`;

/** The three checks on one trace of a series `x`. */
export function traceFaithfulness(text: string, x: Float64Array): TraceFaithfulness {
  const n = x.length;
  const think = firstTagContent(text, 'think') ?? '';
  const sentences = sentencesOf(think);
  const parsed = parseTrace(text, n);
  const rawAnswer = parseRawPairs(firstTagContent(text, 'answer') ?? '') ?? [];
  const answerType: AnomalyType | undefined = parsed.type;

  // 1. conclusion
  const conclusionText = sentences.find((s) => s.startsWith('Conclusion:'));
  let conclusion: TraceFaithfulness['conclusion'] = 'missing';
  let conclusionIntervals: [number, number][] = [];
  if (conclusionText !== undefined) {
    conclusionIntervals = statedIntervals(conclusionText);
    const p = parsePhrase(conclusionText);
    const agrees =
      p !== undefined &&
      ((p.id === 'con.normal' && rawAnswer.length === 0 && answerType === 'normal') ||
        (p.id === 'con.anomaly' && p.values.type === answerType && sameIntervals(p.values.intervals as readonly Interval[], rawAnswer)));
    conclusion = agrees ? 'agrees' : 'disagrees';
  }

  // 3. well-formed intervals
  const wellFormed = intervalsWellFormed(rawAnswer, n) && (conclusionText === undefined || intervalsWellFormed(conclusionIntervals, n));

  // 2. stated numbers, against the ExpCoT of the trace's own answer
  const stated: Phrase[] = [];
  let freeSentences = 0;
  for (const s of sentences) {
    const p = parsePhrase(s);
    if (p === undefined) freeSentences += 1;
    else if (p.id !== 'con.anomaly' && p.id !== 'con.normal') stated.push(p);
  }
  const reference = new Map<string, Phrase>();
  if (stated.length > 0 && n >= MIN_EXPCOT_LENGTH) {
    const ivs = parsed.intervals ?? [];
    const type: AnomalyType = ivs.length === 0 || answerType === undefined || answerType === 'normal' ? 'normal' : answerType;
    for (const p of composeExpCot(x, type === 'normal' ? [] : ivs, type).evidence.phrases) reference.set(keyOf(p), p);
  }
  let count = 0,
    correct = 0,
    unverifiable = 0;
  const wrong: WrongNumber[] = [];
  const statedSlots: string[] = [];
  for (const p of stated) {
    const ref = reference.get(keyOf(p));
    for (const [slot, fmt] of slotFormats(p.id)) {
      if (fmt !== 'int' && fmt !== 'f2' && fmt !== 'family') continue;
      if ((slot === 's' || slot === 'e') && typeof p.values.s === 'number') continue; // the interval the sentence is about, not a measurement
      count += 1;
      statedSlots.push(`${p.id}.${slot}`);
      const statedText = printed(fmt, p.values[slot])!;
      const actual = ref === undefined ? null : printed(fmt, ref.values[slot]);
      if (actual !== null && actual === statedText) correct += 1;
      else {
        if (actual === null) unverifiable += 1;
        wrong.push({ phrase: p.id, slot, stated: statedText, actual });
      }
    }
  }
  return { conclusion, stated: count, correct, wrong, unverifiable, freeSentences, wellFormed, statedSlots };
}

/** Faithfulness over a set of traces, in percent, with the worst offenders. */
export interface FaithfulnessReport {
  /** Traces checked (predictions that carry their text). */
  readonly traces: number;
  /** Percent of traces whose conclusion agrees with their answer and class. */
  readonly conclusionAgreement: number;
  /** Percent of stated numbers (and family words) that are right; 100 when none were stated. */
  readonly statedNumberAccuracy: number;
  readonly statedNumbers: number;
  readonly unverifiableNumbers: number;
  /** Percent of traces whose intervals (conclusion and answer) are all well formed. */
  readonly wellFormedIntervals: number;
  /** Slots most often wrong: `phrase.slot`, times wrong, times stated. */
  readonly worstSlots: readonly { readonly slot: string; readonly wrong: number; readonly stated: number }[];
  /** The traces with the most wrong numbers (id and their first few wrong numbers). */
  readonly worstTraces: readonly { readonly id: string; readonly wrong: readonly WrongNumber[] }[];
}

/** Summarise per-trace checks (`id` names each trace in the worst-offender lists). */
export function summarizeFaithfulness(items: readonly { readonly id: string; readonly f: TraceFaithfulness }[], top = 5): FaithfulnessReport {
  const pct = (a: number, b: number) => (b === 0 ? 100 : (100 * a) / b);
  let agree = 0,
    stated = 0,
    correct = 0,
    unverifiable = 0,
    well = 0;
  const bySlot = new Map<string, { wrong: number; stated: number }>();
  for (const { f } of items) {
    if (f.conclusion === 'agrees') agree += 1;
    if (f.wellFormed) well += 1;
    stated += f.stated;
    correct += f.correct;
    unverifiable += f.unverifiable;
    const slot = (k: string) => bySlot.get(k) ?? bySlot.set(k, { wrong: 0, stated: 0 }).get(k)!;
    for (const k of f.statedSlots) slot(k).stated += 1;
    for (const w of f.wrong) slot(`${w.phrase}.${w.slot}`).wrong += 1;
  }
  const worstSlots = [...bySlot]
    .map(([slot, e]) => ({ slot, wrong: e.wrong, stated: e.stated }))
    .filter((e) => e.wrong > 0)
    .sort((a, b) => b.wrong - a.wrong || (a.slot < b.slot ? -1 : 1))
    .slice(0, top);
  const worstTraces = items
    .filter((i) => i.f.wrong.length > 0)
    .sort((a, b) => b.f.wrong.length - a.f.wrong.length || (a.id < b.id ? -1 : 1))
    .slice(0, top)
    .map((i) => ({ id: i.id, wrong: i.f.wrong.slice(0, 4) }));
  return {
    traces: items.length,
    conclusionAgreement: pct(agree, items.length),
    statedNumberAccuracy: pct(correct, stated),
    statedNumbers: stated,
    unverifiableNumbers: unverifiable,
    wellFormedIntervals: pct(well, items.length),
    worstSlots,
    worstTraces,
  };
}
