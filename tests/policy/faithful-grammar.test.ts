// The faithful trace: whatever tokens a policy picks under the grammar, the rendered trace's
// conclusion agrees with its answer and class, every number it states is the series' own,
// and its intervals are well formed. Targets round-trip, and copying the detector is Δ0.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateSplit } from '../../shared/anomllm/generate.js';
import { compileJobConfig } from '../../shared/config/job.js';
import { ConfigError, DataError } from '../../shared/errors.js';
import { traceFaithfulness } from '../../shared/eval/faithfulness.js';
import { FaithfulGrammar } from '../../shared/policy/faithful-grammar.js';
import type { FaithfulState } from '../../shared/policy/faithful-grammar.js';
import { seriesFacts } from '../../shared/policy/facts.js';
import { policySpecFromJob, readsDetector, tokenizerOf } from '../../shared/policy/spec.js';
import { Rng } from '../../shared/rng.js';
import type { SeriesRecord } from '../../shared/series/record.js';
import { parseTrace } from '../../shared/trace/parse.js';

const spec = policySpecFromJob(
  compileJobConfig({ name: 'f', policy: { trace: 'faithful', inputs: { plot: true, values: true, analyses: true, detector: true, detectorOrdinals: true } } }),
);
const tokenizer = tokenizerOf(spec);
const records: SeriesRecord[] = generateSplit('eval', { count: 3, length: 1000 });
const grammarOf = (r: SeriesRecord) => new FaithfulGrammar(tokenizer, seriesFacts(r.series), 50);

/** Replays ids through the grammar, asserting each is allowed; returns the final state. */
function replay(g: FaithfulGrammar, ids: readonly number[]): FaithfulState {
  let s = g.initial();
  for (const id of ids) {
    assert.is(g.allowedMask(s)[id], 1, `token ${tokenizer.vocab.tokens[id] ?? `P${id - tokenizer.vocab.size}`} allowed in ${s.phase}`);
    s = g.advance(s, id);
  }
  return s;
}

test('a faithful spec gets the detector-relative tokens; without the detector inputs no D<i> is offered', () => {
  assert.is(spec.trace, 'faithful');
  assert.is(tokenizer.vocab.detSlots, 64);
  assert.is(tokenizer.vocab.tokens[tokenizer.vocab.deltaZero], 'Δ0');
  const plotOnly = policySpecFromJob(compileJobConfig({ name: 'f', policy: { trace: 'faithful' } }));
  assert.is(readsDetector(plotOnly), false);
  const r = records.find((x) => x.task === 'range' && x.intervals.length > 0)!;
  const blind = new FaithfulGrammar(tokenizerOf(plotOnly), seriesFacts(r.series, { detector: false }), 12);
  const ids = blind.encode('global point', r.intervals);
  assert.ok(
    ids.every((id) => id < tokenizer.vocab.detBase || id >= tokenizer.vocab.size),
    'no D or Δ tokens',
  );
  assert.equal(blind.decisions(ids).intervals, r.intervals);
  const free = tokenizerOf(policySpecFromJob(compileJobConfig({ name: 'g' })));
  assert.throws(
    () => new FaithfulGrammar(free, seriesFacts(records[0]!.series), 12),
    (e: unknown) => e instanceof ConfigError,
  );
});

test('the target of every record round-trips: grammar accepts it, decisions and rendered trace give back the truth', () => {
  for (const r of records) {
    const g = grammarOf(r);
    const ids = g.encode(r.type === 'unknown' ? 'normal' : r.type, r.intervals);
    assert.ok(ids.length <= g.maxLength, `${r.id}: ${ids.length} tokens <= ${g.maxLength}`);
    assert.is(g.isDone(replay(g, ids)), true, r.id);
    const d = g.decisions(ids);
    assert.equal(d.intervals, r.intervals, r.id);
    assert.is(d.type, r.type, r.id);
    const text = g.render(ids);
    const p = parseTrace(text, r.series.length);
    assert.equal(p.intervals, r.intervals.slice());
    assert.is(p.type, r.type);
    const f = traceFaithfulness(text, r.series);
    assert.is(f.conclusion, 'agrees', `${r.id}: ${text}`);
    assert.is(f.correct, f.stated, `${r.id}: ${JSON.stringify(f.wrong)}`);
    assert.is(f.wellFormed, true);
  }
});

test('an interval the detector found is written as D<i> Δ0 Δ0; one it missed in absolute positions', () => {
  const r = records.find((x) => x.task === 'range' && x.intervals.length > 0)!;
  const facts = seriesFacts(r.series);
  const g = new FaithfulGrammar(tokenizer, facts, 12);
  const v = tokenizer.vocab;
  const copy = g.encode('global point', facts.detected);
  const deltas = copy.filter((id) => id >= v.deltaZero - v.maxDelta && id <= v.deltaZero + v.maxDelta);
  assert.is(deltas.length, 2 * facts.detected.length);
  assert.ok(deltas.every((id) => id === v.deltaZero));
  const far: [number, number] = facts.detected[0]![0] > 200 ? [10, 20] : [900, 910];
  const missed = g.encode('global point', [far]);
  assert.ok(
    missed.some((id) => id >= v.size),
    'a pointer token',
  );
  assert.equal(g.decisions(missed).intervals, [far]);
});

test('any walk the grammar allows renders a faithful trace (random policies, 300 walks)', () => {
  const rng = new Rng(5);
  let anomalies = 0;
  for (let w = 0; w < 300; w++) {
    const r = records[w % records.length]!;
    const g = grammarOf(r);
    let s = g.initial();
    const ids: number[] = [];
    while (!g.isDone(s)) {
      assert.ok(ids.length < g.maxLength, 'terminates within maxLength');
      const m = g.allowedMask(s);
      const allowed = [...m.keys()].filter((i) => m[i] === 1);
      const id = allowed[rng.int(allowed.length)]!;
      ids.push(id);
      s = g.advance(s, id);
    }
    const text = g.render(ids);
    const f = traceFaithfulness(text, r.series);
    assert.is(f.conclusion, 'agrees', text);
    assert.is(f.correct, f.stated, JSON.stringify(f.wrong));
    assert.is(f.wellFormed, true, text);
    if (g.decisions(ids).intervals.length > 0) anomalies += 1;
  }
  assert.ok(anomalies > 50, `${anomalies} walks concluded an anomaly`);
});

test('a one-point interval is written without its end (five tokens), and 50 of them fit', () => {
  const r = records.find((x) => x.task === 'point')!;
  const g = grammarOf(r);
  const points: [number, number][] = Array.from({ length: 50 }, (_, i) => [i * 19 + 3, i * 19 + 4]);
  const ids = g.encode('contextual point', points);
  assert.ok(ids.length <= g.maxLength, `${ids.length} tokens`);
  assert.is(g.isDone(replay(g, ids)), true);
  assert.equal(g.decisions(ids).intervals, points);
  const single = g.encode('contextual point', [[500, 501]]);
  const both = g.encode('contextual point', [[500, 502]]);
  assert.is(both.length - single.length, 3, 'the long form adds "," and the end position');
  assert.match(g.render(single), /anomaly in \[500, 501\)\. <\/think>\n<answer>\[\[500, 501\]\]<\/answer>/);
});

test('a token the grammar forbids is refused with a DataError naming the phase', () => {
  const g = grammarOf(records[0]!);
  assert.throws(
    () => g.advance(g.initial(), tokenizer.vocab.eos),
    (e: unknown) => e instanceof DataError && /not allowed in phase "forced"/.test((e as Error).message),
  );
});

test('additive masks forbid exactly what allowedMask forbids, row by row', () => {
  const r = records.find((x) => x.intervals.length > 1)!;
  const g = grammarOf(r);
  const ids = g.encode(r.type as 'trend', r.intervals);
  const masks = g.additiveMasks(ids, ids.length + 2);
  let s = g.initial();
  for (let t = 0; t < ids.length; t++) {
    const m = g.allowedMask(s);
    for (let i = 0; i < g.outputSize; i++) assert.is(masks[t * g.outputSize + i] === 0, m[i] === 1);
    s = g.advance(s, ids[t]!);
  }
  for (let i = 0; i < 2 * g.outputSize; i++) assert.is(masks[ids.length * g.outputSize + i], 0);
});

test.run();
