// The synth generator's public entry: ids, labels, validity, seeds and streams, errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../shared/errors.js';
import { SPLIT_SEEDS } from '../../shared/anomllm/generate.js';
import { SYNTH_TASKS, TASKS, type SynthTaskName } from '../../shared/series/labels.js';
import { type SeriesRecord, dominantType, recordToJson, validateRecord } from '../../shared/series/record.js';
import { formatJsonl, parseJsonl } from '../../shared/datasets/jsonl.js';
import { SYNTH_DEFAULT_COUNT, SYNTH_SPLIT_SEEDS, generateSynthSplit, generateSynthTask } from '../../shared/synth/generate.js';
import { SYNTH_TASK_PARAMS } from '../../shared/synth/tasks.js';

const jsonl = (rs: readonly SeriesRecord[]) => formatJsonl(rs);

test('the synth splits have their own default seeds, not the protocol’s 3407 and 42', () => {
  assert.equal(SYNTH_SPLIT_SEEDS, { train: 2718, eval: 3141 });
  assert.is.not(SYNTH_SPLIT_SEEDS.train, SPLIT_SEEDS.train);
  assert.is.not(SYNTH_SPLIT_SEEDS.eval, SPLIT_SEEDS.eval);
  assert.is.not(SYNTH_SPLIT_SEEDS.train, SYNTH_SPLIT_SEEDS.eval);
});

test('a default split holds SYNTH_DEFAULT_COUNT series of each requested task, with the eval seed', () => {
  const recs = generateSynthSplit('eval', { tasks: ['level-shift'] });
  assert.is(recs.length, SYNTH_DEFAULT_COUNT);
  assert.is(jsonl(recs.slice(0, 3)), jsonl(generateSynthTask('level-shift', { seed: SYNTH_SPLIT_SEEDS.eval, count: 3, split: 'eval' })));
});

test('every task gives valid records: ids split/task/NNNN, task set, type = dominant of intervalTypes, lengths in range', () => {
  const recs = generateSynthSplit('train', { count: 40 });
  assert.equal([...new Set(recs.map((r) => r.task))], [...SYNTH_TASKS]);
  for (const task of SYNTH_TASKS) {
    const mine = recs.filter((r) => r.task === task);
    assert.equal(
      mine.map((r) => r.id),
      Array.from({ length: 40 }, (_, i) => `train/${task}/${String(i).padStart(4, '0')}`),
    );
    const [lo, hi] = SYNTH_TASK_PARAMS[task].length;
    for (const r of mine) {
      validateRecord(r, r.id);
      assert.ok(r.intervalTypes !== undefined, `${r.id} carries intervalTypes`);
      assert.is(r.intervalTypes!.length, r.intervals.length);
      assert.is(r.type, dominantType(r.intervals, r.intervalTypes!));
      assert.ok(r.series.length >= lo && r.series.length <= hi, `${r.id} length ${r.series.length}`);
    }
  }
});

test('generated records round-trip through JSONL with their intervalTypes, value for value', () => {
  const recs = generateSynthSplit('eval', { count: 6 });
  const text = formatJsonl(recs);
  const back = parseJsonl(text, 'synth.jsonl');
  assert.equal(back.map(recordToJson), recs.map(recordToJson));
  assert.ok(back.every((r, i) => r.intervalTypes!.length === recs[i].intervals.length));
  assert.is(formatJsonl(back), text);
});

test('a fixed length applies to every series, and odd lengths down to 1 sample stay valid', () => {
  for (const task of SYNTH_TASKS) {
    for (const length of [1, 2, 7, 64, 333, 5000]) {
      for (const r of generateSynthTask(task, { seed: 3, count: 8, length })) {
        assert.is(r.series.length, length);
        validateRecord(r, `${task} L=${length}`);
      }
    }
  }
});

test('the same seed gives byte-identical JSONL; another seed gives different bytes', () => {
  const once = jsonl(generateSynthSplit('eval', { count: 4 }));
  const again = jsonl(generateSynthSplit('eval', { count: 4 }));
  assert.is(once, again);
  assert.is.not(jsonl(generateSynthSplit('eval', { seed: 3142, count: 4 })), once);
  for (const task of SYNTH_TASKS) {
    const a = jsonl(generateSynthTask(task, { seed: 1, count: 3 }));
    assert.is.not(jsonl(generateSynthTask(task, { seed: 2, count: 3 })), a, task);
  }
});

test('a task does not depend on which other tasks are generated, nor on their order', () => {
  const alone = generateSynthSplit('train', { count: 5, tasks: ['pattern'] });
  const mixed = generateSynthSplit('train', { count: 5, tasks: ['multi-type', 'global-spikes', 'pattern'] }).filter((r) => r.task === 'pattern');
  assert.is(jsonl(mixed), jsonl(alone));
});

test('a smaller count is a prefix of a larger one', () => {
  for (const task of SYNTH_TASKS) {
    const small = generateSynthTask(task, { seed: 9, count: 3 });
    const large = generateSynthTask(task, { seed: 9, count: 7 });
    assert.is(jsonl(small), jsonl(large.slice(0, 3)), task);
  }
});

test('the split name changes the ids only; the seed fixes the values', () => {
  const a = generateSynthSplit('train', { seed: 77, count: 3, tasks: ['dense-points'] });
  const b = generateSynthSplit('eval', { seed: 77, count: 3, tasks: ['dense-points'] });
  assert.equal(
    a.map((r) => ({ ...recordToJson(r), id: '' })),
    b.map((r) => ({ ...recordToJson(r), id: '' })),
  );
  assert.is.not(a[0].id, b[0].id);
});

test('bad task, seed, count, length and split are ConfigErrors naming the field and the allowed values', () => {
  const cases: [() => unknown, RegExp][] = [
    [
      () => generateSynthTask('range' as SynthTaskName, { seed: 1, count: 1 }),
      /^task: unknown synth task "range"; valid synth tasks: global-spikes, contextual-spikes, /,
    ],
    [() => generateSynthTask('global-spikes', { seed: -1, count: 1 }), /^seed: must be an integer in \[0, 4294967295\], got -1$/],
    [() => generateSynthTask('global-spikes', { seed: 1, count: 1.5 }), /^count: must be an integer in \[0, 1000000\], got 1.5$/],
    [() => generateSynthTask('global-spikes', { seed: 1, count: 1, length: 0 }), /^length: must be an integer in \[1, 1000000\], got 0$/],
    [() => generateSynthSplit('test' as 'eval'), /^split: must be "train" or "eval", got "test"$/],
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
  for (const t of TASKS)
    assert.throws(
      () => generateSynthTask(t as unknown as SynthTaskName, { seed: 1, count: 1 }),
      (e: unknown) => e instanceof ConfigError,
      t,
    );
});

test.run();
