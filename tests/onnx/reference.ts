/**
 * Plain-JS reference implementations (loops over n-d indices) that the ORT results are
 * compared against. Slow and obvious on purpose.
 */
export interface Nd {
  readonly data: readonly number[];
  readonly shape: readonly number[];
}

export const size = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);

export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    idx[k] = i % shape[k];
    i = Math.floor(i / shape[k]);
  }
  return idx;
}

export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let i = 0;
  for (let k = 0; k < shape.length; k++) i = i * shape[k] + idx[k];
  return i;
}

/** Read `x` at an output index, numpy broadcasting (right-aligned, size-1 dims repeat). */
function at(x: Nd, outIdx: readonly number[]): number {
  const off = outIdx.length - x.shape.length;
  return x.data[
    ravel(
      x.shape.map((d, k) => (d === 1 ? 0 : outIdx[off + k])),
      x.shape,
    )
  ];
}

export function broadcastShape(...shapes: (readonly number[])[]): number[] {
  const r = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: r }, (_, k) => Math.max(...shapes.map((s) => s[s.length - r + k] ?? 1)));
}

export function map(xs: readonly Nd[], f: (...v: number[]) => number): Nd {
  const shape = broadcastShape(...xs.map((x) => x.shape));
  const data = Array.from({ length: size(shape) }, (_, i) => {
    const idx = unravel(i, shape);
    return f(...xs.map((x) => at(x, idx)));
  });
  return { data, shape };
}

/** Batched matmul with broadcast batch dims. */
export function matmul(a: Nd, b: Nd): Nd {
  const [m, k] = a.shape.slice(-2),
    n = b.shape[b.shape.length - 1];
  const batch = broadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const shape = [...batch, m, n];
  const data = Array.from({ length: size(shape) }, (_, i) => {
    const idx = unravel(i, shape);
    const bi = idx.slice(0, -2),
      r = idx[idx.length - 2],
      c = idx[idx.length - 1];
    let s = 0;
    for (let q = 0; q < k; q++) s += at({ data: a.data, shape: a.shape }, [...bi, r, q]) * at(b, [...bi, q, c]);
    return s;
  });
  return { data, shape };
}

export function reduce(x: Nd, axes: readonly number[], keepdims: boolean, mean: boolean): Nd {
  const full = x.shape.map((d, k) => (axes.includes(k) ? 1 : d));
  const acc = new Array<number>(size(full)).fill(0);
  for (let i = 0; i < x.data.length; i++) {
    const idx = unravel(i, x.shape).map((v, k) => (axes.includes(k) ? 0 : v));
    acc[ravel(idx, full)] += x.data[i];
  }
  const count = size(axes.map((a) => x.shape[a]));
  const data = mean ? acc.map((v) => v / count) : acc;
  return { data, shape: keepdims ? full : x.shape.filter((_, k) => !axes.includes(k)) };
}

/** Softmax (or log-softmax) along the last axis. */
export function softmaxLast(x: Nd, log = false): Nd {
  const n = x.shape[x.shape.length - 1];
  const data: number[] = [];
  for (let r = 0; r < x.data.length / n; r++) {
    const row = x.data.slice(r * n, r * n + n);
    const mx = Math.max(...row);
    const z = row.reduce((s, v) => s + Math.exp(v - mx), 0);
    for (const v of row) data.push(log ? v - mx - Math.log(z) : Math.exp(v - mx) / z);
  }
  return { data, shape: x.shape };
}

export function transpose(x: Nd, perm: readonly number[]): Nd {
  const shape = perm.map((p) => x.shape[p]);
  const data = Array.from({ length: x.data.length }, (_, i) => {
    const idx = unravel(i, shape);
    const src = new Array<number>(perm.length);
    perm.forEach((p, k) => (src[p] = idx[k]));
    return x.data[ravel(src, x.shape)];
  });
  return { data, shape };
}

/** Elements of `x` whose index on `axis` lies in [start, end). */
export function sliceAxis(x: Nd, axis: number, start: number, end: number): Nd {
  const shape = x.shape.map((d, k) => (k === axis ? end - start : d));
  const data = Array.from({ length: size(shape) }, (_, i) => {
    const idx = unravel(i, shape);
    idx[axis] += start;
    return x.data[ravel(idx, x.shape)];
  });
  return { data, shape };
}

export function concatAxis(xs: readonly Nd[], axis: number): Nd {
  const shape = xs[0].shape.map((d, k) => (k === axis ? xs.reduce((s, x) => s + x.shape[axis], 0) : d));
  const data = Array.from({ length: size(shape) }, (_, i) => {
    const idx = unravel(i, shape);
    let j = 0;
    while (idx[axis] >= xs[j].shape[axis]) idx[axis] -= xs[j++].shape[axis];
    return xs[j].data[ravel(idx, xs[j].shape)];
  });
  return { data, shape };
}

/** Gather on axis 0: out[i..., rest] = x[indices[i...], rest]. */
export function gatherRows(x: Nd, indices: readonly number[], indexShape: readonly number[]): Nd {
  const row = size(x.shape.slice(1));
  const data = indices.flatMap((r) => x.data.slice(r * row, r * row + row));
  return { data, shape: [...indexShape, ...x.shape.slice(1)] };
}

/** GatherElements on the last axis. */
export function gatherLast(x: Nd, indices: readonly number[], indexShape: readonly number[]): Nd {
  const n = x.shape[x.shape.length - 1],
    m = indexShape[indexShape.length - 1];
  const data = indices.map((c, i) => x.data[Math.floor(i / m) * n + c]);
  return { data, shape: indexShape };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return a.length === b.length ? d : Infinity;
}
