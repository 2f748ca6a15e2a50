import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatTrace, formatIntervals } from '../../shared/trace/format.js';
import { parseTrace } from '../../shared/trace/parse.js';
import { ANOMALY_TYPES } from '../../shared/series/labels.js';
import type { Interval } from '../../shared/series/record.js';
import { Rng } from '../../shared/rng.js';

test('formatTrace writes the paper template exactly', () => {
  const text = formatTrace({
    think: 'Observation: a. Reasoning & Validation: b. Conclusion: c.',
    intervals: [
      [3, 9],
      [20, 25],
    ],
    type: 'seasonal',
  });
  assert.is(text, '<think> Observation: a. Reasoning & Validation: b. Conclusion: c. </think>\n<answer>[[3, 9], [20, 25]]</answer>\n<class>seasonal</class>');
});

test('formatTrace writes [] when there are no intervals', () => {
  assert.is(formatIntervals([]), '[]');
  assert.ok(formatTrace({ think: 'x', intervals: [], type: 'normal' }).includes('<answer>[]</answer>'));
});

test('formatTrace → parseTrace gives back the intervals and type, for random traces of every class', () => {
  const rng = new Rng(11);
  for (let trial = 0; trial < 300; trial++) {
    const length = 10 + rng.int(990);
    const intervals: Interval[] = [];
    let at = rng.int(20);
    while (at < length - 1 && intervals.length < 8 && rng.bernoulli(0.6)) {
      const end = Math.min(length, at + 1 + rng.int(50));
      intervals.push([at, end]);
      at = end + 1 + rng.int(100);
    }
    const type = ANOMALY_TYPES[rng.int(ANOMALY_TYPES.length)];
    const parsed = parseTrace(formatTrace({ think: `Observation: trial ${trial}.`, intervals, type }), length);
    assert.equal(parsed.intervals, intervals);
    assert.is(parsed.type, type);
    assert.ok(parsed.formatOk);
  }
});

test.run();
