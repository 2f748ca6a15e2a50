/**
 * Prepared prompts: a record's patch features, its full ExpCoT token ids (read by the
 * policy for the grounded reward) and its compact response ids (the warm-start target),
 * computed once on first use and kept (about 10 ms per 1000-point record).
 */
import { buildExpCot } from '../expcot/index.js';
import { patchFeatures } from './features.js';
import type { PatchFeatures } from './features.js';
import type { Tokenizer } from './tokenizer.js';
import type { SeriesRecord } from '../series/record.js';
import type { PolicySpec } from './spec.js';
import { responseTrace } from './response-target.js';

export interface PreparedPrompt {
  readonly record: SeriesRecord;
  readonly features: PatchFeatures;
  /** The full ExpCoT trace as token ids (ends with <eos>). */
  readonly expcotIds: readonly number[];
  /** The compact response (responseTrace) as token ids; undefined when it exceeds the think budget. */
  readonly targetIds: readonly number[] | undefined;
}

export class PromptCache {
  private readonly cache = new Map<string, PreparedPrompt>();
  constructor(
    private readonly spec: PolicySpec,
    private readonly tokenizer: Tokenizer,
  ) {}

  /** Features only (eval and detect need no ExpCoT). */
  features(record: SeriesRecord): PatchFeatures {
    return this.cache.get(record.id)?.features ?? patchFeatures(record.series, this.spec.features);
  }

  get(record: SeriesRecord): PreparedPrompt {
    const hit = this.cache.get(record.id);
    if (hit !== undefined) return hit;
    const n = record.series.length;
    const expcot = buildExpCot(record);
    const expcotIds = this.tokenizer.encodeTrace(expcot.text, n);
    const target = this.tokenizer.encodeTrace(responseTrace(record, expcot), n);
    const thinkLen = target.indexOf(this.tokenizer.vocab.thinkClose) - 1;
    const prepared: PreparedPrompt = {
      record,
      features: patchFeatures(record.series, this.spec.features),
      expcotIds,
      targetIds: thinkLen <= this.spec.grammar.maxThinkTokens && record.intervals.length <= this.spec.grammar.maxIntervals ? target : undefined,
    };
    this.cache.set(record.id, prepared);
    return prepared;
  }
}
