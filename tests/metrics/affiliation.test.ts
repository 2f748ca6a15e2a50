import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { affiliation, affiliationFromEvents, affiliationZones, type Segment } from '../../shared/metrics/affiliation.js';
import { Rng } from '../../shared/rng.js';
import { randomIntervals } from './random-intervals.js';
import type { Interval } from '../../shared/series/record.js';

interface FixtureCase {
  truth: [number, number][];
  prediction: [number, number][];
  range: [number, number];
  precision: number;
  recall: number;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/affiliation-cases.json', import.meta.url), 'utf8')) as { cases: FixtureCase[] };

const close = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol;

test('the fixture holds 40 cases', () => assert.is(fixture.cases.length, 40));

fixture.cases.forEach((c, k) => {
  test(`affiliation matches affiliation-metrics-py on fixture case ${k + 1} to 1e-9`, () => {
    assert.is(c.range[0], 0);
    const r = affiliation(c.truth, c.prediction, c.range[1]);
    assert.ok(close(r.precision, c.precision, 1e-9), `precision ${r.precision} vs ${c.precision}`);
    assert.ok(close(r.recall, c.recall, 1e-9), `recall ${r.recall} vs ${c.recall}`);
    assert.ok(close(r.f1, (2 * c.precision * c.recall) / (c.precision + c.recall), 1e-9), 'f1 is the harmonic mean');
  });
});

test('reading [s, e) as the closed segment [s, e-1] does not reproduce the fixture', () => {
  // The other conversion hypothesis: it must fail somewhere (it also makes one-point events empty).
  let mismatches = 0;
  for (const c of fixture.cases) {
    const r = affiliationFromEvents(
      c.truth.map(([s, e]) => [s, e - 1] as Segment),
      c.prediction.map(([s, e]) => [s, e - 1] as Segment),
      [c.range[0], c.range[1] - 1],
    );
    if (!(close(r.precision, c.precision, 1e-9) && close(r.recall, c.recall, 1e-9))) mismatches++;
  }
  assert.ok(mismatches > 20, `${mismatches} mismatches`);
});

test('fixture case 5 worked by hand: a prediction in one of two zones', () => {
  // truth [3,6) and [20,25), prediction [4,5), L = 30: zones [0,13] and [13,30].
  // Recall of event 1: [4,5] inside → 1; [3,4] and [5,6] at distance d∈[0,1] → ∫1 − 2d/13 = 1 − 1/13 each.
  // Event 2 has no prediction → 0. Precision: only event 1's zone has a prediction, inside J → 1.
  const r = affiliation(
    [
      [3, 6],
      [20, 25],
    ],
    [[4, 5]],
    30,
  );
  assert.ok(close(r.recall, (1 + 2 * (1 - 1 / 13)) / 3 / 2, 1e-12));
  assert.is(r.precision, 1);
});

const edges: [string, Interval[], Interval[], number, number, number][] = [
  ['both empty', [], [], 10, 1, 1],
  ['an empty prediction', [[3, 6]], [], 10, 0, 0],
  ['an empty truth', [], [[3, 6]], 10, 0, 0],
  [
    'a prediction equal to the truth',
    [
      [3, 6],
      [20, 25],
    ],
    [
      [3, 6],
      [20, 25],
    ],
    30,
    1,
    1,
  ],
  // J = [0,1], zone [0,10], m = 0, M = 9. Precision: F̄ = 1 − (1 + d)/10 over d∈[8,9] → 0.05.
  // Recall: pivot 9, for y∈[0,1], d = 9 − y: F̄ = 1 − (y + (9 − y))/10 = 0.1.
  ['a prediction far away', [[0, 1]], [[9, 10]], 10, 0.05, 0.1],
  // J = [3,6], zone [0,10], m = 3. Precision over d∈[0,3]: mean of 1 − (3 + 2d)/10 = 0.4.
  // Recall over y∈[3,6], d = 6 − y ∈ [0,3]: mean of 1 − 2d/10 = 0.7.
  ['a prediction touching the truth', [[3, 6]], [[6, 9]], 10, 0.4, 0.7],
];
for (const [name, truth, pred, L, p, r] of edges) {
  test(`affiliation for ${name} is precision ${p}, recall ${r}`, () => {
    const got = affiliation(truth, pred, L);
    assert.ok(close(got.precision, p, 1e-12), `precision ${got.precision}`);
    assert.ok(close(got.recall, r, 1e-12), `recall ${got.recall}`);
    const f1 = p + r > 0 ? (2 * p * r) / (p + r) : 0;
    assert.ok(close(got.f1, f1, 1e-12), `f1 ${got.f1}`);
  });
}

test('affiliation zones cut at the midpoints between events and span the range', () => {
  assert.equal(
    affiliationZones(
      [
        [3, 6],
        [20, 25],
        [40, 41],
      ],
      [0, 50],
    ),
    [
      [0, 13],
      [13, 32.5],
      [32.5, 50],
    ],
  );
});

/**
 * An independent reference from the definitions, by sampling: a fine grid of
 * cell midpoints stands in for the continuous axis; survival probabilities are
 * counted over the zone's grid points. Converges as O(step).
 */
function sampledAffiliation(truth: readonly Interval[], pred: readonly Interval[], L: number, step: number) {
  const zones = affiliationZones(truth, [0, L]);
  const dist = (x: number, [s, e]: readonly [number, number]) => (x < s ? s - x : x > e ? x - e : 0);
  const grid = (lo: number, hi: number) => {
    const out: number[] = [];
    for (let x = lo + step / 2; x < hi; x += step) out.push(x);
    return out;
  };
  const precisions: number[] = [];
  const recalls: number[] = [];
  truth.forEach((J, j) => {
    const E = zones[j];
    const zonePts = grid(E[0], E[1]);
    const dZone = zonePts.map((x) => dist(x, J)).sort((a, b) => a - b);
    const farther = (d: number) => {
      let lo = 0,
        hi = dZone.length; // first index with dZone > d
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (dZone[mid] > d) hi = mid;
        else lo = mid + 1;
      }
      return (dZone.length - lo) / dZone.length;
    };
    const pieces = pred.map(([s, e]) => [Math.max(s, E[0]), Math.min(e, E[1])] as const).filter(([s, e]) => s < e);
    const predPts = pieces.flatMap(([s, e]) => grid(s, e));
    precisions.push(predPts.length === 0 ? NaN : predPts.reduce((acc, x) => acc + (dist(x, J) === 0 ? 1 : farther(dist(x, J))), 0) / predPts.length);
    if (pieces.length === 0) {
      recalls.push(0);
      return;
    }
    const jPts = grid(J[0], J[1]);
    recalls.push(
      jPts.reduce((acc, y) => {
        const d = Math.min(...pieces.map((I) => dist(y, I)));
        if (d === 0) return acc + 1;
        const outside = zonePts.filter((x) => Math.abs(x - y) > d).length / zonePts.length;
        return acc + outside;
      }, 0) / jPts.length,
    );
  });
  const defined = precisions.filter((p) => !Number.isNaN(p));
  return { precision: defined.reduce((a, b) => a + b, 0) / defined.length, recall: recalls.reduce((a, b) => a + b, 0) / recalls.length };
}

test('affiliation agrees with a sampled reference from the definitions on random cases', () => {
  const rng = new Rng(99);
  for (let trial = 0; trial < 40; trial++) {
    const L = 20 + rng.int(40);
    const truth = randomIntervals(rng, L, 3, 1);
    const pred = randomIntervals(rng, L, 4);
    if (truth.length === 0 || pred.length === 0) continue;
    const exact = affiliation(truth, pred, L);
    const sampled = sampledAffiliation(truth, pred, L, 0.02);
    assert.ok(close(exact.precision, sampled.precision, 5e-3), `precision trial ${trial}: ${exact.precision} vs ${sampled.precision}`);
    assert.ok(close(exact.recall, sampled.recall, 5e-3), `recall trial ${trial}: ${exact.recall} vs ${sampled.recall}`);
  }
});

test('recall does not decrease when the prediction grows to cover more of the truth', () => {
  const rng = new Rng(5);
  for (let trial = 0; trial < 300; trial++) {
    const L = 50 + rng.int(200);
    const truth = randomIntervals(rng, L, 4, 2);
    if (truth.length === 0) continue;
    // Grow one predicted interval step by step from a random seed point toward both sides.
    const c = rng.int(L);
    let prev = -1;
    for (let half = 1; half < L; half += 1 + rng.int(10)) {
      const pred: Interval[] = [[Math.max(0, c - half), Math.min(L, c + half)]];
      const r = affiliation(truth, pred, L).recall;
      assert.ok(r >= prev - 1e-12, `trial ${trial}: recall fell from ${prev} to ${r}`);
      prev = r;
    }
  }
});

test('recall does not decrease when a prediction interval is added', () => {
  const rng = new Rng(6);
  for (let trial = 0; trial < 300; trial++) {
    const L = 50 + rng.int(200);
    const truth = randomIntervals(rng, L, 4, 2);
    const pred = randomIntervals(rng, L, 3, 2);
    if (truth.length === 0 || pred.length === 0) continue;
    const s = rng.int(L - 1);
    const extra: Interval = [s, s + 1 + rng.int(L - s - 1)];
    // Union of pred and extra, merged into sorted disjoint intervals.
    const all = [...pred, extra].sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const [a, b] of all) {
      const last = merged[merged.length - 1];
      if (last && a <= last[1]) last[1] = Math.max(last[1], b);
      else merged.push([a, b]);
    }
    assert.ok(affiliation(truth, merged, L).recall >= affiliation(truth, pred, L).recall - 1e-12, `trial ${trial}`);
  }
});

test('precision of a far prediction is lower than that of a near one', () => {
  const truth: Interval[] = [[40, 50]];
  const cases: [Interval, Interval][] = [
    [
      [52, 55],
      [80, 83],
    ],
    [
      [35, 38],
      [5, 8],
    ],
    [
      [50, 51],
      [51, 52],
    ],
    [
      [45, 60],
      [60, 75],
    ],
  ];
  for (const [near, far] of cases) {
    const pNear = affiliation(truth, [near], 100).precision;
    const pFar = affiliation(truth, [far], 100).precision;
    assert.ok(pNear > pFar, `${JSON.stringify(near)} ${pNear} vs ${JSON.stringify(far)} ${pFar}`);
  }
});

test('affiliation values stay in [0, 1] on random cases', () => {
  const rng = new Rng(8);
  for (let trial = 0; trial < 500; trial++) {
    const L = 1 + rng.int(500);
    const r = affiliation(randomIntervals(rng, L, 5), randomIntervals(rng, L, 5), L);
    for (const v of [r.precision, r.recall, r.f1]) assert.ok(v >= -1e-12 && v <= 1 + 1e-12, `trial ${trial}: ${v}`);
  }
});

test.run();
