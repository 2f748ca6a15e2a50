import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateSplit } from '../../shared/anomllm/generate.js';
import { buildExpCot, splitSentences } from '../../shared/expcot/index.js';
import { parseTrace } from '../../shared/trace/parse.js';
import { responseThink, responseTrace } from '../../shared/policy/response-target.js';

const records = generateSplit('train', { count: 6 });

test('the compact response keeps exactly the summary, family and conclusion sentences of the ExpCoT', () => {
  for (const r of records) {
    const e = buildExpCot(r);
    const think = responseThink(e);
    const full = splitSentences(e.think);
    const kept = splitSentences(think);
    assert.ok(kept.length === 3, `${r.id}: ${kept.length} sentences`);
    assert.ok(kept[0].startsWith('Observation:'));
    assert.ok(kept[1].startsWith('Reasoning & Validation:'));
    assert.ok(kept[2].startsWith('Conclusion:'));
    for (const s of kept) assert.ok(full.includes(s), `${r.id}: "${s}" is not an ExpCoT sentence`);
  }
});

test('the compact response parses to the true intervals and type', () => {
  for (const r of records) {
    const p = parseTrace(responseTrace(r, buildExpCot(r)), r.series.length);
    assert.ok(p.formatOk);
    assert.equal(
      p.intervals,
      r.intervals.map(([s, e]) => [s, e]),
    );
    assert.is(p.type, r.type);
  }
});

test.run();
