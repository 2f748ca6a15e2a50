/**
 * The clean line chart the policy looks at (docs/METHOD.md §2): one dark line on white,
 * y fixed to [-1, 1], x = index spread over the width. It takes only the
 * values, never a record or its labels, so no pixel can hint at the true
 * anomaly.
 *
 * Output: greyscale, 1 channel, 8 bits, (height, width) row-major,
 * 255 = white paper, 0 = full ink. Deterministic to the byte.
 */
import { AnomseerError, ShapeError } from '../errors.js';
import { type ChartOptions, FRAME_INK, ZERO_LINE_INK, resolveChartOptions } from './chart-options.js';
import { xOfIndex, yOfValue } from './mapping.js';
import { normalizeForPlot } from './normalize.js';
import { type InkCanvas, drawBorder, drawPolyline, drawSegment, newCanvas } from './rasterize.js';

/** An 8-bit greyscale image: `pixels` has shape (height, width), 0 = black, 255 = white. */
export interface GreyImage {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;
}

/**
 * Check that `values` is a non-empty array-like of finite numbers. Records are
 * validated on load, so this only guards against passing the wrong thing
 * (a record instead of its series, an empty array, a NaN from user code).
 */
export function checkValues(values: ArrayLike<number>, fn: string): void {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    throw new ShapeError(`${fn}: expected an array of numbers (the series values), got ${values === null ? 'null' : typeof values}`);
  }
  if (values.length === 0) throw new ShapeError(`${fn}: the series is empty; a chart needs at least one value`);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new AnomseerError('E_DATA', `${fn}: value ${i} is ${String(v)}; every value must be a finite number`);
    }
  }
}

/**
 * Ink coverage of the chart: (height, width) Float64Array in [0, 1]
 * (0 = paper). The annotated chart reuses it so people see the same line.
 */
export function chartInk(values: ArrayLike<number>, opts: ChartOptions = {}): InkCanvas {
  checkValues(values, 'chart');
  const o = resolveChartOptions(opts);
  const canvas = newCanvas(o.width, o.height);
  if (o.frame) drawBorder(canvas, FRAME_INK);
  if (o.zeroLine) drawSegment(canvas, 0, o.height / 2, o.width, o.height / 2, 1, ZERO_LINE_INK);
  const v = normalizeForPlot(values, o.normalize);
  const n = v.length;
  // Points k = 1 … n sit at their band centres; points 0 and n+1 repeat the
  // end values at the left and right edges, so the line spans the full width
  // (each end value is held flat over the outer half of its own band).
  const xs = new Float64Array(n + 2),
    ys = new Float64Array(n + 2);
  for (let i = 0; i < n; i++) {
    xs[i + 1] = xOfIndex(i, n, o.width);
    ys[i + 1] = yOfValue(v[i], o.height); // clips to the frame: |v| > 1 sits on the edge row
  }
  xs[0] = 0;
  ys[0] = ys[1];
  xs[n + 1] = o.width;
  ys[n + 1] = ys[n];
  drawPolyline(canvas, xs, ys, o.lineWidth);
  return canvas;
}

/** 8-bit quantisation of ink: 255 − round(255·ink). */
export function inkToGrey(canvas: InkCanvas): GreyImage {
  const { width, height, ink } = canvas;
  const pixels = new Uint8Array(width * height);
  // (x + 0.5) | 0 is Math.round(x) for x ≥ 0, and several times faster here.
  for (let i = 0; i < pixels.length; i++) pixels[i] = 255 - ((255 * ink[i] + 0.5) | 0);
  return { width, height, pixels };
}

/**
 * Render the line chart of `values` (length n ≥ 1, finite). Defaults:
 * 1000×150 px, normalize `none`, line 1.75 px, no zero line, no frame.
 */
export function renderChart(values: ArrayLike<number>, opts: ChartOptions = {}): GreyImage {
  return inkToGrey(chartInk(values, opts));
}
