// The float64 OT graph (shared/timerpo/sinkhorn-graph.ts) and groundedRewardsOt against the
// plain Sinkhorn loops: the same W and s on ragged prompt groups, padding contents change
// nothing, empty rows get s = 0 and W = NaN as in the loops.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../shared/rng.js';
import { createSession } from '../../shared/onnx/runtime.js';
import type { OrtSession } from '../../shared/onnx/runtime.js';
import { groundedReward } from '../../shared/timerpo/sinkhorn.js';
import { buildOtGraph } from '../../shared/timerpo/sinkhorn-graph.js';
import { groundedRewards, groundedRewardsOt } from '../../learner/grounding.js';
import type { HiddenSlice } from '../../learner/grounding.js';

const d = 6;
const rng = new Rng(17);
const randomRows = (n: number, shift: number) => Float32Array.from({ length: n * d }, () => rng.normal() + shift);

let session: OrtSession;
const run = (f: Parameters<OrtSession['run']>[0]) => session.run(f);

test('one prompt group: W of every row equals the plain loops to 1e-12 (ragged lengths, padded to the longest)', async () => {
  session = await createSession(buildOtGraph({ width: d }).toModel());
  const lens = [5, 1, 9, 3];
  const T = 9,
    S = 11;
  const E = randomRows(S, 0.2);
  const H = new Float32Array(lens.length * T * d);
  const valid = new Uint8Array(lens.length * T);
  const want = lens.map((len, r) => {
    const h = randomRows(len, 0.5);
    H.set(h, r * T * d);
    valid.fill(1, r * T, r * T + len);
    return groundedReward(h, len, E, S, d).W;
  });
  const W = (await run({ H: { data: H, dims: [lens.length, T, d] }, valid: { data: valid, dims: [lens.length, T] }, E: { data: E, dims: [S, d] } })).W
    .data as Float64Array;
  want.forEach((w, r) => assert.ok(Math.abs(W[r] - w) / w < 1e-12, `row ${r}: ${W[r]} vs ${w}`));
});

test('padded steps hold anything: W is bit-identical', async () => {
  const T = 6,
    S = 4;
  const E = randomRows(S, 0);
  const H = randomRows(2 * T, 0.3);
  const valid = Uint8Array.from({ length: 2 * T }, (_, i) => (i % T < 4 ? 1 : 0));
  const feeds = (h: Float32Array) => ({ H: { data: h, dims: [2, T, d] }, valid: { data: valid, dims: [2, T] }, E: { data: E, dims: [S, d] } });
  const a = (await run(feeds(H))).W.data as Float64Array;
  const H2 = H.slice();
  valid.forEach((v, i) => {
    if (v === 0) for (let k = 0; k < d; k++) H2[i * d + k] = 1e3 * rng.normal();
  });
  const b = (await run(feeds(H2))).W.data as Float64Array;
  assert.equal(Array.from(b), Array.from(a));
});

test('groundedRewardsOt gives the plain groundedRewards s and W for a batch of groups, empty rows included', async () => {
  const G = 3,
    P = 3;
  const lens = [4, 7, 2, 5, 0, 3, 6, 6, 1];
  const expLens = [8, 5, 3];
  const T = Math.max(...lens),
    S = Math.max(...expLens);
  const Hd = new Float32Array(lens.length * T * d);
  lens.forEach((len, r) => Hd.set(randomRows(len, 0.4), r * T * d));
  const Ed = new Float32Array(P * S * d);
  expLens.forEach((len, p) => Ed.set(randomRows(len, 0.1), p * S * d));
  const promptOf = (r: number) => Math.floor(r / G);
  const opts = { epsOt: 0.08, iterations: 50, tau: 0.5 };
  const want = groundedRewards({ data: Hd, T, d, lengths: lens }, { data: Ed, T: S, d, lengths: expLens }, promptOf, opts);
  const rows: HiddenSlice[] = lens.map((len, r) => ({ data: Hd, offset: r * T * d, length: len }));
  const exps: HiddenSlice[] = expLens.map((len, p) => ({ data: Ed, offset: p * S * d, length: len }));
  const got = await groundedRewardsOt(run, rows, exps, promptOf, d, opts.tau);
  lens.forEach((len, r) => {
    if (len === 0) {
      assert.is(got.s[r], 0);
      assert.ok(Number.isNaN(got.W[r]) && Number.isNaN(want.W[r]));
    } else {
      assert.ok(Math.abs(got.W[r] - want.W[r]) / want.W[r] < 1e-12, `row ${r}`);
      assert.ok(Math.abs(got.s[r] - want.s[r]) < 1e-12, `row ${r}`);
    }
  });
  await session.dispose();
});

test('bad options are refused with the value', () => {
  assert.throws(() => buildOtGraph({ width: d, epsOt: 0 }), /epsOt must be > 0, got 0/);
  assert.throws(() => buildOtGraph({ width: d, iterations: 0 }), /iterations must be an integer >= 1, got 0/);
});

test.run();
