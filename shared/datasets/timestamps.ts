/**
 * Date-times in a user's CSV (the time column `detect` reports intervals in), read and written
 * as ISO 8601.
 *
 * Read: `YYYY-MM-DD`, or `YYYY-MM-DD` + `T` or a space + `HH:MM[:SS[.fraction]]`, optionally
 * followed by a zone: `Z`, `±HH:MM`, `±HHMM` or `±HH` (a space before the zone is fine).
 * Times without a zone are read as UTC — the file says nothing else, and reading every row the
 * same way keeps their order and spacing (NAB's loader does the same). Impossible dates
 * (2014-02-30, 24:00) are not times. Numbers are not times: a numeric `timestamp` column is
 * usually an index, and epoch seconds cannot be told from one.
 *
 * Written: `YYYY-MM-DDTHH:MM:SS` (+ `.mmm` when there are milliseconds), with `Z` when the file's
 * times carried a zone (converted to UTC) and without one when they did not (the file's own wall
 * clock, as written). Example: `2014-02-19 10:50:00` → `2014-02-19T10:50:00`;
 * `2014-02-19T10:50:00+02:00` → `2014-02-19T08:50:00Z`.
 */

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** A parsed time: milliseconds since the epoch, and whether the text named its zone. */
export interface ParsedTime {
  readonly ms: number;
  readonly zoned: boolean;
}

/** Parse one date-time (see the file comment); undefined when `text` is not one. */
export function parseTimestamp(text: string): ParsedTime | undefined {
  const m = DATE_TIME.exec(text.trim());
  if (m === null) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [h, mi, s] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (m[4] === undefined && m[8] !== undefined) return undefined; // a zone needs a time of day
  if (h > 23 || mi > 59 || s > 59) return undefined;
  const frac = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
  let ms = Date.UTC(y, mo - 1, d, h, mi, s, frac);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined; // Date.UTC rolls 02-30 over
  const zone = m[8];
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2)),
      om = Number(digits.slice(2) || '0');
    if (oh > 23 || om > 59) return undefined;
    ms -= (zone[0] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  return { ms, zoned: zone !== undefined };
}

/** ISO 8601 text of `ms` (see the file comment): UTC with `Z` when `zoned`, else without a zone. */
export function formatTimestamp(ms: number, zoned: boolean): string {
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const body = iso.endsWith('.000Z') ? iso.slice(0, -5) : iso.slice(0, -1);
  return zoned ? `${body}Z` : body;
}
