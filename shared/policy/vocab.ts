/**
 * The policy's FIXED text vocabulary (docs/POLICY.md §vocabulary). Token ids, in order:
 *
 *   specials   <pad> <bos> <eos>
 *   template   <think> </think> <answer> </answer> <class> </class> [ ] ,
 *   classes    the six ANOMALY_TYPES, each ONE token ("contextual point", …)
 *   headers    "Observation:" "Reasoning & Validation:" "Conclusion:"
 *   offsets    O0 … O{offsetsPerPatch−1}          (only inside <answer>)
 *   pieces     digits 0–9, punctuation, "\n", " ", then the words of the ExpCoT phrases
 *              (sorted), each piece also as a " "-prefixed variant (GPT-2 style: a
 *              token owns the single space before it, so decoding restores the spacing).
 *   relative   (faithful traces only, `relative` option) D0 … D{detSlots−1}: "the i-th interval
 *              the detector found"; Δ−maxDelta … Δ+maxDelta: a shift of its start or end
 *              (docs/POLICY.md §faithful). Like offsets, never produced from text.
 *
 * POINTER tokens P0 … P{P−1} are not text tokens: they are output ids V … V+P−1, whose
 * logits come from the encoder memory (model.ts). So the output space has V + P ids.
 * Built from a phrase list (shared/expcot's EXPCOT_PHRASES) so the vocabulary covers every
 * ExpCoT; the same phrases give the same ids.
 */
import { ConfigError } from '../errors.js';
import { ANOMALY_TYPES } from '../series/labels.js';
import type { AnomalyType } from '../series/labels.js';

export const SPECIAL_TOKENS = ['<pad>', '<bos>', '<eos>'] as const;
export const TEMPLATE_TOKENS = ['<think>', '</think>', '<answer>', '</answer>', '<class>', '</class>', '[', ']', ','] as const;
export const SECTION_HEADERS = ['Observation:', 'Reasoning & Validation:', 'Conclusion:'] as const;
/**
 * Punctuation always present, whether or not a phrase uses it. No "<" or ">": the think
 * text then cannot spell a tag, so its decoded text never opens or closes a section.
 */
export const BASE_PUNCTUATION = [...'.,:;()[]%=+-/&\'"|*!?~^_#@$'];
export const DIGITS = [...'0123456789'];

export interface VocabOptions {
  /** Sentence templates whose words and punctuation the vocabulary must hold; `{…}` placeholders are skipped. */
  readonly phrases: readonly string[];
  /** Number of offset tokens O0..; default 32 (see positions.ts). */
  readonly offsetsPerPatch?: number;
  /**
   * Add detector-relative position tokens (faithful traces): D0..D{detSlots−1} and Δ−maxDelta..Δ+maxDelta,
   * and with `copyRest` one more, D*: "the detector's remaining intervals, as they are, end the list".
   */
  readonly relative?: { readonly detSlots: number; readonly maxDelta: number; readonly copyRest?: boolean };
}

export interface Vocab {
  /** Token strings by id (offsets are "O<j>"). */
  readonly tokens: readonly string[];
  /** V: number of text tokens (pointer ids start here). */
  readonly size: number;
  readonly offsetsPerPatch: number;
  readonly pad: number;
  readonly bos: number;
  readonly eos: number;
  readonly thinkOpen: number;
  readonly thinkClose: number;
  readonly answerOpen: number;
  readonly answerClose: number;
  readonly classOpen: number;
  readonly classClose: number;
  readonly lbracket: number;
  readonly rbracket: number;
  readonly comma: number;
  /** Id of class token ANOMALY_TYPES[i]. */
  readonly classIds: readonly number[];
  /** Id of O0; O<j> = offsetBase + j. */
  readonly offsetBase: number;
  /** Id of D0 (D<i> = detBase + i) and how many there are; 0 slots without the `relative` option. */
  readonly detBase: number;
  readonly detSlots: number;
  /** Id of Δ0 (Δ<d> = deltaZero + d for |d| ≤ maxDelta); maxDelta 0 and no Δ tokens without `relative`. */
  readonly deltaZero: number;
  readonly maxDelta: number;
  /** Id of D* (the detector's remaining intervals end the list; faithful-grammar.ts); −1 without `relative.copyRest`. */
  readonly copyRest: number;
  /** 1 for tokens allowed inside <think>: headers, classes, and all pieces with their variants. */
  readonly thinkMask: Uint8Array;
  /** Per id: 1 when the token's text starts with a letter / ends with a letter / starts with " " or "\n". */
  readonly letterStart: Uint8Array;
  readonly letterEnd: Uint8Array;
  readonly spaceStart: Uint8Array;
  /** Id of the bare " " token. */
  readonly space: number;
  /** Multi-word tokens (headers, class names), longest first, for greedy matching. */
  readonly multiWord: readonly string[];
  /** Id of a piece string, or undefined. */
  idOf(token: string): number | undefined;
  /** The class a class-token id names, or undefined. */
  classOf(id: number): AnomalyType | undefined;
}

/** Words and punctuation characters of the phrases (placeholders `{…}` removed). */
export function phrasePieces(phrases: readonly string[]): { words: string[]; punct: string[] } {
  const words = new Set<string>();
  const punct = new Set<string>();
  for (const raw of phrases) {
    const p = raw.replace(/\$?\{[^}]*\}/g, ' ');
    for (const m of p.matchAll(/[A-Za-z]+/g)) words.add(m[0]);
    for (const ch of p.replace(/[A-Za-z0-9\s]/g, '')) punct.add(ch);
  }
  return { words: [...words].sort(), punct: [...punct].sort() };
}

export function buildVocab(opts: VocabOptions): Vocab {
  const offsetsPerPatch = opts.offsetsPerPatch ?? 32;
  if (!Number.isInteger(offsetsPerPatch) || offsetsPerPatch < 2 || offsetsPerPatch > 4096) {
    throw new ConfigError('offsetsPerPatch', `must be an integer in [2, 4096], got ${offsetsPerPatch}`);
  }
  const tokens: string[] = [];
  const ids = new Map<string, number>();
  const add = (t: string): number => {
    const have = ids.get(t);
    if (have !== undefined) return have;
    ids.set(t, tokens.length);
    tokens.push(t);
    return tokens.length - 1;
  };
  for (const t of SPECIAL_TOKENS) add(t);
  for (const t of TEMPLATE_TOKENS) add(t);
  const classIds = ANOMALY_TYPES.map((c) => add(c));
  for (const h of SECTION_HEADERS) add(h);
  const offsetBase = tokens.length;
  for (let j = 0; j < offsetsPerPatch; j++) tokens.push(`O${j}`); // not in `ids`: never produced from text
  const { words, punct } = phrasePieces([...opts.phrases, ...ANOMALY_TYPES, ...SECTION_HEADERS]);
  const pieces = [...DIGITS, ...BASE_PUNCTUATION, ...punct, '\n', ' ', ...words];
  const textFirst = tokens.length;
  const plain: number[] = [...classIds, ...SECTION_HEADERS.map((h) => ids.get(h)!)];
  for (const p of pieces) plain.push(add(p));
  for (const t of plain) if (tokens[t] !== '\n' && tokens[t] !== ' ') add(` ${tokens[t]}`);
  const detSlots = opts.relative?.detSlots ?? 0;
  const maxDelta = opts.relative?.maxDelta ?? 0;
  if (opts.relative !== undefined) {
    if (!Number.isInteger(detSlots) || detSlots < 1 || detSlots > 256)
      throw new ConfigError('relative.detSlots', `must be an integer in [1, 256], got ${detSlots}`);
    if (!Number.isInteger(maxDelta) || maxDelta < 0 || maxDelta > 512)
      throw new ConfigError('relative.maxDelta', `must be an integer in [0, 512], got ${maxDelta}`);
  }
  const detBase = tokens.length;
  for (let i = 0; i < detSlots; i++) tokens.push(`D${i}`); // not in `ids`: never produced from text
  const deltaZero = tokens.length + maxDelta;
  if (opts.relative !== undefined) for (let d = -maxDelta; d <= maxDelta; d++) tokens.push(`Δ${d > 0 ? '+' : ''}${d}`);
  // Last, so a vocabulary without it keeps every other id.
  const copyRest = opts.relative?.copyRest === true ? tokens.push('D*') - 1 : -1; // not in `ids`: never produced from text
  const size = tokens.length;
  const thinkMask = new Uint8Array(size);
  for (let i = textFirst; i < size; i++) thinkMask[i] = 1;
  for (const c of classIds) thinkMask[c] = 1;
  for (const h of SECTION_HEADERS) thinkMask[ids.get(h)!] = 1;
  thinkMask[ids.get('[')!] = 1;
  thinkMask[ids.get(']')!] = 1;
  thinkMask[ids.get(',')!] = 1;
  const flag = (re: RegExp) => Uint8Array.from(tokens, (t, i) => (thinkMask[i] === 1 && re.test(t) ? 1 : 0));
  const multiWord = [...ANOMALY_TYPES, ...SECTION_HEADERS].filter((t) => /[\s:&]/.test(t)).sort((a, b) => b.length - a.length);
  const id = (t: string) => ids.get(t)!;
  return Object.freeze({
    tokens: Object.freeze(tokens.slice()),
    size,
    offsetsPerPatch,
    pad: id('<pad>'),
    bos: id('<bos>'),
    eos: id('<eos>'),
    thinkOpen: id('<think>'),
    thinkClose: id('</think>'),
    answerOpen: id('<answer>'),
    answerClose: id('</answer>'),
    classOpen: id('<class>'),
    classClose: id('</class>'),
    lbracket: id('['),
    rbracket: id(']'),
    comma: id(','),
    classIds: Object.freeze(classIds),
    offsetBase,
    detBase,
    detSlots,
    deltaZero,
    maxDelta,
    copyRest,
    thinkMask,
    letterStart: flag(/^[A-Za-z]/),
    letterEnd: flag(/[A-Za-z]$/),
    spaceStart: flag(/^[ \n]/),
    space: id(' '),
    multiWord: Object.freeze(multiWord),
    idOf: (t: string) => ids.get(t),
    classOf: (i: number) => {
      const k = classIds.indexOf(i);
      return k < 0 ? undefined : ANOMALY_TYPES[k];
    },
  });
}
