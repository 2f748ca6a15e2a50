// The `synth:` data spec: parsing, printing, loading, errors, and use in a job file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../shared/errors.js';
import { compileJobConfig } from '../../shared/config/job.js';
import { parseJobYaml } from '../../shared/config/load.js';
import { DATA_SPEC_FORMS, type DataSpec, formatDataSpec, loadDataSpec, loadDataSpecSync, parseDataSpec } from '../../shared/datasets/spec.js';
import { recordToJson } from '../../shared/series/record.js';
import { SYNTH_TASKS } from '../../shared/series/labels.js';
import { SYNTH_SPLIT_SEEDS, generateSynthSplit } from '../../shared/synth/generate.js';

const parseCases: [string, DataSpec][] = [
  ['synth:train', { kind: 'synth', split: 'train' }],
  ['synth:eval?count=50&tasks=pattern,multi-type&seed=7', { kind: 'synth', split: 'eval', count: 50, tasks: ['pattern', 'multi-type'], seed: 7 }],
  ['synth:eval?tasks=dense-points&length=2000', { kind: 'synth', split: 'eval', length: 2000, tasks: ['dense-points'] }],
];
for (const [text, want] of parseCases) {
  test(`parseDataSpec(${JSON.stringify(text)})`, () => assert.equal(parseDataSpec(text), want));
  test(`format → parse round-trips ${JSON.stringify(text)}`, () => {
    assert.is(formatDataSpec(want), text);
    assert.equal(parseDataSpec(formatDataSpec(want)), want);
  });
}

test('synth: loads generateSynthSplit with the spec’s split, seed, count, tasks and length', async () => {
  const got = await loadDataSpec('synth:eval?count=2&tasks=pattern,level-shift&seed=7&length=600');
  const want = generateSynthSplit('eval', { seed: 7, count: 2, tasks: ['pattern', 'level-shift'], length: 600 });
  assert.equal(
    got.map((r) => r.id),
    ['eval/pattern/0000', 'eval/pattern/0001', 'eval/level-shift/0000', 'eval/level-shift/0001'],
  );
  assert.equal(got.map(recordToJson), want.map(recordToJson));
  assert.ok(got.every((r) => r.series.length === 600 && r.intervalTypes !== undefined));
});

test('synth: the default seed is the synth split’s, and all eight tasks are loaded', () => {
  const got = loadDataSpecSync('synth:train?count=1');
  assert.equal(
    got.map((r) => r.task),
    [...SYNTH_TASKS],
  );
  assert.equal(got.map(recordToJson), generateSynthSplit('train', { seed: SYNTH_SPLIT_SEEDS.train, count: 1 }).map(recordToJson));
});

const errors: [string, RegExp][] = [
  ['synth:eval?tasks=range', /^data spec: "synth:eval\?tasks=range": unknown task "range"; valid tasks: global-spikes, contextual-spikes, dense-points, /],
  ['anomllm:eval?tasks=pattern', /unknown task "pattern"; valid tasks: range, point, /],
  ['synth:test', /"synth:test": split "test" must be train or eval/],
  ['synth:eval?cnt=3', /unknown option "cnt"; allowed: count, tasks, seed, length/],
  ['synth:eval?count=0', /count=0 must be an integer in \[1, 1000000\]/],
  ['synthetic:eval', /unknown prefix "synthetic".*anomllm:<train\|eval>.*synth:<train\|eval>\[\?count=N&tasks=a,b&seed=N&length=N\]/],
];
for (const [spec, re] of errors) {
  test(`parseDataSpec(${JSON.stringify(spec)}) is a ConfigError naming the allowed values`, () => {
    try {
      parseDataSpec(spec);
      assert.unreachable('should throw');
    } catch (err) {
      assert.instance(err, ConfigError);
      assert.match((err as Error).message, re);
    }
  });
}

test('the synth form is listed among the data spec forms', () => {
  assert.ok(DATA_SPEC_FORMS.includes('synth:<train|eval>[?count=N&tasks=a,b&seed=N&length=N]'));
});

test('a job file can train and evaluate on synth splits', () => {
  const job = parseJobYaml('data:\n  train: synth:train\n  eval: synth:eval?count=20&tasks=multi-type\n', 'job.yaml');
  assert.is(job.data.train, 'synth:train');
  assert.is(job.data.eval, 'synth:eval?count=20&tasks=multi-type');
  assert.throws(
    () => compileJobConfig({ data: { train: 'synth:train?tasks=nope' } }),
    (e: unknown) => e instanceof ConfigError && /unknown task "nope"/.test((e as Error).message),
  );
});

test.run();
