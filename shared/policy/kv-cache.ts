/**
 * Host-side buffers of the decode loop (sample.ts with a `cache: 'buffer'` step graph):
 *
 *   KvBuffer   every decoder layer's self-attention keys and values, (rows, H, C, Dh) each,
 *              C slots preallocated; the step graph reads the first `position` slots in
 *              place (blocks.ts bufferedSelfAttention) and returns only the new key/value,
 *              which `write` puts into slot `position`. C grows by a quarter when full
 *              (one copy), so a step copies O(rows · d) numbers instead of the whole cache.
 *   RowTensors per-row step inputs that do not change while decoding (the memory views).
 *
 * Both hold their rows front to back, so the first n rows are one contiguous block fed to
 * ONNX Runtime without a copy (a typed-array view), and both can `move` a row: the decode
 * loop drops a finished row by moving the last live row into its place.
 */
import type { HostTensor } from '../onnx/runtime.js';
import { cacheNames } from './model.js';

/** Smallest growth of the cache, in slots. */
const GROW_SLOTS = 32;

export class KvBuffer {
  private k: Float32Array[];
  private v: Float32Array[];
  private cap: number;

  /** `rows` × `heads` × `capacity` × `dh` per layer; `capacity` grows up to `maxCapacity`. */
  constructor(
    private readonly layers: number,
    private readonly heads: number,
    private readonly dh: number,
    private readonly rows: number,
    capacity: number,
    private readonly maxCapacity: number,
  ) {
    this.cap = Math.max(1, Math.min(capacity, maxCapacity));
    this.k = Array.from({ length: layers }, () => new Float32Array(rows * heads * this.cap * dh));
    this.v = Array.from({ length: layers }, () => new Float32Array(rows * heads * this.cap * dh));
  }

  get capacity(): number {
    return this.cap;
  }

  /**
   * Makes room for slot `t`, keeping the filled slots 0..t−1 of the first `live` rows (the
   * others are dropped rows, whose contents no longer matter). C grows by a quarter (at least
   * GROW_SLOTS): the step graph reads all C slots (masked past `position`), so a tighter C
   * reads less, and re-laying the buffer out costs about four final sizes in all.
   */
  reserve(t: number, live = this.rows): void {
    if (t < this.cap) return;
    const next = Math.min(this.maxCapacity, Math.max(t + 1, this.cap + Math.max(GROW_SLOTS, Math.ceil(this.cap / 4))));
    if (t >= next) throw new RangeError(`KvBuffer: slot ${t} is past the largest capacity ${this.maxCapacity}`);
    const grow = (old: Float32Array) => {
      const out = new Float32Array(this.rows * this.heads * next * this.dh);
      const filled = t * this.dh;
      for (let rh = 0; rh < live * this.heads; rh++) out.set(old.subarray(rh * this.cap * this.dh, rh * this.cap * this.dh + filled), rh * next * this.dh);
      return out;
    };
    this.k = this.k.map(grow);
    this.v = this.v.map(grow);
    this.cap = next;
  }

  /** Writes layer i's new keys/values (n, H, 1, Dh) of rows 0..n−1 into slot `t`. */
  write(i: number, k: Float32Array, v: Float32Array, n: number, t: number): void {
    const { heads, dh, cap } = this;
    const K = this.k[i],
      V = this.v[i];
    for (let rh = 0; rh < n * heads; rh++) {
      const at = (rh * cap + t) * dh;
      const from = rh * dh;
      for (let x = 0; x < dh; x++) {
        K[at + x] = k[from + x];
        V[at + x] = v[from + x];
      }
    }
  }

  /** Copies the first `filled` slots (default all) of row `from` over row `to`, in every layer. */
  move(from: number, to: number, filled = this.cap): void {
    const run = this.cap * this.dh;
    const n = Math.min(filled, this.cap) * this.dh;
    for (const a of [...this.k, ...this.v]) {
      for (let h = 0; h < this.heads; h++) {
        const src = (from * this.heads + h) * run;
        a.copyWithin((to * this.heads + h) * run, src, src + n);
      }
    }
  }

  /** The cache inputs for the first n rows: views of the buffers, no copy. */
  feeds(n: number): Record<string, HostTensor> {
    const out: Record<string, HostTensor> = {};
    const size = n * this.heads * this.cap * this.dh;
    const dims = [n, this.heads, this.cap, this.dh];
    for (let i = 0; i < this.layers; i++) {
      const names = cacheNames(i);
      out[names.k] = { data: this.k[i].subarray(0, size), dims };
      out[names.v] = { data: this.v[i].subarray(0, size), dims };
    }
    return out;
  }
}

export class RowTensors {
  private readonly rowSize: Record<string, number> = {};

  /** `tensors[name]` (float32) holds one row per leading index; the buffers are taken over and moved in place. */
  constructor(private readonly tensors: Record<string, HostTensor>) {
    for (const [name, t] of Object.entries(tensors)) this.rowSize[name] = t.data.length / t.dims[0];
  }

  move(from: number, to: number): void {
    for (const [name, t] of Object.entries(this.tensors)) {
      const s = this.rowSize[name];
      (t.data as Float32Array).copyWithin(to * s, from * s, from * s + s);
    }
  }

  /** The first n rows of every tensor: views, no copy. */
  feeds(n: number): Record<string, HostTensor> {
    const out: Record<string, HostTensor> = {};
    for (const [name, t] of Object.entries(this.tensors)) {
      out[name] = { data: (t.data as Float32Array).subarray(0, n * this.rowSize[name]), dims: [n, ...t.dims.slice(1)] };
    }
    return out;
  }
}
