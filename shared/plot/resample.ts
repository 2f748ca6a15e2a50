/**
 * Area-average ("box filter") resize of a single-channel image, pure and
 * deterministic. Each output pixel is the mean of the input over the exact
 * rectangle it covers, with partly covered input pixels weighted by the
 * covered area, so no ink is lost or invented: the total ink of the output,
 * times the area ratio, equals the input's.
 *
 * Along one axis of S input pixels and D output pixels, measure positions in
 * units of 1/D of an input pixel: input pixel k spans [k·D, (k+1)·D) and
 * output pixel j spans [j·S, (j+1)·S). Their overlap is an integer, and the
 * weight of k in j is overlap / S (the weights of each j sum to exactly 1 in
 * integers). The 2-D filter is the product of the two axes, applied as a
 * vertical pass then a horizontal pass.
 */
import { ShapeError } from '../errors.js';

/** Sparse weights of one axis: for output j, input indices idx[off[j] … off[j+1]) with weights w. */
interface AxisWeights {
  readonly off: Int32Array;
  readonly idx: Int32Array;
  readonly w: Float64Array;
}

function axisWeights(S: number, D: number): AxisWeights {
  const off = new Int32Array(D + 1);
  const idx: number[] = [];
  const w: number[] = [];
  for (let j = 0; j < D; j++) {
    off[j] = idx.length;
    const a = j * S,
      b = (j + 1) * S; // output span in 1/D units
    for (let k = Math.floor(a / D); k * D < b && k < S; k++) {
      const overlap = Math.min((k + 1) * D, b) - Math.max(k * D, a);
      if (overlap > 0) {
        idx.push(k);
        w.push(overlap / S);
      }
    }
  }
  off[D] = idx.length;
  return { off, idx: Int32Array.from(idx), w: Float64Array.from(w) };
}

function checkShape(len: number, h: number, w: number, what: string): void {
  for (const [name, v] of [
    ['height', h],
    ['width', w],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ShapeError(`boxResize: ${what} ${name} ${v} must be an integer ≥ 1`);
  }
  if (len !== h * w) throw new ShapeError(`boxResize: ${what} has ${len} values, expected height·width = ${h}·${w} = ${h * w}`);
}

/**
 * Resize `src` of shape (srcH, srcW), row-major, to (dstH, dstW) by area
 * averaging. Works for shrinking and enlarging along either axis. Returns a
 * new Float64Array of shape (dstH, dstW); `src` is not changed.
 */
export function boxResize(src: ArrayLike<number>, srcH: number, srcW: number, dstH: number, dstW: number): Float64Array {
  checkShape(src.length, srcH, srcW, 'input');
  checkShape(dstH * dstW, dstH, dstW, 'output');
  const wx = axisWeights(srcW, dstW);
  const wy = axisWeights(srcH, dstH);
  // Vertical pass first, (srcH, srcW) → (dstH, srcW): its inner loop runs
  // along contiguous rows, which is where most of the work is.
  const tmp = new Float64Array(dstH * srcW);
  for (let i = 0; i < dstH; i++) {
    const rowOut = i * srcW;
    for (let p = wy.off[i]; p < wy.off[i + 1]; p++) {
      const wt = wy.w[p],
        rowIn = wy.idx[p] * srcW;
      for (let c = 0; c < srcW; c++) tmp[rowOut + c] += wt * src[rowIn + c];
    }
  }
  // Horizontal pass, (dstH, srcW) → (dstH, dstW).
  const out = new Float64Array(dstH * dstW);
  for (let i = 0; i < dstH; i++) {
    const rowIn = i * srcW,
      rowOut = i * dstW;
    for (let j = 0; j < dstW; j++) {
      let acc = 0;
      for (let p = wx.off[j]; p < wx.off[j + 1]; p++) acc += wx.w[p] * tmp[rowIn + wx.idx[p]];
      out[rowOut + j] = acc;
    }
  }
  return out;
}
