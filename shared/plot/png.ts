/**
 * PNG encoding and decoding of plot images with sharp (libvips). The pixels
 * themselves are drawn in pure TypeScript elsewhere; this file only moves
 * bytes in and out of the PNG format.
 *
 * Greyscale charts are written as 8-bit greyscale PNGs (colour type 0): the
 * raw 1-channel input must be tagged `b-w`, or sharp widens it to RGB.
 * sharp keeps a libvips operation cache (default up to 50 MB / 100
 * operations); it never hits for fresh raw buffers, so long-running renderers
 * should call `sharp.cache(false)` once in their main (the memory test and the
 * benchmark do). This module leaves that global setting alone.
 */
import sharp from 'sharp';
import { ShapeError } from '../errors.js';
import { type GreyImage, renderChart } from './chart.js';
import type { ChartOptions } from './chart-options.js';

/** An 8-bit RGB image: `pixels` has shape (height, width, 3), row-major. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;
}

/**
 * zlib level 6 with adaptive row filters off (sharp's defaults, pinned here so
 * an upgrade of sharp's defaults does not change the files silently).
 */
const PNG_OPTIONS = { compressionLevel: 6, adaptiveFiltering: false } as const;

function checkPixels(img: { width: number; height: number; pixels: Uint8Array }, channels: number, fn: string): void {
  if (img.pixels.length !== img.width * img.height * channels) {
    throw new ShapeError(`${fn}: ${img.pixels.length} bytes for ${img.width}×${img.height}×${channels}; expected ${img.width * img.height * channels}`);
  }
}

/** Encode a greyscale image as an 8-bit greyscale PNG. */
export function greyPng(img: GreyImage): Promise<Buffer> {
  checkPixels(img, 1, 'greyPng');
  return sharp(img.pixels, { raw: { width: img.width, height: img.height, channels: 1 } })
    .toColourspace('b-w')
    .png(PNG_OPTIONS)
    .toBuffer();
}

/** Encode an RGB image as an 8-bit RGB PNG. */
export function rgbPng(img: RgbImage): Promise<Buffer> {
  checkPixels(img, 3, 'rgbPng');
  return sharp(img.pixels, { raw: { width: img.width, height: img.height, channels: 3 } })
    .png(PNG_OPTIONS)
    .toBuffer();
}

/** The chart of `values` (see renderChart) as a greyscale PNG. */
export function chartPng(values: ArrayLike<number>, opts: ChartOptions = {}): Promise<Buffer> {
  return greyPng(renderChart(values, opts));
}

/** Decode any PNG sharp reads into 8-bit greyscale pixels (height, width). */
export async function decodeGreyPng(png: Buffer): Promise<GreyImage> {
  const { data, info } = await sharp(png).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, pixels: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** Decode any PNG sharp reads into 8-bit RGB pixels (height, width, 3), alpha dropped. */
export async function decodeRgbPng(png: Buffer): Promise<RgbImage> {
  const { data, info } = await sharp(png).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, pixels: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}
