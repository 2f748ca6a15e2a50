/**
 * Writes the example images of docs/PLOTS.md into docs/img/:
 *   plot-chart.png           clean chart of a synthetic "point" series (the model's view, full size)
 *   plot-raster.png          its 256×64 model raster (ink as brightness, exactly the tensor)
 *   plot-annotated.png       the same series with truth and a made-up prediction shaded
 *   plot-nab-minmax.png      a real NAB series (rds_cpu_utilization_e47b3b), annotated, normalize = minmax
 *   plot-nab-robust.png      the same, normalize = robust
 *   plot-detect.png          the figure `anomseer detect` writes (detectFigurePng), on NAB
 *                            rds_cpu_utilization_e47b3b with the classical baseline's answer (so the
 *                            image does not change when the shipped policy does)
 *
 * Regenerate: node --import tsx bench/plot-examples.ts
 * The synthetic series is seeded, so the first three files are the same on every run.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { Rng } from '../shared/rng.js';
import type { Interval } from '../shared/series/record.js';
import { annotatedPng } from '../shared/plot/annotate.js';
import { chartPng, greyPng } from '../shared/plot/png.js';
import { modelRaster } from '../shared/plot/raster.js';
import { detect } from '../shared/baseline/detect.js';
import { readNabCsv } from '../shared/datasets/nab.js';
import { windowStarts } from '../shared/datasets/window.js';
import { detectFigurePng } from '../shared/plot/figure.js';

const root = new URL('..', import.meta.url).pathname;
const outDir = `${root}docs/img`;
const nabDir = new URL('../data/nab', import.meta.url).pathname;

/** AnomLLM-style "point" series: sin(2π·0.03·t), values replaced by N(0, 0.5) inside each interval. */
function pointSeries(rng: Rng, n: number, truth: readonly Interval[]): Float64Array {
  const x = new Float64Array(n);
  for (let t = 0; t < n; t++) x[t] = Math.sin(2 * Math.PI * 0.03 * t);
  for (const [s, e] of truth) for (let t = s; t < e; t++) x[t] = rng.normal(0, 0.5);
  return x;
}

/** A NAB `timestamp,value` CSV and its labelled windows as half-open index intervals. */
function loadNab(key: string): { values: Float64Array; truth: Interval[] } {
  const rows = readFileSync(`${nabDir}/data/${key}`, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));
  const windows = (JSON.parse(readFileSync(`${nabDir}/labels/combined_windows.json`, 'utf8')) as Record<string, [string, string][]>)[key];
  const stamps = rows.map((r) => r[0].slice(0, 19));
  const truth = windows.map(([a, b]): Interval => {
    const s = stamps.findIndex((t) => t >= a.slice(0, 19));
    const e = stamps.findIndex((t) => t > b.slice(0, 19));
    return [s, e < 0 ? stamps.length : e];
  });
  return { values: Float64Array.from(rows, (r) => Number(r[1])), truth };
}

async function main(): Promise<void> {
  sharp.cache(false);
  mkdirSync(outDir, { recursive: true });
  const truth: Interval[] = [
    [300, 330],
    [720, 745],
  ];
  const predicted: Interval[] = [
    [310, 345],
    [560, 580],
  ]; // one hit (shifted), one miss, one false alarm
  const values = pointSeries(new Rng(3407).fork('docs/plot-example'), 1000, truth);

  writeFileSync(`${outDir}/plot-chart.png`, await chartPng(values));
  const r = modelRaster(values);
  const rasterPixels = Uint8Array.from(r.data, (v) => Math.round(255 * v));
  writeFileSync(`${outDir}/plot-raster.png`, await greyPng({ width: r.width, height: r.height, pixels: rasterPixels }));
  writeFileSync(`${outDir}/plot-annotated.png`, await annotatedPng(values, { truth, predicted }));

  const nab = loadNab('realAWSCloudwatch/rds_cpu_utilization_e47b3b.csv');
  for (const mode of ['minmax', 'robust'] as const) {
    writeFileSync(`${outDir}/plot-nab-${mode}.png`, await annotatedPng(nab.values, { truth: nab.truth, normalize: mode }));
  }

  const rds = readNabCsv(`${nabDir}/data/realAWSCloudwatch/rds_cpu_utilization_e47b3b.csv`);
  const answer = detect(rds.values);
  const { png } = await detectFigurePng(rds.values, {
    intervals: answer.intervals,
    type: answer.type,
    windows: { starts: windowStarts(rds.values.length, 1000), length: 1000 },
    times: rds.timestamps,
    title: 'rds_cpu_utilization_e47b3b.csv: value, 4,032 points',
  });
  writeFileSync(`${outDir}/plot-detect.png`, png);
  console.log(
    `wrote 6 images to ${outDir} (NAB truth windows: ${JSON.stringify(nab.truth)}; detect figure: ${answer.type} ${JSON.stringify(answer.intervals)})`,
  );
}

await main();
