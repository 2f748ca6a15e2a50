/**
 * The grounded reward of every rollout (docs/METHOD.md §6 step 2): optimal transport between the
 * policy's final hidden states over its response tokens (H, from the learner's score
 * pass) and over the ExpCoT tokens of its prompt (E, from a text-only pass: the ExpCoT
 * read with an all-zero series input, our analogue of the paper's text-only pass).
 * Pure: takes the (B, T, d) hidden tensors and the real lengths.
 */
import { groundedReward } from '../shared/timerpo/sinkhorn.js';
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
