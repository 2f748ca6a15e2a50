import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXPCOT_PHRASES, FAMILY_WORDS, formatF2, parsePhrase, renderPhrase, splitSentences, type PhraseId } from '../../shared/expcot/phrases.js';

/** A sample value for every slot format. */
function sampleValues(id: PhraseId): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const m of EXPCOT_PHRASES[id].matchAll(/\{(\w+):(\w+)\}/g)) {
    const [, name, fmt] = m;
    values[name] =
      fmt === 'int'
        ? 437
        : fmt === 'f2'
          ? -12.35
          : fmt === 'type'
            ? 'contextual point'
            : fmt === 'family'
              ? FAMILY_WORDS.periodic
              : [
                  [3, 9],
                  [120, 141],
                ];
  }
  return values;
}

test('every template renders and parses back to the same id and values', () => {
  for (const id of Object.keys(EXPCOT_PHRASES) as PhraseId[]) {
    const values = sampleValues(id);
    const text = renderPhrase(id, values as never);
    assert.not.match(text, /[{}]/, `${id} left a slot unfilled`);
    const back = parsePhrase(text);
    assert.ok(back, `${id} does not parse back: ${text}`);
    assert.is(back!.id, id);
    assert.equal(back!.values, values);
  }
});

test('no two templates read the same sentence (each parses only as itself)', () => {
  for (const id of Object.keys(EXPCOT_PHRASES) as PhraseId[]) {
    assert.is(parsePhrase(renderPhrase(id, sampleValues(id) as never))!.id, id);
  }
});

test('every template is one sentence: a capital first letter, a full stop last, no inner ". X"', () => {
  for (const [id, tpl] of Object.entries(EXPCOT_PHRASES)) {
    assert.match(tpl, /^[A-Z]/, id);
    assert.match(tpl, /\.$/, id);
    assert.is(splitSentences(renderPhrase(id as PhraseId, sampleValues(id as PhraseId) as never)).length, 1, id);
  }
});

test('f2 prints exactly two decimals and never "-0.00" (table)', () => {
  const cases: [number, string][] = [
    [0, '0.00'],
    [-0.001, '0.00'],
    [-0.004, '0.00'],
    [-0.006, '-0.01'],
    [1.005, '1.00'],
    [2.5, '2.50'],
    [123456.789, '123456.79'],
    [-7, '-7.00'],
  ];
  for (const [v, s] of cases) assert.is(formatF2(v), s, String(v));
});

test('a slot with the wrong kind of value, or no value, is an error naming the phrase and slot', () => {
  assert.throws(() => renderPhrase('obs.summary', { n: 1.5, mean: 0, std: 1 }), /obs\.summary: slot n:int/);
  assert.throws(() => renderPhrase('obs.summary', { n: 10, mean: NaN, std: 1 }), /slot mean:f2/);
  assert.throws(() => renderPhrase('obs.summary', { n: 10, mean: 0 }), /slot std has no value/);
  assert.throws(() => renderPhrase('con.anomaly', { type: 'normal', intervals: [[1, 2]] }), /slot type:type/);
  assert.throws(() => renderPhrase('con.anomaly', { type: 'trend', intervals: [] }), /slot intervals:intervals/);
});

test('sentences split at ". " before a capital, never inside a number', () => {
  assert.equal(splitSentences('Observation: the mean is 0.25 and std 1.50. The FFT shows no dominant period.'), [
    'Observation: the mean is 0.25 and std 1.50.',
    'The FFT shows no dominant period.',
  ]);
});

test('a sentence outside the templates does not parse', () => {
  assert.is(parsePhrase('The series looks odd.'), undefined);
  assert.is(parsePhrase(renderPhrase('obs.no-period') + ' '), undefined);
});

test.run();
