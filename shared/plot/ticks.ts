/**
 * Axis ticks for plots for people: where they go and what they say. Pure functions, no pixels.
 *
 * - Values: steps of 1, 2 or 5 × 10^k, at most `maxTicks` of them inside the axis range, labelled
 *   with as many decimals as the step needs (step 0.02 → "0.04"), in exponent form from 10^7.
 * - Indices: the same steps, integers only, from 0.
 * - Times (ms since the epoch, one per point): round steps of the clock and the calendar
 *   (1 s … 12 h, 1, 2, 7 and 14 days, 1, 3 and 6 months, years), aligned in UTC (so a daily tick
 *   falls at midnight), placed between the two rows the tick's time lies between. Times that go
 *   backwards cannot be placed by time; they get index ticks labelled with the row's time.
 *
 * A tick's `at` is a position along the series in (fractional) index units, so `xOfIndex` in
 * mapping.ts turns every kind of tick into a pixel column the same way; `label` may hold two
 * lines (date, then time of day).
 */
import { ShapeError } from '../errors.js';

export interface Tick {
  /** Index units for x ticks (may be fractional), data units for value ticks. */
  readonly at: number;
  readonly label: string;
}

/** The smallest step 1, 2 or 5 × 10^k with at most `maxTicks` steps in `span`. */
export function niceStep(span: number, maxTicks: number): number {
  if (!(span > 0) || !Number.isFinite(span)) throw new ShapeError(`niceStep: span ${span} must be a positive finite number`);
  const raw = span / Math.max(1, maxTicks);
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw * (1 - 1e-12)) return m * p;
  return 10 * p;
}

/**
 * A value label with the decimals `step` needs. When the axis reaches 10^7 (`maxAbs`, default
 * |v|), exponent form with the digits the step needs at that magnitude, so one axis writes
 * 5.0e8 and 1.0e9 alike.
 */
export function formatValue(v: number, step: number, maxAbs = Math.abs(v)): string {
  if (Math.abs(v) < step * 1e-9) return '0';
  if (maxAbs >= 1e7) {
    const digits = Math.max(0, Math.min(6, Math.floor(Math.log10(maxAbs)) - Math.floor(Math.log10(step) + 1e-9)));
    return v.toExponential(digits).replace('e+', 'e');
  }
  return v.toFixed(Math.max(0, Math.min(12, -Math.floor(Math.log10(step) + 1e-9))));
}

/** The value axis: [lo, hi] = the data's range padded by 5% a side (±1 around a constant), and its ticks. */
export function valueAxis(min: number, max: number, maxTicks: number): { lo: number; hi: number; ticks: Tick[] } {
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) throw new ShapeError(`valueAxis: [${min}, ${max}] is not a finite range`);
  const pad = max > min ? 0.05 * (max - min) : Math.abs(min) > 0 ? 0.1 * Math.abs(min) : 1;
  const lo = min - pad,
    hi = max + pad;
  const step = niceStep(hi - lo, maxTicks);
  const ticks: Tick[] = [];
  const maxAbs = Math.max(Math.abs(lo), Math.abs(hi));
  for (let k = Math.ceil(lo / step); k * step <= hi; k++) ticks.push({ at: k * step, label: formatValue(k * step, step, maxAbs) });
  return { lo, hi, ticks };
}

/** Index ticks 0, step, 2·step, … below n (integer steps), at most about `maxTicks`. */
export function indexTicks(n: number, maxTicks: number): Tick[] {
  if (!Number.isInteger(n) || n < 1) throw new ShapeError(`indexTicks: n = ${n} must be an integer ≥ 1`);
  const step = n === 1 ? 1 : Math.max(1, niceStep(n - 1, maxTicks));
  const ticks: Tick[] = [];
  for (let i = 0; i < n; i += step) ticks.push({ at: i, label: String(i) });
  return ticks;
}

const SECOND = 1000,
  MINUTE = 60 * SECOND,
  HOUR = 60 * MINUTE,
  DAY = 24 * HOUR;
/** Clock steps (ms), then calendar steps in months (negative numbers: −m means m months). */
const TIME_STEPS = [
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  3 * DAY,
  4 * DAY,
  7 * DAY,
  14 * DAY,
  -1,
  -3,
  -6,
  -12,
  -24,
  -60,
  -120,
];
const MONTH_MS = 30.44 * DAY;

const pad2 = (x: number) => String(x).padStart(2, '0');
const dateOf = (d: Date) => `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;

/** A tick label for time `ms` at tick step `step` (ms, or −months). */
export function timeLabel(ms: number, step: number): string {
  const d = new Date(ms);
  if (step < 0) return step <= -12 ? String(d.getUTCFullYear()) : `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}`;
  if (step >= DAY) return dateOf(d);
  const hm = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
  return `${dateOf(d)}\n${step >= MINUTE ? hm : `${hm}:${pad2(d.getUTCSeconds())}`}`;
}

/** Tick times (ms) of `step` in [t0, t1], aligned in UTC. */
function tickTimes(t0: number, t1: number, step: number): number[] {
  const out: number[] = [];
  if (step > 0) {
    // Days and weeks from midnight (weeks from a Monday: 1970-01-05 was one); shorter steps from the epoch.
    const origin = step === 7 * DAY || step === 14 * DAY ? 4 * DAY : 0;
    for (let t = origin + Math.ceil((t0 - origin) / step) * step; t <= t1; t += step) out.push(t);
    return out;
  }
  const months = -step;
  const d = new Date(t0);
  for (let m = Math.ceil((d.getUTCFullYear() * 12 + d.getUTCMonth()) / months) * months; ; m += months) {
    const t = Date.UTC(Math.floor(m / 12), m % 12, 1);
    if (t > t1) return out;
    if (t >= t0) out.push(t);
  }
}

/**
 * Ticks for a series with one time per point. `maxTicks` bounds how many; each tick sits at
 * the fractional index where its time falls (linear between the two rows around it).
 */
export function timeTicks(times: ArrayLike<number>, maxTicks: number): Tick[] {
  const n = times.length;
  if (n === 0) throw new ShapeError('timeTicks: no times');
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) sorted = times[i]! >= times[i - 1]!;
  const t0 = times[0]!,
    t1 = times[n - 1]!;
  if (!sorted || !(t1 > t0)) return indexTicks(n, maxTicks).map((t) => ({ at: t.at, label: timeLabel(times[t.at]!, SECOND) }));
  const span = t1 - t0;
  const step = TIME_STEPS.find((s) => span / (s > 0 ? s : -s * MONTH_MS) <= Math.max(1, maxTicks)) ?? TIME_STEPS[TIME_STEPS.length - 1]!;
  let i = 0;
  return tickTimes(t0, t1, step).map((t) => {
    while (i < n && times[i]! < t) i++; // first row at or after t (ticks ascend, so i only moves forward)
    const at = i === 0 || times[i] === t ? i : i - 1 + (t - times[i - 1]!) / (times[i]! - times[i - 1]!);
    return { at, label: timeLabel(t, step) };
  });
}
