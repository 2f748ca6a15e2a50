/**
 * Prepared prompts: a record's patch features, its grammar (prompt-grammar.ts), its full
 * ExpCoT token ids (read by the policy for the grounded reward) and its target response ids
 * (the warm-start target: the compact ExpCoT for a free trace, the truth written as a faithful
 * trace otherwise), computed once on first use and kept (about 10 ms per 1000-point record).
 */
import { policyView } from '../plot/normalize.js';
import { buildExpCot } from '../expcot/index.js';
import { patchFeatures } from './features.js';
import type { PatchFeatures } from './features.js';
import type { Tokenizer } from './tokenizer.js';
import type { SeriesRecord } from '../series/record.js';
import type { PolicySpec } from './spec.js';
import { responseTrace } from './response-target.js';
import type { FaithfulGrammar } from './faithful-grammar.js';
import { grammarFor } from './prompt-grammar.js';
import type { Grammar } from './prompt-grammar.js';

export interface PreparedPrompt {
  readonly record: SeriesRecord;
  readonly features: PatchFeatures;
  /** The full ExpCoT trace as token ids (ends with <eos>). */
  readonly expcotIds: readonly number[];
  /** The target response as token ids; undefined when it exceeds the budget. */
  readonly targetIds: readonly number[] | undefined;
  /** The prompt's grammar: what may be written, and how tokens render as text. */
  readonly grammar: Grammar;
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

  /** The grammar only (eval needs no ExpCoT). */
  grammar(record: SeriesRecord): Grammar {
    return this.cache.get(record.id)?.grammar ?? grammarFor(this.spec, this.tokenizer, record.series);
  }

  get(record: SeriesRecord): PreparedPrompt {
    const hit = this.cache.get(record.id);
    if (hit !== undefined) return hit;
    const n = record.series.length;
    // The expert trace describes the series the policy reads (policy.normalize), as its facts do.
    const mode = this.spec.features.normalize;
    const expcot = buildExpCot(mode === 'none' ? record : { ...record, series: policyView(record.series, mode) });
    const expcotIds = this.tokenizer.encodeTrace(expcot.text, n);
    const grammar = grammarFor(this.spec, this.tokenizer, record.series);
    const fits = record.intervals.length <= this.spec.grammar.maxIntervals;
    let targetIds: number[] | undefined;
    if (this.spec.trace === 'faithful') {
      const type = record.type === 'unknown' ? 'normal' : record.type;
      targetIds = fits ? (grammar as unknown as FaithfulGrammar).encode(type, record.intervals) : undefined;
    } else {
      const target = this.tokenizer.encodeTrace(responseTrace(record, expcot), n);
      const thinkLen = target.indexOf(this.tokenizer.vocab.thinkClose) - 1;
      targetIds = thinkLen <= this.spec.grammar.maxThinkTokens && fits ? target : undefined;
    }
    const prepared: PreparedPrompt = { record, features: patchFeatures(record.series, this.spec.features), expcotIds, targetIds, grammar };
    this.cache.set(record.id, prepared);
    return prepared;
  }
}
