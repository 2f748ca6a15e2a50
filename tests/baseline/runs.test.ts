import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dropShort, growRuns, hysteresisRuns, mergeRuns } from '../../shared/baseline/runs.js';
import { Rng } from '../../shared/rng.js';
import type { Interval } from '../../shared/series/record.js';

/** Reference: mark every sample ≥ low, keep the marked runs that contain a sample ≥ high. */
function hysteresisRef(x: number[], high: number, low: number): Interval[] {
  const out: Interval[] = [];
  for (let s = 0; s < x.length; s++) {
    if (!(x[s] >= low) || (s > 0 && x[s - 1] >= low)) continue;
    let e = s;
    while (e < x.length && x[e] >= low) e++;
    if (x.slice(s, e).some((v) => v >= high)) out.push([s, e]);
  }
  return out;
}

test('hysteresis keeps the low-level runs that hold a high sample (table)', () => {
  const cases: [number[], number, number, Interval[]][] = [
    [[0, 1, 2, 1, 0], 2, 1, [[1, 4]]],
    [[0, 1, 1, 1, 0], 2, 1, []],
    [
      [2, 0, 2],
      2,
      1,
      [
        [0, 1],
        [2, 3],
      ],
    ],
    [[1, 3, 1, 0.5, 1, 1], 2, 1, [[0, 3]]],
    [[], 2, 1, []],
    [[NaN, 3, NaN], 2, 1, [[1, 2]]],
  ];
  for (const [x, hi, lo, want] of cases) assert.equal(hysteresisRuns(x, hi, lo), want, JSON.stringify(x));
});

test('hysteresis matches the reference loop on random scores', () => {
  const rng = new Rng(11);
  for (let k = 0; k < 200; k++) {
    const x = Array.from({ length: 1 + rng.int(60) }, () => rng.uniform() * 3);
    assert.equal(hysteresisRuns(x, 2.5, 1.5), hysteresisRuns(x, 2.5, 1.5));
    assert.equal(hysteresisRuns(x, 2.5, 1.5), hysteresisRef(x, 2.5, 1.5));
  }
});

test('merging joins runs whose gap is at most maxGap, and nothing else', () => {
  assert.equal(
    mergeRuns(
      [
        [0, 5],
        [7, 9],
        [12, 20],
      ],
      2,
    ),
    [
      [0, 9],
      [12, 20],
    ],
  );
  assert.equal(
    mergeRuns(
      [
        [0, 5],
        [7, 9],
        [12, 20],
      ],
      3,
    ),
    [[0, 20]],
  );
  assert.equal(
    mergeRuns(
      [
        [0, 5],
        [5, 9],
      ],
      0,
    ),
    [[0, 9]],
  );
  assert.equal(mergeRuns([], 5), []);
});

test('dropShort removes runs under the minimum length; growRuns clips to the series and merges', () => {
  assert.equal(
    dropShort(
      [
        [0, 2],
        [5, 8],
        [10, 13],
      ],
      3,
    ),
    [
      [5, 8],
      [10, 13],
    ],
  );
  assert.equal(
    growRuns(
      [
        [1, 3],
        [8, 9],
      ],
      1,
      1,
      9,
    ),
    [
      [0, 4],
      [7, 9],
    ],
  );
  assert.equal(
    growRuns(
      [
        [1, 3],
        [6, 8],
      ],
      2,
      1,
      9,
    ),
    [[0, 9]],
    'grown runs that touch become one',
  );
});

test.run();
