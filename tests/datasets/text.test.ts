import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../shared/rng.js';
import { isNumberText, mergeIntervals, runsToIntervals, splitLines } from '../../shared/datasets/text.js';

const numbers: [string, boolean][] = [
  ['1', true],
  ['-2.5', true],
  ['+3.', true],
  ['.5', true],
  ['1e-3', true],
  ['6.02E+23', true],
  ['', false],
  ['abc', false],
  ['NaN', false],
  ['nan', false],
  ['inf', false],
  ['Infinity', false],
  ['-inf', false],
  ['0x10', false],
  ['1e999', false],
  ['1,5', false],
  ['1 2', false],
  ['e5', false],
];
for (const [text, want] of numbers) {
  test(`isNumberText(${JSON.stringify(text)}) is ${want}`, () => assert.is(isNumberText(text), want));
}

test('splitLines drops CR of CRLF, a BOM and the empty piece after a final newline', () => {
  assert.equal(splitLines('\ufeffa\r\nb\r\n'), [
    { line: 1, text: 'a' },
    { line: 2, text: 'b' },
  ]);
  assert.equal(splitLines('a\n\nc'), [
    { line: 1, text: 'a' },
    { line: 2, text: '' },
    { line: 3, text: 'c' },
  ]);
});

/** Reference: intervals → 0/1 vector, for comparing interval helpers point by point. */
function toMask(intervals: readonly (readonly [number, number])[], n: number): number[] {
  const m = new Array<number>(n).fill(0);
  for (const [s, e] of intervals) for (let i = s; i < e; i++) m[i] = 1;
  return m;
}

test('runsToIntervals gives back exactly the 1s of random 0/1 vectors, as disjoint non-touching runs', () => {
  const rng = new Rng(11);
  for (let trial = 0; trial < 200; trial++) {
    const n = 1 + rng.int(40);
    const labels = Array.from({ length: n }, () => (rng.bernoulli(0.3) ? 1 : 0));
    const iv = runsToIntervals(labels);
    assert.equal(toMask(iv, n), labels);
    for (let k = 1; k < iv.length; k++) assert.ok(iv[k]![0] > iv[k - 1]![1], 'runs are separated by at least one 0');
  }
});

test('runsToIntervals handles runs at both ends', () => {
  assert.equal(runsToIntervals([1, 1, 0, 1]), [
    [0, 2],
    [3, 4],
  ]);
  assert.equal(runsToIntervals([0, 0]), []);
});

test('mergeIntervals keeps the same covered points and makes intervals sorted and disjoint', () => {
  const rng = new Rng(5);
  for (let trial = 0; trial < 200; trial++) {
    const raw = Array.from({ length: rng.int(6) }, () => {
      const s = rng.int(30);
      return [s, s + rng.int(6)] as const;
    });
    for (const join of [false, true]) {
      const merged = mergeIntervals(raw, join);
      assert.equal(toMask(merged, 40), toMask(raw, 40));
      for (let k = 1; k < merged.length; k++) {
        assert.ok(join ? merged[k]![0] > merged[k - 1]![1] : merged[k]![0] >= merged[k - 1]![1]);
      }
    }
  }
});

test('mergeIntervals keeps touching intervals apart unless asked to join them', () => {
  assert.equal(
    mergeIntervals([
      [5, 8],
      [0, 5],
    ]),
    [
      [0, 5],
      [5, 8],
    ],
  );
  assert.equal(
    mergeIntervals(
      [
        [5, 8],
        [0, 5],
      ],
      true,
    ),
    [[0, 8]],
  );
  assert.equal(
    mergeIntervals([
      [0, 5],
      [3, 4],
      [4, 9],
    ]),
    [[0, 9]],
  );
});

test.run();
