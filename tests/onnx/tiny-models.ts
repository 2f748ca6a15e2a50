/**
 * Tiny models for the engine's tests and benchmark: a two-layer MLP regressor and a one-block
 * causal transformer LM (token + position embeddings, pre-LN attention and GELU MLP, final LN,
 * target-token log-likelihood with a loss mask), plus a plain-JS forward of the LM.
 */
import { Rng } from '../../shared/rng.js';
import { GraphBuilder, causalSelfAttention, mlp } from '../../shared/onnx/index.js';
import type { Dim, FloatDType, HostArray, Tensor } from '../../shared/onnx/index.js';
import type { HostTensor } from '../../shared/onnx/runtime.js';

export interface LmConfig {
  readonly vocab: number;
  readonly d: number;
  readonly heads: number;
  readonly ff: number;
  /** Static or symbolic batch / time dims declared to the graph. */
  readonly batch: Dim;
  readonly time: Dim;
  /** Rows of the position table (≥ any fed T). */
  readonly maxT: number;
}

/** Param names and shapes of the LM, in a fixed order. */
export function lmParamShapes(c: LmConfig): [string, number[]][] {
  return [
    ['tok', [c.vocab, c.d]],
    ['pos', [c.maxT, c.d]],
    ['ln1_g', [c.d]],
    ['ln1_b', [c.d]],
    ['wq', [c.d, c.d]],
    ['wk', [c.d, c.d]],
    ['wv', [c.d, c.d]],
    ['wo', [c.d, c.d]],
    ['ln2_g', [c.d]],
    ['ln2_b', [c.d]],
    ['w1', [c.d, c.ff]],
    ['b1', [c.ff]],
    ['w2', [c.ff, c.d]],
    ['b2', [c.d]],
    ['lnf_g', [c.d]],
    ['lnf_b', [c.d]],
    ['wout', [c.d, c.vocab]],
  ];
}

/** Inputs: tokens (B,T) int64, positions (T,) int64, targets (B,T) int64, lossMask (B,T) float. */
export function buildLm(g: GraphBuilder, c: LmConfig): { loss: Tensor; logits: Tensor; params: Tensor[] } {
  const tokens = g.input('tokens', [c.batch, c.time], 'int64');
  const positions = g.input('positions', [c.time], 'int64');
  const targets = g.input('targets', [c.batch, c.time], 'int64');
  const lossMask = g.input('lossMask', [c.batch, c.time]);
  const params = lmParamShapes(c).map(([n, s]) => g.param(n, s));
  const p = Object.fromEntries(params.map((t) => [t.name, t]));
  const x0 = g.add(g.gather(p.tok, tokens), g.gather(p.pos, positions));
  const x1 = g.add(x0, causalSelfAttention(g, g.layerNorm(x0, p.ln1_g, p.ln1_b), { wq: p.wq, wk: p.wk, wv: p.wv, wo: p.wo }, c.heads));
  const x2 = g.add(x1, mlp(g, g.layerNorm(x1, p.ln2_g, p.ln2_b), { w1: p.w1, b1: p.b1, w2: p.w2, b2: p.b2 }));
  const logits = g.matmul(g.layerNorm(x2, p.lnf_g, p.lnf_b), p.wout);
  const lp = g.squeeze(g.gatherElements(g.logSoftmax(logits), g.unsqueeze(targets, [-1]), -1), [-1]);
  const loss = g.neg(g.div(g.reduceSum(g.mul(lp, lossMask)), g.reduceSum(lossMask)));
  return { loss, logits, params };
}

/** Random weights: N(0, 0.3²) matrices, gains near 1, small biases. */
export function initLm(c: LmConfig, dtype: FloatDType, seed = 1): Record<string, HostArray> {
  const rng = new Rng(seed);
  const out: Record<string, HostArray> = {};
  for (const [name, shape] of lmParamShapes(c)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const gain = name.endsWith('_g');
    const vals = Array.from({ length: n }, () => (gain ? 1 + 0.1 * rng.normal() : (shape.length === 1 ? 0.1 : 0.3) * rng.normal()));
    out[name] = dtype === 'float64' ? Float64Array.from(vals) : Float32Array.from(vals);
  }
  return out;
}

/** Random tokens/targets, positions 0..T−1 and a mask keeping the first `keep` steps of each row. */
export function lmBatch(c: LmConfig, b: number, t: number, dtype: FloatDType, keep = t, seed = 2): Record<string, HostTensor> {
  const rng = new Rng(seed);
  const ints = () => BigInt64Array.from({ length: b * t }, () => BigInt(rng.int(c.vocab)));
  const mask = Array.from({ length: b * t }, (_, i) => (i % t < keep ? 1 : 0));
  return {
    tokens: { data: ints(), dims: [b, t] },
    targets: { data: ints(), dims: [b, t] },
    positions: { data: BigInt64Array.from({ length: t }, (_, i) => BigInt(i)), dims: [t] },
    lossMask: { data: dtype === 'float64' ? Float64Array.from(mask) : Float32Array.from(mask), dims: [b, t] },
  };
}

/** Params as feeds (dims from the config). */
export function paramFeeds(c: LmConfig, w: Record<string, HostArray>): Record<string, HostTensor> {
  return Object.fromEntries(lmParamShapes(c).map(([n, s]) => [n, { data: w[n], dims: s }]));
}

/** A two-layer MLP regressor: mean((tanh(x w1 + b1) w2 + b2 − y)²); x (B,3), y (B,2). */
export function buildMlp(g: GraphBuilder): { loss: Tensor; params: Tensor[] } {
  const x = g.input('x', ['B', 3]);
  const y = g.input('y', ['B', 2]);
  const w1 = g.param('w1', [3, 8]),
    b1 = g.param('b1', [8]),
    w2 = g.param('w2', [8, 2]),
    b2 = g.param('b2', [2]);
  const pred = g.add(g.matmul(g.tanh(g.add(g.matmul(x, w1), b1)), w2), b2);
  const err = g.sub(pred, y);
  return { loss: g.reduceMean(g.mul(err, err)), params: [w1, b1, w2, b2] };
}

// ---- plain-JS forward of the LM (float64), for correctness and speed comparisons ---------------

function matmulJs(a: ArrayLike<number>, rows: number, k: number, b: ArrayLike<number>, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let q = 0; q < k; q++) {
      const av = a[i * k + q];
      for (let j = 0; j < cols; j++) out[i * cols + j] += av * b[q * cols + j];
    }
  }
  return out;
}

function layerNormJs(x: Float64Array, rows: number, d: number, gamma: ArrayLike<number>, beta: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    let mu = 0,
      v = 0;
    for (let j = 0; j < d; j++) mu += x[r * d + j] / d;
    for (let j = 0; j < d; j++) v += (x[r * d + j] - mu) ** 2 / d;
    for (let j = 0; j < d; j++) out[r * d + j] = ((x[r * d + j] - mu) / Math.sqrt(v + 1e-5)) * gamma[j] + beta[j];
  }
  return out;
}

const geluJs = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));

/** The LM's loss in plain JS loops. */
export function lmLossJs(c: LmConfig, w: Record<string, HostArray>, feeds: Record<string, HostTensor>): number {
  const [b, t] = feeds.tokens.dims,
    d = c.d,
    dh = d / c.heads,
    n = b * t;
  const tok = feeds.tokens.data as BigInt64Array,
    tgt = feeds.targets.data as BigInt64Array,
    mask = feeds.lossMask.data;
  const pos = feeds.positions.data as BigInt64Array;
  const P = (k: string) => w[k] as Float64Array;
  const x0 = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x0[i * d + j] = P('tok')[Number(tok[i]) * d + j] + P('pos')[Number(pos[i % t]) * d + j];
  const h = layerNormJs(x0, n, d, P('ln1_g'), P('ln1_b'));
  const q = matmulJs(h, n, d, P('wq'), d),
    k = matmulJs(h, n, d, P('wk'), d),
    v = matmulJs(h, n, d, P('wv'), d);
  const o = new Float64Array(n * d);
  for (let bi = 0; bi < b; bi++) {
    for (let hd = 0; hd < c.heads; hd++) {
      for (let i = 0; i < t; i++) {
        const s = new Float64Array(i + 1);
        let mx = -Infinity;
        for (let j = 0; j <= i; j++) {
          let dot = 0;
          for (let e = 0; e < dh; e++) dot += q[(bi * t + i) * d + hd * dh + e] * k[(bi * t + j) * d + hd * dh + e];
          s[j] = dot / Math.sqrt(dh);
          mx = Math.max(mx, s[j]);
        }
        let z = 0;
        for (let j = 0; j <= i; j++) z += s[j] = Math.exp(s[j] - mx);
        for (let j = 0; j <= i; j++) for (let e = 0; e < dh; e++) o[(bi * t + i) * d + hd * dh + e] += (s[j] / z) * v[(bi * t + j) * d + hd * dh + e];
      }
    }
  }
  const att = matmulJs(o, n, d, P('wo'), d);
  const x1 = x0.map((val, i) => val + att[i]);
  const h2 = layerNormJs(x1, n, d, P('ln2_g'), P('ln2_b'));
  const f = matmulJs(h2, n, d, P('w1'), c.ff).map((val, i) => geluJs(val + P('b1')[i % c.ff]));
  const m = matmulJs(f, n, c.ff, P('w2'), d);
  const x2 = x1.map((val, i) => val + m[i] + P('b2')[i % d]);
  const logits = matmulJs(layerNormJs(x2, n, d, P('lnf_g'), P('lnf_b')), n, d, P('wout'), c.vocab);
  let num = 0,
    den = 0;
  for (let i = 0; i < n; i++) {
    const row = logits.subarray(i * c.vocab, (i + 1) * c.vocab);
    const mx = Math.max(...row);
    const lse = mx + Math.log(row.reduce((s, val) => s + Math.exp(val - mx), 0));
    num += (row[Number(tgt[i])] - lse) * Number(mask[i]);
    den += Number(mask[i]);
  }
  return -num / den;
}
