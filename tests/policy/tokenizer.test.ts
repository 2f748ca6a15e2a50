// Trace text ↔ token ids: round trips, pointer tokens in the answer, digits in the think text.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DataError } from '../../shared/errors.js';
import { Rng } from '../../shared/rng.js';
import { formatTrace } from '../../shared/trace/format.js';
import { parseTrace } from '../../shared/trace/parse.js';
import { Tokenizer } from '../../shared/policy/tokenizer.js';
import { buildVocab } from '../../shared/policy/vocab.js';
import { TEST_PHRASES, randomTrace, tokenizer, vocab } from './helpers.js';

test('the vocabulary is fixed: the same phrases give the same ids, in any order', () => {
  const again = buildVocab({ phrases: [...TEST_PHRASES].reverse() });
  assert.equal(again.tokens, vocab.tokens);
  assert.is(vocab.tokens[vocab.bos], '<bos>');
  assert.is(vocab.tokens[vocab.classIds[1]], 'global point');
  assert.ok(vocab.idOf('Reasoning & Validation:') !== undefined);
  assert.ok(vocab.idOf(' smoothed') !== undefined && vocab.idOf('smoothed') !== undefined);
});

test('a known trace encodes to the expected tokens', () => {
  const text = formatTrace({ think: 'Observation: mean 0.12', intervals: [[500, 516]], type: 'trend' });
  const ids = tokenizer.encodeTrace(text, 1000);
  const v = vocab;
  const want = [
    v.thinkOpen,
    v.idOf('Observation:')!,
    v.idOf(' mean')!,
    v.idOf(' 0')!,
    v.idOf('.')!,
    v.idOf('1')!,
    v.idOf('2')!,
    v.thinkClose,
    v.answerOpen,
    v.lbracket,
    v.lbracket,
    v.size + 32,
    v.offsetBase,
    v.comma,
    v.size + 32,
    v.offsetBase + 16,
    v.rbracket,
    v.rbracket,
    v.answerClose,
    v.classOpen,
    v.classIds[3],
    v.classClose,
    v.eos,
  ];
  assert.equal(ids, want);
});

test('random well-formed traces round trip through encode and decode, for several lengths', () => {
  const rng = new Rng(11);
  for (const n of [1000, 300, 37, 1900]) {
    for (let i = 0; i < 60; i++) {
      const text = randomTrace(rng, n);
      const back = tokenizer.decodeTrace(tokenizer.encodeTrace(text, n), n);
      assert.is(back, text);
    }
  }
});

test('decoding skips a leading <bos> and stops at <eos>', () => {
  const text = formatTrace({ think: 'the trend', intervals: [], type: 'normal' });
  const ids = tokenizer.encodeTrace(text, 100);
  assert.is(tokenizer.decodeTrace([vocab.bos, ...ids, vocab.thinkOpen, vocab.pad], 100), text);
});

test('long series: answers are rounded outward and still parse to covering intervals', () => {
  const n = 5000;
  const text = formatTrace({
    think: 'the',
    intervals: [
      [1001, 1003],
      [1005, 1400],
    ],
    type: 'trend',
  });
  const parsed = parseTrace(tokenizer.decodeTrace(tokenizer.encodeTrace(text, n), n), n);
  assert.ok(parsed.formatOk);
  const iv = parsed.intervals!;
  assert.ok(iv[0][0] <= 1001 && iv[iv.length - 1][1] >= 1400, JSON.stringify(iv));
});

test('an unknown word is a DataError naming the word', () => {
  const text = formatTrace({ think: 'the flux capacitor', intervals: [], type: 'normal' });
  assert.throws(
    () => tokenizer.encodeTrace(text, 100),
    (e: unknown) => e instanceof DataError && /"flux" at character 4/.test(e.message),
  );
});

test('unsorted, overlapping or out-of-range answers are refused with the allowed range', () => {
  for (const iv of [
    [
      [50, 60],
      [10, 20],
    ],
    [
      [10, 30],
      [20, 40],
    ],
    [[90, 101]],
    [[5, 5]],
  ] as [number, number][][]) {
    const text = formatTrace({ think: 'the', intervals: iv, type: 'trend' });
    assert.throws(
      () => tokenizer.encodeTrace(text, 100),
      (e: unknown) => e instanceof DataError && /<= start < end <= 100/.test(e.message),
      JSON.stringify(iv),
    );
  }
});

test('text not in the template layout is refused', () => {
  assert.throws(
    () => tokenizer.encodeTrace('<answer>[]</answer>', 100),
    (e: unknown) => e instanceof DataError && /template layout/.test(e.message),
  );
});

test('a tokenizer on another layout has V + P outputs', () => {
  const t = new Tokenizer(vocab, { width: 128, patchCols: 4, offsetsPerPatch: 32 });
  assert.is(t.numPatches, 32);
  assert.is(t.outputSize, vocab.size + 32);
});

test.run();
