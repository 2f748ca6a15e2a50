/**
 * The policy's answers on labelled records: greedy (argmax) constrained decoding, one
 * trace per series, parsed into predictions that shared/eval scores exactly as it scores
 * anyone else's answers (`anomseer eval --predictions`).
 */
import { Rng } from '../shared/rng.js';
import type { PatchFeatures } from '../shared/policy/features.js';
import type { GrammarOptions } from '../shared/policy/grammar.js';
import { predictionFromTrace } from '../shared/eval/score.js';
import type { Prediction } from '../shared/eval/score.js';
import type { SeriesRecord } from '../shared/series/record.js';
import type { RolloutPolicy } from '../rollout-worker/rollout-policy.js';

export interface PredictionLine {
  readonly id: string;
  readonly text: string;
  readonly intervals: readonly (readonly [number, number])[] | null;
  readonly type: string | null;
}

export interface PredictOptions {
  readonly grammar: GrammarOptions;
  readonly features: (r: SeriesRecord) => PatchFeatures;
  /** Prompts decoded together (default 64). */
  readonly batchPrompts?: number;
  /** Called after each batch with (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
}

export async function predictRecords(
  policy: RolloutPolicy,
  records: readonly SeriesRecord[],
  o: PredictOptions,
): Promise<{ predictions: Map<string, Prediction>; lines: PredictionLine[] }> {
  const per = o.batchPrompts ?? 64;
  const predictions = new Map<string, Prediction>();
  const lines: PredictionLine[] = [];
  for (let i = 0; i < records.length; i += per) {
    const chunk = records.slice(i, i + per);
    const groups = await policy.sample(
      chunk.map((r) => ({ promptId: r.id, n: r.series.length, features: o.features(r) })),
      { groupSize: 1, greedy: true, rng: new Rng(0), grammar: o.grammar, batchPrompts: per },
    );
    chunk.forEach((r, k) => {
      const text = groups[k][0].text;
      const p = predictionFromTrace(text, r.series.length);
      predictions.set(r.id, p);
      lines.push({ id: r.id, text, intervals: p.intervals === null ? null : p.intervals.map(([s, e]) => [s, e] as const), type: p.type ?? null });
    });
    o.onProgress?.(Math.min(records.length, i + per), records.length);
  }
  return { predictions, lines };
}
