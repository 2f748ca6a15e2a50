// Records with several anomaly types: the optional `intervalTypes`, the dominant-type
// rule that fixes `type`, its validation, and the synth tasks' table categories.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DataError } from '../../shared/errors.js';
import { SYNTH_TASKS, SYNTH_TASK_CATEGORIES, TASKS, categoryOf } from '../../shared/series/labels.js';
import {
  type Interval,
  type IntervalType,
  type SeriesRecord,
  INTERVAL_TYPE_ORDER,
  dominantType,
  recordToJson,
  validateRecord,
} from '../../shared/series/record.js';

test('the tie order is the class order of docs/METHOD.md §2 without normal', () => {
  assert.equal(INTERVAL_TYPE_ORDER, ['contextual point', 'global point', 'seasonal', 'trend', 'shapelet']);
});

const dominantCases: [string, Interval[], IntervalType[], string][] = [
  ['no interval is normal', [], [], 'normal'],
  ['one interval gives its type', [[3, 9]], ['trend'], 'trend'],
  [
    'the type covering most points wins over the most intervals',
    [
      [0, 1],
      [2, 3],
      [4, 5],
      [10, 14],
    ],
    ['global point', 'global point', 'global point', 'seasonal'],
    'seasonal',
  ],
  [
    'points add up across intervals of one type',
    [
      [0, 3],
      [5, 8],
      [10, 15],
    ],
    ['shapelet', 'shapelet', 'trend'],
    'shapelet',
  ],
  [
    'a tie goes to the type first in the order (contextual before global)',
    [
      [0, 2],
      [4, 6],
    ],
    ['global point', 'contextual point'],
    'contextual point',
  ],
  [
    'a tie goes to the type first in the order (seasonal before shapelet)',
    [
      [0, 5],
      [7, 12],
    ],
    ['shapelet', 'seasonal'],
    'seasonal',
  ],
];
for (const [name, intervals, types, want] of dominantCases) {
  test(`dominantType: ${name}`, () => assert.is(dominantType(intervals, types), want));
}

const multi = (): SeriesRecord => ({
  id: 'm',
  series: new Float64Array(20),
  intervals: [
    [2, 3],
    [5, 12],
    [15, 16],
  ],
  type: 'trend',
  task: 'multi-type',
  intervalTypes: ['global point', 'trend', 'contextual point'],
});

test('a record whose type is the dominant type of its intervalTypes is valid, and recordToJson keeps the list', () => {
  const r = validateRecord(multi(), 'x.jsonl', 1);
  assert.equal(recordToJson(r).intervalTypes, ['global point', 'trend', 'contextual point']);
  assert.not.ok('intervalTypes' in recordToJson({ ...multi(), intervalTypes: undefined, type: 'trend' }));
  validateRecord({ ...multi(), intervals: [], intervalTypes: [], type: 'normal' }, 'x.jsonl', 1);
});

const bad: [string, Partial<SeriesRecord>, RegExp][] = [
  ['too few types', { intervalTypes: ['trend', 'trend'] }, /field "intervalTypes": has 2 entries but there are 3 intervals/],
  ['an unknown type', { intervalTypes: ['global point', 'spike' as IntervalType, 'trend'] }, /entry 1 is "spike"; allowed: contextual point, global point/],
  ['normal as an interval type', { intervalTypes: ['global point', 'normal' as IntervalType, 'trend'] }, /entry 1 is "normal"/],
  ['a type that is not the dominant one', { type: 'global point' }, /field "type": is "global point" but intervalTypes make it "trend"/],
  ['unknown with interval types', { type: 'unknown' }, /is "unknown" but intervalTypes make it "trend"/],
  ['not an array', { intervalTypes: 'trend' as unknown as IntervalType[] }, /field "intervalTypes": must be an array/],
];
for (const [name, patch, re] of bad) {
  test(`validateRecord rejects ${name} with a DataError naming file, line and field`, () => {
    try {
      validateRecord({ ...multi(), ...patch }, 'x.jsonl', 7);
      assert.unreachable('should throw');
    } catch (e) {
      assert.instance(e, DataError);
      assert.match((e as Error).message, /^x\.jsonl, line 7, field "/);
      assert.match((e as Error).message, re);
    }
  });
}

test('synth tasks map to the paper categories where they belong and to their own column otherwise', () => {
  assert.equal(
    SYNTH_TASKS.map((t) => [t, categoryOf(t)]),
    [
      ['global-spikes', 'range'],
      ['contextual-spikes', 'point'],
      ['dense-points', 'dense-points'],
      ['level-shift', 'range'],
      ['pattern', 'pattern'],
      ['seasonal-change', 'freq'],
      ['trend-change', 'trend'],
      ['multi-type', 'multi-type'],
      ['pulse-cycles', 'pulse-cycles'],
    ],
  );
  assert.equal(Object.keys(SYNTH_TASK_CATEGORIES), [...SYNTH_TASKS]);
});

test('synth task names never reuse a protocol task name, and unknown names keep the old rule', () => {
  for (const t of SYNTH_TASKS) assert.not.ok((TASKS as readonly string[]).includes(t), t);
  assert.is(categoryOf('noisy-foo'), 'foo');
  assert.is(categoryOf('constructor'), 'constructor');
  assert.is(categoryOf('__proto__'), '__proto__');
});

test.run();
