// The real-data benchmark's tables (bench/real-data-table.ts) score tiny known cases as the
// metrics define them: one row per file, the two models side by side, and an overall row of
// means; figures worked out by hand below.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eventTableMarkdown, fileTableMarkdown, realDataTable, summaryHead, summaryRow } from '../../bench/real-data-table.js';
import type { Prediction } from '../../shared/eval/score.js';
import type { AnomalyType } from '../../shared/series/labels.js';
import type { Interval, SeriesRecord } from '../../shared/series/record.js';

const rec = (id: string, intervals: Interval[], type: SeriesRecord['type'], n = 10): SeriesRecord => ({ id, series: new Float64Array(n), intervals, type });
const pred = (intervals: Interval[], type: AnomalyType): Prediction => ({ intervals, type, formatOk: true });

// [name, record, policy answer, baseline answer, expected policy {type, class, aff, pw, iou}, expected baseline]
type Want = [string, boolean | null, number, number, number];
const cases: [string, SeriesRecord, Prediction | undefined, Prediction | undefined, Want, Want][] = [
  // Exact hit on a NAB-like file (class unknown): every localisation metric 100; missing the anomaly: 0.
  [
    'exact hit vs silence',
    rec('a', [[2, 5]], 'unknown'),
    pred([[2, 5]], 'global point'),
    pred([], 'normal'),
    ['global point', null, 100, 100, 100],
    ['normal', null, 0, 0, 0],
  ],
  // A normal file: staying silent is right on every count (both empty → 1); a false alarm is 0 and the wrong class.
  [
    'normal kept vs false alarm',
    rec('b', [], 'normal'),
    pred([], 'normal'),
    pred([[0, 3]], 'trend'),
    ['normal', true, 100, 100, 100],
    ['trend', false, 0, 0, 0],
  ],
  // Half overlap: truth [0, 4), answer [2, 6): 2 of 4 points each way → point-wise F1 50; IoU 2 / 6.
  // Affiliation is not hand-checked here (tests/metrics has its own cases); it only has to be positive and below 100.
  [
    'half overlap vs no prediction',
    rec('c', [[0, 4]], 'unknown'),
    pred([[2, 6]], 'seasonal'),
    undefined,
    ['seasonal', null, NaN, 50, 100 / 3],
    ['—', null, 0, 0, 0],
  ],
];

for (const [name, r, p, b, wp, wb] of cases) {
  test(`one file: ${name}`, () => {
    const t = realDataTable([r], new Map(p === undefined ? [] : [[r.id, p]]), new Map(b === undefined ? [] : [[r.id, b]]));
    const row = t.rows[0]!;
    assert.is(row.points, 10);
    assert.is(row.labelWindows, r.intervals.length);
    for (const [got, want] of [
      [row.policy, wp],
      [row.baseline, wb],
    ] as const) {
      assert.is(got.type, want[0]);
      assert.is(got.classCorrect, want[1]);
      if (Number.isNaN(want[2])) assert.ok(got.affiliationF1 > 0 && got.affiliationF1 < 100, `affiliation ${got.affiliationF1}`);
      else assert.ok(Math.abs(got.affiliationF1 - want[2]) < 1e-9, `affiliation ${got.affiliationF1} ≠ ${want[2]}`);
      assert.ok(Math.abs(got.pointF1 - want[3]) < 1e-9, `point-wise ${got.pointF1} ≠ ${want[3]}`);
      assert.ok(Math.abs(got.iou - want[4]) < 1e-9, `IoU ${got.iou} ≠ ${want[4]}`);
    }
  });
}

test('the overall row is the mean over files, class accuracy over files of known class only', () => {
  const records = cases.map((c) => c[1]);
  const policy = new Map(cases.flatMap(([, r, p]) => (p === undefined ? [] : [[r.id, p] as const])));
  const baseline = new Map(cases.flatMap(([, r, , b]) => (b === undefined ? [] : [[r.id, b] as const])));
  const t = realDataTable(records, policy, baseline);
  const aff = t.rows.reduce((s, r) => s + r.policy.affiliationF1, 0) / 3;
  assert.ok(Math.abs(t.overall.policy.affiliationF1 - aff) < 1e-9);
  assert.ok(Math.abs(t.overall.policy.pointF1 - (100 + 100 + 50) / 3) < 1e-9);
  assert.ok(Math.abs(t.overall.policy.iou - (100 + 100 + 100 / 3) / 3) < 1e-9);
  assert.is(t.overall.policy.classAccuracy, 100); // only file b has a known class, and the policy got it
  assert.is(t.overall.baseline.classAccuracy, 0);
  assert.is(t.overall.policy.knownClass, 1);
  assert.equal([t.overall.baseline.affiliationF1, t.overall.baseline.pointF1, t.overall.baseline.iou], [0, 0, 0]);
  // The same figures reach the Markdown, one decimal.
  const md = fileTableMarkdown(t).split('\n');
  assert.is(md.length, 2 + 3 + 1);
  assert.is(md[2], '| a | 10 | 1 | global point | normal | 100.0 | 0.0 | 100.0 | 0.0 | 100.0 | 0.0 |');
  assert.is(md[3], '| b | 10 | 0 | normal ✓ | trend ✗ | 100.0 | 0.0 | 100.0 | 0.0 | 100.0 | 0.0 |');
  assert.match(md[4]!, /^\| c \| 10 \| 1 \| seasonal \| — \| \d+\.\d \| 0\.0 \| 50\.0 \| 0\.0 \| 33\.3 \| 0\.0 \|$/);
  assert.is(
    md[5],
    `| **all 3 files** | 30 | 2 | class acc 100.0 (1 known) | class acc 0.0 (1 known) | **${aff.toFixed(1)}** | **0.0** | **83.3** | **0.0** | **77.8** | **0.0** |`,
  );
});

test('the event table: windows found, false alarms and share marked per file, summed over files', () => {
  const records = cases.map((c) => c[1]);
  const policy = new Map(cases.flatMap(([, r, p]) => (p === undefined ? [] : [[r.id, p] as const])));
  const baseline = new Map(cases.flatMap(([, r, , b]) => (b === undefined ? [] : [[r.id, b] as const])));
  const md = eventTableMarkdown(realDataTable(records, policy, baseline)).split('\n');
  assert.is(md.length, 2 + 3 + 1);
  // a: policy finds [2, 5) with 3 of 10 points; the baseline is silent.
  assert.is(md[2], '| a | 1 | 1 | 0 | 0 | 0 | 30.0 | 0.0 |');
  // b (normal): the policy is silent; the baseline's [0, 3) touches no window — a false alarm, 30 % marked.
  assert.is(md[3], '| b | 0 | 0 | 0 | 0 | 1 | 0.0 | 30.0 |');
  // c: [2, 6) touches [0, 4): found; the baseline gave no answer.
  assert.is(md[4], '| c | 1 | 1 | 0 | 0 | 0 | 40.0 | 0.0 |');
  assert.is(md[5], '| **all 3 files** | 2 | **2** | **0** | **0** | **1** | **23.3** | **10.0** |');
});

test('the summary row puts a report in the paper columns, then its own categories', () => {
  // Tasks give the categories: a range record hit exactly, a dense-points record missed.
  const records: SeriesRecord[] = [
    { ...rec('r', [[1, 3]], 'global point'), task: 'level-shift' },
    { ...rec('d', [[4, 5]], 'contextual point'), task: 'dense-points' },
  ];
  const t = realDataTable(records, new Map([['r', pred([[1, 3]], 'global point')]]), new Map());
  assert.is(
    summaryHead(['dense-points']).split('\n')[0],
    '| model | class acc | freq F1 | trend F1 | range F1 | point F1 | avg F1 | point-wise F1 | IoU | dense-points F1 |',
  );
  // class 1 of 2; range F1 100 and the average of the one paper category present 100; point-wise and IoU means 50; dense-points 0.
  assert.is(summaryRow('policy', t.reports.policy, ['dense-points']), '| policy | 50.0 | — | — | 100.0 | — | 100.0 | 50.0 | 50.0 | 0.0 |');
});

test.run();
