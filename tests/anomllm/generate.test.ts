import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { ConfigError } from '../../shared/errors.js';
import { SPLIT_SEEDS, generateSplit, generateTask } from '../../shared/anomllm/generate.js';
import { ANOMLLM_TASKS, TASKS, type TaskName } from '../../shared/series/labels.js';
import { type SeriesRecord, recordToJson, validateRecord } from '../../shared/series/record.js';

// docs/METHOD.md §3 table, the label of a series with at least one interval.
const LABELS: Record<TaskName, string> = {
  range: 'global point',
  point: 'contextual point',
  freq: 'seasonal',
  trend: 'trend',
  'flat-trend': 'trend',
  'noisy-point': 'contextual point',
  'noisy-freq': 'seasonal',
  'noisy-trend': 'trend',
  shapelet: 'shapelet',
};

const jsonl = (rs: readonly SeriesRecord[]) => rs.map((r) => JSON.stringify(recordToJson(r)) + '\n').join('');
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

test('SPLIT_SEEDS are the paper seeds: train 3407, eval 42', () => {
  assert.equal(SPLIT_SEEDS, { train: 3407, eval: 42 });
});

test('a default split has 400 series of length 1000 for each of the 8 AnomLLM tasks, valid, with unique ids', () => {
  const recs = generateSplit('eval');
  assert.is(recs.length, 8 * 400);
  assert.equal([...new Set(recs.map((r) => r.task))], [...ANOMLLM_TASKS]);
  assert.is(new Set(recs.map((r) => r.id)).size, recs.length);
  for (const r of recs) {
    assert.is(r.series.length, 1000);
    validateRecord(r, 'generated');
  }
});

test('ids are split/task/index padded to 4 digits; type is the task label or normal', () => {
  const recs = generateSplit('train', { count: 12, tasks: TASKS });
  for (const task of TASKS) {
    const mine = recs.filter((r) => r.task === task);
    assert.equal(
      mine.map((r) => r.id),
      Array.from({ length: 12 }, (_, i) => `train/${task}/${i < 10 ? '000' : '00'}${i}`),
    );
    for (const r of mine) assert.is(r.type, r.intervals.length === 0 ? 'normal' : LABELS[task]);
  }
  assert.is(generateTask('range', { seed: 1, count: 1 })[0].id, 'custom/range/0000');
  assert.is(generateTask('range', { seed: 1, count: 1, split: 'x' })[0].id, 'x/range/0000');
});

test('every task produces valid records at odd lengths, from 1 sample up', () => {
  for (const task of TASKS) {
    for (const length of [1, 2, 7, 64, 333, 2500]) {
      for (const r of generateTask(task, { seed: 7, count: 20, length })) {
        assert.is(r.series.length, length);
        validateRecord(r, `${task} L=${length}`);
      }
    }
  }
});

test('the split seed is the default seed; the split name only changes ids', () => {
  const a = generateSplit('eval', { count: 3, tasks: ['range'] });
  const b = generateTask('range', { seed: 42, count: 3, split: 'eval' });
  assert.is(jsonl(a), jsonl(b));
  const c = generateSplit('train', { seed: 42, count: 3, tasks: ['range'] });
  assert.equal(
    c.map((r) => Array.from(r.series)),
    b.map((r) => Array.from(r.series)),
  );
});

test('a task does not depend on which other tasks are generated, nor on their order', () => {
  const alone = generateSplit('train', { count: 5, tasks: ['freq'] });
  const mixed = generateSplit('train', { count: 5, tasks: ['trend', 'range', 'freq', 'shapelet'] }).filter((r) => r.task === 'freq');
  assert.is(jsonl(mixed), jsonl(alone));
});

test('a smaller count is a prefix of a larger one', () => {
  for (const task of TASKS) {
    const small = generateTask(task, { seed: 9, count: 4, length: 300 });
    const large = generateTask(task, { seed: 9, count: 11, length: 300 });
    assert.is(jsonl(small), jsonl(large.slice(0, 4)));
  }
});

test('the same seed gives byte-identical JSONL; another seed gives different bytes', () => {
  const once = jsonl(generateSplit('eval', { count: 5, tasks: TASKS, length: 200 }));
  const again = jsonl(generateSplit('eval', { count: 5, tasks: TASKS, length: 200 }));
  assert.is(once, again);
  assert.is.not(jsonl(generateSplit('eval', { seed: 43, count: 5, tasks: TASKS, length: 200 })), once);
});

test('pinned: the sha256 of a small seeded eval split over all nine tasks', () => {
  // Changing any draw, its order or the stream derivation changes this hash; update it only on purpose.
  const text = jsonl(generateSplit('eval', { count: 2, tasks: TASKS, length: 64 }));
  assert.is(text.split('\n').length - 1, 18);
  assert.is(sha256(text), '4673ad428e8053f979f7c0747924b26b1447d69c98062b8b90f2326e6ed169a5');
});

test('bad task, seed, count, length and split are ConfigErrors naming the field and the allowed values', () => {
  const cases: [() => unknown, RegExp][] = [
    [
      () => generateTask('nope' as TaskName, { seed: 1, count: 1 }),
      /^task: unknown task "nope"; valid tasks: range, point, freq, trend, flat-trend, noisy-point, noisy-freq, noisy-trend, shapelet$/,
    ],
    [() => generateTask('range', { seed: -1, count: 1 }), /^seed: must be an integer in \[0, 4294967295\], got -1$/],
    [() => generateTask('range', { seed: 1.5, count: 1 }), /^seed: must be an integer/],
    [() => generateTask('range', { seed: 1, count: -2 }), /^count: must be an integer in \[0, 1000000\], got -2$/],
    [() => generateTask('range', { seed: 1, count: 1, length: 0 }), /^length: must be an integer in \[1, 1000000\], got 0$/],
    [() => generateTask('range', { seed: 1, count: 1, length: 10.5 }), /^length: must be an integer/],
    [() => generateSplit('test' as 'eval'), /^split: must be "train" or "eval", got "test"$/],
  ];
  for (const [fn, re] of cases) {
    try {
      fn();
      assert.unreachable(String(re));
    } catch (err) {
      assert.instance(err, ConfigError);
      assert.match((err as Error).message, re);
    }
  }
});

test.run();
