import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ShapeError } from '../../shared/errors.js';
import {
  columnCoverage,
  columnOfIndex,
  columnSpanOfInterval,
  indexRangeOfColumn,
  intervalOfColumnSpan,
  pointsOfColumn,
  xOfIndex,
  yOfValue,
} from '../../shared/plot/mapping.js';

/** (n, width) pairs: default sizes, equal, odd, n < width, n > width, degenerate. */
const SIZES: [number, number][] = [
  [1000, 256],
  [1000, 1000],
  [5, 37],
  [37, 5],
  [20000, 1000],
  [1, 1],
  [1, 256],
  [7, 7],
  [3, 1000],
  [999, 256],
];

/** Reference: column of point i by the definition c ≤ (i + ½)·W/n < c + 1, in exact integers. */
function refColumn(i: number, n: number, w: number): number {
  for (let c = 0; c < w; c++) if (2 * c * n <= (2 * i + 1) * w && (2 * i + 1) * w < 2 * (c + 1) * n) return c;
  throw new Error('no column');
}

test('columnOfIndex agrees with the plain definition and with floor(xOfIndex)', () => {
  for (const [n, w] of SIZES) {
    const step = Math.max(1, Math.floor(n / 300));
    for (let i = 0; i < n; i += step) {
      assert.is(columnOfIndex(i, n, w), refColumn(i, n, w), `n=${n} w=${w} i=${i}`);
      assert.is(columnOfIndex(i, n, w), Math.floor(xOfIndex(i, n, w)));
    }
  }
});

test('each index lies in the index range of its own column', () => {
  for (const [n, w] of SIZES) {
    for (let i = 0; i < n; i++) {
      const [s, e] = indexRangeOfColumn(columnOfIndex(i, n, w), n, w);
      assert.ok(s <= i && i < e, `n=${n} w=${w} i=${i} range [${s}, ${e})`);
    }
  }
});

test('column index ranges tile [0, n) in order, and every index in a range maps back to that column', () => {
  for (const [n, w] of SIZES) {
    let next = 0;
    for (let c = 0; c < w; c++) {
      const [s, e] = indexRangeOfColumn(c, n, w);
      assert.is(s, next, `n=${n} w=${w} c=${c} starts where the previous ended`);
      assert.ok(e >= s);
      for (let i = s; i < e; i++) assert.is(columnOfIndex(i, n, w), c);
      next = e;
    }
    assert.is(next, n);
  }
});

test('when n >= width every column holds at least one index', () => {
  for (const [n, w] of SIZES.filter(([n, w]) => n >= w)) {
    for (let c = 0; c < w; c++) {
      const [s, e] = indexRangeOfColumn(c, n, w);
      assert.ok(e > s, `n=${n} w=${w} column ${c} is empty`);
    }
  }
});

test('the worked example of the doc comment: n = 1000, width 256', () => {
  assert.is(columnOfIndex(500, 1000, 256), 128);
  assert.equal(indexRangeOfColumn(128, 1000, 256), [500, 504]);
});

test('the first column starts at index +0, not -0 (it prints and serialises as 0)', () => {
  for (const [n, w] of SIZES) {
    assert.ok(Object.is(indexRangeOfColumn(0, n, w)[0], 0), `n=${n} w=${w}`);
    assert.ok(Object.is(intervalOfColumnSpan([0, 1], n, w)[0], 0), `n=${n} w=${w}`);
  }
});

test('interval → column span → interval is the identity when n <= width', () => {
  for (const [n, w] of SIZES.filter(([n, w]) => n <= w)) {
    for (let s = 0; s < n; s++) {
      for (let e = s + 1; e <= n; e++) {
        assert.equal(intervalOfColumnSpan(columnSpanOfInterval([s, e], n, w), n, w), [s, e], `n=${n} w=${w} [${s}, ${e})`);
      }
    }
  }
});

test('column span → interval → column span is the identity when n >= width', () => {
  for (const [n, w] of SIZES.filter(([n, w]) => n >= w)) {
    for (let c0 = 0; c0 < w; c0 += Math.max(1, Math.floor(w / 40))) {
      for (let c1 = c0 + 1; c1 <= w; c1 += Math.max(1, Math.floor(w / 40))) {
        assert.equal(columnSpanOfInterval(intervalOfColumnSpan([c0, c1], n, w), n, w), [c0, c1], `n=${n} w=${w} [${c0}, ${c1})`);
      }
    }
  }
});

test('the columns of an interval cover it: interval → span → interval contains the interval for any sizes', () => {
  for (const [n, w] of SIZES) {
    for (const [s, e] of [
      [0, 1],
      [0, n],
      [Math.floor(n / 3), Math.floor(n / 2) + 1],
      [n - 1, n],
    ]) {
      if (s >= e) continue;
      const [a, b] = intervalOfColumnSpan(columnSpanOfInterval([s, e], n, w), n, w);
      assert.ok(a <= s && e <= b, `n=${n} w=${w} [${s}, ${e}) → [${a}, ${b})`);
    }
  }
});

test('yOfValue puts +1 on the top row centre, -1 on the bottom row centre, 0 at mid-height, and clips', () => {
  const cases: [number, number, number][] = [
    [1, 150, 0.5],
    [-1, 150, 149.5],
    [0, 150, 75],
    [0, 151, 75.5],
    [5, 150, 0.5],
    [-7, 150, 149.5],
    [0.5, 5, 1.5],
  ];
  for (const [v, h, want] of cases) assert.is(yOfValue(v, h), want, `v=${v} h=${h}`);
});

test('columnCoverage is 1 inside, 0 outside, fractional at the edges, and adds up to the band width', () => {
  assert.equal(Array.from(columnCoverage([2, 4], 10, 10)), [0, 0, 1, 1, 0, 0, 0, 0, 0, 0]);
  const cov = columnCoverage([1, 3], 4, 10); // x from 2.5 to 7.5
  assert.equal(Array.from(cov), [0, 0, 0.5, 1, 1, 1, 1, 0.5, 0, 0]);
  for (const [n, w] of SIZES) {
    const s = Math.floor(n / 4),
      e = Math.max(s + 1, Math.floor((3 * n) / 4));
    const c = columnCoverage([s, e], n, w);
    const total = c.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - ((e - s) * w) / n) < 1e-9, `n=${n} w=${w}`);
    assert.ok(c.every((v) => v >= 0 && v <= 1));
  }
});

test('out-of-range indices, columns and spans are ShapeErrors that name the value', () => {
  const cases: [() => unknown, RegExp][] = [
    [() => columnOfIndex(10, 10, 5), /index 10 is outside \[0, 10\)/],
    [() => columnOfIndex(-1, 10, 5), /index -1/],
    [() => indexRangeOfColumn(5, 10, 5), /column 5 is outside \[0, 5\)/],
    [() => columnOfIndex(0, 0, 5), /n = 0/],
    [() => columnSpanOfInterval([3, 2], 10, 5), /\[3, 2\)/],
    [() => intervalOfColumnSpan([0, 6], 10, 5), /\[0, 6\)/],
  ];
  for (const [f, re] of cases) {
    assert.throws(f, (e: unknown) => e instanceof ShapeError && re.test((e as Error).message), String(re));
  }
});

test('pointsOfColumn: a column’s own points, or for an empty column the next point to its right (the last past the end)', () => {
  for (const [n, w] of SIZES) {
    for (let c = 0; c < w; c++) {
      const [lo, hi] = indexRangeOfColumn(c, n, w);
      const [a, b] = pointsOfColumn(c, n, w);
      if (lo < hi) assert.equal([a, b], [lo, hi]);
      else assert.equal([a, b], [Math.min(lo, n - 1), Math.min(lo, n - 1) + 1], `n ${n}, width ${w}, column ${c}`);
    }
  }
});

test.run();
