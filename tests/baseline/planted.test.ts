import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detect } from '../../shared/baseline/detect.js';
import type { Interval } from '../../shared/series/record.js';
import { add, burst, foundNear, noise, shift, sine, squareCycle, trendSeries } from './planted.js';

test('a level shift in noise is a global point at the right place (±3 samples)', () => {
  for (const [delta, iv] of [
    [0.7, [400, 430]],
    [-0.6, [120, 128]],
    [0.55, [850, 905]],
  ] as [number, Interval][]) {
    const d = detect(shift(noise(1, 0.1), iv, delta));
    assert.is(d.type, 'global point', `shift ${delta} on ${iv}`);
    assert.is(d.intervals.length, 1, JSON.stringify(d.intervals));
    assert.ok(foundNear(d.intervals, iv, 3), `${JSON.stringify(d.intervals)} vs ${iv}`);
    assert.is(d.evidence.family.family, 'level');
  }
});

test('a noise burst inside a sine is a contextual point (±5 samples), clean or noisy', () => {
  for (const [base, iv] of [
    [sine(0.03), [500, 530]],
    [add(sine(0.025), noise(2, 0.08)), [300, 312]],
  ] as [Float64Array, Interval][]) {
    const d = detect(burst(base, iv, 0.5, 9));
    assert.is(d.type, 'contextual point');
    assert.is(d.intervals.length, 1, JSON.stringify(d.intervals));
    assert.ok(foundNear(d.intervals, iv, 5), `${JSON.stringify(d.intervals)} vs ${iv}`);
  }
});

test('a faster and a slower stretch of a sine are seasonal, each found (±12 samples)', () => {
  const fast: Interval = [300, 330],
    slow: Interval = [600, 615];
  const d = detect(
    add(
      sine(0.03, {
        changes: [
          [fast, 3],
          [slow, 1 / 3],
        ],
      }),
      noise(3, 0.05),
    ),
  );
  assert.is(d.type, 'seasonal');
  assert.ok(foundNear(d.intervals, fast, 12), JSON.stringify(d.intervals));
  assert.ok(foundNear(d.intervals, slow, 12), JSON.stringify(d.intervals));
  assert.is(d.intervals.length, 2, JSON.stringify(d.intervals));
});

test('a steeper stretch of a rising series is a trend whose start is within ±30 samples', () => {
  const iv: Interval = [700, 850];
  const d = detect(trendSeries(0.02, 3, [iv, 12]));
  assert.is(d.type, 'trend');
  assert.is(d.intervals.length, 1, JSON.stringify(d.intervals));
  assert.ok(Math.abs(d.intervals[0][0] - iv[0]) <= 30 && Math.abs(d.intervals[0][1] - iv[1]) <= 30, JSON.stringify(d.intervals));
  const ev = d.evidence.intervals[0];
  assert.is(ev.kind, 'trend');
  if (ev.kind === 'trend') assert.ok(ev.ratio > 1.5, `slope ratio ${ev.ratio}`);
});

test('one square cycle in a sine (same period and amplitude) is a shapelet inside that cycle', () => {
  const iv: Interval = [400, 440];
  const d = detect(squareCycle(40, 0.8, iv));
  assert.is(d.type, 'shapelet');
  assert.is(d.intervals.length, 1, JSON.stringify(d.intervals));
  assert.ok(foundNear(d.intervals, iv, 10), JSON.stringify(d.intervals));
});

test('clean series of every family are normal', () => {
  const cases: [string, Float64Array][] = [
    ['noise', noise(4, 0.1)],
    ['sine', sine(0.03)],
    ['noisy sine', add(sine(0.04, { amplitude: 0.7 }), noise(5, 0.08))],
    ['sine + trend', trendSeries(0.02, 3)],
    ['noisy sine + trend', add(trendSeries(0.02, 3), noise(6, 0.08))],
  ];
  for (const [name, x] of cases) {
    const d = detect(x);
    assert.is(d.type, 'normal', `${name}: ${d.type} ${JSON.stringify(d.intervals)}`);
    assert.equal(d.intervals, []);
    assert.equal(d.evidence.intervals, []);
  }
});

test('the family follows the values: noise → level, sine → periodic, sine on a ramp → trending', () => {
  assert.is(detect(noise(7, 1)).evidence.family.family, 'level');
  assert.is(detect(sine(0.05)).evidence.family.family, 'periodic');
  assert.is(detect(trendSeries(0.02, 3)).evidence.family.family, 'trending');
});

test('other lengths work: the same planted shift is found in 300 and 3000 points', () => {
  for (const n of [300, 3000]) {
    const iv: Interval = [Math.floor(n / 2), Math.floor(n / 2) + 12];
    const d = detect(shift(noise(8, 0.1, n), iv, 0.7));
    assert.is(d.type, 'global point');
    assert.ok(foundNear(d.intervals, iv, 3), JSON.stringify(d.intervals));
  }
});

test.run();
