/**
 * The optional seasonal-residual input channels (policy.inputs.seasonal, docs/POLICY.md
 * §features): each point of the series the policy reads against the same phase of the other
 * cycles in the window (shared/analysis/seasonal-residual.ts), pooled per raster column.
 *
 *   q  per point z = residual / scale                       pooled   scaled
 *   0  |z|                                                   max      log1p(·) / 5
 *   1  z (signed: above or below the other cycles)           mean     sign · log1p(|·|) / 5
 *
 * Noise alone gives |z| of a few (log1p / 5 ≈ 0.3); a cycle held flat or a pulse that comes
 * back low gives tens (≈ 0.6–0.8). Both are 0 in a window without a season. Columns that hold
 * no point take the next point's values, as the analyses do.
 */
import { seasonalResidual } from '../analysis/seasonal-residual.js';
import { pointsOfColumn } from '../plot/mapping.js';

export const SEASONAL_CHANNELS = ['seasonalResidual', 'seasonalResidualSigned'] as const;

/** (width, 2) row-major for the series x as the policy reads it (length n ≥ 1). */
export function seasonalColumns(x: Float64Array, width: number): Float32Array {
  const n = x.length;
  const { residual, scale } = seasonalResidual(x);
  const C = SEASONAL_CHANNELS.length;
  const out = new Float32Array(width * C);
  for (let c = 0; c < width; c++) {
    const [lo, hi] = pointsOfColumn(c, n, width);
    let most = 0,
      sum = 0;
    for (let i = lo; i < hi; i++) {
      const z = residual[i]! / scale;
      most = Math.max(most, Math.abs(z));
      sum += z;
    }
    const m = sum / (hi - lo);
    out[c * C] = Math.log1p(most) / 5;
    out[c * C + 1] = (Math.sign(m) * Math.log1p(Math.abs(m))) / 5;
  }
  return out;
}
