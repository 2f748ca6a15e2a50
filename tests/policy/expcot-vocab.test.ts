// The production vocabulary covers every ExpCoT: generated records of every task tokenise,
// round trip, and fit the default grammar and model length.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateTask } from '../../shared/anomllm/generate.js';
import { buildExpCot } from '../../shared/expcot/index.js';
import { TASKS } from '../../shared/series/labels.js';
import { buildPolicyVocab } from '../../shared/policy/expcot-vocab.js';
import { TraceGrammar } from '../../shared/policy/grammar.js';
import { DEFAULT_MODEL_CONFIG } from '../../shared/policy/model-config.js';
import { Tokenizer } from '../../shared/policy/tokenizer.js';

const tokenizer = new Tokenizer(buildPolicyVocab());
const records = TASKS.flatMap((task) => [...generateTask(task, { seed: 3407, count: 20 }), ...generateTask(task, { seed: 42, count: 15 })]);

test(`the ExpCoTs of ${records.length} generated records tokenise and decode back to the same text`, () => {
  for (const r of records) {
    const { text } = buildExpCot(r);
    const ids = tokenizer.encodeTrace(text, r.series.length);
    assert.is(tokenizer.decodeTrace(ids, r.series.length), text, r.id);
  }
});

test('every ExpCoT is accepted by the default grammar and fits model.maxLen', () => {
  for (const r of records.filter((_, i) => i % 3 === 0)) {
    const ids = tokenizer.encodeTrace(buildExpCot(r).text, r.series.length);
    const gr = new TraceGrammar(tokenizer, r.series.length);
    let s = gr.initial();
    for (const id of ids) s = gr.advance(s, id);
    assert.ok(gr.isDone(s), r.id);
    assert.ok(gr.maxLength <= DEFAULT_MODEL_CONFIG.maxLen);
  }
});

test('the vocabulary is fixed: building it twice gives the same tokens', () => {
  assert.equal(buildPolicyVocab().tokens, tokenizer.vocab.tokens);
  assert.ok(tokenizer.vocab.size < 1000, `${tokenizer.vocab.size}`);
});

test.run();
