/**
 * Read a policy's trace back into intervals and a class (docs/METHOD.md §2), leniently
 * about form and strictly about content:
 *
 * - tags are case-insensitive and may hold spaces (`< Answer >`, `</ANSWER >`);
 * - only the FIRST `<answer>…</answer>` and the FIRST `<class>…</class>` count:
 *   a model that writes two answers does not get to pick the better one;
 * - the answer is a list of `[start, end]` pairs (half-open indices); round
 *   brackets work as square ones, a single pair may omit the outer brackets
 *   (`[3, 9]`), pairs may be listed without them (`[1, 2], [5, 8]`), trailing
 *   commas and numbers like `12.0` are fine; `[]` means "no anomaly";
 * - anything else inside the answer (words, a pair of three numbers, an empty
 *   answer) makes the answer unparseable (`intervals: null`);
 * - a parsed pair is dropped when an index is negative, not an integer (12.5),
 *   or start ≥ end; ends are clipped to the series length (a pair that starts
 *   at or after the end is dropped); the rest are sorted and overlapping or
 *   touching pairs merged, so `[[5, 9], [1, 3], [3, 4]]` becomes `[[1, 4], [5, 9]]`;
 * - the class goes through `normalizeClass` ("Contextual" → "contextual point").
 */
import { type AnomalyType, normalizeClass } from '../series/labels.js';
import type { Interval } from '../series/record.js';

export interface ParsedTrace {
  /** `<think>` followed later by `</think>`. */
  readonly hasThink: boolean;
  /** Cleaned intervals; null when there is no parseable `<answer>`. */
  readonly intervals: Interval[] | null;
  /** The normalised class; undefined when `<class>` is missing or names no known class. */
  readonly type: AnomalyType | undefined;
  /** hasThink, a parseable answer and a class that normalises: the reward's format term. */
  readonly formatOk: boolean;
}

const tagOpen = (name: string) => new RegExp(`<\\s*${name}\\s*>`, 'i');
const tagClose = (name: string) => new RegExp(`<\\s*/\\s*${name}\\s*>`, 'i');

/** The text between the first `<name>` and the first `</name>` after it, or undefined. */
export function firstTagContent(text: string, name: string): string | undefined {
  const open = tagOpen(name).exec(text);
  if (!open) return undefined;
  const rest = text.slice(open.index + open[0].length);
  const close = tagClose(name).exec(rest);
  if (!close) return undefined;
  return rest.slice(0, close.index);
}

type Token = '[' | ']' | ',' | number;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;

function tokenize(s: string): Token[] | null {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '[' || c === '(') {
      out.push('[');
      i++;
      continue;
    }
    if (c === ']' || c === ')') {
      out.push(']');
      i++;
      continue;
    }
    if (c === ',') {
      out.push(',');
      i++;
      continue;
    }
    const m = NUMBER.exec(s.slice(i));
    if (!m) return null;
    out.push(Number(m[0]));
    i += m[0].length;
  }
  return out;
}

/**
 * Parse the raw pairs of an answer body without cleaning them.
 * Returns null when the body is not a list of pairs.
 */
export function parseRawPairs(body: string): [number, number][] | null {
  const toks = tokenize(body);
  if (toks === null || toks.length === 0) return null;
  let p = 0;
  const pairs: [number, number][] = [];
  // pair := '[' num ',' num ','? ']'
  const pair = (): boolean => {
    if (toks[p] !== '[' || typeof toks[p + 1] !== 'number' || toks[p + 2] !== ',' || typeof toks[p + 3] !== 'number') return false;
    const s = toks[p + 1] as number;
    const e = toks[p + 3] as number;
    p += 4;
    if (toks[p] === ',') p++;
    if (toks[p] !== ']') return false;
    p++;
    pairs.push([s, e]);
    return true;
  };
  // pairs := pair (',' pair)* ','?   — stops before `stop` (']' or end)
  const pairList = (stop: Token | undefined): boolean => {
    while (p < toks.length && toks[p] !== stop) {
      if (!pair()) return false;
      if (toks[p] === ',') p++;
      else if (toks[p] !== stop && p < toks.length) return false;
    }
    return true;
  };
  const bare = toks[0] === '[' && typeof toks[1] === 'number';
  if (bare) {
    if (!pairList(undefined)) return null;
  } else {
    if (toks[0] !== '[') return null;
    p = 1;
    if (!pairList(']')) return null;
    if (toks[p] !== ']') return null;
    p++;
  }
  return p === toks.length ? pairs : null;
}

/**
 * Clean raw pairs for a series of `length` points: drop negative, non-integer
 * and empty (start ≥ end) pairs, clip ends to `length`, sort, merge overlapping
 * or touching pairs. Pure; the input is not modified.
 */
export function cleanIntervals(raw: readonly (readonly [number, number])[], length: number): Interval[] {
  const kept: [number, number][] = [];
  for (const [s, e0] of raw) {
    if (!Number.isInteger(s) || !Number.isInteger(e0) || s < 0 || e0 < 0) continue;
    const e = Math.min(e0, length);
    if (s >= e) continue;
    kept.push([s, e]);
  }
  kept.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [];
  for (const iv of kept) {
    const last = out[out.length - 1];
    if (last !== undefined && iv[0] <= last[1]) last[1] = Math.max(last[1], iv[1]);
    else out.push([iv[0], iv[1]]);
  }
  return out;
}

/** Parse and clean an answer body; null when it is not a list of pairs. */
export function parseIntervals(body: string, length: number): Interval[] | null {
  const raw = parseRawPairs(body);
  return raw === null ? null : cleanIntervals(raw, length);
}

/** Parse a trace for a series of `seriesLength` points (see the file comment for the rules). */
export function parseTrace(text: string, seriesLength: number): ParsedTrace {
  const think = tagOpen('think').exec(text);
  const hasThink = think !== null && tagClose('think').test(text.slice(think.index + think[0].length));
  const answer = firstTagContent(text, 'answer');
  const intervals = answer === undefined ? null : parseIntervals(answer, seriesLength);
  const cls = firstTagContent(text, 'class');
  const type = cls === undefined ? undefined : normalizeClass(cls);
  return { hasThink, intervals, type, formatOk: hasThink && intervals !== null && type !== undefined };
}
