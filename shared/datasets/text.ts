/**
 * Small text helpers shared by the loaders: line splitting that keeps 1-based
 * line numbers, strict number parsing, and 0/1 labels → half-open runs.
 * Every failure is a DataError naming the file, the 1-based line and the field,
 * so a bad row in a 50 000-line CSV can be found with one `sed -n Np`.
 */
import { DataError } from '../errors.js';
import type { Interval } from '../series/record.js';

/** One line of a text file with its 1-based number (CR of a CRLF ending removed). */
export interface NumberedLine {
  readonly line: number;
  readonly text: string;
}

/**
 * Split `text` into lines, dropping the CR of CRLF endings (NAB's
 * realAdExchange files use them) and a UTF-8 byte-order mark. Blank lines are
 * kept here; callers decide whether a blank line is allowed.
 */
export function splitLines(text: string): NumberedLine[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const parts = body.split('\n');
  // A trailing newline ends the last line; it does not start an empty one.
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts.map((t, i) => ({ line: i + 1, text: t.endsWith('\r') ? t.slice(0, -1) : t }));
}

// A plain decimal or exponent number: no hex, no `Infinity`, no `NaN`, no empty string,
// all of which Number() would either accept or turn into 0.
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** True when `text` (already trimmed) is a finite decimal number. */
export function isNumberText(text: string): boolean {
  return NUMBER.test(text) && Number.isFinite(Number(text));
}

/**
 * Parse one value field strictly. `abc`, `NaN`, `inf`, `Infinity`, `0x10` and
 * the empty string are errors, never 0 or NaN. `hint` is appended to the
 * message (e.g. how to pick another column).
 */
export function parseNumberField(raw: string, file: string, line: number, field: string, hint = ''): number {
  const t = raw.trim();
  if (t === '') throw new DataError(file, `is empty; expected a finite number${hint}`, { line, field });
  if (!isNumberText(t)) {
    const comma = /^[+-]?\d*,\d+$/.test(t) ? '; write decimals with a decimal point (0.5, not 0,5)' : '';
    throw new DataError(file, `"${t}" is not a finite number (NaN, inf and text are not allowed)${comma}${hint}`, { line, field });
  }
  return Number(t);
}

/** Parse a 0/1 label field; `1.0`/`0.0` are accepted, anything else is an error. */
export function parseLabelField(raw: string, file: string, line: number, field: string): 0 | 1 {
  const t = raw.trim();
  const v = isNumberText(t) ? Number(t) : NaN;
  if (v === 0 || v === 1) return v;
  throw new DataError(file, `"${t}" is not a label; a label is 0 (normal) or 1 (anomalous)`, { line, field });
}

/**
 * Runs of 1 in a 0/1 vector of length n → sorted, disjoint half-open intervals.
 * Example: [0,1,1,0,1] → [[1,3],[4,5]].
 */
export function runsToIntervals(labels: ArrayLike<number>): Interval[] {
  const out: Interval[] = [];
  let start = -1;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 1 && start < 0) start = i;
    else if (labels[i] !== 1 && start >= 0) {
      out.push([start, i]);
      start = -1;
    }
  }
  if (start >= 0) out.push([start, labels.length]);
  return out;
}

/**
 * Sort half-open intervals, drop empty ones and merge the ones that overlap.
 * Touching ones, [a,b) and [b,c), stay two events unless `joinTouching` (no
 * point lies between them, so as a 0/1 vector they are one run; joining them
 * is right when they are pieces of one answer cut at a window edge).
 * Does not mutate its input.
 */
export function mergeIntervals(intervals: readonly Interval[], joinTouching = false): Interval[] {
  const sorted = intervals
    .filter(([s, e]) => e > s)
    .slice()
    .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const out: [number, number][] = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && (s < last[1] || (joinTouching && s === last[1]))) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}
