/**
 * Pure pixel drawing into an ink buffer: a Float64Array of shape (height,
 * width), row-major, where 0 = paper and 1 = full ink. Shapes are combined
 * with `max`, not summed, so a joint where two segments meet is no darker than
 * the line itself and the result does not depend on drawing order.
 *
 * Anti-aliasing is distance based: a pixel whose centre lies at distance d
 * from the line's centre-line gets coverage clamp(w/2 + ½ − d, 0, 1) for a
 * line w pixels wide. For a horizontal line this is exactly the pixel area the
 * line covers (a 1.75 px line centred on a row boundary gives 0.875 to each of
 * the two rows), and for slanted lines it is the usual close approximation.
 * Segments are capsules (round caps), so a polyline gets round joins and a
 * single point draws a dot. Only +, −, ×, ÷ and √ are used, all correctly
 * rounded in IEEE arithmetic, so the bytes are the same on every machine.
 */

/** An ink buffer and its shape. */
export interface InkCanvas {
  readonly width: number;
  readonly height: number;
  /** (height, width) row-major, values in [0, 1]. */
  readonly ink: Float64Array;
}

export function newCanvas(width: number, height: number): InkCanvas {
  return { width, height, ink: new Float64Array(width * height) };
}

/**
 * Draw the segment (x0, y0)–(x1, y1) (continuous pixel coordinates; pixel
 * (r, c) spans [c, c+1) × [r, r+1)) with round caps, `lineWidth` pixels wide,
 * at full strength `strength` ∈ (0, 1]. Parts outside the canvas are dropped.
 */
export function drawSegment(canvas: InkCanvas, x0: number, y0: number, x1: number, y1: number, lineWidth: number, strength = 1): void {
  const { width, height, ink } = canvas;
  const reach = lineWidth / 2 + 0.5; // beyond this distance a pixel centre gets no ink
  const cMin = Math.max(0, Math.floor(Math.min(x0, x1) - reach));
  const cMax = Math.min(width - 1, Math.ceil(Math.max(x0, x1) + reach));
  const rMin = Math.max(0, Math.floor(Math.min(y0, y1) - reach));
  const rMax = Math.min(height - 1, Math.ceil(Math.max(y0, y1) + reach));
  const dx = x1 - x0,
    dy = y1 - y0;
  const len2 = dx * dx + dy * dy;
  for (let r = rMin; r <= rMax; r++) {
    const py = r + 0.5;
    const row = r * width;
    for (let c = cMin; c <= cMax; c++) {
      const px = c + 0.5;
      // Closest point of the segment to the pixel centre: projection clamped to [0, 1].
      let t = len2 > 0 ? ((px - x0) * dx + (py - y0) * dy) / len2 : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const ex = px - (x0 + t * dx),
        ey = py - (y0 + t * dy);
      const cover = reach - Math.sqrt(ex * ex + ey * ey);
      if (cover <= 0) continue;
      const v = (cover > 1 ? 1 : cover) * strength;
      if (v > ink[row + c]) ink[row + c] = v;
    }
  }
}

/**
 * Draw the polyline through points (xs[k], ys[k]), k = 0 … m−1 (m ≥ 1; one
 * point draws a dot). Coordinates as in `drawSegment`.
 */
export function drawPolyline(canvas: InkCanvas, xs: ArrayLike<number>, ys: ArrayLike<number>, lineWidth: number, strength = 1): void {
  if (xs.length === 1) {
    drawSegment(canvas, xs[0], ys[0], xs[0], ys[0], lineWidth, strength);
    return;
  }
  for (let k = 1; k < xs.length; k++) drawSegment(canvas, xs[k - 1], ys[k - 1], xs[k], ys[k], lineWidth, strength);
}

/** Ink the one-pixel border of the canvas at `strength` (the frame). */
export function drawBorder(canvas: InkCanvas, strength: number): void {
  const { width, height, ink } = canvas;
  const put = (i: number) => {
    if (strength > ink[i]) ink[i] = strength;
  };
  for (let c = 0; c < width; c++) {
    put(c);
    put((height - 1) * width + c);
  }
  for (let r = 0; r < height; r++) {
    put(r * width);
    put(r * width + width - 1);
  }
}
