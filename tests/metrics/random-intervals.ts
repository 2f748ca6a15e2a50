// Test helper (not a test file): random sorted, disjoint, half-open intervals from a seeded Rng.
import type { Rng } from '../../shared/rng.js';
import type { Interval } from '../../shared/series/record.js';

/** Up to `max` intervals inside [0, length), with gaps ≥ `minGap` between them. */
export function randomIntervals(rng: Rng, length: number, max: number, minGap = 0): Interval[] {
  const out: Interval[] = [];
  const count = rng.int(max + 1);
  let at = rng.int(Math.max(1, Math.floor(length / 3)));
  for (let k = 0; k < count && at < length; k++) {
    const end = Math.min(length, at + 1 + rng.int(Math.max(1, Math.floor(length / 5))));
    out.push([at, end]);
    at = end + minGap + rng.int(Math.max(1, Math.floor(length / 4)));
  }
  return out;
}

/** The 0/1 mask of intervals. */
export function mask(ivs: readonly Interval[], length: number): Uint8Array {
  const m = new Uint8Array(length);
  for (const [s, e] of ivs) for (let i = s; i < e; i++) m[i] = 1;
  return m;
}
