// Sinkhorn with early stopping on the marginal error (timerpo.otTolerance), in the float64 OT
// graph (an ONNX Loop) and in the plain loops: tolerance 0 is today's fixed iterations bit for
// bit; a tolerance stops earlier, with every plan's row marginals within it (L1) and its column
// marginals exact; the iterations used are reported and fewer on an easier problem.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../shared/rng.js';
import { createSession } from '../../shared/onnx/runtime.js';
import { cosineCost, normSoftmax, sinkhorn } from '../../shared/timerpo/sinkhorn.js';
import { buildOtGraph } from '../../shared/timerpo/sinkhorn-graph.js';
import type { OtGraphOptions } from '../../shared/timerpo/sinkhorn-graph.js';

const d = 6;
const rng = new Rng(23);
const randomRows = (n: number, shift: number) => Float32Array.from({ length: n * d }, () => rng.normal() + shift);

/** One seeded prompt group: 4 ragged rows padded to T = 9, an ExpCoT of S = 11 steps. */
const lens = [5, 1, 9, 3];
const T = 9,
  S = 11,
  R = lens.length;
const E = randomRows(S, 0.2);
const H = new Float32Array(R * T * d);
const valid = new Uint8Array(R * T);
lens.forEach((len, r) => {
  H.set(randomRows(len, 0.5), r * T * d);
  valid.fill(1, r * T, r * T + len);
});
const feeds = { H: { data: H, dims: [R, T, d] }, valid: { data: valid, dims: [R, T] }, E: { data: E, dims: [S, d] } };

async function runGraph(o: Omit<OtGraphOptions, 'width'>) {
  const session = await createSession(buildOtGraph({ width: d, withPlan: true, ...o }).toModel());
  const out = await session.run(feeds);
  await session.dispose();
  return {
    W: out.W.data as Float64Array,
    plan: out.plan.data as Float64Array,
    iterations: Number((out.iterations.data as BigInt64Array)[0]),
    marginalError: out.marginalError?.data as Float64Array | undefined,
  };
}

/** Row-marginal L1 error and largest column-marginal error of row r's plan (valid steps only). */
function marginals(plan: Float64Array, r: number) {
  const h = H.subarray(r * T * d, (r * T + lens[r]) * d);
  const a = normSoftmax(h, lens[r], d);
  const b = normSoftmax(E, S, d);
  let rowL1 = 0,
    colMax = 0;
  for (let t = 0; t < lens[r]; t++) {
    let sum = 0;
    for (let s = 0; s < S; s++) sum += plan[(r * T + t) * S + s];
    rowL1 += Math.abs(sum - a[t]);
  }
  for (let s = 0; s < S; s++) {
    let sum = 0;
    for (let t = 0; t < lens[r]; t++) sum += plan[(r * T + t) * S + s];
    colMax = Math.max(colMax, Math.abs(sum - b[s]));
  }
  return { rowL1, colMax };
}

/** The Sinkhorn loop as it was before early stopping (fixed iterations), kept as the reference. */
function fixedSinkhorn(C: Float64Array, rows: number, cols: number, a: Float64Array, b: Float64Array, epsOt: number, iterations: number) {
  const K = C.map((c) => Math.exp(-c / epsOt));
  const u = new Float64Array(rows).fill(1);
  const v = new Float64Array(cols).fill(1);
  const safeDiv = (num: number, den: number) => (den > 0 ? num / den : 0);
  for (let it = 0; it < iterations; it++) {
    for (let t = 0; t < rows; t++) {
      let kv = 0;
      for (let s = 0; s < cols; s++) kv += K[t * cols + s] * v[s];
      u[t] = safeDiv(a[t], kv);
    }
    for (let s = 0; s < cols; s++) {
      let ktu = 0;
      for (let t = 0; t < rows; t++) ktu += K[t * cols + s] * u[t];
      v[s] = safeDiv(b[s], ktu);
    }
  }
  return Float64Array.from({ length: rows * cols }, (_, i) => u[Math.floor(i / cols)] * K[i] * v[i % cols]);
}

test('tolerance 0: the graph runs the fixed 50 iterations, and a Loop that never stops gives its plans bit for bit', async () => {
  const fixed = await runGraph({});
  assert.is(fixed.iterations, 50);
  assert.is(fixed.marginalError, undefined);
  const looped = await runGraph({ tolerance: 1e-300 });
  assert.is(looped.iterations, 50);
  assert.equal(Array.from(looped.plan), Array.from(fixed.plan));
  assert.equal(Array.from(looped.W), Array.from(fixed.W));
});

test('tolerance 0: the plain loops give the plans of the loop before early stopping bit for bit', () => {
  lens.forEach((len, r) => {
    const h = H.subarray(r * T * d, (r * T + len) * d);
    const C = cosineCost(h, len, E, S, d);
    const [a, b] = [normSoftmax(h, len, d), normSoftmax(E, S, d)];
    const now = sinkhorn(C, len, S, a, b, { epsOt: 0.08, iterations: 50, tolerance: 0 });
    assert.is(now.iterations, 50);
    assert.equal(Array.from(now.plan), Array.from(fixedSinkhorn(C, len, S, a, b, 0.08, 50)), `row ${r}`);
  });
});

const CASES: { what: string; epsOt: number; tolerance: number }[] = [
  { what: 'paper ε, loose tolerance', epsOt: 0.08, tolerance: 1e-3 },
  { what: 'paper ε, tight tolerance', epsOt: 0.08, tolerance: 1e-9 },
  { what: 'large ε (an easy problem)', epsOt: 1, tolerance: 1e-9 },
];

for (const c of CASES) {
  test(`early stop (${c.what}): every plan's rows within ${c.tolerance} (L1), columns exact, W near 500 iterations, fewer iterations`, async () => {
    const early = await runGraph({ epsOt: c.epsOt, iterations: 500, tolerance: c.tolerance });
    const full = await runGraph({ epsOt: c.epsOt, iterations: 500 });
    assert.ok(early.iterations > 1 && early.iterations < 500, `${early.iterations} iterations`);
    lens.forEach((_, r) => {
      const m = marginals(early.plan, r);
      assert.ok(m.rowL1 <= c.tolerance, `row ${r}: row-marginal L1 error ${m.rowL1} > ${c.tolerance}`);
      assert.ok(Math.abs(m.rowL1 - early.marginalError![r]) < 1e-12, `row ${r}: reported ${early.marginalError![r]}, measured ${m.rowL1}`);
      assert.ok(m.colMax < 1e-14, `row ${r}: column-marginal error ${m.colMax}`);
      // the cost moves by at most (max C ≤ 2) × the mass moved; in practice far less
      assert.ok(Math.abs(early.W[r] - full.W[r]) <= 2 * c.tolerance, `row ${r}: W ${early.W[r]} vs ${full.W[r]}`);
    });
  });
}

test('iterations: an easier problem (larger ε) stops sooner; the graph and the plain loops agree on a one-row group', async () => {
  const hard = await runGraph({ epsOt: 0.08, tolerance: 1e-9 });
  const easy = await runGraph({ epsOt: 1, tolerance: 1e-9 });
  assert.ok(easy.iterations < hard.iterations, `easy ${easy.iterations}, hard ${hard.iterations}`);
  // the graph stops a group on its slowest row: the most iterations any row needs alone
  const alone = lens.map((len, r) => {
    const h = H.subarray(r * T * d, (r * T + len) * d);
    return sinkhorn(cosineCost(h, len, E, S, d), len, S, normSoftmax(h, len, d), normSoftmax(E, S, d), { epsOt: 0.08, tolerance: 1e-9 });
  });
  assert.is(hard.iterations, Math.max(...alone.map((x) => x.iterations)));
  const slowest = alone.findIndex((x) => x.iterations === hard.iterations);
  assert.ok(Math.abs(hard.W[slowest] - alone[slowest].cost) < 1e-12 * alone[slowest].cost, `W ${hard.W[slowest]} vs ${alone[slowest].cost}`);
});

test('bad tolerances are refused with the value', () => {
  for (const bad of [-1e-6, Number.NaN, Infinity]) {
    assert.throws(() => buildOtGraph({ width: d, tolerance: bad }), /tolerance must be a finite number >= 0/);
    assert.throws(
      () => sinkhorn(Float64Array.of(0), 1, 1, Float64Array.of(1), Float64Array.of(1), { tolerance: bad }),
      /tolerance must be a finite number >= 0/,
    );
  }
});

test.run();
