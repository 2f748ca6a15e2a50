// Rendering many plots must not leak: 1,000 charts + rasters + PNG encodes
// (and 50 annotated PNGs) leave the heap and the resident set about where
// they were. sharp's libvips operation cache is switched off
// (sharp.cache(false)), as a long-running renderer should do, since it never
// hits for fresh raw buffers and would otherwise hold up to 50 MB by design.
// A full GC is forced before each reading: --expose-gc is switched on at run
// time through v8.setFlagsFromString, and the gc function fetched from a new
// context, so the test needs no special flag from the runner.
// The resident set is judged where a leak and a runtime's retention differ: a
// leak keeps growing, retention stops. Node 26 keeps 40–110 MB more RSS over the
// first ~2,000 plots than Node 20 (V8 heap pages, native allocator caches: the JS
// heap and Buffers stay flat), then nothing more; so the RSS bound applies to the
// last 1,000 of 3,000 plots (measured: ≤ 5 MB on Node 20 and 26; a chart buffer
// leaked per call would add 60 MB).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import v8 from 'node:v8';
import vm from 'node:vm';
import sharp from 'sharp';
import { Rng } from '../../shared/rng.js';
import { annotatedPng } from '../../shared/plot/annotate.js';
import { renderChart } from '../../shared/plot/chart.js';
import { greyPng } from '../../shared/plot/png.js';
import { rasterOfChart } from '../../shared/plot/raster.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const MB = 1024 * 1024;
// Smaller than the 1000×150 default to keep the file to a few seconds on a
// busy 2-core machine; a per-call leak of one chart buffer (60 kB) or PNG
// would still add up to far more than the bounds below over 1,000 calls.
const SIZE = { width: 600, height: 100 };

/** After a full GC: resident set, JS heap in use, and ArrayBuffer/Buffer memory (outside the JS heap). */
function snapshot(): { rss: number; heap: number; buffers: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, buffers: m.arrayBuffers };
}

test('2,000 charts, rasters and PNG encodes grow the heap and buffers by < 10 MB each; the last 1,000 grow the RSS by < 40 MB', async () => {
  sharp.cache(false);
  const rng = new Rng(77);
  const inputs = Array.from({ length: 16 }, () => Float64Array.from({ length: 1000 }, (_, t) => Math.sin(t / 15) + rng.normal(0, 0.1)));
  const round = async (k: number) => {
    const x = inputs[k % inputs.length];
    const chart = renderChart(x, SIZE);
    const raster = rasterOfChart(chart);
    const png = await greyPng(chart);
    if (k % 20 === 0) await annotatedPng(x, { ...SIZE, truth: [[100, 200]], predicted: [[150, 260]] });
    return png.length + raster.data.length;
  };
  // Two lanes, so the pure-JS drawing of one overlaps the libvips encode of the other.
  const run = async (from: number, to: number) => {
    let bytes = 0;
    const lane = async (k0: number) => {
      for (let k = k0; k < to; k += 2) {
        const b = await round(k);
        bytes += b;
      }
    };
    await Promise.all([lane(from), lane(from + 1)]);
    return bytes;
  };
  await run(0, 50); // warm-up: JIT, libvips thread pool, allocator arenas
  const start = snapshot();
  await run(50, 1050); // the runtime's working set settles (see the file comment)
  const before = snapshot();
  await run(1050, 2050);
  const middle = snapshot();
  const bytes = await run(2050, 3050);
  const after = snapshot();
  const heapMb = (after.heap - before.heap) / MB,
    rssMb = (after.rss - middle.rss) / MB,
    bufMb = (after.buffers - before.buffers) / MB;
  console.log(
    `memory over 2000 plots: heap ${heapMb.toFixed(1)} MB, buffers ${bufMb.toFixed(1)} MB; rss ${((before.rss - start.rss) / MB).toFixed(1)} MB while settling, then ${((middle.rss - before.rss) / MB).toFixed(1)} MB and ${rssMb.toFixed(1)} MB`,
  );
  assert.ok(bytes > 1000 * 64 * 256, `the work was done (${bytes} bytes)`);
  assert.ok(heapMb < 10, `heap grew ${heapMb.toFixed(1)} MB`);
  assert.ok(bufMb < 10, `buffers grew ${bufMb.toFixed(1)} MB`);
  assert.ok(rssMb < 40, `rss grew ${rssMb.toFixed(1)} MB over the last 1000 plots`);
});

test.run();
