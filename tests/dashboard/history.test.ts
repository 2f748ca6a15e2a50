// The dashboard's bounded history: tables stay within maxPoints however many steps arrive,
// keep the first and the latest step, keep steps strictly increasing, and merge old rows by
// weighted means; the rolling window keeps the newest items.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DownsampledTable, RollingWindow, numericLeaves } from '../../dashboard/history.js';

test('a table never holds more than maxPoints rows, over 10,000 appends', () => {
  const t = new DownsampledTable(64);
  for (let s = 1; s <= 10_000; s++) {
    t.append(s, { reward: s });
    assert.ok(t.length <= 64, `step ${s}: ${t.length} rows`);
  }
});

test('the first and the latest steps survive compaction exactly', () => {
  const t = new DownsampledTable(16);
  for (let s = 1; s <= 1000; s++) t.append(s, { reward: s * 2 });
  const j = t.toJSON();
  assert.is(j.step[0], 1);
  assert.is(j.columns.reward[0], 2);
  assert.is(j.step[j.step.length - 1], 1000);
  assert.is(j.columns.reward[j.step.length - 1], 2000);
});

test('steps stay strictly increasing and the recent half keeps full resolution', () => {
  const t = new DownsampledTable(20);
  for (let s = 1; s <= 5000; s++) t.append(s, { x: Math.sin(s) });
  const { step } = t.toJSON();
  for (let i = 1; i < step.length; i++) assert.ok(step[i] > step[i - 1], `step[${i}] = ${step[i]} after ${step[i - 1]}`);
  assert.equal(step.slice(-10), [4991, 4992, 4993, 4994, 4995, 4996, 4997, 4998, 4999, 5000]);
});

test('weights add up to the number of steps and merged values are weighted means', () => {
  const t = new DownsampledTable(8);
  for (let s = 1; s <= 300; s++) t.append(s, { v: s });
  const j = t.toJSON();
  assert.is(
    j.weight.reduce((a, b) => a + b, 0),
    300,
  );
  // v = step, so every merged row's value equals its (weighted-mean) step.
  j.step.forEach((s, i) => assert.ok(Math.abs((j.columns.v[i] as number) - s) < 1e-9, `row ${i}`));
});

test('the worked example of history.ts: maxPoints 6, steps 1..7', () => {
  const t = new DownsampledTable(6);
  for (let s = 1; s <= 7; s++) t.append(s, { v: s * 10 });
  assert.equal(t.toJSON().step, [1, 2.5, 4, 5, 6, 7]);
  assert.equal(t.toJSON().columns.v, [10, 25, 40, 50, 60, 70]);
});

test('a missing metric reads null and does not pull merged values toward zero', () => {
  const t = new DownsampledTable(6);
  t.append(1, { a: 1 });
  t.append(2, { a: 2, b: 5 });
  t.append(3, { a: 3 });
  for (let s = 4; s <= 7; s++) t.append(s, { a: s, b: 7 });
  const j = t.toJSON();
  assert.is(j.columns.b[0], null);
  assert.is(j.columns.b[1], 5, 'rows 2 (b=5) and 3 (no b) merge to 5');
});

test('a repeated or older step is ignored', () => {
  const t = new DownsampledTable(8);
  assert.ok(t.append(3, { a: 1 }));
  assert.not.ok(t.append(3, { a: 2 }));
  assert.not.ok(t.append(2, { a: 2 }));
  assert.is(t.length, 1);
});

test('maxPoints below 4 is refused, naming the value', () => {
  assert.throws(() => new DownsampledTable(3), /maxPoints is 3/);
});

test('the rolling window keeps the newest items and returns the evicted ones', () => {
  const w = new RollingWindow<number>(3);
  for (const x of [1, 2, 3]) assert.equal(w.push(x), []);
  assert.equal(w.push(4), [1]);
  assert.equal(w.toArray(), [2, 3, 4]);
});

test('numericLeaves flattens nested numbers with dots and skips the rest', () => {
  assert.equal(numericLeaves({ a: 1, b: { c: 2, d: 'x', e: null }, f: [1, 2] }), { a: 1, 'b.c': 2 });
});

test.run();
