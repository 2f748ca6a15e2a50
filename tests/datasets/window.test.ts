import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../shared/rng.js';
import { ConfigError } from '../../shared/errors.js';
import { type Interval, type SeriesRecord, validateRecord } from '../../shared/series/record.js';
import { clipToWindow, idWindowOffset, mergeWindowIntervals, parseWindowId, windowRecord, windowStarts } from '../../shared/datasets/window.js';
import { fitToLength } from '../../shared/datasets/fit-length.js';

const startCases: [number, number, number, number[]][] = [
  [2500, 1000, 1000, [0, 1000, 1500]],
  [3000, 1000, 1000, [0, 1000, 2000]],
  [1001, 1000, 1000, [0, 1]],
  [2000, 1000, 500, [0, 500, 1000]],
  [2100, 1000, 500, [0, 500, 1000, 1100]],
  [1000, 1000, 500, [0]],
  [10, 1000, 1000, [0]],
  [7, 3, 2, [0, 2, 4]],
];
for (const [n, length, stride, want] of startCases) {
  test(`windowStarts(${n}, ${length}, ${stride}) is [${want}]`, () => assert.equal(windowStarts(n, length, stride), want));
}

test('windowStarts rejects a non-positive or fractional length or stride, and a stride that would skip points', () => {
  for (const [l, s] of [
    [0, 1],
    [10, 0],
    [10, 1.5],
    [-5, 2],
    [10, 11],
  ] as const) {
    assert.throws(
      () => windowStarts(100, l, s),
      (e: unknown) => e instanceof ConfigError,
    );
  }
});

test('windows cover every index, start in increasing order and stay inside the series', () => {
  const rng = new Rng(1);
  for (let trial = 0; trial < 300; trial++) {
    const length = 1 + rng.int(40);
    const stride = 1 + rng.int(length);
    const n = 1 + rng.int(200);
    const starts = windowStarts(n, length, stride);
    const covered = new Uint8Array(n);
    for (let w = 0; w < starts.length; w++) {
      if (w > 0) assert.ok(starts[w]! > starts[w - 1]!);
      assert.ok(starts[w]! + Math.min(length, n) <= n);
      for (let i = starts[w]!; i < Math.min(n, starts[w]! + length); i++) covered[i] = 1;
    }
    assert.ok(
      covered.every((c) => c === 1),
      `n=${n} length=${length} stride=${stride}`,
    );
  }
});

const rec = (n: number, intervals: Interval[], type: SeriesRecord['type'] = 'unknown'): SeriesRecord => ({
  id: 'nab/x.csv',
  series: Float64Array.from({ length: n }, (_, i) => i),
  intervals,
  type,
});

test('intervals are clipped and shifted into each window (hand-computed)', () => {
  const wins = windowRecord(
    rec(2500, [
      [900, 1100],
      [1600, 1700],
      [2400, 2500],
    ]),
    { length: 1000 },
  );
  assert.equal(
    wins.map((w) => w.id),
    ['nab/x.csv#w0', 'nab/x.csv#w1000', 'nab/x.csv#w1500'],
  );
  assert.equal(
    wins.map((w) => w.intervals),
    [
      [[900, 1000]],
      [
        [0, 100],
        [600, 700],
      ],
      [
        [100, 200],
        [900, 1000],
      ],
    ],
  );
  assert.equal(Array.from(wins[2]!.series.slice(0, 3)), [1500, 1501, 1502], 'window values are the original slice');
});

test('clipToWindow drops intervals that miss the window and keeps ones touching its edges', () => {
  assert.equal(
    clipToWindow(
      [
        [0, 5],
        [5, 10],
        [20, 30],
      ],
      5,
      10,
    ),
    [[0, 5]],
  );
  assert.equal(
    clipToWindow(
      [
        [3, 6],
        [14, 16],
      ],
      5,
      10,
    ),
    [
      [0, 1],
      [9, 10],
    ],
  );
});

test('a window fully inside a normal stretch is normal; one with an anomaly keeps the parent type', () => {
  const wins = windowRecord(rec(3000, [[100, 200]], 'global point'), { length: 1000 });
  assert.equal(
    wins.map((w) => w.type),
    ['global point', 'normal', 'normal'],
  );
  assert.equal(wins[1]!.intervals, []);
  for (const w of wins) validateRecord(w, w.id);
});

test('a series no longer than the window is returned whole, same id', () => {
  for (const n of [1, 999, 1000]) {
    const r = rec(n, [[0, 1]]);
    const wins = windowRecord(r, { length: 1000, stride: 10 });
    assert.is(wins.length, 1);
    assert.is(wins[0], r);
  }
});

/** Random record with intervals separated by at least one normal point. */
function randomRecord(rng: Rng, n: number): SeriesRecord {
  const intervals: Interval[] = [];
  for (let s = rng.int(20); s < n - 1;) {
    const e = Math.min(n, s + 1 + rng.int(30));
    intervals.push([s, e]);
    s = e + 1 + rng.int(60);
  }
  return { id: `r${n}`, series: Float64Array.from({ length: n }, () => rng.normal()), intervals, type: intervals.length ? 'unknown' : 'normal' };
}

function mask(intervals: readonly Interval[], n: number): number[] {
  const m = new Array<number>(n).fill(0);
  for (const [s, e] of intervals) for (let i = s; i < e; i++) m[i] = 1;
  return m;
}

test('each window label vector equals the slice of the original label vector (reference loop); ids are unique', () => {
  const rng = new Rng(2);
  for (let trial = 0; trial < 60; trial++) {
    const n = 50 + rng.int(400);
    const r = randomRecord(rng, n);
    const length = 10 + rng.int(60);
    const stride = 1 + rng.int(length);
    const wins = windowRecord(r, { length, stride });
    const full = mask(r.intervals, n);
    assert.is(new Set(wins.map((w) => w.id)).size, wins.length);
    for (const w of wins) {
      const start = parseWindowId(w.id)?.start ?? 0; // a short series comes back whole, id unchanged
      assert.equal(mask(w.intervals, w.series.length), full.slice(start, start + length));
      assert.equal(Array.from(w.series), Array.from(r.series.slice(start, start + length)));
      validateRecord(w, w.id);
    }
  }
});

test("merging the windows' own intervals back gives the original intervals", () => {
  const rng = new Rng(4);
  for (let trial = 0; trial < 60; trial++) {
    const n = 50 + rng.int(400);
    const r = randomRecord(rng, n);
    const length = 10 + rng.int(60);
    const wins = windowRecord(r, { length, stride: 1 + rng.int(length) });
    const parts = wins.map((w) => ({ start: parseWindowId(w.id)?.start ?? 0, intervals: w.intervals }));
    assert.equal(mergeWindowIntervals(parts, n), r.intervals);
  }
});

test('mergeWindowIntervals shifts by the window start, joins pieces cut at an edge and clips to n', () => {
  const parts = [
    { start: 0, intervals: [[900, 1000]] as Interval[] },
    {
      start: 1000,
      intervals: [
        [0, 50],
        [990, 1000],
      ] as Interval[],
    },
    { start: 1500, intervals: [[100, 200]] as Interval[] },
  ];
  // [990, 1000) in window 1000 is [1990, 2000), wholly past n = 1990, so it is dropped.
  assert.equal(mergeWindowIntervals(parts, 1990), [
    [900, 1050],
    [1600, 1700],
  ]);
  assert.equal(mergeWindowIntervals([{ start: 1500, intervals: [[400, 600]] }], 2000), [[1900, 2000]]);
});

test('parseWindowId reads back the parent id and start, even when the parent holds #', () => {
  assert.equal(parseWindowId('a#b.csv#w1500'), { parent: 'a#b.csv', start: 1500 });
  assert.is(parseWindowId('plain-id'), undefined);
});

test('idWindowOffset: the same for the same id, spread over [0, min(length, n − length)], 0 for a short series', () => {
  const offsets = Array.from({ length: 2000 }, (_, i) => idWindowOffset(`synth-train-pulse-cycles-${i}`, 3000, 1000));
  assert.ok(offsets.every((o) => Number.isInteger(o) && o >= 0 && o <= 1000));
  assert.ok(Math.min(...offsets) < 20 && Math.max(...offsets) > 980, 'spread over the whole range');
  assert.ok(new Set(offsets).size > 800, 'not a few values');
  assert.equal(
    offsets.slice(0, 5),
    Array.from({ length: 5 }, (_, i) => idWindowOffset(`synth-train-pulse-cycles-${i}`, 3000, 1000)),
  );
  assert.ok([0, 1, 2, 3].includes(idWindowOffset('x', 1003, 1000)), 'span n − length = 3');
  assert.is(idWindowOffset('x', 1000, 1000), 0);
  assert.is(idWindowOffset('x', 10, 1000), 0);
});

test('windowRecord with an offset: the windows of the series from the offset on, at absolute starts, intervals clipped', () => {
  const series = Float64Array.from({ length: 2500 }, (_, i) => i);
  const r: SeriesRecord = {
    id: 's',
    series,
    intervals: [
      [100, 200],
      [1300, 1350],
      [2450, 2500],
    ],
    type: 'global point',
  };
  const wins = windowRecord(r, { length: 1000, offset: 300 });
  // windowStarts(2200, 1000) = [0, 1000, 1200] → 300, 1300, 1500
  assert.equal(
    wins.map((w) => w.id),
    ['s#w300', 's#w1300', 's#w1500'],
  );
  for (const w of wins) {
    const start = parseWindowId(w.id)!.start;
    assert.equal(Array.from(w.series), Array.from(series.slice(start, start + 1000)));
    validateRecord(w, 'window');
  }
  // [100, 200) lies before the offset: in no window; window 300 ends where [1300, 1350) starts.
  assert.equal(
    wins.map((w) => [w.intervals, w.type]),
    [
      [[], 'normal'],
      [[[0, 50]], 'global point'],
      [[[950, 1000]], 'global point'],
    ],
  );
  assert.throws(
    () => windowRecord(r, { length: 1000, offset: 1501 }),
    (e: unknown) => e instanceof ConfigError && /use an integer in \[0, 1500\]/.test((e as Error).message),
  );
  assert.throws(
    () => windowRecord(r, { length: 1000, offset: -1 }),
    (e: unknown) => e instanceof ConfigError,
  );
  assert.equal(
    windowRecord(r, { length: 1000, offset: 0 }).map((w) => w.id),
    windowRecord(r, { length: 1000 }).map((w) => w.id),
  );
});

test("fitToLength's windowOffset: start is the windows from 0 as before; random moves a long record's, never a short one", () => {
  const long: SeriesRecord = { id: 'synth-train-pulse-cycles-3', series: new Float64Array(2880), intervals: [], type: 'normal' };
  const short: SeriesRecord = { id: 'anomllm-train-range-1', series: new Float64Array(1000), intervals: [], type: 'normal' };
  const ids = (r: SeriesRecord, o?: 'start' | 'random') =>
    fitToLength(r, { length: 1000, mode: 'window', ...(o === undefined ? {} : { windowOffset: o }) }).map((w) => w.id);
  assert.equal(ids(long, 'start'), ids(long));
  assert.equal(ids(long), ['synth-train-pulse-cycles-3#w0', 'synth-train-pulse-cycles-3#w1000', 'synth-train-pulse-cycles-3#w1880']);
  const o = idWindowOffset(long.id, 2880, 1000);
  assert.ok(o > 0, 'this id draws a non-zero offset');
  assert.equal(ids(long, 'random')[0], `synth-train-pulse-cycles-3#w${o}`);
  assert.is(fitToLength(short, { length: 1000, mode: 'window', windowOffset: 'random' })[0], short, 'a record of the model length stays itself');
});

test.run();
