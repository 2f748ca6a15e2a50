/**
 * What the policy writes: a compact expert trace. The full ExpCoT (about 300 tokens,
 * up to ~700, because numbers are spelled digit by digit) is what the grounded reward
 * compares against; the policy's own response keeps three of its sentences — the
 * observation summary, the signal-family reasoning and the conclusion — so a rollout
 * costs ~60–120 decode steps instead of ~300–700. Decoding cost grows with the square
 * of the length (the KV cache is copied between ONNX Runtime calls), so this is the
 * difference between minutes and hours per training run on CPU. See docs/TRAINING.md.
 *
 * Example (a range series):
 *   <think> Observation: the series has 1000 points with mean 0.04 and std 0.20.
 *   Reasoning & Validation: the roughness is 0.94 and a straight line explains 0.00 of
 *   the variance, so this is a noise-like level series. Conclusion: a global point
 *   anomaly in [480, 543), [792, 798). </think>
 *   <answer>[[480, 543], [792, 798]]</answer>
 *   <class>global point</class>
 */
import type { ExpCot, PhraseId } from '../expcot/index.js';
import { renderPhrase } from '../expcot/index.js';
import type { SeriesRecord } from '../series/record.js';
import { formatTrace } from '../trace/format.js';

/** The ExpCoT sentences a response keeps, in ExpCoT order. */
export const RESPONSE_PHRASES: ReadonlySet<PhraseId> = new Set<PhraseId>(['obs.summary', 'rsn.family', 'con.anomaly', 'con.normal']);

/** The think text of the compact response built from an ExpCoT's evidence. */
export function responseThink(expcot: ExpCot): string {
  return expcot.evidence.phrases
    .filter((p) => RESPONSE_PHRASES.has(p.id))
    .map((p) => renderPhrase(p.id, p.values))
    .join(' ');
}

/** The whole compact response trace for a labelled record (the warm-start target). */
export function responseTrace(record: SeriesRecord, expcot: ExpCot): string {
  if (record.type === 'unknown') throw new Error(`responseTrace: record ${record.id} has no known type`);
  return formatTrace({ think: responseThink(expcot), intervals: record.intervals, type: record.type });
}
