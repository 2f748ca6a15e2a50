import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sinkhorn, groundedReward, cosineCost, normSoftmax } from '../../shared/timerpo/sinkhorn.js';
import { Rng } from '../../shared/rng.js';

test('a 1×1 problem moves all mass: plan [1], W = C', () => {
  const r = sinkhorn(Float64Array.from([0.3]), 1, 1, Float64Array.from([1]), Float64Array.from([1]));
  assert.ok(Math.abs(r.plan[0] - 1) < 1e-12);
  assert.ok(Math.abs(r.cost - 0.3) < 1e-12);
});

test('2×2 with zero diagonal cost: W = k/(1+k), k = exp(−1/ε) (closed form of the symmetric solution)', () => {
  const half = Float64Array.from([0.5, 0.5]);
  const r = sinkhorn(Float64Array.from([0, 1, 1, 0]), 2, 2, half, half, { epsOt: 0.08, iterations: 50 });
  const k = Math.exp(-1 / 0.08);
  assert.ok(Math.abs(r.cost - k / (1 + k)) < 1e-15, `${r.cost} vs ${k / (1 + k)}`);
});

test('the plan has the requested marginals on random problems', () => {
  const rng = new Rng(11);
  for (const [T, S] of [
    [3, 4],
    [7, 5],
    [12, 12],
  ]) {
    const C = Float64Array.from({ length: T * S }, () => rng.uniform());
    const a = normSoftmax(
      Float64Array.from({ length: T * 3 }, () => rng.normal()),
      T,
      3,
    );
    const b = normSoftmax(
      Float64Array.from({ length: S * 3 }, () => rng.normal()),
      S,
      3,
    );
    const { plan } = sinkhorn(C, T, S, a, b, { epsOt: 0.08, iterations: 500 });
    for (let t = 0; t < T; t++) {
      let row = 0;
      for (let s = 0; s < S; s++) row += plan[t * S + s];
      assert.ok(Math.abs(row - a[t]) < 1e-9, `row ${t}: ${row} vs ${a[t]}`);
    }
    for (let s = 0; s < S; s++) {
      let col = 0;
      for (let t = 0; t < T; t++) col += plan[t * S + s];
      assert.ok(Math.abs(col - b[s]) < 1e-12, `col ${s}`);
    }
  }
});

test('the cosine cost is max(0, 1 − cos): parallel 0, orthogonal 1, opposite clipped to... 2', () => {
  const H = Float64Array.from([1, 0]);
  const E = Float64Array.from([2, 0, 0, 3, -1, 0]);
  const C = cosineCost(H, 1, E, 3, 2);
  assert.ok(Math.abs(C[0]) < 1e-15);
  assert.ok(Math.abs(C[1] - 1) < 1e-15);
  assert.ok(Math.abs(C[2] - 2) < 1e-15);
});

test('marginals are the softmax of the row norms', () => {
  const m = normSoftmax(Float64Array.from([3, 4, 0, 0]), 2, 2);
  const e5 = Math.exp(5),
    e0 = 1;
  assert.ok(Math.abs(m[0] - e5 / (e5 + e0)) < 1e-15);
});

test('the grounded reward is near 1 when the response states equal the ExpCoT states, lower when unrelated', () => {
  const rng = new Rng(3);
  const d = 8,
    T = 6;
  const E = Float64Array.from({ length: T * d }, () => rng.normal());
  const same = groundedReward(E, T, E, T, d);
  const other = groundedReward(
    Float64Array.from({ length: T * d }, () => rng.normal()),
    T,
    E,
    T,
    d,
  );
  assert.ok(same.s > 0.9, `same ${same.s}`);
  assert.ok(other.s < same.s - 0.3, `other ${other.s}`);
  assert.ok(Math.abs(same.s - Math.exp(-same.W / 0.5)) < 1e-12);
  assert.ok(other.s >= 0 && other.s <= 1);
});

test('early stopping: off by default (all iterations run); with a tolerance it stops once the row marginals are that close, near the converged cost', () => {
  const rng = new Rng(23);
  const [T, S] = [6, 9];
  const C = Float64Array.from({ length: T * S }, () => rng.uniform());
  const a = normSoftmax(
    Float64Array.from({ length: T * 2 }, () => rng.normal()),
    T,
    2,
  );
  const b = normSoftmax(
    Float64Array.from({ length: S * 2 }, () => rng.normal()),
    S,
    2,
  );
  const full = sinkhorn(C, T, S, a, b, { epsOt: 0.3, iterations: 400 });
  assert.is(full.iterations, 400);
  const early = sinkhorn(C, T, S, a, b, { epsOt: 0.3, iterations: 400, tolerance: 1e-10 });
  assert.ok(early.iterations > 1 && early.iterations < 400, `stopped after ${early.iterations}`);
  assert.ok(Math.abs(early.cost - full.cost) < 1e-8, `${early.cost} vs ${full.cost}`);
  for (let t = 0; t < T; t++) {
    let row = 0;
    for (let s = 0; s < S; s++) row += early.plan[t * S + s];
    assert.ok(Math.abs(row - a[t]) < 1e-12);
  }
});

test.run();
