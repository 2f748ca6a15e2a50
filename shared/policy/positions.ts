/**
 * Positions in `<answer>` as POINTER + OFFSET tokens (docs/POLICY.md §positions).
 *
 * The encoder cuts the model raster (width W columns) into P = W / patchCols patches; patch k
 * holds the series indices whose points are drawn in its columns (shared/plot/mapping.ts):
 *
 *   patch k = intervalOfColumnSpan([k·patchCols, (k+1)·patchCols), n, W) = [start(k), end(k))
 *
 * A position is the pair (P<k>, O<j>) meaning index min(end(k), start(k) + j·stride).
 * stride = 1 (exact) whenever every patch holds at most offsetsPerPatch − 1 indices, e.g.
 * n ≤ 1984 for the default W = 256, patchCols = 4, offsetsPerPatch = 32; longer series get
 * stride = ⌈maxLen / (offsetsPerPatch − 1)⌉ and round OUTWARD (start down, end up), so the
 * decoded interval always covers the true one.
 *
 * Canonical encodings (the grammar allows only these, so each interval has ONE encoding):
 *   start s (0 ≤ s < n): k = the patch holding point s, j = ⌊(s − start(k)) / stride⌋;
 *   end   e (1 ≤ e ≤ n): k = the patch holding point e − 1 (the last anomalous point),
 *                        j = ⌈(e − start(k)) / stride⌉ ≥ 1.
 * Worked example, n = 1000, W = 256, patchCols = 4: patch 32 = [500, 516); index 510 as a
 * start is (P32, O10); the end 516 is (P32, O16); the end 1000 is (P63, O16) since patch 63 = [984, 1000).
 */
import { ConfigError, ShapeError } from '../errors.js';
import { intervalOfColumnSpan } from '../plot/mapping.js';

/** How the answer's positions map onto encoder patches. */
export interface PositionLayout {
  /** Raster width in columns (default 256). */
  readonly width: number;
  /** Raster columns per encoder patch (default 4 → 64 patches). */
  readonly patchCols: number;
  /** Number of offset tokens O0..O{offsetsPerPatch−1} (default 32). */
  readonly offsetsPerPatch: number;
}

export const DEFAULT_POSITION_LAYOUT: PositionLayout = Object.freeze({ width: 256, patchCols: 4, offsetsPerPatch: 32 });

/** P = width / patchCols; throws ConfigError unless patchCols divides width. */
export function numPatches(layout: PositionLayout): number {
  const { width, patchCols, offsetsPerPatch } = layout;
  if (!Number.isInteger(width) || width < 1) throw new ConfigError('width', `must be an integer >= 1, got ${width}`);
  if (!Number.isInteger(patchCols) || patchCols < 1 || width % patchCols !== 0) {
    throw new ConfigError('patchCols', `must be an integer >= 1 dividing width = ${width}, got ${patchCols}`);
  }
  if (!Number.isInteger(offsetsPerPatch) || offsetsPerPatch < 2) throw new ConfigError('offsetsPerPatch', `must be an integer >= 2, got ${offsetsPerPatch}`);
  return width / patchCols;
}

/** Most PositionMaps `PositionMap.of` keeps (one per series length and layout; a few KB each). */
const CACHE_LIMIT = 1024;
const cache = new Map<string, PositionMap>();

/** Pointer/offset ↔ index for one series length n. Immutable, so shared: `PositionMap.of`. */
export class PositionMap {
  /**
   * The map for (n, layout), built once and shared: every prompt, trace decode and submission
   * check of a job asks for the same few lengths (the coordinator replays each submitted trace).
   */
  static of(n: number, layout: PositionLayout): PositionMap {
    const key = `${n}/${layout.width}/${layout.patchCols}/${layout.offsetsPerPatch}`;
    let pm = cache.get(key);
    if (pm === undefined) {
      pm = new PositionMap(n, layout);
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(key, pm);
    }
    return pm;
  }

  readonly n: number;
  readonly numPatches: number;
  readonly offsetsPerPatch: number;
  /** Index step of one offset: 1 means every index 0..n is exactly representable. */
  readonly stride: number;
  /** starts[k] = start(k); starts[P] = n. */
  private readonly starts: Int32Array;

  constructor(n: number, layout: PositionLayout) {
    if (!Number.isInteger(n) || n < 1) throw new ShapeError(`PositionMap: series length n = ${n} must be an integer >= 1`);
    this.n = n;
    this.numPatches = numPatches(layout);
    this.offsetsPerPatch = layout.offsetsPerPatch;
    this.starts = new Int32Array(this.numPatches + 1);
    let maxLen = 0;
    for (let k = 0; k < this.numPatches; k++) {
      const [s, e] = intervalOfColumnSpan([k * layout.patchCols, (k + 1) * layout.patchCols], n, layout.width);
      this.starts[k] = s;
      maxLen = Math.max(maxLen, e - s);
    }
    this.starts[this.numPatches] = n;
    this.stride = Math.max(1, Math.ceil(maxLen / (layout.offsetsPerPatch - 1)));
  }

  /** [start(k), end(k)): the indices drawn in patch k (empty when n < width). */
  patchRange(k: number): [number, number] {
    this.checkPatch(k);
    return [this.starts[k], this.starts[k + 1]];
  }

  /** The patch whose columns hold point i (0 ≤ i < n). */
  patchOf(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.n) throw new ShapeError(`patchOf: index ${i} is outside [0, ${this.n})`);
    let lo = 0,
      hi = this.numPatches - 1; // largest k with starts[k] <= i
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Index meant by (P<k>, O<j>): min(end(k), start(k) + j·stride). */
  decode(k: number, j: number): number {
    this.checkPatch(k);
    if (!Number.isInteger(j) || j < 0 || j >= this.offsetsPerPatch) throw new ShapeError(`decode: offset ${j} is outside [0, ${this.offsetsPerPatch})`);
    return Math.min(this.starts[k + 1], this.starts[k] + j * this.stride);
  }

  /** Canonical (k, j) of an interval start s, 0 ≤ s < n. */
  encodeStart(s: number): [number, number] {
    const k = this.patchOf(s);
    return [k, Math.min(this.maxStartOffset(k), Math.floor((s - this.starts[k]) / this.stride))];
  }

  /** Canonical (k, j) of an exclusive interval end e, 1 ≤ e ≤ n. */
  encodeEnd(e: number): [number, number] {
    if (!Number.isInteger(e) || e < 1 || e > this.n) throw new ShapeError(`encodeEnd: end ${e} is outside [1, ${this.n}]`);
    const k = this.patchOf(e - 1);
    const j = Math.ceil((e - this.starts[k]) / this.stride);
    return [k, Math.max(1, Math.min(this.maxEndOffset(k), j))];
  }

  /** Largest offset allowed for a start in patch k; −1 when the patch is empty. */
  maxStartOffset(k: number): number {
    const len = this.starts[k + 1] - this.starts[k];
    return Math.ceil(len / this.stride) - 1;
  }

  /** Largest offset allowed for an end in patch k (offsets 1..this); 0 when the patch is empty. */
  maxEndOffset(k: number): number {
    const len = this.starts[k + 1] - this.starts[k];
    return Math.ceil(len / this.stride);
  }

  private checkPatch(k: number): void {
    if (!Number.isInteger(k) || k < 0 || k >= this.numPatches) throw new ShapeError(`pointer P${k} is outside [0, ${this.numPatches})`);
  }
}
