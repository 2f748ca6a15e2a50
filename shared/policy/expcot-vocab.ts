/**
 * The policy's production vocabulary: built from the ExpCoT sentence templates
 * (shared/expcot/phrases.ts) plus the words its `family` slot may hold, so every ExpCoT
 * tokenises (tests/policy/expcot-vocab.test.ts checks it on generated records).
 * Slot values otherwise are numbers (digit tokens), class names (class tokens) and
 * interval lists (punctuation and digits).
 */
import { ConfigError } from '../errors.js';
import { EXPCOT_PHRASES, FAMILY_WORDS } from '../expcot/phrases.js';
import { buildVocab } from './vocab.js';
import type { Vocab } from './vocab.js';

/** Every text the vocabulary must cover: the templates and the family phrases. */
export function expcotPhraseList(): string[] {
  return [...Object.values(EXPCOT_PHRASES), ...Object.values(FAMILY_WORDS)];
}

/** The faithful trace's detector-relative tokens: D0..D63, Δ−16..Δ+16 (docs/POLICY.md §faithful). */
export const RELATIVE_TOKENS = Object.freeze({ detSlots: 64, maxDelta: 16 });

/**
 * The fixed vocabulary the policy is trained with (offsetsPerPatch default 32); `faithful`
 * adds the detector-relative position tokens, and `copyRest` (faithful only) the D* token.
 */
export function buildPolicyVocab(offsetsPerPatch?: number, opts: { faithful?: boolean; copyRest?: boolean } = {}): Vocab {
  if (opts.copyRest === true && opts.faithful !== true)
    throw new ConfigError(
      'policy.copyRest',
      'needs policy.trace: faithful (D* is a token of the faithful trace); drop policy.copyRest or set policy.trace: faithful',
    );
  const relative = opts.faithful === true ? { relative: { ...RELATIVE_TOKENS, ...(opts.copyRest === true ? { copyRest: true } : {}) } } : {};
  return buildVocab({ phrases: expcotPhraseList(), offsetsPerPatch, ...relative });
}
