// The detect figure (shared/plot/figure.ts), checked on the decoded PNG: shaded interval
// columns, tick marks where the axes put them, dashed window lines, and every label readable
// back with the built-in font — also when rendered by a process that has no fonts at all.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShapeError } from '../../shared/errors.js';
import {
  AXIS_RGB,
  BOUNDARY_RGB,
  DASH_OFF,
  DASH_ON,
  TICK_LENGTH,
  type DetectFigureOptions,
  detectFigurePng,
  renderDetectFigure,
} from '../../shared/plot/figure.js';
import { PREDICTED_RGB, SHADE_ALPHA } from '../../shared/plot/annotate.js';
import { decodeRgbPng } from '../../shared/plot/png.js';
import type { RgbImage } from '../../shared/plot/png.js';
import { readText } from './read-text.js';

type Rgb = [number, number, number];
const at = (img: RgbImage, x: number, y: number): Rgb => {
  const o = (y * img.width + x) * 3;
  return [img.pixels[o]!, img.pixels[o + 1]!, img.pixels[o + 2]!];
};
const WHITE: Rgb = [255, 255, 255];
const SHADE = PREDICTED_RGB.map((v) => Math.round(255 * (1 - SHADE_ALPHA) + v * SHADE_ALPHA)) as Rgb;

// 1000 points on a 1000-pixel plot: point i owns plot column i. The line lies at the bottom
// (values 0) except for the last point (10), so the top rows of the plot are paper outside
// columns 990 … 999.
const N = 1000;
const values = Float64Array.from({ length: N }, (_, i) => (i === N - 1 ? 10 : 0));
const options: DetectFigureOptions = {
  intervals: [
    [100, 200],
    [500, 501],
    [720, 760],
  ],
  type: 'global point',
  windows: { starts: [0, 300, 600, 700], length: 300 },
  title: 'cpu.csv: value, 1,000 points',
  plotWidth: 1000,
  plotHeight: 200,
};
const png = await detectFigurePng(values, options);
const img = await decodeRgbPng(png.png);
const { layout } = png;
const { plot } = layout;
const PAPER_ROWS = [2, 10, 40, 90]; // plot rows clear of the frame (row 0) and the line

test('the image is the layout’s size and the plot area sits where the layout says', () => {
  assert.is(img.width, layout.width);
  assert.is(img.height, layout.height);
  assert.equal([plot.width, plot.height], [1000, 200]);
  // The frame: the plot's first and last columns are darker than paper on a paper row.
  for (const x of [plot.x, plot.x + plot.width - 1]) assert.ok(at(img, x, plot.y + 40)[0] < 255, `frame at column ${x}`);
  assert.equal(at(img, plot.x - 1, plot.y + 40), WHITE);
});

test('predicted interval columns are shaded and the others are paper', () => {
  const shaded = (c: number) => (c >= 100 && c < 200) || c === 500 || (c >= 720 && c < 760);
  const boundary = (c: number) => c === 300 || c === 600 || c === 700;
  for (const r of PAPER_ROWS) {
    for (let c = 1; c < 990; c++) {
      if (boundary(c)) continue;
      assert.equal(at(img, plot.x + c, plot.y + r), shaded(c) ? SHADE : WHITE, `plot column ${c}, row ${r}`);
    }
  }
  assert.equal(
    layout.intervals.map((i) => [i.number, i.x0 - plot.x, i.x1 - plot.x, i.labelled]),
    [
      [1, 100, 200, true],
      [2, 500, 501, true],
      [3, 720, 760, true],
    ],
  );
});

test('an interval narrower than a pixel column is shaded one full column', () => {
  // 10,000 points on 1000 columns: one point is a tenth of a column; [5005, 5006) falls in column 500.
  const long = new Float64Array(10_000);
  const { image, layout: l } = renderDetectFigure(long, { intervals: [[5005, 5006]], type: 'global point', plotWidth: 1000, plotHeight: 100 });
  assert.equal(at(image, l.plot.x + 500, l.plot.y + 10), SHADE);
  assert.equal(at(image, l.plot.x + 499, l.plot.y + 10), WHITE);
  assert.equal(at(image, l.plot.x + 501, l.plot.y + 10), WHITE);
});

test('x tick marks are drawn below the plot at the columns of their indices', () => {
  // At most 11 labels of up to 3 digits fit: steps of 100.
  assert.equal(
    layout.xTicks.map((t) => [t.at, t.x - plot.x]),
    [0, 100, 200, 300, 400, 500, 600, 700, 800, 900].map((i) => [i, i]),
  );
  for (const t of layout.xTicks) {
    for (let dy = 0; dy < TICK_LENGTH; dy++) {
      assert.equal(at(img, t.x, plot.y + plot.height + dy), [...AXIS_RGB], `tick ${t.label}, row ${dy}`);
      assert.equal(at(img, t.x + 3, plot.y + plot.height + dy), WHITE, `beside tick ${t.label}`);
    }
  }
});

test('value tick marks are drawn left of the plot at the rows of their values', () => {
  // The axis is [min, max] padded by 5%: [-0.5, 10.5]; at most 200 / 54 → 3 ticks fit: steps of 5.
  const [lo, hi] = layout.valueRange;
  assert.equal([lo, hi], [-0.5, 10.5]);
  for (const t of layout.yTicks) {
    // y = ½ + (1 − u)/2 · (H − 1), u the value on [-1, 1].
    const u = (2 * (t.at - lo)) / (hi - lo) - 1;
    assert.is(t.y - plot.y, Math.floor(0.5 + ((1 - u) / 2) * (plot.height - 1)), `tick ${t.label}`);
    for (let dx = 1; dx <= TICK_LENGTH; dx++) assert.equal(at(img, plot.x - dx, t.y), [...AXIS_RGB], `tick ${t.label}, column −${dx}`);
    assert.equal(at(img, plot.x - 1, t.y + 3), WHITE);
  }
  assert.equal(
    layout.yTicks.map((t) => t.label),
    ['0', '5', '10'],
  );
});

test('window boundaries are dashed blue lines at the columns where windows start, none at 0', () => {
  assert.equal(
    layout.boundaries.map((b) => [b.index, b.x - plot.x]),
    [
      [300, 300],
      [600, 600],
      [700, 700],
    ],
  );
  for (const b of layout.boundaries) {
    for (let r = 1; r < 100; r++) {
      const want = r % (DASH_ON + DASH_OFF) < DASH_ON ? [...BOUNDARY_RGB] : WHITE;
      assert.equal(at(img, b.x, plot.y + r), want, `boundary ${b.index}, row ${r}`);
    }
    assert.equal(at(img, b.x + 1, plot.y + 2), WHITE);
  }
});

test('every label reads back with the font: ticks, numbers, legend, title and caption', () => {
  const read = layout.texts.map((t) => readText(img, t));
  assert.equal(
    read,
    layout.texts.map((t) => t.text),
  );
  const all = new Set(read);
  for (const want of [
    'cpu.csv: value, 1,000 points',
    'predicted: global point (3 intervals)',
    'window boundary (300 points a window)',
    '1',
    '2',
    '3',
    '900',
    '10',
    'index',
  ])
    assert.ok(all.has(want), `"${want}" is on the figure`);
  // The interval numbers sit above their intervals, in the prediction colour.
  for (const iv of layout.intervals) {
    const box = layout.texts.find((t) => t.text === String(iv.number) && t.rgb === PREDICTED_RGB)!;
    assert.ok(box.y < plot.y && box.x <= iv.x1 && box.x + 12 >= iv.x0, `number ${iv.number} above [${iv.x0}, ${iv.x1})`);
  }
});

test('time ticks are labelled with dates and sit between the rows their times fall between', () => {
  // Rows every 6 hours from 2014-02-14 03:00 UTC: midnight of the 15th falls between rows 3 and 4 (at 3.5).
  const t0 = Date.UTC(2014, 1, 14, 3);
  // 20 rows span 4.75 days: daily ticks (at most 5 date labels fit on 1000 pixels).
  const times = Float64Array.from({ length: 20 }, (_, i) => t0 + i * 6 * 3600_000);
  const { image, layout: l } = renderDetectFigure(new Float64Array(20), { intervals: [], type: 'normal', times, plotWidth: 1000, plotHeight: 100 });
  const first = l.xTicks[0]!;
  assert.is(first.at, 3.5);
  assert.is(first.label, '2014-02-15');
  assert.is(first.x - l.plot.x, Math.floor(((2 * 3.5 + 1) * 1000) / 40));
  assert.equal(
    l.xTicks.map((t) => [t.at, t.label]),
    [
      [3.5, '2014-02-15'],
      [7.5, '2014-02-16'],
      [11.5, '2014-02-17'],
      [15.5, '2014-02-18'],
    ],
  );
  const caption = l.texts.find((t) => t.text.startsWith('time'))!;
  assert.is(readText(image, caption), 'time');
  assert.ok(l.texts.some((t) => t.text === 'no anomaly found (normal)'));
});

test('the figure is the same bytes every time, and rendering checks its inputs', async () => {
  assert.ok((await detectFigurePng(values, options)).png.equals(png.png));
  assert.throws(
    () => renderDetectFigure(values, { ...options, times: new Float64Array(3) }),
    (e: unknown) => e instanceof ShapeError && /3 times for 1000 values/.test((e as Error).message),
  );
  assert.throws(
    () => renderDetectFigure(values, { ...options, textScale: 0 }),
    (e: unknown) => e instanceof ShapeError && /textScale/.test((e as Error).message),
  );
});

test('a process with no fonts at all draws the same bytes, so the labels read back there too', () => {
  const dir = mkdtempSync(join(tmpdir(), 'anomseer-nofonts-'));
  try {
    mkdirSync(join(dir, 'empty'));
    const conf = join(dir, 'fonts.conf');
    writeFileSync(conf, `<?xml version="1.0"?>\n<fontconfig><dir>${join(dir, 'empty')}</dir><cachedir>${join(dir, 'cache')}</cachedir></fontconfig>\n`);
    const out = join(dir, 'figure.png');
    const script = [
      "import { writeFileSync } from 'node:fs';",
      "import { detectFigurePng } from './shared/plot/figure.ts';",
      `const values = Float64Array.from({ length: ${N} }, (_, i) => (i === ${N - 1} ? 10 : 0));`,
      `const { png } = await detectFigurePng(values, ${JSON.stringify(options)});`,
      `writeFileSync(${JSON.stringify(out)}, png);`,
    ].join('\n');
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, FONTCONFIG_FILE: conf, FONTCONFIG_PATH: join(dir, 'empty'), HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
    });
    assert.is(r.status, 0, r.stderr);
    assert.ok(readFileSync(out).equals(png.png), 'identical PNG bytes without fonts');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
