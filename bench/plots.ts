/**
 * Plot throughput on 1000-point series: clean charts (1000×150), model
 * rasters (64×256, chart included), PNG encodes, annotated PNGs.
 * Prints the figures and rewrites the `plots` section of docs/BENCHMARKS.md.
 *
 * Run: node --import tsx bench/plots.ts
 */
import { cpus, loadavg } from 'node:os';
import sharp from 'sharp';
import { Rng } from '../shared/rng.js';
import { annotatedPng } from '../shared/plot/annotate.js';
import { renderChart } from '../shared/plot/chart.js';
import { chartPng, greyPng } from '../shared/plot/png.js';
import { modelRaster, rasterOfChart } from '../shared/plot/raster.js';
import { writeBenchSection } from './bench-doc.js';

const N = 1000;
const SERIES = 64; // distinct inputs, cycled
const MIN_SECONDS = 2;

/** A mix of the shapes the tasks produce: smooth sine, noisy sine with a burst, i.i.d. noise with a shift. */
function makeSeries(rng: Rng, k: number): Float64Array {
  const x = new Float64Array(N);
  for (let t = 0; t < N; t++) {
    if (k % 3 === 0) x[t] = Math.sin(2 * Math.PI * 0.03 * t);
    else if (k % 3 === 1) x[t] = Math.sin(2 * Math.PI * 0.03 * t) + rng.normal(0, 0.08);
    else x[t] = rng.normal(0, 0.1) + (t >= 400 && t < 430 ? 0.6 : 0);
  }
  return x;
}

/** Run `op` repeatedly for at least MIN_SECONDS (after a warm-up) with `inFlight` concurrent calls; ops per second. */
async function rate(op: (x: Float64Array) => unknown, inputs: Float64Array[], inFlight = 1): Promise<number> {
  for (let i = 0; i < 20; i++) await op(inputs[i % inputs.length]);
  let done = 0;
  const start = performance.now();
  const lane = async (offset: number) => {
    let i = offset;
    while (performance.now() - start < MIN_SECONDS * 1000) {
      await op(inputs[i++ % inputs.length]);
      done++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, (_, k) => lane(k * 7)));
  return done / ((performance.now() - start) / 1000);
}

async function main(): Promise<void> {
  sharp.cache(false); // see shared/plot/png.ts: the libvips cache never hits for fresh raw buffers
  const rng = new Rng(2024);
  const inputs = Array.from({ length: SERIES }, (_, k) => makeSeries(rng, k));
  const charts = inputs.map((x) => renderChart(x));
  const chartOf = new Map(inputs.map((x, k) => [x, charts[k]]));
  const truth: [number, number][] = [[400, 430]],
    predicted: [number, number][] = [[395, 440]];

  const rows: [string, number][] = [
    ['charts/s (renderChart, 1000×150)', await rate((x) => renderChart(x), inputs)],
    ['rasters/s (modelRaster 64×256, chart included)', await rate((x) => modelRaster(x), inputs)],
    ['rasters/s (box filter only, rasterOfChart)', await rate((x) => rasterOfChart(chartOf.get(x)!), inputs)],
    ['PNG encodes/s (greyPng of a rendered chart)', await rate((x) => greyPng(chartOf.get(x)!), inputs)],
    ['PNG encodes/s, 4 in flight', await rate((x) => greyPng(chartOf.get(x)!), inputs, 4)],
    ['chart PNGs/s (chartPng: render + encode)', await rate((x) => chartPng(x), inputs)],
    ['annotated PNGs/s (annotatedPng, 1000×150 RGB)', await rate((x) => annotatedPng(x, { truth, predicted }), inputs)],
    ['annotated PNGs/s, 4 in flight', await rate((x) => annotatedPng(x, { truth, predicted }), inputs, 4)],
  ];
  const pngBytes = (await chartPng(inputs[1])).length;
  const annBytes = (await annotatedPng(inputs[1], { truth, predicted })).length;

  const lines = rows.map(([name, r]) => `| ${name} | ${r.toFixed(0)} |`);
  for (const [name, r] of rows) console.log(`${name.padEnd(50)} ${r.toFixed(0).padStart(7)}`);
  console.log(`PNG size: chart ${pngBytes} B, annotated ${annBytes} B`);

  const date = new Date().toISOString().slice(0, 10);
  const load = loadavg()[0].toFixed(1); // the machine is shared: a load above the core count means other jobs were running
  console.log(`1-minute load average: ${load} on ${cpus().length} cores`);
  const section = [
    '<!-- bench:plots:start -->',
    '## plots',
    '',
    `Command: \`node --import tsx bench/plots.ts\` (${date}, ${cpus().length} cores, load average ${load} while it ran, Node ${process.version}, sharp ${sharp.versions.sharp}, \`sharp.cache(false)\`).`,
    `Series of ${N} points, ${SERIES} distinct inputs cycled, each figure timed for at least ${MIN_SECONDS} s after a warm-up; one call at a time unless "in flight" says otherwise.`,
    '',
    '| operation | per second |',
    '|---|---|',
    ...lines,
    '',
    `PNG sizes for one noisy 1000-point series: clean chart ${pngBytes} B (greyscale), annotated ${annBytes} B (RGB).`,
    '<!-- bench:plots:end -->',
  ].join('\n');
  writeBenchSection('plots', section);
}

await main();
