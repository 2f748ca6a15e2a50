/**
 * The grounded reward of every rollout (docs/METHOD.md §6 step 2): optimal transport between the
 * policy's final hidden states over its response tokens (H, from the learner's score
 * pass) and over the ExpCoT tokens of its prompt (E, from a text-only pass: the ExpCoT
 * read with an all-zero series input, our analogue of the paper's text-only pass).
 * `groundedRewards` is the plain loop (the reference); `groundedRewardsOt` runs the same
 * formulas per prompt group in a float64 ONNX graph (what the learner uses).
 */
import type { HostTensor } from '../shared/onnx/runtime.js';
import { groundedReward, OT_DEFAULTS } from '../shared/timerpo/sinkhorn.js';
import type { GroundedRewardOptions } from '../shared/timerpo/sinkhorn.js';

export interface HiddenRows {
  /** (rows, T, d) row-major. */
  readonly data: Float32Array;
  readonly T: number;
  readonly d: number;
  /** Real length of each row. */
  readonly lengths: readonly number[];
}

/**
 * s_i and W_i for each response row i; `promptOf(i)` names the ExpCoT row of its prompt.
 */
export function groundedRewards(
  H: HiddenRows,
  E: HiddenRows,
  promptOf: (row: number) => number,
  opts: GroundedRewardOptions,
): { s: Float64Array; W: Float64Array } {
  const rows = H.lengths.length;
  const s = new Float64Array(rows);
  const W = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const p = promptOf(i);
    const h = H.data.subarray(i * H.T * H.d, (i * H.T + H.lengths[i]) * H.d);
    const e = E.data.subarray(p * E.T * E.d, (p * E.T + E.lengths[p]) * E.d);
    const r = groundedReward(h, H.lengths[i], e, E.lengths[p], H.d, opts);
    s[i] = r.s;
    W[i] = r.W;
  }
  return { s, W };
}

/** Where one row's hidden states are: (len, d) row-major starting at `offset` of `data`. */
export interface HiddenSlice {
  readonly data: Float32Array;
  readonly offset: number;
  readonly length: number;
}

/**
 * The same s_i and W_i as `groundedRewards`, computed prompt group by prompt group in the
 * float64 OT graph (shared/timerpo/sinkhorn-graph.ts) instead of JS loops. `rows[i]` are
 * response i's hidden states, `promptOf(i)` its prompt, `expcot[p]` prompt p's ExpCoT
 * hidden states. A row or ExpCoT of length 0 gets s = 0, W = NaN (as groundedReward).
 */
export async function groundedRewardsOt(
  run: OtRunner,
  rows: readonly HiddenSlice[],
  expcot: readonly HiddenSlice[],
  promptOf: (row: number) => number,
  d: number,
  tau: number = OT_DEFAULTS.tau,
): Promise<{ s: Float64Array; W: Float64Array }> {
  if (!(tau > 0)) throw new RangeError(`groundedRewardsOt: tau must be > 0, got ${tau}`);
  const s = new Float64Array(rows.length);
  const W = new Float64Array(rows.length).fill(Number.NaN);
  const byPrompt = new Map<number, number[]>();
  rows.forEach((r, i) => {
    if (r.length === 0) return;
    const p = promptOf(i);
    if (expcot[p].length === 0) return;
    byPrompt.set(p, [...(byPrompt.get(p) ?? []), i]);
  });
  for (const [p, members] of byPrompt) {
    const T = Math.max(...members.map((i) => rows[i].length));
    const R = members.length;
    const H = new Float32Array(R * T * d);
    const valid = new Uint8Array(R * T);
    members.forEach((i, k) => {
      const r = rows[i];
      H.set(r.data.subarray(r.offset, r.offset + r.length * d), k * T * d);
      valid.fill(1, k * T, k * T + r.length);
    });
    const e = expcot[p];
    const out = await run({
      H: { data: H, dims: [R, T, d] },
      valid: { data: valid, dims: [R, T] },
      E: { data: e.data.subarray(e.offset, e.offset + e.length * d), dims: [e.length, d] },
    });
    const w = out.W.data as Float64Array;
    members.forEach((i, k) => {
      W[i] = w[k];
      s[i] = Math.min(1, Math.max(0, Math.exp(-w[k] / tau)));
    });
  }
  return { s, W };
}

/** Runs the OT graph (e.g. `(f) => session.run(f)`). */
export type OtRunner = (feeds: Record<string, HostTensor>) => Promise<Record<string, HostTensor>>;
