import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { normalizeClass, categoryOf } from '../../shared/series/labels.js';
import { validateRecord, recordToJson, type SeriesRecord } from '../../shared/series/record.js';
import { DataError } from '../../shared/errors.js';

const cases: [string, string | undefined][] = [
  ['contextual', 'contextual point'],
  ['Contextual Point', 'contextual point'],
  ['GLOBAL', 'global point'],
  ['global_point', 'global point'],
  [' seasonal ', 'seasonal'],
  ['Trend anomaly', 'trend'],
  ['"normal"', 'normal'],
  ['shapelet', 'shapelet'],
  ['spike', undefined],
  ['', undefined],
];
for (const [input, want] of cases) {
  test(`normalizeClass(${JSON.stringify(input)}) is ${want}`, () => assert.is(normalizeClass(input), want));
}

test('categoryOf drops noisy- and flat- prefixes', () => {
  assert.is(categoryOf('noisy-freq'), 'freq');
  assert.is(categoryOf('flat-trend'), 'trend');
  assert.is(categoryOf('range'), 'range');
});

const good = (): SeriesRecord => ({ id: 'a', series: Float64Array.from([0, 1, 2, 3]), intervals: [[1, 3]], type: 'trend' });

test('a valid record passes and round-trips through JSON', () => {
  const r = validateRecord(good(), 'x.jsonl', 1);
  assert.equal(recordToJson(r), { id: 'a', series: [0, 1, 2, 3], intervals: [[1, 3]], type: 'trend' });
});

const bad: [string, Partial<SeriesRecord>, RegExp][] = [
  ['NaN value', { series: Float64Array.from([0, NaN]) }, /x\.jsonl, line 4, field "series": value 1 is NaN/],
  ['empty series', { series: new Float64Array(0) }, /field "series": is empty/],
  ['start >= end', { intervals: [[3, 3]] }, /start >= end/],
  ['out of range', { intervals: [[2, 9]] }, /outside \[0, 4\)/],
  [
    'overlap',
    {
      intervals: [
        [0, 2],
        [1, 3],
      ],
    },
    /overlaps/,
  ],
  ['normal with intervals', { type: 'normal' }, /is "normal" but intervals are given/],
  ['unknown type', { type: 'spike' as never }, /not one of the six labels/],
];
for (const [name, patch, re] of bad) {
  test(`validateRecord rejects ${name} with a DataError naming file, line and field`, () => {
    try {
      validateRecord({ ...good(), ...patch }, 'x.jsonl', 4);
      assert.unreachable('should throw');
    } catch (e) {
      assert.instance(e, DataError);
      assert.match((e as Error).message, re);
      assert.match((e as Error).message, /^x\.jsonl, line 4/);
    }
  });
}

test.run();
