import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ShapeError } from '../../shared/errors.js';
import { Rng } from '../../shared/rng.js';
import { annotatedPng, renderAnnotated } from '../../shared/plot/annotate.js';
import { renderChart } from '../../shared/plot/chart.js';
import { chartPng, decodeGreyPng, decodeRgbPng, greyPng, rgbPng } from '../../shared/plot/png.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** IHDR fields at fixed offsets: width (16), height (20), bit depth (24), colour type (25). */
const ihdr = (png: Buffer) => ({ width: png.readUInt32BE(16), height: png.readUInt32BE(20), depth: png[24], colourType: png[25] });

function series(seed: number, n: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => rng.normal(0, 0.5));
}

test('chartPng writes an 8-bit greyscale PNG that decodes back to the chart pixels, at several sizes', async () => {
  for (const [n, w, h] of [
    [1000, 1000, 150],
    [5, 37, 9],
    [20000, 37, 150],
    [1, 1, 1],
  ] as const) {
    const x = series(n, n);
    const png = await chartPng(x, { width: w, height: h });
    assert.ok(png.subarray(0, 8).equals(PNG_SIGNATURE));
    assert.equal(ihdr(png), { width: w, height: h, depth: 8, colourType: 0 });
    const back = await decodeGreyPng(png);
    assert.is(back.width, w);
    assert.is(back.height, h);
    assert.equal(back.pixels, renderChart(x, { width: w, height: h }).pixels, `${w}×${h}`);
  }
});

test('annotatedPng writes an 8-bit RGB PNG that decodes back to the annotated pixels', async () => {
  const x = series(2, 300);
  const opts = { width: 301, height: 41, truth: [[10, 50]] as [number, number][], predicted: [[40, 90]] as [number, number][] };
  const png = await annotatedPng(x, opts);
  assert.equal(ihdr(png), { width: 301, height: 41, depth: 8, colourType: 2 });
  const back = await decodeRgbPng(png);
  assert.equal(back.pixels, renderAnnotated(x, opts).pixels);
});

test('the same chart encodes to the same PNG bytes twice', async () => {
  const x = series(3, 1000);
  const [a, b] = await Promise.all([chartPng(x), chartPng(Array.from(x))]);
  assert.ok(a.equals(b));
});

test('encoders reject a pixel buffer that does not match width × height × channels', () => {
  assert.throws(
    () => greyPng({ width: 4, height: 4, pixels: new Uint8Array(15) }),
    (e: unknown) => e instanceof ShapeError && /15 bytes for 4×4×1/.test((e as Error).message),
  );
  assert.throws(
    () => rgbPng({ width: 4, height: 4, pixels: new Uint8Array(16) }),
    (e: unknown) => e instanceof ShapeError && /expected 48/.test((e as Error).message),
  );
});

test.run();
