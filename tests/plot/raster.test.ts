import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, ShapeError } from '../../shared/errors.js';
import { Rng } from '../../shared/rng.js';
import { renderChart } from '../../shared/plot/chart.js';
import { columnOfIndex } from '../../shared/plot/mapping.js';
import { modelRaster, rasterOfChart } from '../../shared/plot/raster.js';
import { boxResize } from '../../shared/plot/resample.js';

/**
 * Reference box filter: for each output pixel, integrate the input over the
 * output pixel's rectangle by intersecting it with every input pixel (plain
 * 2-D loop over all pairs, floating-point geometry, no separability).
 */
function refBoxResize(src: ArrayLike<number>, sh: number, sw: number, dh: number, dw: number): Float64Array {
  const out = new Float64Array(dh * dw);
  const fy = sh / dh,
    fx = sw / dw;
  for (let i = 0; i < dh; i++) {
    for (let j = 0; j < dw; j++) {
      const y0 = i * fy,
        y1 = (i + 1) * fy,
        x0 = j * fx,
        x1 = (j + 1) * fx;
      let acc = 0;
      for (let r = 0; r < sh; r++) {
        const oy = Math.min(r + 1, y1) - Math.max(r, y0);
        if (oy <= 0) continue;
        for (let c = 0; c < sw; c++) {
          const ox = Math.min(c + 1, x1) - Math.max(c, x0);
          if (ox > 0) acc += oy * ox * src[r * sw + c];
        }
      }
      out[i * dw + j] = acc / (fy * fx);
    }
  }
  return out;
}

const randomImage = (rng: Rng, n: number) => Float64Array.from({ length: n }, () => rng.uniform());
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

test('boxResize equals the plain 2-D area-overlap loop, shrinking, enlarging and at odd sizes', () => {
  const rng = new Rng(11);
  const cases: [number, number, number, number][] = [
    [150, 1000, 64, 256],
    [7, 13, 3, 5],
    [5, 5, 5, 5],
    [3, 4, 6, 8],
    [1, 1, 1, 1],
    [10, 37, 10, 1],
    [9, 37, 4, 37],
    [2, 3, 7, 5],
  ];
  for (const [sh, sw, dh, dw] of cases) {
    const src = randomImage(rng, sh * sw);
    const d = maxAbsDiff(boxResize(src, sh, sw, dh, dw), refBoxResize(src, sh, sw, dh, dw));
    assert.ok(d < 1e-12, `${sh}×${sw} → ${dh}×${dw}: max diff ${d}`);
  }
});

test('boxResize to the same size is the identity, and keeps the total ink up to the area ratio', () => {
  const rng = new Rng(12);
  const src = randomImage(rng, 150 * 1000);
  assert.ok(maxAbsDiff(boxResize(src, 150, 1000, 150, 1000), src) < 1e-15);
  const out = boxResize(src, 150, 1000, 64, 256);
  const sum = (a: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i];
    return s;
  };
  assert.ok(Math.abs((sum(out) * (150 * 1000)) / (64 * 256) - sum(src)) < 1e-6);
});

test('boxResize rejects a buffer that does not match its shape', () => {
  assert.throws(
    () => boxResize(new Float64Array(10), 3, 4, 2, 2),
    (e: unknown) => e instanceof ShapeError && /10 values.*3·4 = 12/.test((e as Error).message),
  );
  assert.throws(
    () => boxResize(new Float64Array(12), 3, 4, 0, 2),
    (e: unknown) => e instanceof ShapeError,
  );
});

function series(seed: number, n: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, (_, t) => Math.sin(2 * Math.PI * 0.02 * t) * 0.7 + rng.normal(0, 0.05));
}

test('the model raster is a 64×256 Float32Array of ink in [0, 1] by default', () => {
  const r = modelRaster(series(1, 1000));
  assert.is(r.height, 64);
  assert.is(r.width, 256);
  assert.instance(r.data, Float32Array);
  assert.is(r.data.length, 64 * 256);
  assert.ok(r.data.every((v) => v >= 0 && v <= 1));
  assert.ok(
    r.data.some((v) => v > 0.4),
    'the line is bright',
  );
  assert.ok(r.data.filter((v) => v === 0).length > 0.5 * r.data.length, 'the background is 0');
});

test('the model raster is the box filter of the chart ink (255 − p)/255, per the reference loop', () => {
  for (const [n, opts] of [
    [1000, {}],
    [37, { height: 16, width: 40, chartWidth: 333, chartHeight: 77 }],
    [20000, { height: 32, width: 128 }],
  ] as const) {
    const x = series(n, n);
    const r = modelRaster(x, opts);
    const chart = renderChart(x, { width: opts.chartWidth ?? 1000, height: opts.chartHeight ?? 150 });
    const ink = Float64Array.from(chart.pixels, (p) => (255 - p) / 255);
    const want = refBoxResize(ink, chart.height, chart.width, r.height, r.width);
    const d = maxAbsDiff(r.data, want);
    assert.ok(d < 1e-6, `n=${n}: max diff ${d} (Float32 rounding only)`);
    assert.equal(rasterOfChart(chart, r.height, r.width).data, r.data);
  }
});

test('the raster of the same input is byte-identical twice', () => {
  const x = series(3407, 1000);
  const a = modelRaster(x),
    b = modelRaster(Array.from(x));
  assert.ok(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer)));
});

test('a spike shows up in the raster column that columnOfIndex names', () => {
  for (const [n, w, i] of [
    [1000, 256, 500],
    [1000, 256, 3],
    [37, 256, 20],
    [5000, 256, 4321],
    [1000, 100, 999],
  ] as const) {
    const x = new Float64Array(n).fill(-0.9);
    x[i] = 1;
    const r = modelRaster(x, { width: w });
    let best = 0;
    for (let c = 1; c < w; c++) if (r.data[c] > r.data[best]) best = c; // top row
    assert.is(best, columnOfIndex(i, n, w), `n=${n} w=${w} i=${i}`);
  }
});

test('a constant 0 series lands on the two middle raster rows, equally', () => {
  const r = modelRaster(new Float64Array(1000));
  for (const c of [0, 100, 255]) {
    const col = Array.from({ length: 64 }, (_, row) => r.data[row * 256 + c]);
    const lit = col.flatMap((v, row) => (v > 0 ? [row] : []));
    assert.equal(lit, [31, 32], `column ${c}`);
    assert.is(col[31], col[32]);
  }
});

test('a raster larger than its chart, or a bad size, is a ConfigError', () => {
  assert.throws(
    () => modelRaster([0, 1], { width: 512, chartWidth: 300 }),
    (e: unknown) => e instanceof ConfigError && /smaller than the raster/.test((e as Error).message),
  );
  assert.throws(
    () => modelRaster([0, 1], { height: 0 }),
    (e: unknown) => e instanceof ConfigError && /raster\.height: got 0/.test((e as Error).message),
  );
});

test.run();
