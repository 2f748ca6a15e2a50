/**
 * Constrained decoding of the trace template (docs/POLICY.md §grammar). Sampling and
 * scoring both apply `allowedMask`, so every sampled sequence is a well-formed trace:
 *
 *   <think> text{0..maxThinkTokens} </think> <answer> [ pairs ] </answer> <class> C </class> <eos>
 *   pairs := ε | pair ( , pair ){0..maxIntervals−1}
 *   pair  := [ P<ks> O<js> , P<ke> O<je> ]     canonical start/end encodings (positions.ts)
 *
 * with prevEnd ≤ start < end ≤ n: intervals come out sorted and disjoint (touching allowed).
 * Inside <think> two spacing rules keep the decoded text re-encodable: a token starting
 * with a letter may not follow one ending with a letter ("so"+"has" would read "sohas"),
 * and after a bare " " only a token starting with " " or "\n" (or </think>) may come.
 * Output ids are text ids 0..V−1 and pointer ids V..V+P−1. States are small immutable
 * objects; `advance` refuses a token the mask forbids.
 */
import { ConfigError, DataError } from '../errors.js';
import { PositionMap } from './positions.js';
import type { Tokenizer } from './tokenizer.js';

export type Phase =
  | 'think-open'
  | 'think'
  | 'answer-open'
  | 'list-open'
  | 'list-first'
  | 'start-ptr'
  | 'start-off'
  | 'pair-comma'
  | 'end-ptr'
  | 'end-off'
  | 'pair-close'
  | 'list-next'
  | 'pair-open'
  | 'answer-close'
  | 'class-open'
  | 'class'
  | 'class-close'
  | 'eos'
  | 'done';

export interface GrammarState {
  readonly phase: Phase;
  readonly thinkLen: number;
  /** Last think token: 0 other, 1 ended with a letter, 2 was the bare " ". */
  readonly prevKind: 0 | 1 | 2;
  /** Pairs completed so far. */
  readonly count: number;
  /** End index of the last pair (0 before the first). */
  readonly prevEnd: number;
  /** Pointer patch of the position being written (−1 otherwise). */
  readonly ptr: number;
  /** Start index of the pair being written. */
  readonly start: number;
}

export interface GrammarOptions {
  /** Most tokens inside <think>; default 768 (the longest ExpCoT of 1800 generated records had 632). */
  readonly maxThinkTokens?: number;
  /** Most intervals in <answer>; default 24 (freq series have no cap; 8 seen in 1800 records). */
  readonly maxIntervals?: number;
}

/** Defaults: the longest trace is then 768 + 10 + 8·24 − 1 = 969 tokens, within model.maxLen = 1024. */
export const DEFAULT_GRAMMAR = Object.freeze({ maxThinkTokens: 768, maxIntervals: 24 });

/** Distinct masks one grammar keeps (a prompt's decoding visits a few hundred states at most). */
const MASK_CACHE_LIMIT = 4096;

/** Additive mask value for a forbidden id (softmax weight exactly 0 in float32). */
export const FORBIDDEN = -1e9;

export class TraceGrammar {
  readonly maxThinkTokens: number;
  readonly maxIntervals: number;
  readonly outputSize: number;
  /** Longest possible token sequence (including <eos>). */
  readonly maxLength: number;
  private readonly pm: PositionMap;
  private readonly masks = new Map<string, Uint8Array>();
  private readonly thinkMasks: Uint8Array[] = [];

  constructor(
    readonly tokenizer: Tokenizer,
    readonly n: number,
    opts: GrammarOptions = {},
  ) {
    this.maxThinkTokens = opts.maxThinkTokens ?? DEFAULT_GRAMMAR.maxThinkTokens;
    this.maxIntervals = opts.maxIntervals ?? DEFAULT_GRAMMAR.maxIntervals;
    if (!Number.isInteger(this.maxThinkTokens) || this.maxThinkTokens < 0)
      throw new ConfigError('grammar.maxThinkTokens', `must be an integer >= 0, got ${this.maxThinkTokens}`);
    if (!Number.isInteger(this.maxIntervals) || this.maxIntervals < 0)
      throw new ConfigError('grammar.maxIntervals', `must be an integer >= 0, got ${this.maxIntervals}`);
    this.pm = PositionMap.of(n, tokenizer.layout);
    this.outputSize = tokenizer.outputSize;
    this.maxLength = 1 + this.maxThinkTokens + 4 + Math.max(0, 8 * this.maxIntervals - 1) + 6;
  }

  initial(): GrammarState {
    return { phase: 'think-open', thinkLen: 0, prevKind: 0, count: 0, prevEnd: 0, ptr: -1, start: 0 };
  }

  /** A string naming the state (states with the same key behave the same from here on). */
  stateKey(s: GrammarState): string {
    return `${s.phase}|${s.thinkLen}|${s.prevKind}|${s.count}|${s.prevEnd}|${s.ptr}|${s.start}`;
  }

  /** The trace text of a token sequence (tokenizer.decodeTrace for this series length). */
  render(ids: ArrayLike<number>): string {
    return this.tokenizer.decodeTrace(ids, this.n);
  }

  isDone(s: GrammarState): boolean {
    return s.phase === 'done';
  }

  /** 1 where the id may come next, length V + P. 'done' allows only <pad>. A fresh array the caller may change. */
  allowedMask(s: GrammarState): Uint8Array {
    return this.allowedView(s).slice();
  }

  /**
   * The same mask, shared and cached: the mask is a function of a few state fields (phase,
   * whether think and interval budgets are left, prevKind, prevEnd, ptr, start), so states
   * that agree on them share one array. Do not write to it (use allowedMask for a copy).
   */
  allowedView(s: GrammarState): Readonly<Uint8Array> {
    if (s.phase === 'think') {
      // most tokens are think text: six masks, indexed without building a key
      const i = (s.thinkLen < this.maxThinkTokens ? 3 : 0) + s.prevKind;
      return (this.thinkMasks[i] ??= this.computeMask(s));
    }
    const key = `${s.phase}|${s.thinkLen < this.maxThinkTokens ? 1 : 0}|${s.prevKind}|${s.count < this.maxIntervals ? 1 : 0}|${s.prevEnd}|${s.ptr}|${s.start}`;
    let m = this.masks.get(key);
    if (m === undefined) {
      if (this.masks.size >= MASK_CACHE_LIMIT) this.masks.clear();
      m = this.computeMask(s);
      this.masks.set(key, m);
    }
    return m;
  }

  private computeMask(s: GrammarState): Uint8Array {
    const v = this.tokenizer.vocab;
    const m = new Uint8Array(this.outputSize);
    const P = this.pm.numPatches;
    const one = (id: number) => {
      m[id] = 1;
    };
    switch (s.phase) {
      case 'think-open':
        one(v.thinkOpen);
        break;
      case 'think':
        if (s.thinkLen < this.maxThinkTokens) {
          m.set(v.thinkMask);
          if (s.prevKind === 1) for (let i = 0; i < v.size; i++) m[i] &= 1 - v.letterStart[i];
          if (s.prevKind === 2) for (let i = 0; i < v.size; i++) m[i] &= v.spaceStart[i];
        }
        one(v.thinkClose);
        break;
      case 'answer-open':
        one(v.answerOpen);
        break;
      case 'list-open':
        one(v.lbracket);
        break;
      case 'list-first':
        if (this.maxIntervals > 0 && this.canStart(s.prevEnd)) one(v.lbracket);
        one(v.rbracket);
        break;
      case 'start-ptr':
        for (let k = 0; k < P; k++) if (this.maxStart(k) >= s.prevEnd) one(v.size + k);
        break;
      case 'start-off':
        for (let j = 0; j <= this.pm.maxStartOffset(s.ptr); j++) if (this.pm.decode(s.ptr, j) >= s.prevEnd) one(v.offsetBase + j);
        break;
      case 'pair-comma':
        one(v.comma);
        break;
      case 'end-ptr':
        for (let k = this.pm.patchOf(s.start); k < P; k++) if (this.pm.maxEndOffset(k) >= 1) one(v.size + k);
        break;
      case 'end-off':
        for (let j = 1; j <= this.pm.maxEndOffset(s.ptr); j++) if (this.pm.decode(s.ptr, j) > s.start) one(v.offsetBase + j);
        break;
      case 'pair-close':
        one(v.rbracket);
        break;
      case 'list-next':
        if (s.count < this.maxIntervals && this.canStart(s.prevEnd)) one(v.comma);
        one(v.rbracket);
        break;
      case 'pair-open':
        one(v.lbracket);
        break;
      case 'answer-close':
        one(v.answerClose);
        break;
      case 'class-open':
        one(v.classOpen);
        break;
      case 'class':
        for (const c of v.classIds) one(c);
        break;
      case 'class-close':
        one(v.classClose);
        break;
      case 'eos':
        one(v.eos);
        break;
      case 'done':
        one(v.pad);
        break;
    }
    return m;
  }

  /** The state after `token`; a DataError when the mask forbids it. */
  advance(s: GrammarState, token: number): GrammarState {
    if (!Number.isInteger(token) || token < 0 || token >= this.outputSize || this.allowedView(s)[token] !== 1) {
      throw new DataError('tokens', `id ${token} is not allowed in phase "${s.phase}" (ids 0..${this.outputSize - 1}; see allowedMask)`, { field: 'token' });
    }
    const v = this.tokenizer.vocab;
    const to = (phase: Phase, patch: Partial<GrammarState> = {}): GrammarState => ({ ...s, ...patch, phase });
    switch (s.phase) {
      case 'think-open':
        return to('think');
      case 'think':
        if (token === v.thinkClose) return to('answer-open');
        return to('think', { thinkLen: s.thinkLen + 1, prevKind: token === v.space ? 2 : v.letterEnd[token] === 1 ? 1 : 0 });
      case 'answer-open':
        return to('list-open');
      case 'list-open':
        return to('list-first');
      case 'list-first':
        return token === v.rbracket ? to('answer-close') : to('start-ptr');
      case 'start-ptr':
        return to('start-off', { ptr: token - v.size });
      case 'start-off':
        return to('pair-comma', { start: this.pm.decode(s.ptr, token - v.offsetBase), ptr: -1 });
      case 'pair-comma':
        return to('end-ptr');
      case 'end-ptr':
        return to('end-off', { ptr: token - v.size });
      case 'end-off':
        return to('pair-close', { prevEnd: this.pm.decode(s.ptr, token - v.offsetBase), ptr: -1 });
      case 'pair-close':
        return to('list-next', { count: s.count + 1 });
      case 'list-next':
        return token === v.rbracket ? to('answer-close') : to('pair-open');
      case 'pair-open':
        return to('start-ptr');
      case 'answer-close':
        return to('class-open');
      case 'class-open':
        return to('class');
      case 'class':
        return to('class-close');
      case 'class-close':
        return to('eos');
      case 'eos':
        return to('done');
      case 'done':
        return s;
    }
  }

  /**
   * Additive masks for teacher-forced scoring: row t (length V + P) is 0 where the grammar
   * allows an id before token t and FORBIDDEN elsewhere; rows past the end (padding up to
   * `length`) are all 0. Returns (length, V + P) row-major.
   */
  additiveMasks(tokens: ArrayLike<number>, length = tokens.length): Float32Array {
    const w = this.outputSize;
    const out = new Float32Array(length * w);
    let s = this.initial();
    for (let t = 0; t < Math.min(length, tokens.length) && !this.isDone(s); t++) {
      const m = this.allowedView(s);
      for (let i = 0; i < w; i++) if (m[i] === 0) out[t * w + i] = FORBIDDEN;
      s = this.advance(s, tokens[t]);
    }
    return out;
  }

  /** Largest start index patch k can encode; −1 for an empty patch. */
  private maxStart(k: number): number {
    const j = this.pm.maxStartOffset(k);
    return j < 0 ? -1 : this.pm.decode(k, j);
  }

  private canStart(prevEnd: number): boolean {
    for (let k = this.pm.numPatches - 1; k >= 0; k--) if (this.maxStart(k) >= prevEnd) return true;
    return false;
  }
}
