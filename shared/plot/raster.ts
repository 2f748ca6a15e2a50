/**
 * The policy's image input: the clean chart, area-averaged down to a small
 * fixed grid. Default shape (64, 256) from a 1000×150 chart, so one raster
 * column covers about 3.9 series points of a 1000-point series and one row
 * about 1/32 of the y axis. Values are ink in [0, 1] (1 = line, 0 = paper) as
 * a Float32Array, row-major (H, W).
 *
 * Derived from the 8-bit chart pixels, not from the float ink, so the raster
 * is exactly what the PNG a person sees would give. Pure and byte-stable.
 * Use `columnOfIndex(i, n, width)` / `indexRangeOfColumn(c, n, width)` from
 * mapping.ts with the raster width to move between columns and indices.
 */
import { ConfigError } from '../errors.js';
import { type GreyImage, renderChart } from './chart.js';
import { DEFAULT_CHART_OPTIONS, checkSide } from './chart-options.js';
import type { NormalizeMode } from './normalize.js';
import { boxResize } from './resample.js';

export interface RasterOptions {
  /** Raster height (rows). Default 64. */
  height?: number;
  /** Raster width (columns). Default 256. */
  width?: number;
  /** Width of the full-resolution chart it is averaged from. Default 1000. */
  chartWidth?: number;
  /** Height of that chart. Default 150. */
  chartHeight?: number;
  /** Normalisation mode; see normalize.ts. Default `none`. */
  normalize?: NormalizeMode;
  /** Chart line width in chart pixels. Default 1.75. */
  lineWidth?: number;
}

/** A (height, width) row-major Float32 image with values in [0, 1], 1 = ink. */
export interface ModelRaster {
  readonly height: number;
  readonly width: number;
  readonly data: Float32Array;
}

export const DEFAULT_RASTER_HEIGHT = 64;
export const DEFAULT_RASTER_WIDTH = 256;

/**
 * Area-average a chart to (height, width) ink: data = boxResize((255 − p) / 255),
 * clamped to [0, 1] against rounding in the last bit.
 */
export function rasterOfChart(chart: GreyImage, height = DEFAULT_RASTER_HEIGHT, width = DEFAULT_RASTER_WIDTH): ModelRaster {
  checkSide(height, 'raster.height');
  checkSide(width, 'raster.width');
  // Average the grey levels, then turn the (small) result into ink: the box
  // weights sum to 1, so mean((255 − p)/255) = (255 − mean(p))/255, and this
  // skips a full-size float copy of the chart.
  const grey = boxResize(chart.pixels, chart.height, chart.width, height, width);
  const data = new Float32Array(grey.length);
  for (let i = 0; i < grey.length; i++) {
    const ink = (255 - grey[i]) / 255;
    data[i] = ink < 0 ? 0 : ink > 1 ? 1 : ink;
  }
  return { height, width, data };
}

/**
 * Render `values` as the clean chart (chartWidth × chartHeight) and reduce it
 * to the model raster (height × width). Only the values are taken: the raster
 * cannot depend on labels.
 */
export function modelRaster(values: ArrayLike<number>, opts: RasterOptions = {}): ModelRaster {
  const height = opts.height ?? DEFAULT_RASTER_HEIGHT;
  const width = opts.width ?? DEFAULT_RASTER_WIDTH;
  const chartWidth = opts.chartWidth ?? DEFAULT_CHART_OPTIONS.width;
  const chartHeight = opts.chartHeight ?? DEFAULT_CHART_OPTIONS.height;
  checkSide(height, 'raster.height');
  checkSide(width, 'raster.width');
  if (checkSide(chartWidth, 'raster.chartWidth') < width || checkSide(chartHeight, 'raster.chartHeight') < height) {
    // Enlarging would work arithmetically but blur a thin line into a bar; almost surely a mix-up.
    throw new ConfigError('raster', `chart ${chartWidth}×${chartHeight} is smaller than the raster ${width}×${height}; the raster is a reduction of the chart`);
  }
  const chart = renderChart(values, { width: chartWidth, height: chartHeight, normalize: opts.normalize, lineWidth: opts.lineWidth });
  return rasterOfChart(chart, height, width);
}
