/**
 * The detect figure: what `anomseer detect` writes as plot.png, for a person reading the answer.
 * The series in its own units (not the policy's normalised view), with
 *
 *   - value ticks on the left and index or time ticks below (ticks.ts), with labels;
 *   - the predicted intervals shaded vermillion (as on the annotated chart) and numbered
 *     1, 2, … above the plot in the order of result.json, so "interval 3" means the same in both;
 *   - dashed blue lines (one pixel wide) where the policy's windows start (it read the series in
 *     windows of the trained length; an answer that stops at a line may be cut by it);
 *   - a legend with the predicted type, and an optional title.
 *
 * Pure: RGB pixels and the layout (every tick's pixel, every text's box) come out; png.ts encodes.
 * Text is the built-in bitmap font (font.ts), so the figure is legible on a machine with no fonts
 * and the same bytes on every machine. Geometry: the plot area is `plotWidth` × `plotHeight`
 * pixels at (layout.plot.x, layout.plot.y); inside it the chart mapping of mapping.ts holds
 * (point i at x = (i + ½)·W/n; the value axis [lo, hi] onto [-1, 1], +1 on the top row's
 * centre). An interval narrower than one pixel column is shaded one full column, so a
 * one-point answer on a long series stays visible.
 */
import { ShapeError } from '../errors.js';
import type { Interval } from '../series/record.js';
import { PREDICTED_RGB, SHADE_ALPHA, setCoverage } from './annotate.js';
import { chartInk, checkValues } from './chart.js';
import { checkSide } from './chart-options.js';
import { lineHeight, textPixels, textWidth } from './font.js';
import { xOfIndex, yOfValue } from './mapping.js';
import { type RgbImage, rgbPng } from './png.js';
import { type Tick, indexTicks, timeTicks, valueAxis } from './ticks.js';

export interface DetectFigureOptions {
  /** Predicted intervals, half-open series indices, in the order they are numbered. */
  readonly intervals: readonly Interval[];
  /** The answer's class, for the legend. */
  readonly type: string;
  /** The windows the policy read: a dashed line at every start but 0. */
  readonly windows?: { readonly starts: readonly number[]; readonly length: number };
  /** One time per point (ms since the epoch): the x axis is labelled with times. */
  readonly times?: ArrayLike<number>;
  /** Whether those times are UTC (the file named its zones): the axis then says so. */
  readonly timesUtc?: boolean;
  /** First line of the figure, e.g. the file and column. */
  readonly title?: string;
  /** Plot area width in pixels. Default 1000. */
  readonly plotWidth?: number;
  /** Plot area height in pixels. Default 280. */
  readonly plotHeight?: number;
  /** Text scale: each font pixel is scale × scale pixels. Default 2 (12 px a character, 18 px a line). */
  readonly textScale?: number;
}

type Rgb = readonly [number, number, number];
export const TEXT_RGB: Rgb = [34, 34, 34];
export const AXIS_RGB: Rgb = [85, 85, 85];
export const BOUNDARY_RGB: Rgb = [0, 114, 178]; // Okabe–Ito blue
/** Dashes of the window lines: DASH_ON rows inked, then DASH_OFF rows not, from the plot's top row. */
export const DASH_ON = 6;
export const DASH_OFF = 4;
export const TICK_LENGTH = 6;

/** A string drawn on the figure: its text (lines joined by \n), top-left corner, scale and colour. */
export interface TextBox {
  readonly text: string;
  readonly x: number;
  readonly y: number;
  readonly scale: number;
  readonly rgb: Rgb;
}

export interface FigureLayout {
  readonly width: number;
  readonly height: number;
  readonly plot: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
  /** Value axis range mapped onto the plot's full height. */
  readonly valueRange: readonly [number, number];
  /** x ticks: position along the series, image column of the tick mark, label. */
  readonly xTicks: readonly (Tick & { readonly x: number })[];
  /** Value ticks: the value, image row of the tick mark, label. */
  readonly yTicks: readonly (Tick & { readonly y: number })[];
  /** Window boundaries: the series index a window starts at and the image column of its line. */
  readonly boundaries: readonly { readonly index: number; readonly x: number }[];
  /** Each interval: its number (1-based), image columns [x0, x1) it shades, and whether its number is drawn. */
  readonly intervals: readonly { readonly number: number; readonly x0: number; readonly x1: number; readonly labelled: boolean }[];
  readonly texts: readonly TextBox[];
}

/** Render the detect figure of `values` (finite, n ≥ 1). */
export function renderDetectFigure(values: ArrayLike<number>, o: DetectFigureOptions): { image: RgbImage; layout: FigureLayout } {
  checkValues(values, 'detect figure');
  const n = values.length;
  const pw = checkSide(o.plotWidth ?? 1000, 'plotWidth'),
    ph = checkSide(o.plotHeight ?? 280, 'plotHeight');
  const s = o.textScale ?? 2;
  if (!Number.isInteger(s) || s < 1 || s > 8) throw new ShapeError(`detect figure: textScale ${s} must be an integer in [1, 8]`);
  if (o.times !== undefined && o.times.length !== n) throw new ShapeError(`detect figure: ${o.times.length} times for ${n} values`);
  const ch = 6 * s,
    lh = lineHeight(s),
    gap = 2 * s,
    pad = 5 * s;

  const starts = o.windows?.starts ?? [];
  // Axes first: their labels decide the margins.
  let min = Infinity,
    max = -Infinity;
  for (let i = 0; i < n; i++) [min, max] = [Math.min(min, values[i]!), Math.max(max, values[i]!)];
  const axis = valueAxis(min, max, Math.max(2, Math.floor(ph / (3 * lh))));
  const xLabelChars = o.times !== undefined ? 10 : String(n - 1).length;
  const xMax = Math.max(2, Math.floor(pw / ((xLabelChars + 4) * ch)));
  const xTicksRaw = o.times !== undefined ? timeTicks(o.times, xMax) : indexTicks(n, xMax);
  const xLines = Math.max(1, ...xTicksRaw.map((t) => t.label.split('\n').length));
  const left = pad + Math.max(...axis.ticks.map((t) => textWidth(t.label, s)), 0) + gap + TICK_LENGTH;
  const right = pad + 2 * ch;
  const W0 = (plotW: number) => left + plotW + right;
  const titleH = o.title === undefined ? 0 : lh + 3 * gap;
  // Legend: the answer, then (when the series took several windows) the window line; on one
  // line when both fit, else on two.
  const k = o.intervals.length;
  const answer = k === 0 ? `no anomaly found (${o.type})` : `predicted: ${o.type} (${k} interval${k === 1 ? '' : 's'})`;
  const windowed = starts.some((b) => b > 0 && b < n);
  const windowText = windowed ? `window boundary (${o.windows!.length} points a window)` : '';
  const swatch = 2 * lh;
  const answerW = swatch + ch + textWidth(answer, s);
  const windowW = swatch + ch + textWidth(windowText, s);
  const oneLine = !windowed || pad + answerW + 3 * ch + windowW <= W0(pw) - pad;
  const legendH = (oneLine ? 1 : 2) * (lh + gap);
  const top = pad + titleH + legendH + 2 * gap + 2 * (lh + gap) + gap;
  const bottom = TICK_LENGTH + gap + xLines * (lh + gap) + gap + lh + pad;
  const W = left + pw + right,
    H = top + ph + bottom;
  const plot = { x: left, y: top, width: pw, height: ph };

  // The plot area: shading, window lines, then the line and frame on top.
  const u = new Float64Array(n);
  for (let i = 0; i < n; i++) u[i] = (2 * (values[i]! - axis.lo)) / (axis.hi - axis.lo) - 1;
  const { ink } = chartInk(u, { width: pw, height: ph, normalize: 'none', frame: true, zeroLine: false });
  const shown = o.intervals.map(([a, b]) => visibleInterval(a, b, n, pw));
  const cov = setCoverage(shown, n, pw, 'intervals');
  const boundaryCols = new Set(starts.filter((b) => b > 0 && b < n).map((b) => Math.min(pw - 1, Math.floor((b * pw) / n))));
  const px = new Uint8Array(W * H * 3).fill(255);
  for (let r = 0; r < ph; r++) {
    const dash = r % (DASH_ON + DASH_OFF) < DASH_ON;
    for (let c = 0; c < pw; c++) {
      const a = SHADE_ALPHA * cov[c]!;
      const keep = 1 - ink[r * pw + c]!;
      const at = ((top + r) * W + left + c) * 3;
      for (let k = 0; k < 3; k++) {
        let bg = 255 * (1 - a) + PREDICTED_RGB[k]! * a;
        if (dash && boundaryCols.has(c)) bg = BOUNDARY_RGB[k]!;
        px[at + k] = (bg * keep + 0.5) | 0;
      }
    }
  }
  const fill = (x: number, y: number, w: number, h: number, rgb: Rgb) => {
    for (let yy = Math.max(0, y); yy < Math.min(H, y + h); yy++) for (let xx = Math.max(0, x); xx < Math.min(W, x + w); xx++) px.set(rgb, (yy * W + xx) * 3);
  };
  const texts: TextBox[] = [];
  const text = (t: string, x: number, y: number, rgb: Rgb = TEXT_RGB) => {
    const lines = t.split('\n');
    x = Math.max(0, Math.min(W - Math.max(...lines.map((l) => textWidth(l, s))), x));
    lines.forEach((l, k) => textPixels(l, x, y + k * (lh + gap), s, (xx, yy) => xx >= 0 && xx < W && yy >= 0 && yy < H && px.set(rgb, (yy * W + xx) * 3)));
    texts.push({ text: t, x, y, scale: s, rgb });
  };

  // x ticks and labels (centred under the mark, kept inside the image), then the axis caption. Time
  // ticks follow the clock, so on irregular sampling two can come close: a tick whose label would
  // touch the one before is left out.
  const xTicks: (Tick & { x: number })[] = [];
  let labelEnd = -Infinity;
  for (const t of xTicksRaw) {
    const x = left + Math.floor(xOfIndex(t.at, n, pw));
    const w = Math.max(...t.label.split('\n').map((l) => textWidth(l, s)));
    const lx = Math.max(0, Math.min(W - w, x - Math.floor(w / 2)));
    if (x < left || x >= left + pw || lx < labelEnd + 2 * ch) continue;
    fill(x, top + ph, 1, TICK_LENGTH, AXIS_RGB);
    text(t.label, lx, top + ph + TICK_LENGTH + gap);
    xTicks.push({ ...t, x });
    labelEnd = lx + w;
  }
  const caption = o.times === undefined ? 'index' : o.timesUtc ? 'time (UTC)' : 'time';
  text(caption, left + Math.floor((pw - textWidth(caption, s)) / 2), top + ph + TICK_LENGTH + gap + xLines * (lh + gap) + gap);

  // Value ticks and labels, right-aligned against the marks.
  const yTicks = axis.ticks.map((t) => ({ ...t, y: top + Math.floor(yOfValue((2 * (t.at - axis.lo)) / (axis.hi - axis.lo) - 1, ph)) }));
  for (const t of yTicks) {
    fill(left - TICK_LENGTH, t.y, TICK_LENGTH, 1, AXIS_RGB);
    text(t.label, left - TICK_LENGTH - gap - textWidth(t.label, s), t.y - Math.floor((7 * s) / 2));
  }

  // Interval numbers in two rows above the plot: the lower row first, the upper when it would touch
  // the number before; a number with room in neither is left out (its interval is still shaded).
  const rowY = [top - gap - lh, top - 2 * (gap + lh)];
  const lastRight = [-Infinity, -Infinity];
  const intervals = o.intervals.map((_, k) => {
    const [a, b] = shown[k]!;
    const x0 = left + (a * pw) / n,
      x1 = left + (b * pw) / n;
    const label = String(k + 1);
    const w = textWidth(label, s);
    const x = Math.max(0, Math.min(W - w, Math.round((x0 + x1) / 2 - w / 2)));
    const row = [0, 1].find((r) => x >= lastRight[r]! + ch);
    if (row !== undefined) {
      text(label, x, rowY[row]!, PREDICTED_RGB);
      lastRight[row] = x + w;
    }
    return { number: k + 1, x0, x1, labelled: row !== undefined };
  });

  // Title and legend.
  if (o.title !== undefined) text(o.title, pad, pad);
  const ly = pad + titleH;
  if (k > 0) fill(pad, ly, swatch, lh, PREDICTED_RGB.map((v) => Math.round(255 * (1 - SHADE_ALPHA) + v * SHADE_ALPHA)) as unknown as Rgb);
  text(answer, k > 0 ? pad + swatch + ch : pad, ly);
  if (windowed) {
    const [lx, wy] = oneLine ? [pad + answerW + 3 * ch, ly] : [pad, ly + lh + gap];
    for (let yy = 0; yy < lh; yy++) if (yy % (DASH_ON + DASH_OFF) < DASH_ON) fill(lx + lh, wy + yy, 1, 1, BOUNDARY_RGB);
    text(windowText, lx + swatch + ch, wy);
  }

  const boundaries = [...boundaryCols]
    .sort((a, b) => a - b)
    .map((c) => ({ index: starts.find((b) => Math.min(pw - 1, Math.floor((b * pw) / n)) === c)!, x: left + c }));
  return {
    image: { width: W, height: H, pixels: px },
    layout: { width: W, height: H, plot, valueRange: [axis.lo, axis.hi], xTicks, yTicks, boundaries, intervals, texts },
  };
}

/** [a, b) as drawn: itself, or the one pixel column around its centre when it is narrower than a column. */
function visibleInterval(a: number, b: number, n: number, pw: number): Interval {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return [a, b]; // setCoverage names it
  if ((b - a) * pw >= n) return [a, b];
  const c = Math.min(pw - 1, Math.max(0, Math.floor((((a + b) / 2) * pw) / n)));
  return [(c * n) / pw, ((c + 1) * n) / pw];
}

/** The detect figure as an RGB PNG, with its layout. */
export async function detectFigurePng(values: ArrayLike<number>, o: DetectFigureOptions): Promise<{ png: Buffer; layout: FigureLayout }> {
  const { image, layout } = renderDetectFigure(values, o);
  return { png: await rgbPng(image), layout };
}
