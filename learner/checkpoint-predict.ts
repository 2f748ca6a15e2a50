/** Run a saved policy (a checkpoint directory) on records: greedy traces and predictions. */
import type { Prediction } from '../shared/eval/score.js';
import type { SeriesRecord } from '../shared/series/record.js';
import { RolloutPolicy } from '../rollout-worker/rollout-policy.js';
import { predictRecords } from './evaluate.js';
import type { PredictionLine } from './evaluate.js';
import { loadPolicy } from './policy-checkpoint.js';
import { PromptCache } from './prompt-cache.js';

export async function predictWithCheckpoint(
  dir: string,
  records: readonly SeriesRecord[],
  opts: { threads?: number; device?: string; onProgress?: (done: number, total: number) => void } = {},
): Promise<{ predictions: Map<string, Prediction>; lines: PredictionLine[] }> {
  const pol = await loadPolicy(dir);
  const cache = new PromptCache(pol.spec, pol.tokenizer);
  const policy = await RolloutPolicy.create(pol.spec.model, pol.tokenizer, pol.params, pol.weightVersion, { threads: opts.threads, device: opts.device });
  try {
    return await predictRecords(policy, records, { grammar: pol.spec.grammar, features: (r) => cache.features(r), onProgress: opts.onProgress });
  } finally {
    await policy.dispose();
  }
}
