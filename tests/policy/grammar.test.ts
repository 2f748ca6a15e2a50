// Constrained decoding: every sequence sampled under the mask is a well-formed trace.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, DataError } from '../../shared/errors.js';
import { Rng } from '../../shared/rng.js';
import { parseTrace } from '../../shared/trace/parse.js';
import { FORBIDDEN, TraceGrammar } from '../../shared/policy/grammar.js';
import { randomTrace, tokenizer, vocab } from './helpers.js';

/** Sample uniformly among allowed ids, with a bias towards closing tags so sequences end. */
function sampleUnderMask(gr: TraceGrammar, rng: Rng): number[] {
  let s = gr.initial();
  const ids: number[] = [];
  while (!gr.isDone(s)) {
    const m = gr.allowedMask(s);
    const allowed: number[] = [];
    for (let i = 0; i < m.length; i++) if (m[i] === 1) allowed.push(i);
    assert.ok(allowed.length > 0, `empty mask in phase ${s.phase}`);
    const close = allowed.find((i) => i === vocab.thinkClose || i === vocab.rbracket);
    const id = close !== undefined && rng.uniform() < 0.1 ? close : allowed[rng.int(allowed.length)];
    ids.push(id);
    s = gr.advance(s, id);
  }
  return ids;
}

test('every sequence sampled under the mask parses, with formatOk and sorted intervals inside [0, n]', () => {
  const rng = new Rng(5);
  for (const n of [1000, 1, 50, 3000]) {
    const gr = new TraceGrammar(tokenizer, n, { maxThinkTokens: 40, maxIntervals: 6 });
    for (let r = 0; r < 80; r++) {
      const ids = sampleUnderMask(gr, rng);
      assert.ok(ids.length <= gr.maxLength);
      const text = tokenizer.decodeTrace(ids, n);
      const p = parseTrace(text, n);
      assert.ok(p.formatOk, text);
      let prev = 0;
      for (const [s, e] of p.intervals!) {
        assert.ok(prev <= s && s < e && e <= n, text);
        prev = e;
      }
      // the text re-encodes (every word is a vocabulary word) to ids that decode to the same
      // text; the ids may differ only inside <think> (e.g. "Observation"+":" vs the header)
      const again = tokenizer.encodeTrace(text, n);
      assert.is(tokenizer.decodeTrace(again, n), text);
      const close = (a: number[]) => a.indexOf(vocab.thinkClose);
      assert.equal(again.slice(close(again)), ids.slice(close(ids)));
    }
  }
});

test('encoded well-formed traces are accepted by the grammar token by token', () => {
  const rng = new Rng(9);
  const gr = new TraceGrammar(tokenizer, 1000);
  for (let i = 0; i < 50; i++) {
    let s = gr.initial();
    for (const id of tokenizer.encodeTrace(randomTrace(rng, 1000), 1000)) s = gr.advance(s, id);
    assert.ok(gr.isDone(s));
  }
});

test('an end pointer before the start is forbidden, and the end offset must pass the start', () => {
  const gr = new TraceGrammar(tokenizer, 1000);
  let s = gr.initial();
  for (const id of [vocab.thinkOpen, vocab.thinkClose, vocab.answerOpen, vocab.lbracket, vocab.lbracket, vocab.size + 32, vocab.offsetBase + 10, vocab.comma])
    s = gr.advance(s, id);
  const m = gr.allowedMask(s);
  assert.is(m[vocab.size + 31], 0);
  assert.is(m[vocab.size + 32], 1);
  s = gr.advance(s, vocab.size + 32);
  const off = gr.allowedMask(s);
  for (let j = 0; j < vocab.offsetsPerPatch; j++) assert.is(off[vocab.offsetBase + j], j >= 11 && j <= 16 ? 1 : 0, `O${j}`);
});

test('the think text is bounded: after maxThinkTokens only </think> is allowed', () => {
  const gr = new TraceGrammar(tokenizer, 100, { maxThinkTokens: 3 });
  let s = gr.advance(gr.initial(), vocab.thinkOpen);
  for (let i = 0; i < 3; i++) s = gr.advance(s, vocab.idOf(' the')!);
  const m = gr.allowedMask(s);
  assert.is(
    m.reduce((a, b) => a + b, 0),
    1,
  );
  assert.is(m[vocab.thinkClose], 1);
});

test('no token allowed inside <think> contains "<" or ">", so the think text cannot spell a tag', () => {
  const inThink = vocab.tokens.filter((_, i) => vocab.thinkMask[i] === 1);
  assert.ok(inThink.length > 100);
  for (const t of inThink) assert.not.match(t, /[<>]/);
});

test('bad grammar options are ConfigErrors naming the field', () => {
  assert.throws(
    () => new TraceGrammar(tokenizer, 100, { maxIntervals: -1 }),
    (e: unknown) => e instanceof ConfigError && /grammar\.maxIntervals: must be an integer >= 0, got -1/.test(e.message),
  );
});

test('a forbidden token is a DataError naming the phase', () => {
  const gr = new TraceGrammar(tokenizer, 100);
  assert.throws(
    () => gr.advance(gr.initial(), vocab.eos),
    (e: unknown) => e instanceof DataError && /phase "think-open"/.test(e.message),
  );
});

test('additive masks are 0 exactly where allowedMask is 1, and 0 on padding rows', () => {
  const gr = new TraceGrammar(tokenizer, 1000);
  const ids = tokenizer.encodeTrace(randomTrace(new Rng(2), 1000), 1000);
  const add = gr.additiveMasks(ids, ids.length + 2);
  const w = gr.outputSize;
  let s = gr.initial();
  ids.forEach((id, t) => {
    const m = gr.allowedMask(s);
    for (let i = 0; i < w; i++) assert.is(add[t * w + i], m[i] === 1 ? 0 : FORBIDDEN);
    s = gr.advance(s, id);
  });
  assert.ok(add.subarray(ids.length * w).every((x) => x === 0));
});

test('cached masks (allowedView) equal masks computed afresh at every state of 200 sampled sequences', () => {
  const rng = new Rng(21);
  for (const n of [1000, 50, 3000]) {
    const opts = { maxThinkTokens: 12, maxIntervals: 4 };
    const warm = new TraceGrammar(tokenizer, n, opts);
    for (let k = 0; k < 200 / 3; k++) {
      let s = warm.initial();
      for (const id of sampleUnderMask(warm, rng)) {
        assert.equal(Array.from(warm.allowedView(s)), Array.from(new TraceGrammar(tokenizer, n, opts).allowedMask(s)), `phase ${s.phase}`);
        s = warm.advance(s, id);
      }
    }
  }
});

test('allowedMask returns a copy: writing to it leaves the grammar alone', () => {
  const gr = new TraceGrammar(tokenizer, 100);
  const s = gr.initial();
  const m = gr.allowedMask(s);
  m.fill(1);
  assert.is(
    gr.allowedMask(s).reduce((a, b) => a + b, 0),
    1,
  );
});

test.run();
