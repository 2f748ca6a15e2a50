/**
 * Bounded history for the dashboard: metric tables against step, downsampled so memory and
 * the snapshot stay small however long the run is.
 *
 * Downsampling rule ("halve the old middle"): a table holds at most `maxPoints` rows. When an
 * append would exceed that, it compacts:
 *   - row 0 (the first step) is kept as it is;
 *   - the newest ⌊maxPoints/2⌋ rows are kept as they are (recent history at full resolution);
 *   - the rows in between are merged pairwise, oldest first: rows (a, b) become one row whose
 *     step and values are the means of a's and b's, weighted by how many original steps each
 *     already stands for (`weight`); an odd row out stays as it is.
 * So each compaction merges only old rows, older rows end up standing for more steps
 * (geometrically: a row k compactions old stands for up to 2^k steps), memory is O(maxPoints)
 * and the amortised cost per append is O(1).
 *
 * Worked example, maxPoints 6 (keep 3 recent): steps 1..7 arrive; at step 7 the rows are
 * 1 2 3 4 5 6 7 → first [1], middle [2 3 4] → [2.5 4], recent [5 6 7] → 1 2.5 4 5 6 7.
 *
 * Steps stay strictly increasing: merged pairs are disjoint and consecutive, and a weighted
 * mean of two increasing steps lies between them. A non-finite value (a metric missing at a
 * step) is treated as absent when merging: the merged value is the weighted mean of the
 * finite ones, or NaN when there are none. JSON carries NaN as null.
 */

/** The table as plain JSON: `step[i]` with `columns[name][i]` (null = no value). */
export interface TableJson {
  readonly step: number[];
  readonly weight: number[];
  readonly columns: Record<string, (number | null)[]>;
}

export class DownsampledTable {
  readonly maxPoints: number;
  private steps: number[] = [];
  private weights: number[] = [];
  private readonly cols = new Map<string, number[]>();

  /** @param maxPoints most rows held; at least 4 (default 600). */
  constructor(maxPoints = 600) {
    if (!Number.isInteger(maxPoints) || maxPoints < 4) throw new RangeError(`maxPoints is ${maxPoints}; expected an integer >= 4`);
    this.maxPoints = maxPoints;
  }

  get length(): number {
    return this.steps.length;
  }

  get columnNames(): string[] {
    return [...this.cols.keys()];
  }

  /**
   * Add one row. `step` must be greater than the last row's step (a repeated or older step —
   * e.g. a restarted run replaying — is ignored and returns false). Columns not yet seen are
   * added, earlier rows reading NaN; columns absent from `values` read NaN at this row.
   */
  append(step: number, values: Readonly<Record<string, number>>): boolean {
    if (!Number.isFinite(step)) return false;
    const n = this.steps.length;
    if (n > 0 && step <= this.steps[n - 1]) return false;
    for (const name of Object.keys(values)) {
      if (!this.cols.has(name)) this.cols.set(name, new Array<number>(n).fill(Number.NaN));
    }
    this.steps.push(step);
    this.weights.push(1);
    for (const [name, col] of this.cols) {
      const v = values[name];
      col.push(typeof v === 'number' ? v : Number.NaN);
    }
    if (this.steps.length > this.maxPoints) this.compact();
    return true;
  }

  /**
   * Drop the rows at `step` and after (a resumed run writes the steps after its last
   * checkpoint again: the rewritten ones replace the first writes). Returns how many rows
   * were dropped. A merged row whose mean step is at or after `step` goes too, so a rewind
   * into history already downsampled loses the detail of that row, never its order.
   */
  rewind(step: number): number {
    let n = this.steps.length;
    while (n > 0 && this.steps[n - 1]! >= step) n--;
    const dropped = this.steps.length - n;
    if (dropped === 0) return 0;
    this.steps.length = n;
    this.weights.length = n;
    for (const col of this.cols.values()) col.length = n;
    return dropped;
  }

  /** The last row's step, or undefined when empty. */
  get lastStep(): number | undefined {
    return this.steps[this.steps.length - 1];
  }

  private compact(): void {
    const n = this.steps.length;
    const recent = Math.floor(this.maxPoints / 2);
    const midEnd = n - recent; // rows [1, midEnd) are merged pairwise
    const keep: number[][] = []; // groups of row indices forming the new rows
    keep.push([0]);
    let i = 1;
    for (; i + 1 < midEnd; i += 2) keep.push([i, i + 1]);
    if (i < midEnd) keep.push([i]);
    for (let j = midEnd; j < n; j++) keep.push([j]);

    const w = this.weights;
    const mean = (xs: number[], rows: number[]): number => {
      let s = 0,
        ws = 0;
      for (const r of rows) {
        if (Number.isFinite(xs[r])) {
          s += xs[r] * w[r];
          ws += w[r];
        }
      }
      return ws > 0 ? s / ws : Number.NaN;
    };
    const steps = keep.map((rows) => mean(this.steps, rows));
    for (const [name, col] of this.cols)
      this.cols.set(
        name,
        keep.map((rows) => mean(col, rows)),
      );
    this.weights = keep.map((rows) => rows.reduce((a, r) => a + w[r], 0));
    this.steps = steps;
  }

  toJSON(): TableJson {
    const columns: Record<string, (number | null)[]> = {};
    for (const [name, col] of this.cols) columns[name] = col.map((v) => (Number.isFinite(v) ? v : null));
    return { step: this.steps.slice(), weight: this.weights.slice(), columns };
  }
}

/** A fixed-size window of the most recent items (oldest dropped first). */
export class RollingWindow<T> {
  readonly capacity: number;
  private readonly items: T[] = [];

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity is ${capacity}; expected an integer >= 1`);
    this.capacity = capacity;
  }

  /** Add an item; returns the items that fell out of the window. */
  push(item: T): T[] {
    this.items.push(item);
    return this.items.length > this.capacity ? this.items.splice(0, this.items.length - this.capacity) : [];
  }

  toArray(): T[] {
    return this.items.slice();
  }

  get length(): number {
    return this.items.length;
  }
}

/**
 * The numeric leaves of a JSON-like object, flattened with dots:
 * `{ a: 1, b: { c: 2, d: 'x' } }` → `{ a: 1, 'b.c': 2 }`. Used to turn step metrics and
 * eval reports into table columns. Depth-limited to 3 so a report's per-category detail
 * does not explode the column set.
 */
export function numericLeaves(obj: unknown, prefix = '', depth = 0, out: Record<string, number> = {}): Record<string, number> {
  if (obj === null || typeof obj !== 'object' || depth > 2) return out;
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    if (typeof v === 'number') out[key] = v;
    else if (v !== null && typeof v === 'object' && !Array.isArray(v)) numericLeaves(v, key, depth + 1, out);
  }
  return out;
}
