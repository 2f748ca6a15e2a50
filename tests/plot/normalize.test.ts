import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, ShapeError } from '../../shared/errors.js';
import { Rng } from '../../shared/rng.js';
import { NORMALIZE_MODES, ROBUST_REACH, normalizeForPlot, parseNormalizeMode, quantileSorted } from '../../shared/plot/normalize.js';

const close = (a: number, b: number, tol = 1e-12) => Math.abs(a - b) <= tol;

test('none returns a copy of the values, unclipped, and leaves the input alone', () => {
  const x = Float64Array.from([0.5, -3, 2, 0]);
  const y = normalizeForPlot(x, 'none');
  assert.equal(Array.from(y), [0.5, -3, 2, 0]);
  y[0] = 99;
  assert.is(x[0], 0.5);
});

test('none is the default mode', () => {
  assert.equal(Array.from(normalizeForPlot([3, -4])), [3, -4]);
});

test('minmax sends the minimum to -1, the maximum to +1 and is affine in between', () => {
  const cases: number[][] = [
    [0, 10],
    [5, 1, 3],
    [-2e6, 0, 2e6, 1e6],
    [0.001, 0.002, 0.0015],
  ];
  for (const x of cases) {
    const y = normalizeForPlot(x, 'minmax');
    const lo = Math.min(...x),
      hi = Math.max(...x);
    x.forEach((v, i) => assert.ok(close(y[i], (2 * (v - lo)) / (hi - lo) - 1, 1e-12), `case ${x} at ${i}`));
  }
});

test('a constant series maps to zeros in every mode, without NaN', () => {
  for (const mode of NORMALIZE_MODES.filter((m) => m !== 'none')) {
    for (const x of [[7], [7, 7, 7], new Array(500).fill(-0.3)]) {
      const y = normalizeForPlot(x, mode);
      assert.ok(
        y.every((v) => v === 0),
        `${mode} of constant length ${x.length}`,
      );
    }
  }
});

test('robust sends the 1st and 99th percentiles to -0.8 and +0.8', () => {
  const x = Array.from({ length: 101 }, (_, i) => 3 * i + 10); // percentiles are exact samples: P1 = x[1], P99 = x[99]
  const y = normalizeForPlot(x, 'robust');
  assert.ok(close(y[1], -ROBUST_REACH));
  assert.ok(close(y[99], ROBUST_REACH));
  assert.ok(close(y[50], 0));
  assert.ok(close(y[0], -ROBUST_REACH - 1.6 / 98), 'just below P1 stays unclipped inside the head-room');
});

test('robust clips to [-1, 1] and keeps the body readable when one spike would flatten a minmax chart', () => {
  const rng = new Rng(5);
  const x = Array.from({ length: 1000 }, () => rng.normal(100, 2));
  x[400] = 1e6;
  const body = (y: Float64Array) => {
    let lo = Infinity,
      hi = -Infinity;
    y.forEach((v, i) => {
      if (i !== 400) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    });
    return hi - lo;
  };
  const r = normalizeForPlot(x, 'robust'),
    m = normalizeForPlot(x, 'minmax');
  assert.is(r[400], 1, 'the spike sits on the frame');
  assert.ok(r.every((v) => v >= -1 && v <= 1));
  assert.ok(body(r) > 1.5, `robust body spans ${body(r)}`);
  assert.ok(body(m) < 1e-3, `minmax body spans ${body(m)}`);
});

test('robust falls back to minmax when 98% or more of the values are equal, so a lone spike still shows', () => {
  const x = new Array(200).fill(4);
  x[17] = 9;
  const y = normalizeForPlot(x, 'robust');
  assert.equal(Array.from(y), Array.from(normalizeForPlot(x, 'minmax')));
  assert.is(y[17], 1);
  assert.is(y[0], -1);
});

test('quantileSorted interpolates linearly between order statistics (NumPy type 7)', () => {
  const cases: [number[], number, number][] = [
    [[1, 2, 3, 4], 0.25, 1.75], // position 0.75
    [[1, 2, 3, 4], 0.5, 2.5],
    [[1, 2, 3, 4], 1, 4],
    [[1, 2, 3, 4], 0, 1],
    [[10], 0.99, 10],
    [[0, 100], 0.01, 1],
  ];
  for (const [s, q, want] of cases) assert.ok(close(quantileSorted(s, q), want), `${s} q=${q}`);
});

test('an unknown mode is a ConfigError naming the field and the allowed modes', () => {
  try {
    parseNormalizeMode('zscore', 'detect.normalize');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.match((e as Error).message, /detect\.normalize.*"zscore".*none, minmax, robust/);
  }
  assert.throws(
    () => normalizeForPlot([1], 'zscore' as never),
    (e: unknown) => e instanceof ConfigError,
  );
});

test('an empty series is a ShapeError', () => {
  assert.throws(
    () => normalizeForPlot([], 'minmax'),
    (e: unknown) => e instanceof ShapeError && /empty/.test((e as Error).message),
  );
});

test.run();
