/**
 * The annotated chart for people (never a model input): the same line as the
 * clean chart, with the true intervals shaded bluish green and the predicted
 * intervals shaded vermillion, both semi-transparent, so where they overlap
 * the two mix into a darker olive and a person sees hits, misses and false
 * alarms at a glance. Colours are from the Okabe–Ito palette, which stays
 * distinguishable under the common colour-vision deficiencies (plain green
 * against red would not). No text: fonts may be absent on a worker.
 *
 * An interval [start, end) is shaded over the x-bands of its indices,
 * [start·W/n, end·W/n) (see mapping.ts), full height, with soft edges where a
 * band ends inside a column.
 */
import { ShapeError } from '../errors.js';
import type { Interval } from '../series/record.js';
import { chartInk } from './chart.js';
import { type ChartOptions, dropUndefined } from './chart-options.js';
import { columnCoverage } from './mapping.js';
import { type RgbImage, rgbPng } from './png.js';

export interface AnnotateOptions extends ChartOptions {
  /** True anomaly intervals, half-open indices. Shaded in TRUTH_RGB. */
  truth?: readonly Interval[];
  /** Predicted intervals, half-open indices. Shaded in PREDICTED_RGB. */
  predicted?: readonly Interval[];
}

export const TRUTH_RGB: readonly [number, number, number] = [0, 158, 115]; // Okabe–Ito bluish green
export const PREDICTED_RGB: readonly [number, number, number] = [213, 94, 0]; // Okabe–Ito vermillion
/** Opacity of a fully covered column; low enough that the black line stays crisp on top. */
export const SHADE_ALPHA = 0.4;

/**
 * Coverage per column of a set of intervals, clipped to [0, n) and to 1
 * (so accidental overlaps within one set do not darken). Length `width`.
 * `name` names the set in the ShapeError for a malformed interval.
 */
export function setCoverage(ivs: readonly Interval[], n: number, width: number, name: string): Float64Array {
  const out = new Float64Array(width);
  ivs.forEach((iv, k) => {
    if (!Array.isArray(iv) || iv.length !== 2 || !Number.isFinite(iv[0]) || !Number.isFinite(iv[1])) {
      throw new ShapeError(`annotate: ${name}[${k}] = ${JSON.stringify(iv)}; expected [start, end] with finite numbers`);
    }
    const cov = columnCoverage([Math.max(0, iv[0]), Math.min(n, iv[1])], n, width);
    for (let c = 0; c < width; c++) out[c] = Math.min(1, out[c] + cov[c]);
  });
  return out;
}

/**
 * Render the annotated chart as RGB pixels (height, width, 3). Chart options
 * as in renderChart, but the faint zero line and frame default to on here.
 */
export function renderAnnotated(values: ArrayLike<number>, opts: AnnotateOptions = {}): RgbImage {
  const { truth = [], predicted = [], ...chartOpts } = opts;
  const canvas = chartInk(values, { zeroLine: true, frame: true, ...dropUndefined(chartOpts) });
  const { width, height, ink } = canvas;
  const n = values.length;
  const covT = setCoverage(truth, n, width, 'truth');
  const covP = setCoverage(predicted, n, width, 'predicted');
  // Background per column: white, then truth over it, then the prediction over that.
  const bg = new Float64Array(width * 3);
  for (let c = 0; c < width; c++) {
    const at = SHADE_ALPHA * covT[c],
      ap = SHADE_ALPHA * covP[c];
    for (let ch = 0; ch < 3; ch++) {
      const withTruth = 255 * (1 - at) + TRUTH_RGB[ch] * at;
      bg[c * 3 + ch] = withTruth * (1 - ap) + PREDICTED_RGB[ch] * ap;
    }
  }
  // Black ink over the background, by coverage.
  const pixels = new Uint8Array(width * height * 3);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const keep = 1 - ink[r * width + c];
      const o = (r * width + c) * 3;
      // (x + 0.5) | 0 rounds like Math.round for x ≥ 0.
      for (let ch = 0; ch < 3; ch++) pixels[o + ch] = (bg[c * 3 + ch] * keep + 0.5) | 0;
    }
  }
  return { width, height, pixels };
}

/** The annotated chart as an RGB PNG. */
export function annotatedPng(values: ArrayLike<number>, opts: AnnotateOptions = {}): Promise<Buffer> {
  return rgbPng(renderAnnotated(values, opts));
}
