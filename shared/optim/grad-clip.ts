/**
 * Global gradient-norm clipping, as torch.nn.utils.clip_grad_norm_ (L2, one norm
 * over all parameters together):
 *
 *   totalNorm = √(Σ_params Σ_i g_i²)
 *   scale     = min(1, maxNorm / (totalNorm + 1e-6))
 *
 * Unlike torch, the gradients are not modified: the caller passes `scale` on to
 * the optimizer (`AdamW.step(grads, { gradScale: scale })`). And unlike torch's
 * default, a NaN or ±Inf gradient is not silently propagated into the weights:
 * the result says `finite: false`, names the first bad parameter and element,
 * and sets `scale` to 0 so that even a caller who ignores the flag cannot write
 * NaN into the weights. The learner should skip the update (and log it).
 *
 * Example: grads {a: [3, 0], b: [4]}, maxNorm 1 → totalNorm 5, scale 1/(5 + 1e-6).
 */
import { ConfigError } from '../errors.js';

/** Default max norm (paper: grad-clip 1.0). */
export const DEFAULT_MAX_NORM = 1.0;
/** Added to the norm before dividing, as torch does, so a zero norm never divides by 0. */
export const CLIP_EPS = 1e-6;

export type ClipResult =
  | { readonly finite: true; readonly totalNorm: number; readonly scale: number }
  | {
      readonly finite: false;
      /** NaN or Infinity. */
      readonly totalNorm: number;
      /** Always 0: do not apply this update. */
      readonly scale: 0;
      /** First parameter (in `grads` key order) with a non-finite entry, and that entry's index. */
      readonly badParam: string;
      readonly badIndex: number;
    };

/**
 * Global L2 norm of `grads` and the factor that brings it down to `maxNorm`.
 * Sums squares in float64: float32 gradients (max 3.4e38) cannot overflow the sum.
 */
export function clipGradNorm(grads: Readonly<Record<string, Float32Array>>, maxNorm = DEFAULT_MAX_NORM): ClipResult {
  if (!(maxNorm > 0 && Number.isFinite(maxNorm))) throw new ConfigError('maxNorm', `must be a positive finite number, got ${maxNorm}`);
  // Fast path: a NaN or ±Inf element makes its tensor's sum of squares non-finite
  // (finite float32 squares cannot overflow a float64 sum), so scan for the bad
  // element only in that tensor.
  let sumSq = 0;
  for (const name of Object.keys(grads)) {
    const g = grads[name];
    let s = 0;
    for (let i = 0; i < g.length; i++) s += g[i] * g[i];
    if (!Number.isFinite(s)) {
      for (let i = 0; i < g.length; i++) {
        if (!Number.isFinite(g[i])) return { finite: false, totalNorm: Number.isNaN(g[i]) ? NaN : Infinity, scale: 0, badParam: name, badIndex: i };
      }
    }
    sumSq += s;
  }
  const totalNorm = Math.sqrt(sumSq);
  return { finite: true, totalNorm, scale: Math.min(1, maxNorm / (totalNorm + CLIP_EPS)) };
}
