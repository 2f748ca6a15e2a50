/**
 * The faithful trace (docs/POLICY.md §faithful): a trace whose reasoning is true by
 * construction. Its tokens, for one series with facts F (facts.ts):
 *
 *   <think> Observation: the series has F.n points with mean F.mean and std F.std.
 *           Reasoning & Validation: the roughness is F.roughness and a straight line explains
 *           F.r2 of the variance, so this is F.family. Conclusion:          ← forced, F's numbers
 *     ( " nothing" stands out, the series is normal.                        ← choice: normal …
 *     | " a" TYPE anomaly in PAIR ( "," PAIR )* "." )                       ← … or a type and intervals
 *   </think> <eos>
 *
 * With the D* token (vocabulary option `copyRest`, policy.copyRest) a PAIR's place may instead
 * hold "[" D* ")" ".": the detector's remaining intervals (after the last D<i> used), exactly as
 * it found them, end the list. Copying a detector that is right is then one decision, not one
 * per interval plus a stop (the stop after a long copied list is where a copying policy errs).
 *
 *   PAIR := "[" ( P<k> O<j> [ "," P<k'> O<j'> ]   absolute start (and end; positions.ts)
 *              | D<i> Δ<a>  [ "," Δ<b> ] )         the detector's i-th interval, its start moved by a
 *           ")"                                    (and its end by b; |a|, |b| ≤ maxDelta)
 *
 * A pair without its end is the one-point interval [s, s + 1) — dense point anomalies cost
 * five tokens each — and a one-point interval has only that form (each interval one encoding).
 *
 * The policy decides only the branch, the type and the positions; every number it states is
 * the series' own, printed exactly as ExpCoT prints it. Pairs come out sorted and disjoint
 * (touching allowed) inside [0, n], and D<i> are used in increasing order. The answer and the
 * class are not decoded: `render` writes them from the conclusion, so they always agree.
 * Copying the detector is one token per boundary (Δ0), and correcting a systematic bias of
 * the detector is a small learned shift.
 *
 * Example (the rendered text): "<think> Observation: … Conclusion: a global point anomaly in
 * [480, 543), [792, 798). </think>\n<answer>[[480, 543], [792, 798]]</answer>\n<class>global
 * point</class>".
 */
import { ConfigError, DataError } from '../errors.js';
import { renderPhrase } from '../expcot/phrases.js';
import { ANOMALY_TYPES } from '../series/labels.js';
import type { AnomalyType } from '../series/labels.js';
import type { Interval } from '../series/record.js';
import { formatTrace } from '../trace/format.js';
import type { SeriesFacts } from './facts.js';
import { FORBIDDEN } from './grammar.js';
import { PositionMap } from './positions.js';
import type { Tokenizer } from './tokenizer.js';

type Phase = 'forced' | 'branch' | 'type' | 'start' | 'start-off' | 'start-delta' | 'after-start' | 'end' | 'end-off' | 'end-delta' | 'after-pair' | 'done';

export interface FaithfulState {
  readonly phase: Phase;
  /** Forced run being written (PREFIX, NORMAL, ANOMALY_IN, OPEN, CLOSE, TAIL) and the position in it; `next` follows it. */
  readonly run: number;
  readonly pos: number;
  /** Phase after the forced run. */
  readonly next: Phase;
  readonly count: number;
  readonly prevEnd: number;
  /** Last detector interval used (−1: none yet); the current pair's one (−1: absolute). */
  readonly lastDet: number;
  readonly det: number;
  readonly ptr: number;
  readonly start: number;
}

const PREFIX = 0,
  NORMAL = 1,
  ANOMALY_IN = 2,
  OPEN = 3,
  CLOSE = 4,
  TAIL = 5,
  REST_END = 6;

const TYPES = ANOMALY_TYPES.filter((t) => t !== 'normal');

/** The think text of a faithful trace before its conclusion's choice: F's numbers, then "Conclusion:". */
export function factsPrefix(f: SeriesFacts): string {
  return `${renderPhrase('obs.summary', { n: f.n, mean: f.mean, std: f.std })} ${renderPhrase('rsn.family', { roughness: f.roughness, r2: f.r2, family: f.family })} Conclusion:`;
}

export class FaithfulGrammar {
  readonly outputSize: number;
  readonly maxLength: number;
  private readonly pm: PositionMap;
  private readonly runs: readonly (readonly number[])[];
  private readonly branchIds: { readonly normal: number; readonly anomaly: number };
  private readonly typeIds: readonly number[];
  private readonly ids: { readonly close: number; readonly dot: number };
  private readonly masks = new Map<string, Uint8Array>();

  constructor(
    readonly tokenizer: Tokenizer,
    readonly facts: SeriesFacts,
    readonly maxIntervals: number,
  ) {
    const v = tokenizer.vocab;
    if (v.detSlots === 0)
      throw new ConfigError('policy.trace', 'the faithful trace needs the vocabulary with detector-relative tokens (buildPolicyVocab(…, { faithful: true }))');
    if (!Number.isInteger(maxIntervals) || maxIntervals < 1) throw new ConfigError('grammar.maxIntervals', `must be an integer >= 1, got ${maxIntervals}`);
    this.pm = PositionMap.of(facts.n, tokenizer.layout);
    this.outputSize = tokenizer.outputSize;
    const prefix = factsPrefix(facts);
    const head = tokenizer.encodeThink(prefix);
    const normal = tokenizer.encodeThink(`${prefix} nothing stands out, the series is normal.`).slice(head.length);
    const id = (t: string) => {
      const i = v.idOf(t);
      if (i === undefined) throw new ConfigError('policy vocabulary', `has no token "${t}" the faithful trace needs`);
      return i;
    };
    this.branchIds = { normal: normal[0]!, anomaly: id(' a') };
    this.typeIds = TYPES.map((t) => id(` ${t}`));
    this.ids = { close: id(')'), dot: id('.') };
    this.runs = [
      [v.thinkOpen, ...head],
      [...normal.slice(1), v.thinkClose, v.eos],
      [id(' anomaly'), id(' in'), v.lbracket],
      [v.lbracket],
      [this.ids.close],
      [v.thinkClose, v.eos],
      [this.ids.close, this.ids.dot, v.thinkClose, v.eos],
    ];
    this.maxLength = this.runs[PREFIX]!.length + 4 + 7 * maxIntervals + 2;
  }

  initial(): FaithfulState {
    return { phase: 'forced', run: PREFIX, pos: 0, next: 'branch', count: 0, prevEnd: 0, lastDet: -1, det: -1, ptr: -1, start: 0 };
  }

  isDone(s: FaithfulState): boolean {
    return s.phase === 'done';
  }

  /** A string naming the state (states with the same key behave the same from here on). */
  stateKey(s: FaithfulState): string {
    return `${s.phase}|${s.run}|${s.pos}|${s.next}|${s.count}|${s.prevEnd}|${s.lastDet}|${s.det}|${s.ptr}|${s.start}`;
  }

  /** The mask of allowedMask, cached by state key; shared: do not write to it. */
  allowedView(s: FaithfulState): Readonly<Uint8Array> {
    const key = s.phase === 'forced' ? `f|${s.run}|${s.pos}` : this.stateKey(s);
    let m = this.masks.get(key);
    if (m === undefined) {
      if (this.masks.size >= 4096) this.masks.clear();
      m = this.allowedMask(s);
      this.masks.set(key, m);
    }
    return m;
  }

  /** 1 where the id may come next (length V + P); 'done' allows only <pad>. A fresh array. */
  allowedMask(s: FaithfulState): Uint8Array {
    const v = this.tokenizer.vocab;
    const m = new Uint8Array(this.outputSize);
    const P = this.pm.numPatches;
    const f = this.facts;
    const M = v.maxDelta;
    switch (s.phase) {
      case 'forced':
        m[this.runs[s.run]![s.pos]!] = 1;
        break;
      case 'branch':
        m[this.branchIds.normal] = 1;
        m[this.branchIds.anomaly] = 1;
        break;
      case 'type':
        for (const t of this.typeIds) m[t] = 1;
        break;
      case 'start':
        for (let k = 0; k < P; k++) if (this.maxStart(k) >= s.prevEnd) m[v.size + k] = 1;
        for (let i = s.lastDet + 1; i < Math.min(v.detSlots, f.detected.length); i++) if (this.startRange(i, s.prevEnd) !== undefined) m[v.detBase + i] = 1;
        if (this.restFits(s)) m[v.copyRest] = 1;
        break;
      case 'start-off':
        for (let j = 0; j <= this.pm.maxStartOffset(s.ptr); j++) if (this.pm.decode(s.ptr, j) >= s.prevEnd) m[v.offsetBase + j] = 1;
        break;
      case 'start-delta': {
        const [lo, hi] = this.startRange(s.det, s.prevEnd)!;
        const base = f.detected[s.det]![0];
        for (let x = lo; x <= hi; x++) m[v.deltaZero + x - base] = 1;
        break;
      }
      case 'after-start':
        if (this.longEndPossible(s)) m[v.comma] = 1;
        m[this.ids.close] = 1;
        break;
      case 'end':
        for (let k = this.pm.patchOf(s.start); k < P; k++) if (this.maxEnd(k) > s.start + 1) m[v.size + k] = 1;
        break;
      case 'end-off':
        for (let j = 1; j <= this.pm.maxEndOffset(s.ptr); j++) if (this.pm.decode(s.ptr, j) > s.start + 1) m[v.offsetBase + j] = 1;
        break;
      case 'end-delta': {
        const base = f.detected[s.det]![1];
        for (let e = Math.max(s.start + 2, base - M); e <= Math.min(f.n, base + M); e++) m[v.deltaZero + e - base] = 1;
        break;
      }
      case 'after-pair':
        if (s.count < this.maxIntervals && this.canStart(s.prevEnd)) m[v.comma] = 1;
        m[this.ids.dot] = 1;
        break;
      case 'done':
        m[v.pad] = 1;
        break;
    }
    return m;
  }

  /** The state after `token`; a DataError when the mask forbids it. */
  advance(s: FaithfulState, token: number): FaithfulState {
    if (!Number.isInteger(token) || token < 0 || token >= this.outputSize || this.allowedView(s)[token] !== 1) {
      throw new DataError('tokens', `id ${token} is not allowed in phase "${s.phase}" of the faithful trace (see allowedMask)`, { field: 'token' });
    }
    const v = this.tokenizer.vocab;
    const to = (phase: Phase, patch: Partial<FaithfulState> = {}): FaithfulState => ({ ...s, ...patch, phase });
    const force = (run: number, next: Phase, patch: Partial<FaithfulState> = {}): FaithfulState => to('forced', { run, pos: 0, next, ...patch });
    switch (s.phase) {
      case 'forced': {
        const run = this.runs[s.run]!;
        return s.pos + 1 < run.length ? to('forced', { pos: s.pos + 1 }) : to(s.next);
      }
      case 'branch':
        return token === this.branchIds.normal ? force(NORMAL, 'done') : to('type');
      case 'type':
        return force(ANOMALY_IN, 'start');
      case 'start':
        if (token === v.copyRest) {
          const rest = this.rest(s.lastDet);
          return force(REST_END, 'done', { count: s.count + rest.length, lastDet: this.facts.detected.length - 1, prevEnd: rest[rest.length - 1]![1] });
        }
        return token >= v.size ? to('start-off', { ptr: token - v.size, det: -1 }) : to('start-delta', { det: token - v.detBase });
      case 'start-off':
        return to('after-start', { start: this.pm.decode(s.ptr, token - v.offsetBase), ptr: -1 });
      case 'start-delta':
        return to('after-start', { start: this.facts.detected[s.det]![0] + token - v.deltaZero, lastDet: s.det });
      case 'after-start':
        if (token === v.comma) return to(s.det >= 0 ? 'end-delta' : 'end');
        return to('after-pair', { prevEnd: s.start + 1, det: -1, count: s.count + 1 });
      case 'end':
        return to('end-off', { ptr: token - v.size });
      case 'end-off':
        return force(CLOSE, 'after-pair', { prevEnd: this.pm.decode(s.ptr, token - v.offsetBase), ptr: -1, count: s.count + 1 });
      case 'end-delta':
        return force(CLOSE, 'after-pair', { prevEnd: this.facts.detected[s.det]![1] + token - v.deltaZero, det: -1, count: s.count + 1 });
      case 'after-pair':
        return token === v.comma ? force(OPEN, 'start') : force(TAIL, 'done');
      case 'done':
        return s;
    }
  }

  /**
   * Additive masks for teacher-forced scoring: row t (length V + P) is 0 where the grammar
   * allows an id before token t and FORBIDDEN elsewhere; rows past the end are all 0.
   */
  additiveMasks(tokens: ArrayLike<number>, length = tokens.length): Float32Array {
    const w = this.outputSize;
    const out = new Float32Array(length * w);
    let s = this.initial();
    for (let t = 0; t < Math.min(length, tokens.length) && !this.isDone(s); t++) {
      const m = this.allowedMask(s);
      for (let i = 0; i < w; i++) if (m[i] === 0) out[t * w + i] = FORBIDDEN;
      s = this.advance(s, tokens[t]!);
    }
    return out;
  }

  /** The type and intervals a token sequence concludes (its answer), replaying the grammar. */
  decisions(ids: ArrayLike<number>): { type: AnomalyType; intervals: Interval[]; complete: boolean } {
    const v = this.tokenizer.vocab;
    let s = this.initial();
    let type: AnomalyType = 'normal';
    const intervals: Interval[] = [];
    for (let t = 0; t < ids.length && !this.isDone(s); t++) {
      const id = ids[t]!;
      if (id === v.bos || id === v.pad) continue;
      const before = s;
      s = this.advance(s, id);
      if (before.phase === 'type') type = TYPES[this.typeIds.indexOf(id)]!;
      if (before.phase === 'start' && id === v.copyRest) intervals.push(...this.rest(before.lastDet).map(([a, b]): Interval => [a, b]));
      if (before.phase === 'end-off' || before.phase === 'end-delta' || (before.phase === 'after-start' && id !== v.comma))
        intervals.push([s.start, s.prevEnd]);
    }
    return { type: intervals.length === 0 ? 'normal' : type, intervals, complete: this.isDone(s) };
  }

  /**
   * The trace text of a token sequence (ids without <bos>, up to <eos>): the think text with
   * the conclusion the tokens chose, and the answer and class written from that conclusion.
   */
  render(ids: ArrayLike<number>): string {
    const { type, intervals } = this.decisions(ids);
    const conclusion =
      intervals.length === 0 ? 'nothing stands out, the series is normal.' : `a ${type} anomaly in ${intervals.map(([a, b]) => `[${a}, ${b})`).join(', ')}.`;
    return formatTrace({ think: `${factsPrefix(this.facts)} ${conclusion}`, intervals, type });
  }

  /**
   * The token ids (ending with <eos>) of the faithful trace that answers `type` with
   * `intervals` (sorted, disjoint, inside [0, n]; none for normal): each interval is written
   * relative to the detector's interval it overlaps most when both shifts fit in ±maxDelta
   * and the detector's intervals stay in order, else in absolute positions; with D* in the
   * vocabulary, as soon as the intervals left are exactly the detector's remaining ones, D*
   * writes them. At most maxIntervals are written (the first ones).
   */
  encode(type: AnomalyType, intervals: readonly Interval[]): number[] {
    const v = this.tokenizer.vocab;
    const f = this.facts;
    const M = v.maxDelta;
    const out: number[] = [...this.runs[PREFIX]!];
    const kept = intervals.slice(0, this.maxIntervals);
    if (type === 'normal' || kept.length === 0) return [...out, this.branchIds.normal, ...this.runs[NORMAL]!];
    out.push(this.branchIds.anomaly, this.typeIds[TYPES.indexOf(type)]!, ...this.runs[ANOMALY_IN]!);
    let lastDet = -1;
    for (let k = 0; k < kept.length; k++) {
      const [s, e] = kept[k]!;
      if (k > 0) out.push(v.comma, v.lbracket);
      if (this.restIs(kept.slice(k), lastDet, k === 0 ? 0 : kept[k - 1]![1], k)) return [...out, v.copyRest, ...this.runs[REST_END]!];
      let best = -1,
        overlap = 0;
      for (let i = lastDet + 1; i < Math.min(v.detSlots, f.detected.length); i++) {
        const [ds, de] = f.detected[i]!;
        const o = Math.min(e, de) - Math.max(s, ds);
        if (o > overlap && Math.abs(s - ds) <= M && (e - s === 1 || Math.abs(e - de) <= M)) [best, overlap] = [i, o];
      }
      const point = e - s === 1;
      if (best >= 0) {
        const [ds, de] = f.detected[best]!;
        out.push(v.detBase + best, v.deltaZero + s - ds, ...(point ? [] : [v.comma, v.deltaZero + e - de]));
        lastDet = best;
      } else {
        const [ks, js] = this.pm.encodeStart(s);
        out.push(v.size + ks, v.offsetBase + js);
        if (!point) {
          const [ke, je] = this.pm.encodeEnd(e);
          out.push(v.comma, v.size + ke, v.offsetBase + je);
        }
      }
      out.push(this.ids.close);
    }
    return [...out, this.ids.dot, ...this.runs[TAIL]!];
  }

  /** The detector's intervals after the lastDet-th: what D* writes. */
  private rest(lastDet: number): readonly Interval[] {
    return this.facts.detected.slice(lastDet + 1);
  }

  /** Whether D* may come next: the vocabulary has it, and the detector's remaining intervals fit after prevEnd and under maxIntervals. */
  private restFits(s: { readonly lastDet: number; readonly prevEnd: number; readonly count: number }): boolean {
    const rest = this.rest(s.lastDet);
    return this.tokenizer.vocab.copyRest >= 0 && rest.length >= 1 && s.count + rest.length <= this.maxIntervals && rest[0]![0] >= s.prevEnd;
  }

  /** Whether `todo` (the intervals still to write, the k-th next) is exactly the detector's intervals after lastDet, and D* may write them. */
  private restIs(todo: readonly Interval[], lastDet: number, prevEnd: number, count: number): boolean {
    const rest = this.rest(lastDet);
    if (!this.restFits({ lastDet, prevEnd, count }) || rest.length !== todo.length) return false;
    return rest.every(([a, b], i) => todo[i]![0] === a && todo[i]![1] === b);
  }

  /** Largest end index patch k can encode; 0 for an empty patch. */
  private maxEnd(k: number): number {
    const j = this.pm.maxEndOffset(k);
    return j < 1 ? 0 : this.pm.decode(k, j);
  }

  /** Whether the pair being written can end later than its start + 1 (its end written out). */
  private longEndPossible(s: FaithfulState): boolean {
    if (s.det >= 0) return Math.min(this.facts.n, this.facts.detected[s.det]![1] + this.tokenizer.vocab.maxDelta) >= s.start + 2;
    return s.start + 2 <= this.facts.n;
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

  /**
   * Starts detector interval i can give after prevEnd: [lo, hi] within ±maxDelta of its start,
   * inside [prevEnd, n − 1], leaving room for an end within ±maxDelta of its end; undefined when empty.
   */
  private startRange(i: number, prevEnd: number): [number, number] | undefined {
    const [ds, de] = this.facts.detected[i]!;
    const M = this.tokenizer.vocab.maxDelta;
    const lo = Math.max(prevEnd, ds - M, 0);
    const hi = Math.min(ds + M, this.facts.n - 1, Math.min(this.facts.n, de + M) - 1);
    return lo <= hi ? [lo, hi] : undefined;
  }
}
