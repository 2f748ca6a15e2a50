/**
 * Accepted rollouts, groups and tokens over the last minute, for GetStatus: 60 one-second
 * buckets in a ring, so recording a group is O(1) with no allocation, and a read is O(60)
 * whatever the rate (a list of every accepted group would grow by 20k entries a second).
 */

const BUCKETS = 60;
const BUCKET_MS = 1000;

export interface Rates {
  rollouts_per_second: number;
  groups_per_second: number;
  tokens_per_second: number;
}

export class Throughput {
  /** Second (ms / 1000, floored) each bucket holds; -1 = empty. */
  readonly #second = new Float64Array(BUCKETS).fill(-1);
  readonly #rollouts = new Float64Array(BUCKETS);
  readonly #groups = new Float64Array(BUCKETS);
  readonly #tokens = new Float64Array(BUCKETS);

  /** One accepted group at `now` (ms since epoch). */
  add(now: number, rollouts: number, tokens: number): void {
    const sec = Math.floor(now / BUCKET_MS);
    const i = sec % BUCKETS;
    if (this.#second[i] !== sec) {
      this.#second[i] = sec;
      this.#rollouts[i] = 0;
      this.#groups[i] = 0;
      this.#tokens[i] = 0;
    }
    this.#rollouts[i]! += rollouts;
    this.#groups[i]! += 1;
    this.#tokens[i]! += tokens;
  }

  /** Rates over the last minute (or since `startedAtMs` when that is shorter), per second. */
  rates(now: number, startedAtMs: number): Rates {
    const sec = Math.floor(now / BUCKET_MS);
    let r = 0,
      g = 0,
      t = 0;
    for (let i = 0; i < BUCKETS; i++) {
      const s = this.#second[i]!;
      if (s > sec - BUCKETS && s <= sec) {
        r += this.#rollouts[i]!;
        g += this.#groups[i]!;
        t += this.#tokens[i]!;
      }
    }
    const span = Math.max(1, Math.min(BUCKETS * BUCKET_MS, now - startedAtMs)) / 1000;
    return { rollouts_per_second: r / span, groups_per_second: g / span, tokens_per_second: t / span };
  }
}
