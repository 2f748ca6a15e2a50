/**
 * The grammar of one prompt, whatever the policy writes (docs/POLICY.md): a free trace
 * (grammar.ts, one per series length) or a faithful one (faithful-grammar.ts, one per series:
 * it states the series' own facts). Every process — worker, learner, coordinator check, eval,
 * detect — builds a prompt's grammar here from the policy spec and the values the policy reads,
 * so they all allow the same tokens and render the same text.
 */
import { policyView } from '../plot/normalize.js';
import { FaithfulGrammar } from './faithful-grammar.js';
import { seriesFacts } from './facts.js';
import type { SeriesFacts } from './facts.js';
import { TraceGrammar } from './grammar.js';
import type { PolicySpec } from './spec.js';
import { readsDetector } from './spec.js';
import type { Tokenizer } from './tokenizer.js';

/** What sampling, scoring and checking need of a grammar (both kinds implement it). */
export interface Grammar<S = unknown> {
  readonly outputSize: number;
  /** Longest token sequence, <eos> included. */
  readonly maxLength: number;
  initial(): S;
  isDone(s: S): boolean;
  /** A fresh 0/1 mask of the ids allowed next. */
  allowedMask(s: S): Uint8Array;
  /** The same mask, cached and shared (do not write to it). */
  allowedView(s: S): Readonly<Uint8Array>;
  /** The state after `token`; a DataError when it is not allowed. */
  advance(s: S, token: number): S;
  /** Names the state: equal keys behave the same from here on (for memoizing replays). */
  stateKey(s: S): string;
  /** Additive masks (0 allowed, FORBIDDEN otherwise) for teacher-forced scoring, (length, V + P). */
  additiveMasks(tokens: ArrayLike<number>, length?: number): Float32Array;
  /** The trace text of a token sequence (ids without <bos>, up to <eos>). */
  render(ids: ArrayLike<number>): string;
}

/** The spec fields a prompt's grammar depends on. */
export type GrammarSpec = Pick<PolicySpec, 'trace' | 'grammar' | 'variant' | 'features'>;

/**
 * The facts a faithful trace states about `values` — the series as given to patchFeatures,
 * normalised the same way the features are — or undefined for a free trace.
 */
export function promptFacts(spec: GrammarSpec, values: Float64Array): SeriesFacts | undefined {
  if (spec.trace !== 'faithful') return undefined;
  const x = spec.features.normalize === 'none' ? values : policyView(values, spec.features.normalize);
  return seriesFacts(x, { detector: readsDetector(spec as PolicySpec) });
}

/** The grammar of a prompt of `values` (its length for a free trace, its facts for a faithful one). */
export function grammarFor(spec: GrammarSpec, tokenizer: Tokenizer, values: Float64Array, facts?: SeriesFacts): Grammar {
  if (spec.trace !== 'faithful') return new TraceGrammar(tokenizer, values.length, spec.grammar) as Grammar;
  return new FaithfulGrammar(tokenizer, facts ?? promptFacts(spec, values)!, spec.grammar.maxIntervals) as unknown as Grammar;
}
