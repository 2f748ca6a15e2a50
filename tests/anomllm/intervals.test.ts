import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../shared/errors.js';
import { type Placement, intervalMask, placeIntervals, validatePlacement } from '../../shared/anomllm/intervals.js';
import { Rng } from '../../shared/rng.js';
import { checkPlacement, expectedFlooredMax, mean, stderr } from './helpers.js';

const RANGE: Placement = { meanGap: 800, minGap: 10, meanDur: 20, minDur: 5, maxCount: 8 };
const TREND: Placement = { meanGap: 1700, minGap: 800, meanDur: 100, minDur: 50, maxCount: 8 };
const FREQ: Placement = { meanGap: 450, minGap: 20, meanDur: 15, minDur: 7, maxCount: Infinity };

test('placed intervals are sorted, half-open, inside the series, spaced by minGap, capped, for many specs and lengths', () => {
  const rng = new Rng(1);
  const specs = [RANGE, TREND, FREQ, { meanGap: 3, minGap: 1, meanDur: 2, minDur: 1, maxCount: Infinity }];
  for (const spec of specs) {
    for (const length of [0, 1, 5, 37, 1000, 20_000]) {
      for (let i = 0; i < 200; i++) checkPlacement(placeIntervals(rng, length, spec), length, spec, `${JSON.stringify(spec)} L=${length}`);
    }
  }
});

test('the mean anomaly duration is E[floor(max(min, Exp(mean)))] when nothing is clipped', () => {
  // A huge length means no clipping; the cap of 8 then always binds.
  const rng = new Rng(2);
  const durs: number[] = [];
  const gaps: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    let prev = 0;
    for (const [s, e] of placeIntervals(rng, 1e9, RANGE)) {
      durs.push(e - s);
      gaps.push(s - prev);
      prev = e;
    }
  }
  assert.is(durs.length, 20_000 * 8);
  const want = expectedFlooredMax(5, 20); // ≈ 20.19; the unfloored m + μe^(−m/μ) would be ≈ 20.58
  assert.ok(Math.abs(mean(durs) - want) < 4 * stderr(durs), `mean duration ${mean(durs)} vs ${want} ± ${4 * stderr(durs)}`);
  assert.ok(Math.abs(mean(durs) - (5 + 20 * Math.exp(-0.25))) > 4 * stderr(durs), 'the test can tell floored from unfloored durations');
  const wantGap = expectedFlooredMax(10, 800);
  assert.ok(Math.abs(mean(gaps) - wantGap) < 4 * stderr(gaps), `mean gap ${mean(gaps)} vs ${wantGap}`);
  assert.is(
    durs.reduce((a, b) => Math.min(a, b)),
    5,
  );
  assert.is(
    gaps.reduce((a, b) => Math.min(a, b)),
    10,
  );
});

test('a series has no interval with probability exp(−length/meanGap) (first gap reaches the end)', () => {
  const cases: [Placement, number][] = [
    [RANGE, 1000],
    [TREND, 1000],
    [FREQ, 1000],
    [RANGE, 300],
  ];
  for (const [spec, length] of cases) {
    const rng = new Rng(3);
    const n = 4000;
    let none = 0;
    for (let i = 0; i < n; i++) if (placeIntervals(rng, length, spec).length === 0) none++;
    const p = Math.exp(-length / spec.meanGap);
    const se = Math.sqrt((p * (1 - p)) / n);
    assert.ok(Math.abs(none / n - p) < 4 * se, `meanGap ${spec.meanGap} L=${length}: share ${none / n} vs ${p}`);
  }
});

test('a cap of Infinity lets a long series hold more than 8 intervals; a cap of 0 gives none', () => {
  const rng = new Rng(4);
  assert.ok(placeIntervals(rng, 20_000, FREQ).length > 8);
  assert.equal(placeIntervals(rng, 20_000, { ...FREQ, maxCount: 0 }), []);
});

test('the same stream gives the same intervals', () => {
  assert.equal(placeIntervals(new Rng(5), 1000, FREQ), placeIntervals(new Rng(5), 1000, FREQ));
});

test('validatePlacement names the bad field and the allowed values', () => {
  const bad: [Partial<Placement>, RegExp][] = [
    [{ meanGap: 0 }, /placement\.meanGap: must be a finite number > 0, got 0/],
    [{ meanDur: NaN }, /placement\.meanDur: must be a finite number > 0, got NaN/],
    [{ minGap: 0 }, /placement\.minGap: must be an integer >= 1, got 0/],
    [{ minDur: 2.5 }, /placement\.minDur: must be an integer >= 1, got 2\.5/],
    [{ maxCount: -1 }, /placement\.maxCount: must be an integer >= 0 or Infinity, got -1/],
  ];
  for (const [patch, re] of bad) {
    try {
      validatePlacement({ ...RANGE, ...patch });
      assert.unreachable(`accepted ${JSON.stringify(patch)}`);
    } catch (err) {
      assert.instance(err, ConfigError);
      assert.match((err as Error).message, re);
    }
  }
  assert.is(validatePlacement(FREQ), FREQ);
});

test('intervalMask marks exactly the half-open interval indices', () => {
  const rng = new Rng(6);
  for (let i = 0; i < 50; i++) {
    const iv = placeIntervals(rng, 500, { meanGap: 40, minGap: 1, meanDur: 10, minDur: 1, maxCount: Infinity });
    const mask = intervalMask(iv, 500);
    for (let t = 0; t < 500; t++) assert.is(mask[t], iv.some(([s, e]) => t >= s && t < e) ? 1 : 0);
  }
});

test.run();
