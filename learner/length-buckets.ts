/**
 * Length buckets for the learner's passes: the rows of a step are sorted by length and cut
 * into a few batches, each right-padded only to its own longest row, so the score and update
 * graphs stop computing padding (one batch of 80 rollouts padded to its longest row was 49 %
 * padding). Each bucket names its rows' prompts (`row_prompt`), so the graphs read one
 * memory per prompt (shared/policy/model.ts `rowPrompt`).
 *
 * Where to cut is a small dynamic programme over the sorted lengths L_1 ≤ … ≤ L_n:
 *   cost(cut) = Σ_buckets (rows · longest) + overheadTokens · buckets
 * `overheadTokens` prices one more session run in tokens of work. A run costs about the
 * same whatever the model (node dispatch, gradient copies), a token costs about its
 * parameter count, so `bucketOverhead(cfg)` scales 64 tokens at 1 M parameters (measured on
 * the shipped 1.0 M policy and 80 rollouts: 4–8 buckets cost the same, one bucket 1.7× more;
 * the tiny smoke model gets about one bucket per pass).
 * Worked example, lengths [10, 11, 12, 100] with overhead 24: one bucket costs 4·100 + 24 =
 * 424; {10, 11, 12} + {100} costs 3·12 + 24 + 100 + 24 = 184, the optimum.
 */
import type { HostTensor } from '../shared/onnx/runtime.js';
import type { Grammar } from '../shared/policy/prompt-grammar.js';
import { countParams } from '../shared/policy/model-config.js';
import type { PolicyModelConfig } from '../shared/policy/model-config.js';
import { packTokens } from './sequence-batch.js';
import type { PackOptions, PackedBatch } from './sequence-batch.js';

export const DEFAULT_BUCKET_OVERHEAD = 64;

/** overheadTokens for a model: 64 at 1 M parameters, inversely proportional to size, within [8, 1024]. */
export function bucketOverhead(cfg: PolicyModelConfig): number {
  return Math.round(Math.min(1024, Math.max(8, (DEFAULT_BUCKET_OVERHEAD * 1e6) / countParams(cfg))));
}

export interface Bucket {
  /** Original row index of each slot, shortest first. */
  readonly rows: readonly number[];
  readonly B: number;
  readonly T: number;
  /** Real length of each slot. */
  readonly lengths: readonly number[];
  readonly feeds: Omit<PackedBatch['feeds'], 'features'> & { readonly row_prompt: HostTensor };
}

/** Groups of row indices (each sorted by length, shortest first) minimising the cost above. */
export function planBuckets(lengths: readonly number[], overheadTokens = DEFAULT_BUCKET_OVERHEAD): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const n = order.length;
  const L = order.map((i) => Math.max(1, lengths[i]));
  const best = new Float64Array(n + 1).fill(Infinity);
  const from = new Int32Array(n + 1);
  best[0] = 0;
  for (let j = 1; j <= n; j++) {
    for (let i = 0; i < j; i++) {
      const c = best[i] + (j - i) * L[j - 1] + overheadTokens;
      if (c < best[j]) {
        best[j] = c;
        from[j] = i;
      }
    }
  }
  const groups: number[][] = [];
  for (let j = n; j > 0; j = from[j]) groups.unshift(order.slice(from[j], j));
  return groups;
}

/**
 * Packs rows into length buckets: `seqs[r]` (ids without <bos>) of prompt `rowPrompt[r]`,
 * scored under `grammars[r]` (undefined: no mask, e.g. an ExpCoT read as text).
 */
export function packBuckets(
  seqs: readonly (readonly number[])[],
  rowPrompt: readonly number[],
  grammars: readonly (Grammar | undefined)[] | undefined,
  o: PackOptions & { readonly overheadTokens?: number },
): Bucket[] {
  if (rowPrompt.length !== seqs.length) throw new RangeError(`packBuckets: ${seqs.length} sequences but ${rowPrompt.length} prompt indices`);
  const lengths = seqs.map((s) => Math.min(s.length, o.maxLen));
  return planBuckets(lengths, o.overheadTokens).map((rows) => {
    const t = packTokens(
      rows.map((r) => seqs[r]),
      grammars === undefined ? undefined : rows.map((r) => grammars[r]),
      o,
    );
    const rp = BigInt64Array.from(rows, (r) => BigInt(rowPrompt[r]));
    return { rows, B: rows.length, T: t.T, lengths: t.lengths, feeds: { ...t.feeds, row_prompt: { data: rp, dims: [rows.length] } } };
  });
}

/** Where each original row sits: bucket index and slot. */
export function locateRows(buckets: readonly Bucket[], rows: number): { bucket: Int32Array; slot: Int32Array } {
  const bucket = new Int32Array(rows).fill(-1);
  const slot = new Int32Array(rows).fill(-1);
  buckets.forEach((b, k) =>
    b.rows.forEach((r, s) => {
      bucket[r] = k;
      slot[r] = s;
    }),
  );
  return { bucket, slot };
}
