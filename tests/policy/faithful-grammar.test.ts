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

/**
 * One random walk of the grammar (a random policy): uniform over the allowed ids, or `favour`
 * half the time when it is allowed. Asserts it ends within maxLength and renders a faithful
 * trace of `series`; returns the ids.
 */
function faithfulWalk(g: FaithfulGrammar, series: Float64Array, rng: Rng, favour?: number): number[] {
  let s = g.initial();
  const ids: number[] = [];
  while (!g.isDone(s)) {
    assert.ok(ids.length < g.maxLength, 'terminates within maxLength');
    const m = g.allowedMask(s);
    const allowed = [...m.keys()].filter((i) => m[i] === 1);
    const id = favour !== undefined && m[favour] === 1 && rng.bernoulli(0.5) ? favour : allowed[rng.int(allowed.length)]!;
    ids.push(id);
    s = g.advance(s, id);
  }
  const text = g.render(ids);
  const f = traceFaithfulness(text, series);
  assert.is(f.conclusion, 'agrees', text);
  assert.is(f.correct, f.stated, JSON.stringify(f.wrong));
  assert.is(f.wellFormed, true, text);
  return ids;
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
    const ids = faithfulWalk(g, r.series, rng);
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

const copySpec = policySpecFromJob(
  compileJobConfig({
    name: 'c',
    policy: { trace: 'faithful', copyRest: true, inputs: { plot: true, values: true, analyses: true, detector: true, detectorOrdinals: true } },
  }),
);
const copyTok = tokenizerOf(copySpec);

test('policy.copyRest adds D* as the last token and changes no other id; it needs faithful traces', () => {
  const v = copyTok.vocab;
  assert.is(copySpec.copyRest, true);
  assert.is(v.tokens[v.copyRest], 'D*');
  assert.is(v.copyRest, v.size - 1);
  assert.is(v.size, tokenizer.vocab.size + 1);
  assert.equal(v.tokens.slice(0, -1), tokenizer.vocab.tokens);
  assert.is(tokenizer.vocab.copyRest, -1);
  assert.is(spec.copyRest, undefined, 'a spec without the option stores nothing (old checkpoints load as before)');
  assert.throws(
    () => policySpecFromJob(compileJobConfig({ name: 'c', policy: { copyRest: true } })),
    (e: unknown) => e instanceof ConfigError && /policy\.copyRest/.test((e as Error).message) && /faithful/.test((e as Error).message),
  );
});

test('D* writes the detector’s remaining intervals and ends the list: targets use it exactly when the rest is the detector’s', () => {
  const v = copyTok.vocab;
  let used = 0;
  for (const r of generateSplit('eval', { count: 20, length: 1000, tasks: ['range', 'point', 'noisy-freq'] })) {
    const facts = seriesFacts(r.series);
    if (facts.detected.length === 0) continue;
    const g = new FaithfulGrammar(copyTok, facts, 50);
    const d = facts.detected.map(([a, b]) => [a, b] as [number, number]);
    // The detector's whole verdict: [ D* ) . </think> <eos>.
    const all = g.encode('global point', d);
    assert.is(all.filter((id) => id === v.copyRest).length, 1);
    assert.is(all.filter((id) => id >= v.detBase && id < v.detBase + v.detSlots).length, 0, 'no D<i> before it');
    assert.is(g.isDone(replay(g, all)), true);
    assert.equal(g.decisions(all).intervals, d);
    assert.is(traceFaithfulness(g.render(all), r.series).conclusion, 'agrees');
    // The first interval moved by one: written as D0 Δ…, then D* for the rest (when there is a rest).
    const moved: [number, number][] = [[d[0]![0] + 1, d[0]![1]], ...d.slice(1)];
    if (moved[0]![1] - moved[0]![0] >= 2) {
      const ids = g.encode('global point', moved);
      assert.is(ids.includes(v.copyRest), d.length > 1, `${r.id}: D* only when intervals are left`);
      replay(g, ids);
      assert.equal(g.decisions(ids).intervals, moved);
    }
    // The truth differs from the detector's rest (one extra interval after it, or one dropped): no D*.
    const last = d[d.length - 1]![1];
    if (last + 5 < 1000) assert.is(g.encode('global point', [...d, [last + 2, last + 4]]).includes(v.copyRest), false);
    if (d.length > 1) assert.is(g.encode('global point', d.slice(0, -1)).includes(v.copyRest), false);
    // The ground truth's own target round-trips.
    if (r.type !== 'unknown' && r.intervals.length > 0) {
      const t = g.encode(r.type, r.intervals);
      replay(g, t);
      assert.equal(g.decisions(t).intervals, r.intervals);
      if (t.includes(v.copyRest)) used += 1;
    }
  }
  assert.ok(used > 5, `${used} ground-truth targets used D*`);
});

test('D* is offered only while the detector has intervals left that fit, and not after the last D<i>', () => {
  const v = copyTok.vocab;
  const close = v.idOf(')')!;
  const r = records.find((x) => x.task === 'range' && seriesFacts(x.series).detected.length > 0)!;
  const facts = seriesFacts(r.series);
  const g = new FaithfulGrammar(copyTok, facts, 50);
  const n = facts.detected.length;
  // The first start state: the whole-copy target up to its D*.
  const all = g.encode('global point', facts.detected);
  const at = all.indexOf(v.copyRest);
  let s = replay(g, all.slice(0, at));
  assert.is(s.phase, 'start');
  assert.is(g.allowedMask(s)[v.copyRest], 1);
  // Copy the detector's intervals one by one (D<i> Δ0 [, Δ0] )): D* stays offered while some are left.
  for (let i = 0; i < n; i++) {
    const [ds, de] = facts.detected[i]!;
    for (const id of [v.detBase + i, v.deltaZero, ...(de - ds > 1 ? [v.comma, v.deltaZero] : []), close]) {
      assert.is(g.allowedMask(s)[id], 1, `${v.tokens[id]} in ${s.phase}`);
      s = g.advance(s, id);
    }
    assert.is(s.phase, 'after-pair');
    if (g.allowedMask(s)[v.comma] !== 1) break;
    s = g.advance(g.advance(s, v.comma), v.lbracket);
    assert.is(g.allowedMask(s)[v.copyRest], i < n - 1 ? 1 : 0, i < n - 1 ? `offered before D${i + 1}` : 'nothing left to copy');
  }
  // A grammar capped below the detector's count never offers it at the first start.
  if (n > 1) {
    const capped = new FaithfulGrammar(copyTok, facts, n - 1);
    assert.is(capped.allowedMask(replay(capped, all.slice(0, at)))[v.copyRest], 0);
  }
});

test('any walk of the grammar with D* renders a faithful trace (random policies, 200 walks)', () => {
  const v = copyTok.vocab;
  const rng = new Rng(11);
  let copied = 0;
  for (let w = 0; w < 200; w++) {
    const r = records[w % records.length]!;
    const g = new FaithfulGrammar(copyTok, seriesFacts(r.series), 50);
    // Favour D* when offered, so enough walks take it.
    const ids = faithfulWalk(g, r.series, rng, v.copyRest);
    if (ids.includes(v.copyRest)) copied += 1;
  }
  assert.ok(copied > 30, `${copied} walks ended with D*`);
});

test.run();
