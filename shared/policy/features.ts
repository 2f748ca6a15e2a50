/**
 * Per-prompt encoder input (docs/POLICY.md §features): the model raster cut into
 * P = width / patchCols patches of patchCols columns; patch k's feature vector holds, for
 * the columns c = k·patchCols + j (j < patchCols):
 *
 *   plot      f[j·H + r]                          = raster[r, c]                 (always)
 *   values    f[patchCols·H + 3j + q]             = mean / min / max (q = 0, 1, 2) of the
 *             normalised values whose points lie in column c, clipped to ±VALUE_CLIP
 *   analyses  f[patchCols·(H + 3·v) + 6j + q]     = analysis channel q (analysis-channels.ts)
 *   detector  f[patchCols·(H + 3 + 6) + 11j + q]  = detector channel q (detector-channels.ts)
 *   ordinals  f[patchCols·(H + 3 + 6 + 11) + 37j + q] = ordinal channel q (detector-channels.ts)
 *   slope     f[patchCols·(H + 3 + 6 + 11·d + 37·o) + 2j + q] = slope-change channel q
 *             (slope-change-channels.ts; option `slopeChange`, needs the analyses)
 *   seasonal  f[patchCols·(H + 3 + 6 + 11·d + 37·o + 2·s) + 2j + q] = seasonal-residual channel q
 *             (seasonal-channels.ts; option `seasonal`, needs the analyses)
 *
 * (v = 1 when the values channel is on.) F = patchCols·(H + 3·values + 6·analyses + 11·detector):
 * 256 / 268 / 292 / 336 (/ 484 with ordinals) for H = 64, patchCols = 4. Defaults: raster 64×256, patchCols 4 → P = 64.
 * Pure and deterministic: the same series and options give the same bytes.
 */
import { ConfigError } from '../errors.js';
import { pointsOfColumn } from '../plot/mapping.js';
import { policyView } from '../plot/normalize.js';
import type { NormalizeMode } from '../plot/normalize.js';
import { modelRaster } from '../plot/raster.js';
import { ANALYSIS_CHANNELS, analysisColumns } from './analysis-channels.js';
import { SLOPE_CHANGE_CHANNELS, slopeChangeColumns } from './slope-change-channels.js';
import { SEASONAL_CHANNELS, seasonalColumns } from './seasonal-channels.js';
import { DETECTOR_CHANNELS, ORDINAL_CHANNELS, detectorColumns, detectorOrdinalColumns } from './detector-channels.js';
import { detect } from '../baseline/detect.js';

export const FEATURE_VARIANTS = [
  'plot',
  'plot+values',
  'plot+values+analyses',
  'plot+values+analyses+detector',
  'plot+values+analyses+detector+ordinals',
] as const;
export type FeatureVariant = (typeof FEATURE_VARIANTS)[number];
export const VALUE_CLIP = 3;

export interface FeatureOptions {
  /** Raster height H (default 64). */
  readonly height?: number;
  /** Raster width W (default 256). */
  readonly width?: number;
  /** Columns per patch (default 4). */
  readonly patchCols?: number;
  /** Plot normalisation (default 'none', the paper's). */
  readonly normalize?: NormalizeMode;
  /** Which channels (default 'plot'). */
  readonly variant?: FeatureVariant;
  /** Add the two slope-change channels (default false; needs an analyses variant). */
  readonly slopeChange?: boolean;
  /** Add the two seasonal-residual channels (default false; needs an analyses variant). */
  readonly seasonal?: boolean;
}

export interface ResolvedFeatureOptions {
  readonly height: number;
  readonly width: number;
  readonly patchCols: number;
  readonly normalize: NormalizeMode;
  readonly variant: FeatureVariant;
  /** Present (true) only when on, so specs made before the option read the same. */
  readonly slopeChange?: true;
  /** Present (true) only when on. */
  readonly seasonal?: true;
  /** P = width / patchCols. */
  readonly numPatches: number;
  /** F, the feature vector length of one patch. */
  readonly featureSize: number;
}

/** One prompt's features: data is (numPatches, featureSize) row-major. */
export interface PatchFeatures {
  readonly numPatches: number;
  readonly featureSize: number;
  readonly data: Float32Array;
}

export function resolveFeatureOptions(opts: FeatureOptions = {}): ResolvedFeatureOptions {
  const height = opts.height ?? 64;
  const width = opts.width ?? 256;
  const patchCols = opts.patchCols ?? 4;
  const variant = opts.variant ?? 'plot';
  if (!(FEATURE_VARIANTS as readonly string[]).includes(variant)) {
    throw new ConfigError('features.variant', `got ${JSON.stringify(variant)}; expected one of ${FEATURE_VARIANTS.join(', ')}`);
  }
  if (!Number.isInteger(patchCols) || patchCols < 1 || width % patchCols !== 0) {
    throw new ConfigError('features.patchCols', `must be an integer >= 1 dividing width = ${width}, got ${patchCols}`);
  }
  const analyses = variant.startsWith('plot+values+analyses');
  const detector = variant.startsWith('plot+values+analyses+detector');
  const ordinals = variant === 'plot+values+analyses+detector+ordinals';
  const slope = opts.slopeChange === true;
  if (slope && !analyses) throw new ConfigError('features.slopeChange', `needs the analyses (policy.inputs.analyses: true); the variant is ${variant}`);
  const seasonal = opts.seasonal === true;
  if (seasonal && !analyses) throw new ConfigError('features.seasonal', `needs the analyses (policy.inputs.analyses: true); the variant is ${variant}`);
  const perCol =
    height +
    (variant === 'plot' ? 0 : 3) +
    (analyses ? ANALYSIS_CHANNELS.length : 0) +
    (detector ? DETECTOR_CHANNELS.length : 0) +
    (ordinals ? ORDINAL_CHANNELS.length : 0) +
    (slope ? SLOPE_CHANGE_CHANNELS.length : 0) +
    (seasonal ? SEASONAL_CHANNELS.length : 0);
  return {
    height,
    width,
    patchCols,
    normalize: opts.normalize ?? 'none',
    variant,
    ...(slope ? { slopeChange: true as const } : {}),
    ...(seasonal ? { seasonal: true as const } : {}),
    numPatches: width / patchCols,
    featureSize: perCol * patchCols,
  };
}

/** Mean, min, max of x over each column's points → (width, 3); empty columns use the next point to the right (the last point past the end). */
export function valueColumns(x: Float64Array, width: number): Float32Array {
  const n = x.length;
  const out = new Float32Array(width * 3);
  for (let c = 0; c < width; c++) {
    const [lo, hi] = pointsOfColumn(c, n, width);
    let sum = 0,
      mn = Infinity,
      mx = -Infinity;
    for (let i = lo; i < hi; i++) {
      const v = Math.max(-VALUE_CLIP, Math.min(VALUE_CLIP, x[i]));
      sum += v;
      mn = Math.min(mn, v);
      mx = Math.max(mx, v);
    }
    out.set([sum / (hi - lo), mn, mx], c * 3);
  }
  return out;
}

/** Patch features of one series (length n ≥ 1). */
export function patchFeatures(series: ArrayLike<number>, opts: FeatureOptions = {}): PatchFeatures {
  const o = resolveFeatureOptions(opts);
  const { height: H, width: W, patchCols: pc } = o;
  const raster = modelRaster(series, { height: H, width: W, normalize: o.normalize });
  const x = policyView(series, o.normalize);
  const values = o.variant === 'plot' ? undefined : valueColumns(x, W);
  const withDetector = o.variant.startsWith('plot+values+analyses+detector');
  const analyses = o.variant.startsWith('plot+values+analyses') ? analysisColumns(x, W) : undefined;
  // The detector reads the series as the policy reads it (policy.normalize); with `none`, x is
  // the series itself, so the protocol's features are unchanged.
  const raw = x;
  const detection = withDetector ? detect(raw) : undefined;
  const detector = detection !== undefined ? detectorColumns(raw, W, pc, undefined, detection) : undefined;
  const ordinals = detection !== undefined && o.variant === 'plot+values+analyses+detector+ordinals' ? detectorOrdinalColumns(raw, W, detection) : undefined;
  const slope = o.slopeChange === true ? slopeChangeColumns(x, W) : undefined;
  const A = ANALYSIS_CHANNELS.length;
  const D = withDetector ? DETECTOR_CHANNELS.length : 0;
  const O = ordinals !== undefined ? ORDINAL_CHANNELS.length : 0;
  const seasonal = o.seasonal === true ? seasonalColumns(x, W) : undefined;
  const S = slope !== undefined ? SLOPE_CHANGE_CHANNELS.length : 0;
  const Q = SEASONAL_CHANNELS.length;
  const F = o.featureSize;
  const data = new Float32Array(o.numPatches * F);
  for (let k = 0; k < o.numPatches; k++) {
    const f = data.subarray(k * F, (k + 1) * F);
    for (let j = 0; j < pc; j++) {
      const c = k * pc + j;
      for (let r = 0; r < H; r++) f[j * H + r] = raster.data[r * W + c];
      if (values !== undefined) f.set(values.subarray(c * 3, c * 3 + 3), pc * H + 3 * j);
      if (analyses !== undefined) f.set(analyses.subarray(c * A, c * A + A), pc * (H + 3) + A * j);
      if (detector !== undefined) f.set(detector.subarray(c * D, c * D + D), pc * (H + 3 + A) + D * j);
      if (ordinals !== undefined) f.set(ordinals.subarray(c * O, c * O + O), pc * (H + 3 + A + D) + O * j);
      if (slope !== undefined) f.set(slope.subarray(c * S, c * S + S), pc * (H + 3 + A + D + O) + S * j);
      if (seasonal !== undefined) f.set(seasonal.subarray(c * Q, c * Q + Q), pc * (H + 3 + A + D + O + S) + Q * j);
    }
  }
  return { numPatches: o.numPatches, featureSize: F, data };
}

/** Stacks prompts into the encoder input (B, P, F). All must share P and F. */
export function batchFeatures(items: readonly PatchFeatures[]): { data: Float32Array; dims: [number, number, number] } {
  if (items.length === 0) throw new ConfigError('features', 'a batch needs at least one prompt');
  const { numPatches: P, featureSize: F } = items[0];
  const data = new Float32Array(items.length * P * F);
  items.forEach((it, b) => {
    if (it.numPatches !== P || it.featureSize !== F) {
      throw new ConfigError('features', `prompt ${b} has (P, F) = (${it.numPatches}, ${it.featureSize}); the batch has (${P}, ${F})`);
    }
    data.set(it.data, b * P * F);
  });
  return { data, dims: [items.length, P, F] };
}
