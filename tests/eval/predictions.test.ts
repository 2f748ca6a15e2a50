import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePredictionsJsonl } from '../../shared/eval/predictions.js';
import { DataError } from '../../shared/errors.js';

const lengths = new Map([
  ['a', 100],
  ['b', 50],
]);
const FILE = 'preds.jsonl';

test('a raw trace line is parsed with parseTrace', () => {
  const m = parsePredictionsJsonl('{"id": "a", "text": "<think> x </think><answer>[[10, 20]]</answer><class>contextual</class>"}\n', FILE, lengths);
  assert.equal(m.get('a'), {
    intervals: [[10, 20]],
    type: 'contextual point',
    formatOk: true,
    text: '<think> x </think><answer>[[10, 20]]</answer><class>contextual</class>',
  });
});

test('a structured line is cleaned like a parsed answer: clipped, merged, class normalised', () => {
  const m = parsePredictionsJsonl('{"id": "b", "intervals": [[40, 60], [10, 20], [15, 25], [-3, 2]], "type": "Global"}', FILE, lengths);
  assert.equal(m.get('b'), {
    intervals: [
      [10, 25],
      [40, 50],
    ],
    type: 'global point',
    formatOk: true,
  });
});

test('a structured line with an unknown class keeps no class, and intervals null means no answer', () => {
  const m = parsePredictionsJsonl('{"id": "a", "intervals": [], "type": "spike"}\n{"id": "b", "intervals": null, "type": "trend"}', FILE, lengths);
  assert.equal(m.get('a'), { intervals: [], type: undefined, formatOk: false });
  assert.equal(m.get('b'), { intervals: null, type: 'trend', formatOk: false });
});

test('text wins over intervals, extra keys are ignored, blank lines are skipped', () => {
  const m = parsePredictionsJsonl('\n{"id": "a", "text": "<answer>[[1, 2]]</answer>", "intervals": [[5, 9]], "reward": 0.3}\n\n', FILE, lengths);
  assert.equal(m.get('a')?.intervals, [[1, 2]]);
  assert.is(m.size, 1);
});

test('a windowed answer keeps how the series was scaled and each window’s trace', () => {
  const line =
    '{"id": "a", "intervals": [[3, 5]], "type": "trend", "normalize": "none", "scaled": "robust", "windows": [{"start": 0, "length": 60, "text": "t0"}, {"start": 40, "length": 60, "text": "t1"}]}';
  const p = parsePredictionsJsonl(line, FILE, lengths).get('a')!;
  assert.is(p.normalize, 'none');
  assert.is(p.scaled, 'robust');
  assert.equal(p.windows, [
    { start: 0, length: 60, text: 't0' },
    { start: 40, length: 60, text: 't1' },
  ]);
  assert.equal(p.intervals, [[3, 5]]);
});

const bad: [string, string, number, string | undefined][] = [
  ['malformed JSON', '{"id": "a", ', 2, undefined],
  ['a line that is not an object', '[1, 2]', 2, undefined],
  ['no id', '{"text": "x"}', 2, 'id'],
  ['a numeric id', '{"id": 3, "text": "x"}', 2, 'id'],
  ['an id not in the data', '{"id": "zzz", "text": "x"}', 2, 'id'],
  ['an id given twice', '{"id": "b", "text": "x"}', 2, 'id'],
  ['intervals that are not a list', '{"id": "a", "intervals": "[[1, 2]]", "type": "trend"}', 2, 'intervals'],
  ['an interval that is not a pair', '{"id": "a", "intervals": [[1, 2, 3]], "type": "trend"}', 2, 'intervals'],
  ['an interval of non-integers', '{"id": "a", "intervals": [[1.5, 2]], "type": "trend"}', 2, 'intervals'],
  ['neither text nor intervals', '{"id": "a", "type": "trend"}', 2, 'intervals'],
  ['a text that is not a string', '{"id": "a", "text": 5}', 2, 'text'],
  ['a type that is not a string', '{"id": "a", "intervals": [], "type": 1}', 2, 'type'],
  ['an unknown normalize mode', '{"id": "a", "intervals": [], "type": "normal", "normalize": "zscore"}', 2, 'normalize'],
  ['an unknown scaled mode', '{"id": "a", "intervals": [], "type": "normal", "scaled": 3}', 2, 'scaled'],
  ['windows that are not a list', '{"id": "a", "intervals": [], "type": "normal", "windows": {}}', 2, 'windows'],
  ['a window beyond the series', '{"id": "a", "intervals": [], "type": "normal", "windows": [{"start": 60, "length": 50, "text": "x"}]}', 2, 'windows'],
  ['a window without its text', '{"id": "a", "intervals": [], "type": "normal", "windows": [{"start": 0, "length": 50}]}', 2, 'windows'],
];
for (const [name, line, lineNo, field] of bad) {
  test(`a predictions line with ${name} is a DataError naming file, line and field`, () => {
    // Line 1 is a good prediction for "b", so the bad one is line 2.
    const text = `{"id": "b", "intervals": [], "type": "normal"}\n${line}\n`;
    try {
      parsePredictionsJsonl(text, FILE, lengths);
      assert.unreachable('should throw');
    } catch (err) {
      assert.instance(err, DataError);
      const e = err as DataError;
      assert.is(e.file, FILE);
      assert.is(e.line, lineNo);
      assert.is(e.field, field);
      assert.ok(e.message.startsWith(`${FILE}, line ${lineNo}`), e.message);
    }
  });
}

test.run();
