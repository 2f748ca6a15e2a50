import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ShapeError } from '../../shared/errors.js';
import type { Interval } from '../../shared/series/record.js';
import { PREDICTED_RGB, SHADE_ALPHA, TRUTH_RGB, annotatedPng, renderAnnotated } from '../../shared/plot/annotate.js';
import { chartInk, renderChart } from '../../shared/plot/chart.js';
import { decodeRgbPng } from '../../shared/plot/png.js';

type Rgb = [number, number, number];
const at = (px: Uint8Array, w: number, r: number, c: number): Rgb => [px[(r * w + c) * 3], px[(r * w + c) * 3 + 1], px[(r * w + c) * 3 + 2]];
/** `over` at opacity a on top of `under`, by the usual "over" rule. */
const over = (under: Rgb, col: readonly number[], a: number): Rgb => under.map((u, k) => u * (1 - a) + col[k] * a) as Rgb;
const round = (c: Rgb): Rgb => c.map(Math.round) as Rgb;
const WHITE: Rgb = [255, 255, 255];

// 1000 points on 1000 px: index i owns exactly column i, so interval edges fall on column edges.
const N = 1000,
  W = 1000,
  H = 150;
const values = new Float64Array(N).fill(-0.9); // line near the bottom, rows above it are paper
const truth: Interval[] = [
  [100, 200],
  [400, 500],
];
const predicted: Interval[] = [
  [150, 250],
  [600, 700],
];
const ROW = 30; // clear of the frame (row 0), the zero line (rows 74–75) and the line (row ~142)

function kind(c: number): 'truth' | 'predicted' | 'both' | 'none' {
  const inT = truth.some(([s, e]) => c >= s && c < e),
    inP = predicted.some(([s, e]) => c >= s && c < e);
  return inT && inP ? 'both' : inT ? 'truth' : inP ? 'predicted' : 'none';
}

test('truth columns are truth-coloured, predicted columns prediction-coloured, overlap mixed, and the rest white', async () => {
  const img = await decodeRgbPng(await annotatedPng(values, { truth, predicted }));
  const want = {
    none: WHITE,
    truth: round(over(WHITE, TRUTH_RGB, SHADE_ALPHA)),
    predicted: round(over(WHITE, PREDICTED_RGB, SHADE_ALPHA)),
    both: round(over(over(WHITE, TRUTH_RGB, SHADE_ALPHA), PREDICTED_RGB, SHADE_ALPHA)),
  };
  for (let c = 1; c < W - 1; c++) assert.equal(at(img.pixels, W, ROW, c), want[kind(c)], `column ${c} (${kind(c)})`);
  // Independent of the blending formula: the hue says which set a column belongs to.
  const [tr, tg, tb] = at(img.pixels, W, ROW, 120),
    [pr, pg, pb] = at(img.pixels, W, ROW, 220),
    both = at(img.pixels, W, ROW, 170);
  assert.ok(tg > tr + 40 && tg > tb, `truth is green: ${[tr, tg, tb]}`);
  assert.ok(pr > pg + 40 && pr > pb + 40, `prediction is red-orange: ${[pr, pg, pb]}`);
  assert.not.equal(both, [tr, tg, tb]);
  assert.not.equal(both, [pr, pg, pb]);
  assert.ok(both[1] < tg && both[0] < pr, `overlap is darker than either alone: ${both}`);
});

test('the same shading holds on every row that has no ink', () => {
  const img = renderAnnotated(values, { truth, predicted, width: W, height: H });
  const { ink } = chartInk(values, { width: W, height: H, zeroLine: true, frame: true });
  for (const c of [120, 170, 220, 300, 650]) {
    const ref = at(img.pixels, W, ROW, c);
    for (let r = 0; r < H; r++) if (ink[r * W + c] === 0) assert.equal(at(img.pixels, W, r, c), ref, `row ${r} column ${c}`);
  }
});

test('outside all intervals the annotated chart is the clean chart with its guides, in grey', () => {
  const x = Float64Array.from({ length: N }, (_, t) => Math.sin(t / 20));
  const img = renderAnnotated(x, { truth, predicted });
  const grey = renderChart(x, { zeroLine: true, frame: true }).pixels;
  for (let r = 0; r < H; r++) {
    for (const c of [0, 50, 99, 250, 399, 550, 700, 999]) {
      const g = grey[r * W + c];
      assert.equal(at(img.pixels, W, r, c), [g, g, g], `row ${r} column ${c}`);
    }
  }
});

test('without intervals the annotated chart is exactly the grey chart with guides', () => {
  const x = Float64Array.from({ length: 37 }, (_, t) => Math.cos(t));
  const img = renderAnnotated(x, { width: 101, height: 33 });
  const grey = renderChart(x, { width: 101, height: 33, zeroLine: true, frame: true }).pixels;
  assert.equal(
    img.pixels,
    Uint8Array.from({ length: grey.length * 3 }, (_, i) => grey[Math.floor(i / 3)]),
  );
});

test('when bands do not align with columns the edge columns get partial shade', () => {
  // n = 37 on 100 px: [10, 20) covers x from 27.03 to 54.05.
  const x = new Float64Array(37).fill(-0.9);
  const img = renderAnnotated(x, { truth: [[10, 20]], width: 100, height: 40, frame: false, zeroLine: false });
  const full = round(over(WHITE, TRUTH_RGB, SHADE_ALPHA));
  for (let c = 28; c < 54; c++) assert.equal(at(img.pixels, 100, 5, c), full, `column ${c}`);
  for (const c of [27, 54]) {
    const g = at(img.pixels, 100, 5, c)[0];
    assert.ok(g < 255 && g > full[0], `column ${c} is between white and full shade: ${g}`);
  }
  assert.equal(at(img.pixels, 100, 5, 26), WHITE);
  assert.equal(at(img.pixels, 100, 5, 55), WHITE);
});

test('intervals reaching past the series are clipped to it; malformed ones are ShapeErrors', () => {
  const x = new Float64Array(50);
  const a = renderAnnotated(x, { truth: [[-5, 10]], predicted: [[45, 99]], width: 50, height: 20 }).pixels;
  const b = renderAnnotated(x, { truth: [[0, 10]], predicted: [[45, 50]], width: 50, height: 20 }).pixels;
  assert.equal(a, b);
  assert.throws(
    () => renderAnnotated(x, { predicted: [[1, NaN]] as unknown as Interval[] }),
    (e: unknown) => e instanceof ShapeError && /predicted\[0\]/.test((e as Error).message),
  );
});

test.run();
