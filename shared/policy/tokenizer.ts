/**
 * Trace text ↔ token ids (docs/POLICY.md §tokenizer).
 *
 *   "<think> Observation: mean 0.12 … </think>\n<answer>[[500, 516]]</answer>\n<class>trend</class>"
 *   → <think> Observation: ␣mean ␣0 . 1 2 … </think> <answer> [ [ P32 O0 , P32 O16 ] ] </answer>
 *     <class> trend </class> <eos>
 *
 * - The think text is cut into pieces: a multi-word token (section header, class name), a
 *   run of letters, or one other character (digits are spelled one token each); a piece
 *   preceded by exactly one space takes the " "-prefixed variant, other spaces are " ".
 *   A word outside the vocabulary is a DataError naming it.
 * - Answer positions become POINTER + OFFSET tokens (positions.ts); pointer P<k> is output
 *   id V + k. Intervals must be sorted, disjoint (touching is fine) and inside [0, n].
 * - The text must have formatTrace's exact layout (shared/trace/format.ts); the template's
 *   spaces and newlines belong to the tag tokens, so decodeTrace writes them back.
 * - Ids never include <bos> (the decoder's first input, prepended by the model); they end
 *   with <eos>.
 */
import { DataError } from '../errors.js';
import { parseRawPairs } from '../trace/parse.js';
import { formatIntervals } from '../trace/format.js';
import { PositionMap } from './positions.js';
import type { PositionLayout } from './positions.js';
import { DEFAULT_POSITION_LAYOUT, numPatches } from './positions.js';
import type { Vocab } from './vocab.js';

const TRACE_LAYOUT = /^<think> ([\s\S]*) <\/think>\n<answer>(.*)<\/answer>\n<class>(.*)<\/class>$/;

export class Tokenizer {
  readonly vocab: Vocab;
  readonly layout: PositionLayout;
  /** P: number of pointer ids (encoder patches). */
  readonly numPatches: number;
  /** V + P: size of the output space. */
  readonly outputSize: number;

  /** `layout`'s width and patchCols set the patches; the offset count always comes from the vocabulary. */
  constructor(vocab: Vocab, layout: PositionLayout = DEFAULT_POSITION_LAYOUT) {
    this.vocab = vocab;
    this.layout = { ...layout, offsetsPerPatch: vocab.offsetsPerPatch };
    this.numPatches = numPatches(this.layout);
    this.outputSize = vocab.size + this.numPatches;
  }

  /** Token ids of the think text (no tags). */
  encodeThink(think: string): number[] {
    const v = this.vocab;
    const out: number[] = [];
    let i = 0;
    while (i < think.length) {
      if (think[i] === ' ' && (i + 1 >= think.length || think[i + 1] === ' ' || think[i + 1] === '\n')) {
        out.push(v.idOf(' ')!);
        i++;
        continue;
      }
      const prefix = think[i] === ' ' ? ' ' : '';
      const at = i + prefix.length;
      const piece = nextPiece(think, at, v.multiWord);
      const id = v.idOf(prefix + piece);
      if (id === undefined) {
        throw new DataError(
          'trace',
          `"${piece}" at character ${at} of the think text is not in the policy vocabulary (${v.size} tokens built from the ExpCoT phrases)`,
          { field: 'think' },
        );
      }
      out.push(id);
      i = at + piece.length;
    }
    return out;
  }

  /** Token ids of a trace in formatTrace's layout, for a series of n points; ends with <eos>. */
  encodeTrace(text: string, n: number): number[] {
    const m = TRACE_LAYOUT.exec(text);
    if (m === null)
      throw new DataError('trace', 'does not have the template layout "<think> … </think>\\n<answer>[…]</answer>\\n<class>…</class>"', { field: 'text' });
    const [, think, answer, cls] = m;
    const v = this.vocab;
    const ids = [v.thinkOpen, ...this.encodeThink(think), v.thinkClose, v.answerOpen, ...this.encodeAnswer(answer, n), v.answerClose, v.classOpen];
    const c = v.idOf(cls);
    if (c === undefined || v.classOf(c) === undefined) throw new DataError('trace', `class "${cls}" is not one of the six class tokens`, { field: 'class' });
    ids.push(c, v.classClose, v.eos);
    return ids;
  }

  /** `[` pairs `]` of an answer body; stride > 1 rounds outward and merges what then overlaps. */
  encodeAnswer(body: string, n: number): number[] {
    const pairs = parseRawPairs(body);
    if (pairs === null || formatIntervals(pairs) !== body) {
      throw new DataError('trace', `answer "${body}" is not a list of [start, end] pairs written as formatIntervals writes them`, { field: 'answer' });
    }
    let prevEnd = 0;
    for (const [s, e] of pairs) {
      if (!Number.isInteger(s) || !Number.isInteger(e) || s < prevEnd || s >= e || e > n) {
        throw new DataError('trace', `interval [${s}, ${e}] must have integers with ${prevEnd} <= start < end <= ${n} (sorted, disjoint, inside the series)`, {
          field: 'answer',
        });
      }
      prevEnd = e;
    }
    const pm = PositionMap.of(n, this.layout);
    const v = this.vocab;
    const quantised: [number, number][] = [];
    for (const [s0, e0] of pairs) {
      const s = pm.decode(...pm.encodeStart(s0)),
        e = pm.decode(...pm.encodeEnd(e0));
      const last = quantised[quantised.length - 1];
      if (last !== undefined && s < last[1])
        last[1] = Math.max(last[1], e); // only when stride > 1
      else quantised.push([s, e]);
    }
    const out = [v.lbracket];
    quantised.forEach(([s, e], i) => {
      if (i > 0) out.push(v.comma);
      const [ks, js] = pm.encodeStart(s);
      const [ke, je] = pm.encodeEnd(e);
      out.push(v.lbracket, v.size + ks, v.offsetBase + js, v.comma, v.size + ke, v.offsetBase + je, v.rbracket);
    });
    out.push(v.rbracket);
    return out;
  }

  /**
   * Text of token ids (a leading <bos> is skipped; <eos> ends it; <pad> is skipped). Exact
   * inverse of encodeTrace on its outputs; any other sequence still decodes, to text that
   * parseTrace judges (a pointer without an offset reads as its patch start, a stray
   * offset as "O<j>").
   */
  decodeTrace(ids: ArrayLike<number>, n: number): string {
    const v = this.vocab;
    const pm = PositionMap.of(n, this.layout);
    let out = '';
    let inAnswer = false;
    let pointer = -1;
    const flushPointer = () => {
      if (pointer >= 0) out += String(pm.decode(pointer, 0));
      pointer = -1;
    };
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id === v.eos) break;
      if (id === v.bos || id === v.pad) continue;
      if (id >= v.size) {
        flushPointer();
        pointer = id - v.size;
        continue;
      }
      if (id >= v.offsetBase && id < v.offsetBase + v.offsetsPerPatch) {
        out += pointer >= 0 ? String(pm.decode(pointer, id - v.offsetBase)) : v.tokens[id];
        pointer = -1;
        continue;
      }
      flushPointer();
      if (id === v.thinkOpen) out += '<think> ';
      else if (id === v.thinkClose) out += ' </think>\n';
      else if (id === v.answerOpen) {
        out += '<answer>';
        inAnswer = true;
      } else if (id === v.answerClose) {
        out += '</answer>\n';
        inAnswer = false;
      } else if (inAnswer && id === v.comma) out += ', ';
      else out += v.tokens[id];
    }
    flushPointer();
    return out;
  }
}

/** The piece starting at `at`: a multi-word token, a run of letters, or one character. */
function nextPiece(text: string, at: number, multiWord: readonly string[]): string {
  for (const w of multiWord) {
    if (text.startsWith(w, at) && !(/[A-Za-z]$/.test(w) && /[A-Za-z]/.test(text[at + w.length] ?? ''))) return w;
  }
  const m = /^[A-Za-z]+/.exec(text.slice(at, at + 64));
  if (m !== null) {
    let end = at + m[0].length;
    while (end < text.length && /[A-Za-z]/.test(text[end])) end++; // words longer than 64 letters
    return text.slice(at, end);
  }
  return String.fromCodePoint(text.codePointAt(at)!);
}
