// Faithfulness of a trace: its conclusion agrees with its answer, the numbers it states are
// the series' own (as the ExpCoT code computes and prints them), its intervals are well
// formed. An ExpCoT is faithful by construction, so each case below breaks one thing in one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateTask } from '../../shared/anomllm/generate.js';
import { buildExpCot } from '../../shared/expcot/build.js';
import { formatF2 } from '../../shared/expcot/phrases.js';
import { intervalsWellFormed, sentencesOf, summarizeFaithfulness, traceFaithfulness } from '../../shared/eval/faithfulness.js';
import { formatTable } from '../../shared/eval/table.js';
import { predictionFromTrace, reportToJson, scoreAll } from '../../shared/eval/score.js';
import type { SeriesRecord } from '../../shared/series/record.js';

const [range] = generateTask('range', { seed: 7, count: 4, split: 'eval' }).filter((r) => r.intervals.length > 0);
const expcot = buildExpCot(range!);
const text = expcot.text;
const x = range!.series;
const obs = expcot.evidence.observation;
const ivText = range!.intervals.map(([s, e]) => `[${s}, ${e})`).join(', ');

test('an ExpCoT is faithful: its conclusion agrees, every stated number is right, intervals are well formed', () => {
  const f = traceFaithfulness(text, x);
  assert.is(f.conclusion, 'agrees');
  assert.ok(f.stated > 10, `${f.stated} numbers stated`);
  assert.is(f.correct, f.stated);
  assert.equal(f.wrong, []);
  assert.is(f.wellFormed, true);
  assert.is(f.freeSentences, 0);
});

const CASES: [string, (t: string) => string, (f: ReturnType<typeof traceFaithfulness>) => void][] = [
  [
    'a conclusion naming other intervals disagrees',
    (t) => t.replace(`anomaly in ${ivText}.`, 'anomaly in [3, 9).'),
    (f) => assert.is(f.conclusion, 'disagrees'),
  ],
  [
    'a conclusion naming another type disagrees',
    (t) => t.replace('Conclusion: a global point anomaly', 'Conclusion: a trend anomaly'),
    (f) => assert.is(f.conclusion, 'disagrees'),
  ],
  [
    'an unreadable conclusion disagrees and is not well formed',
    (t) => t.replace(`anomaly in ${ivText}.`, 'anomaly in [613, 70), [), 70, 70).'),
    (f) => {
      assert.is(f.conclusion, 'disagrees');
      assert.is(f.wellFormed, false);
    },
  ],
  [
    'a think text without a conclusion is "missing"',
    (t) => t.replace(/ Conclusion: [^<]*\. <\/think>/, ' </think>'),
    (f) => assert.is(f.conclusion, 'missing'),
  ],
  [
    'a wrong mean is counted wrong, with the value the series has',
    (t) => t.replace(`with mean ${formatF2(obs.mean)} and`, `with mean ${formatF2(obs.mean + 0.37)} and`),
    (f) => {
      assert.is(f.stated - f.correct, 1);
      assert.equal(f.wrong, [{ phrase: 'obs.summary', slot: 'mean', stated: formatF2(obs.mean + 0.37), actual: formatF2(obs.mean) }]);
    },
  ],
  [
    'a wrong point count is counted wrong ("the series has 1000 points" on a shorter series)',
    (t) => t.replace(`the series has ${x.length} points`, `the series has ${x.length + 1} points`),
    (f) => assert.equal(f.wrong, [{ phrase: 'obs.summary', slot: 'n', stated: String(x.length + 1), actual: String(x.length) }]),
  ],
  [
    'a wrong family word is a wrong statement',
    (t) => t.replace('so this is a noise-like level series', 'so this is a periodic series'),
    (f) =>
      assert.equal(
        f.wrong.map((w) => `${w.phrase}.${w.slot}`),
        ['rsn.family.family'],
      ),
  ],
  [
    'an answer whose interval ends before it starts is not well formed',
    (t) => t.replace(/<answer>.*<\/answer>/, '<answer>[[50, 40]]</answer>'),
    (f) => {
      assert.is(f.wellFormed, false);
      assert.is(f.conclusion, 'disagrees');
    },
  ],
  [
    'a sentence that fits no template states nothing checkable and is counted',
    (t) => t.replace('<think> ', '<think> The weather is fine. '),
    (f) => {
      assert.is(f.freeSentences, 1);
      assert.is(f.correct, f.stated);
    },
  ],
];

for (const [name, edit, check] of CASES) {
  test(name, () => {
    const edited = edit(text);
    assert.is.not(edited, text, 'the case changes the trace');
    check(traceFaithfulness(edited, x));
  });
}

test('a normal conclusion agrees only with an empty answer and the class normal', () => {
  const [normal] = generateTask('trend', { seed: 3, count: 30, split: 'eval' }).filter((r) => r.intervals.length === 0);
  const t = buildExpCot(normal!).text;
  assert.is(traceFaithfulness(t, normal!.series).conclusion, 'agrees');
  assert.is(traceFaithfulness(t.replace('<answer>[]</answer>', '<answer>[[5, 9]]</answer>'), normal!.series).conclusion, 'disagrees');
  assert.is(traceFaithfulness(t.replace('<class>normal</class>', '<class>trend</class>'), normal!.series).conclusion, 'disagrees');
});

test('sentences end at a full stop followed by a space, not inside numbers', () => {
  assert.equal(sentencesOf('Mean 0.12 and std 3.40. Next one. last'), ['Mean 0.12 and std 3.40.', 'Next one.', 'last']);
});

test('well-formed intervals: inside [0, n], start < end, sorted, touching allowed', () => {
  const CASES: [[number, number][], boolean][] = [
    [[], true],
    [
      [
        [0, 5],
        [5, 9],
      ],
      true,
    ],
    [
      [
        [0, 5],
        [4, 9],
      ],
      false,
    ],
    [[[3, 3]], false],
    [[[8, 12]], false],
    [[[-1, 2]], false],
  ];
  for (const [ivs, ok] of CASES) assert.is(intervalsWellFormed(ivs, 10), ok, JSON.stringify(ivs));
});

test('the summary is in percent, names the slots most often wrong and the worst traces', () => {
  const good = traceFaithfulness(text, x);
  const bad = traceFaithfulness(
    text.replace(`with mean ${formatF2(obs.mean)} and`, 'with mean 9.99 and').replace(`anomaly in ${ivText}.`, 'anomaly in [3, 9).'),
    x,
  );
  const s = summarizeFaithfulness([
    { id: 'a', f: good },
    { id: 'b', f: bad },
  ]);
  assert.is(s.traces, 2);
  assert.is(s.conclusionAgreement, 50);
  assert.is(s.wellFormedIntervals, 100);
  assert.is(s.statedNumbers, good.stated + bad.stated);
  assert.ok(Math.abs(s.statedNumberAccuracy - (100 * (good.stated + bad.stated - 1)) / (good.stated + bad.stated)) < 1e-9);
  assert.equal(s.worstSlots, [{ slot: 'obs.summary.mean', wrong: 1, stated: 2 }]);
  assert.equal(
    s.worstTraces.map((w) => w.id),
    ['b'],
  );
  assert.is(summarizeFaithfulness([]).conclusionAgreement, 100, 'nothing to check: nothing wrong');
});

test('scoreAll reports faithfulness when predictions carry their text, and the table and JSON show it', () => {
  const records: SeriesRecord[] = [range!];
  const report = scoreAll(records, new Map([[range!.id, predictionFromTrace(text, x.length)]]));
  assert.is(report.faithfulness?.conclusionAgreement, 100);
  assert.match(
    formatTable(report),
    /faithfulness \(1 traces\): conclusion agrees with answer 100\.0 {3}stated numbers correct 100\.0 of \d+ {3}well-formed intervals 100\.0/,
  );
  assert.is((reportToJson(report).faithfulness as { traces: number }).traces, 1);
  const noText = scoreAll(records, new Map([[range!.id, { intervals: range!.intervals, type: 'global point' as const, formatOk: true }]]));
  assert.is(noText.faithfulness, undefined);
  assert.not.match(formatTable(noText), /faithfulness/);
});

test.run();
