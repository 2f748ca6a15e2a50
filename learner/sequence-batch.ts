/**
 * Packs token sequences into the score graph's teacher-forced inputs (B, T):
 * inputs = <bos> + ids[:-1], targets = ids, right-padded with <pad>; a 0/1 response
 * mask marks real tokens; the grammar's additive masks make the learner score each
 * token under the same masked distribution the sampler drew it from.
 */
import type { HostTensor } from '../shared/onnx/runtime.js';
import type { PatchFeatures } from '../shared/policy/features.js';
import { batchFeatures } from '../shared/policy/features.js';
import type { Grammar } from '../shared/policy/prompt-grammar.js';

export interface PackedBatch {
  readonly B: number;
  readonly T: number;
  readonly feeds: {
    readonly inputs: HostTensor;
    readonly targets: HostTensor;
    readonly positions: HostTensor;
    readonly features: HostTensor;
    readonly mask_add: HostTensor;
    readonly response_mask: HostTensor;
  };
  /** Real length of each row. */
  readonly lengths: readonly number[];
}

export interface PackOptions {
  readonly bos: number;
  readonly pad: number;
  /** V + P, the width of a mask row. */
  readonly outputSize: number;
  /** Longest T allowed; longer sequences are cut (their tail gets no gradient). */
  readonly maxLen: number;
}

/**
 * Packs `seqs[b]` (ids without <bos>) with `features[b]` and, when given, `grammars[b]`
 * (one per row: its additive masks) into score-graph feeds.
 */
export function packSequences(
  seqs: readonly (readonly number[])[],
  features: readonly PatchFeatures[],
  grammars: readonly Grammar[] | undefined,
  o: PackOptions,
): PackedBatch {
  const B = seqs.length;
  if (features.length !== B) throw new RangeError(`packSequences: ${B} sequences but ${features.length} feature rows`);
  const t = packTokens(seqs, grammars, o);
  return { B, T: t.T, lengths: t.lengths, feeds: { ...t.feeds, features: batchFeatures(features) } };
}

/** The token feeds of `seqs` (B rows, right-padded to the longest): what packSequences and packBuckets share. */
export function packTokens(
  seqs: readonly (readonly number[])[],
  grammars: readonly (Grammar | undefined)[] | undefined,
  o: PackOptions,
): { T: number; lengths: number[]; feeds: Omit<PackedBatch['feeds'], 'features'> } {
  const B = seqs.length;
  const lengths = seqs.map((s) => Math.min(s.length, o.maxLen));
  const T = Math.max(1, ...lengths);
  const inputs = new BigInt64Array(B * T).fill(BigInt(o.pad));
  const targets = new BigInt64Array(B * T).fill(BigInt(o.pad));
  const mask = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < lengths[b]; t++) {
      inputs[b * T + t] = BigInt(t === 0 ? o.bos : seqs[b][t - 1]);
      targets[b * T + t] = BigInt(seqs[b][t]);
      mask[b * T + t] = 1;
    }
  }
  // Without a grammar (reading an ExpCoT as text) a row's mask is all zeros: nothing is forbidden.
  const W = o.outputSize;
  const maskData = new Float32Array(B * T * W);
  if (grammars !== undefined) {
    for (let b = 0; b < B; b++) {
      const gr = grammars[b];
      if (gr !== undefined) maskData.set(gr.additiveMasks(seqs[b].slice(0, lengths[b]), T), b * T * W);
    }
  }
  return {
    T,
    lengths,
    feeds: {
      inputs: { data: inputs, dims: [B, T] },
      targets: { data: targets, dims: [B, T] },
      positions: { data: BigInt64Array.from({ length: T }, (_, i) => BigInt(i)), dims: [T] },
      mask_add: { data: maskData, dims: [B, T, W] },
      response_mask: { data: mask, dims: [B, T] },
    },
  };
}
