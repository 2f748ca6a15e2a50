/**
 * The optional slope-change input channels (policy.inputs.slopeChange, docs/POLICY.md
 * §features): the seasonal slope-change scan of the series the policy reads
 * (shared/analysis/slope-change.ts), pooled per raster column.
 *
 *   q  per point                                            pooled   scaled
 *   0  best statistic of a slope change starting here         max      log1p(·) / 5
 *   1  best statistic of a slope change ending here           max      log1p(·) / 5
 *
 * A statistic of ~20 (log1p / 5 ≈ 0.6) is what noise alone reaches on 1,000 points; a
 * hidden trend anomaly gives tens to hundreds. Columns that hold no point take the next
 * point's values, as the analyses do.
 */
import { slopeChangeScan } from '../analysis/slope-change.js';
import { pointsOfColumn } from '../plot/mapping.js';

export const SLOPE_CHANGE_CHANNELS = ['slopeChangeStart', 'slopeChangeEnd'] as const;

/** (width, 2) row-major for the series x as the policy reads it (length n ≥ 1). */
export function slopeChangeColumns(x: Float64Array, width: number): Float32Array {
  const n = x.length;
  const { start, end } = slopeChangeScan(x);
  const per = [start, end];
  const C = SLOPE_CHANGE_CHANNELS.length;
  const out = new Float32Array(width * C);
  for (let c = 0; c < width; c++) {
    const [lo, hi] = pointsOfColumn(c, n, width);
    per.forEach((a, q) => {
      let m = 0;
      for (let i = lo; i < hi; i++) if (a[i]! > m) m = a[i]!;
      out[c * C + q] = Math.log1p(m) / 5;
    });
  }
  return out;
}
