// Axis ticks for the detect figure (shared/plot/ticks.ts): nice steps, labels with the
// decimals the step needs, index ticks, and clock/calendar ticks placed by time.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatValue, indexTicks, niceStep, timeLabel, timeTicks, valueAxis } from '../../shared/plot/ticks.js';

const steps: [number, number, number][] = [
  [10, 5, 2],
  [10, 10, 1],
  [10, 3, 5],
  [0.7, 7, 0.1],
  [999, 11, 100],
  [4032, 8, 1000],
  [1, 1, 1],
];
for (const [span, max, want] of steps) test(`niceStep(${span}, ${max}) = ${want}`, () => assert.is(niceStep(span, max), want));

const labels: [number, number, number | undefined, string][] = [
  [0.04, 0.02, undefined, '0.04'],
  [1, 0.5, undefined, '1.0'],
  [2000, 1000, undefined, '2000'],
  [-3, 1, undefined, '-3'],
  [1e-12, 0.5, undefined, '0'],
  [5e8, 5e8, 1e9, '5.0e8'],
  [1e9, 5e8, 1e9, '1.0e9'],
  [-2.5e7, 5e6, 3e7, '-2.5e7'],
];
for (const [v, step, maxAbs, want] of labels) test(`formatValue(${v}, step ${step}) = ${want}`, () => assert.is(formatValue(v, step, maxAbs), want));

test('the value axis pads the range by 5% a side and ticks inside it; a constant gets ±10%', () => {
  const a = valueAxis(0, 10, 3);
  assert.equal([a.lo, a.hi], [-0.5, 10.5]);
  assert.equal(
    a.ticks.map((t) => t.label),
    ['0', '5', '10'],
  );
  const c = valueAxis(5, 5, 6);
  assert.equal([c.lo, c.hi], [4.5, 5.5]);
  assert.ok(c.ticks.every((t) => t.at >= 4.5 && t.at <= 5.5));
  assert.equal([valueAxis(0, 0, 3).lo, valueAxis(0, 0, 3).hi], [-1, 1]);
});

test('index ticks start at 0 and stay below n', () => {
  assert.equal(
    indexTicks(4032, 8).map((t) => t.label),
    ['0', '1000', '2000', '3000', '4000'],
  );
  assert.equal(
    indexTicks(16, 5).map((t) => t.at),
    [0, 5, 10, 15],
  );
  assert.equal(indexTicks(1, 5), [{ at: 0, label: '0' }]);
});

const H = 3600_000,
  D = 24 * H;
test('time ticks follow the clock: hours with the date on a first line, days, months', () => {
  const t0 = Date.UTC(2014, 1, 19, 10, 50);
  const fiveMin = Float64Array.from({ length: 100 }, (_, i) => t0 + i * 5 * 60_000); // 8 h 15 min
  const ticks = timeTicks(fiveMin, 5);
  assert.equal(
    ticks.map((t) => t.label),
    ['2014-02-19\n12:00', '2014-02-19\n14:00', '2014-02-19\n16:00', '2014-02-19\n18:00'],
  );
  assert.is(ticks[0]!.at, 14); // 12:00 is 70 minutes after 10:50: row 14 exactly
  const daily = Float64Array.from({ length: 400 }, (_, i) => Date.UTC(2010, 0, 1) + i * D);
  assert.equal(
    timeTicks(daily, 5).map((t) => t.label),
    ['2010-01', '2010-04', '2010-07', '2010-10', '2011-01'],
  );
});

test('a tick between two rows sits at the fraction of the way its time is, on irregular sampling too', () => {
  // Rows at 22:00, 23:00, then 02:00 (a gap): midnight is 1/3 of the way from row 1 to row 2.
  const times = [Date.UTC(2014, 0, 1, 22), Date.UTC(2014, 0, 1, 23), Date.UTC(2014, 0, 2, 2), Date.UTC(2014, 0, 2, 3)];
  const ticks = timeTicks(times, 2);
  assert.is(ticks[0]!.label, '2014-01-02\n00:00');
  assert.ok(Math.abs(ticks[0]!.at - (1 + 1 / 3)) < 1e-12, String(ticks[0]!.at));
});

test('times that go backwards get index ticks labelled with their row’s time', () => {
  const times = [Date.UTC(2014, 0, 2), Date.UTC(2014, 0, 1), Date.UTC(2014, 0, 3)];
  assert.equal(timeTicks(times, 5), [
    { at: 0, label: '2014-01-02\n00:00:00' },
    { at: 1, label: '2014-01-01\n00:00:00' },
    { at: 2, label: '2014-01-03\n00:00:00' },
  ]);
  assert.is(timeLabel(Date.UTC(2014, 5, 1), -12), '2014');
});

test.run();
