/**
 * Plots: the clean chart the policy reads, its model raster, the
 * index↔column mapping, the annotated chart and the detect figure for people. See docs/PLOTS.md.
 */
export { NORMALIZE_MODES, type NormalizeMode, normalizeForPlot, parseNormalizeMode } from './normalize.js';
export { type ChartOptions, type ResolvedChartOptions, DEFAULT_CHART_OPTIONS, resolveChartOptions } from './chart-options.js';
export { type GreyImage, chartInk, renderChart } from './chart.js';
export { type ModelRaster, type RasterOptions, DEFAULT_RASTER_HEIGHT, DEFAULT_RASTER_WIDTH, modelRaster, rasterOfChart } from './raster.js';
export { boxResize } from './resample.js';
export {
  columnOfIndex,
  indexRangeOfColumn,
  pointsOfColumn,
  columnSpanOfInterval,
  intervalOfColumnSpan,
  columnCoverage,
  xOfIndex,
  yOfValue,
} from './mapping.js';
export { type RgbImage, chartPng, greyPng, rgbPng, decodeGreyPng, decodeRgbPng } from './png.js';
export { type AnnotateOptions, PREDICTED_RGB, SHADE_ALPHA, TRUTH_RGB, annotatedPng, renderAnnotated } from './annotate.js';
export { type DetectFigureOptions, type FigureLayout, type TextBox, detectFigurePng, renderDetectFigure } from './figure.js';
export { type Tick, formatValue, indexTicks, niceStep, timeTicks, valueAxis } from './ticks.js';
export { GLYPH_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, lineHeight, textPixels, textWidth } from './font.js';
