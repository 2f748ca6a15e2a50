import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTrace, parseRawPairs, cleanIntervals } from '../../shared/trace/parse.js';
import type { Interval } from '../../shared/series/record.js';
import type { AnomalyType } from '../../shared/series/labels.js';

const L = 100;
const think = '<think> Observation: flat. Reasoning & Validation: z = 9. Conclusion: spike. </think>\n';

interface Case {
  name: string;
  text: string;
  intervals: Interval[] | null;
  type: AnomalyType | undefined;
  hasThink: boolean;
  formatOk: boolean;
}

const cases: Case[] = [
  {
    name: 'a well-formed trace',
    text: `${think}<answer>[[10, 20], [40, 45]]</answer>\n<class>global point</class>`,
    intervals: [
      [10, 20],
      [40, 45],
    ],
    type: 'global point',
    hasThink: true,
    formatOk: true,
  },
  {
    name: 'an empty answer list for a normal series',
    text: `${think}<answer>[]</answer><class>normal</class>`,
    intervals: [],
    type: 'normal',
    hasThink: true,
    formatOk: true,
  },
  {
    name: 'messy whitespace, newlines and tag case',
    text: '<THINK>\nok\n</Think>\n< Answer >\n [ [ 10 ,20 ] ,\n [40,45] ] \n</ANSWER >\n<Class> Seasonal </CLASS>',
    intervals: [
      [10, 20],
      [40, 45],
    ],
    type: 'seasonal',
    hasThink: true,
    formatOk: true,
  },
  {
    name: 'a single pair without outer brackets',
    text: `${think}<answer>[3, 9]</answer><class>trend</class>`,
    intervals: [[3, 9]],
    type: 'trend',
    hasThink: true,
    formatOk: true,
  },
  {
    name: 'pairs listed without outer brackets',
    text: `${think}<answer>[1, 2], [5, 8]</answer><class>trend</class>`,
    intervals: [
      [1, 2],
      [5, 8],
    ],
    type: 'trend',
    hasThink: true,
    formatOk: true,
  },
  {
    name: 'trailing commas',
    text: `${think}<answer>[[1, 2,], [5, 8],]</answer><class>trend</class>`,
    intervals: [
      [1, 2],
      [5, 8],
    ],
    type: 'trend',
    hasThink: true,
    formatOk: true,
  },
  {
    name: 'numbers written as 12.0',
    text: `${think}<answer>[[12.0, 30.0]]</answer><class>trend</class>`,
    intervals: [[12, 30]],
    type: 'trend',
    hasThink: true,
    formatOk: true,
  },
  { name: 'round brackets', text: `${think}<answer>[(1, 4)]</answer><class>trend</class>`, intervals: [[1, 4]], type: 'trend', hasThink: true, formatOk: true },
  {
    name: '"contextual" normalised to "contextual point"',
    text: `${think}<answer>[[5, 7]]</answer><class>contextual</class>`,
    intervals: [[5, 7]],
    type: 'contextual point',
    hasThink: true,
    formatOk: true,
  },
  {
    name: '"Global" normalised to "global point"',
    text: `${think}<answer>[[5, 7]]</answer><class>Global</class>`,
    intervals: [[5, 7]],
    type: 'global point',
    hasThink: true,
    formatOk: true,
  },
  {
    name: 'start >= end and negative pairs dropped',
    text: `${think}<answer>[[9, 3], [4, 4], [-2, 5], [10, 12]]</answer><class>trend</class>`,
    intervals: [[10, 12]],
    type: 'trend',
    hasThink: true,
    formatOk: true,
  },
  {
    name: 'a non-integer pair dropped',
    text: `${think}<answer>[[1.5, 4], [10, 12]]</answer><class>trend</class>`,
    intervals: [[10, 12]],
    type: 'trend',
    hasThink: true,
    formatOk: true,
  },
  {
    name: 'ends clipped to the series length, pairs past the end dropped',
    text: `${think}<answer>[[90, 150], [100, 120], [130, 140]]</answer><class>trend</class>`,
    intervals: [[90, 100]],
    type: 'trend',
    hasThink: true,
    formatOk: true,
  },
  {
    name: 'overlapping and touching pairs sorted and merged',
    text: `${think}<answer>[[50, 60], [1, 3], [3, 4], [55, 70], [80, 81]]</answer><class>trend</class>`,
    intervals: [
      [1, 4],
      [50, 70],
      [80, 81],
    ],
    type: 'trend',
    hasThink: true,
    formatOk: true,
  },
  {
    name: 'all pairs dropped still parses as no anomaly',
    text: `${think}<answer>[[5, 5]]</answer><class>normal</class>`,
    intervals: [],
    type: 'normal',
    hasThink: true,
    formatOk: true,
  },
  {
    name: 'a missing think block',
    text: '<answer>[[1, 2]]</answer><class>trend</class>',
    intervals: [[1, 2]],
    type: 'trend',
    hasThink: false,
    formatOk: false,
  },
  {
    name: 'an unclosed think block',
    text: '<think> thinking… <answer>[[1, 2]]</answer><class>trend</class>',
    intervals: [[1, 2]],
    type: 'trend',
    hasThink: false,
    formatOk: false,
  },
  { name: 'a missing answer', text: `${think}<class>trend</class>`, intervals: null, type: 'trend', hasThink: true, formatOk: false },
  { name: 'an unclosed answer', text: `${think}<answer>[[1, 2]]<class>trend</class>`, intervals: null, type: 'trend', hasThink: true, formatOk: false },
  { name: 'a missing class', text: `${think}<answer>[[1, 2]]</answer>`, intervals: [[1, 2]], type: undefined, hasThink: true, formatOk: false },
  {
    name: 'a class that names nothing known',
    text: `${think}<answer>[[1, 2]]</answer><class>spike</class>`,
    intervals: [[1, 2]],
    type: undefined,
    hasThink: true,
    formatOk: false,
  },
  {
    name: 'words inside the answer',
    text: `${think}<answer>from 10 to 20</answer><class>trend</class>`,
    intervals: null,
    type: 'trend',
    hasThink: true,
    formatOk: false,
  },
  { name: 'an empty answer body', text: `${think}<answer>  </answer><class>normal</class>`, intervals: null, type: 'normal', hasThink: true, formatOk: false },
  {
    name: 'a pair of three numbers',
    text: `${think}<answer>[[1, 2, 3]]</answer><class>trend</class>`,
    intervals: null,
    type: 'trend',
    hasThink: true,
    formatOk: false,
  },
  {
    name: 'unbalanced brackets',
    text: `${think}<answer>[[1, 2]</answer><class>trend</class>`,
    intervals: null,
    type: 'trend',
    hasThink: true,
    formatOk: false,
  },
  {
    name: 'only the first answer and class count',
    text: `${think}<answer>[[1, 2]]</answer><class>trend</class> or <answer>[[5, 9]]</answer><class>seasonal</class>`,
    intervals: [[1, 2]],
    type: 'trend',
    hasThink: true,
    formatOk: true,
  },
  { name: 'garbage', text: '}{ not a trace at all <<<>>>', intervals: null, type: undefined, hasThink: false, formatOk: false },
  { name: 'the empty string', text: '', intervals: null, type: undefined, hasThink: false, formatOk: false },
];

for (const c of cases) {
  test(`parseTrace reads ${c.name}`, () => {
    const p = parseTrace(c.text, L);
    assert.equal(p.intervals, c.intervals, 'intervals');
    assert.is(p.type, c.type, 'type');
    assert.is(p.hasThink, c.hasThink, 'hasThink');
    assert.is(p.formatOk, c.formatOk, 'formatOk');
  });
}

test('parseRawPairs keeps pairs as written (before cleaning)', () => {
  assert.equal(parseRawPairs('[[9, 3], [-1, 2]]'), [
    [9, 3],
    [-1, 2],
  ]);
  assert.equal(parseRawPairs('[]'), []);
  assert.is(parseRawPairs('[[1, 2]] extra'), null);
  assert.is(parseRawPairs('[1, 2, 3]'), null);
  assert.is(parseRawPairs('[,]'), null);
});

test('cleanIntervals does not modify its input', () => {
  const raw: [number, number][] = [
    [5, 9],
    [1, 6],
  ];
  const copy = JSON.parse(JSON.stringify(raw));
  assert.equal(cleanIntervals(raw, 100), [[1, 9]]);
  assert.equal(raw, copy);
});

test('cleanIntervals output is sorted, disjoint, non-touching and inside the series', () => {
  // A plain mask built from the raw pairs is the reference for what the merged intervals must cover.
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let trial = 0; trial < 200; trial++) {
    const len = 1 + Math.floor(next() * 60);
    const raw: [number, number][] = Array.from({ length: Math.floor(next() * 6) }, () => [Math.floor(next() * 80) - 10, Math.floor(next() * 80) - 10]);
    const got = cleanIntervals(raw, len);
    const mask = new Uint8Array(len);
    for (const [s, e] of raw) if (s >= 0 && e > s) for (let i = s; i < Math.min(e, len); i++) mask[i] = 1;
    const back = new Uint8Array(len);
    for (const [s, e] of got) for (let i = s; i < e; i++) back[i] = 1;
    assert.equal(Array.from(back), Array.from(mask));
    for (let k = 1; k < got.length; k++) assert.ok(got[k][0] > got[k - 1][1], 'gap between merged intervals');
  }
});

test.run();
