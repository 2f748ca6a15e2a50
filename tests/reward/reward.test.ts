import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { reward, DEFAULT_REWARD_WEIGHTS, validateRewardWeights, localizationScore } from '../../shared/reward/reward.js';
import { parseTrace } from '../../shared/trace/parse.js';
import { formatTrace } from '../../shared/trace/format.js';
import { pointwise } from '../../shared/metrics/pointwise.js';
import { affiliation } from '../../shared/metrics/affiliation.js';
import { ConfigError } from '../../shared/errors.js';
import type { ParsedTrace } from '../../shared/trace/parse.js';

const L = 100;
const truth = { intervals: [[20, 30]] as const, type: 'global point' as const };

test('the paper weights are 0.1, 0.2, 0.7 and sum to 1', () => {
  assert.equal({ ...DEFAULT_REWARD_WEIGHTS }, { format: 0.1, class: 0.2, localization: 0.7 });
  assert.ok(Math.abs(DEFAULT_REWARD_WEIGHTS.format + DEFAULT_REWARD_WEIGHTS.class + DEFAULT_REWARD_WEIGHTS.localization - 1) < 1e-15);
});

test('a perfect trace earns the full reward of 1', () => {
  const r = reward(parseTrace(formatTrace({ think: 'x', intervals: [[20, 30]], type: 'global point' }), L), truth, L);
  assert.equal([r.format, r.cls, r.localization], [1, 1, 1]);
  assert.ok(Math.abs(r.total - 1) < 1e-12);
});

test('a correct "normal" answer (both empty) earns 1', () => {
  const r = reward(parseTrace(formatTrace({ think: 'x', intervals: [], type: 'normal' }), L), { intervals: [], type: 'normal' }, L);
  assert.ok(Math.abs(r.total - 1) < 1e-12);
});

test('an unparseable answer scores 0 on all six localization numbers but keeps its class term', () => {
  const r = reward(parseTrace('<think> x </think><answer>somewhere</answer><class>global</class>', L), truth, L);
  assert.is(r.format, 0);
  assert.is(r.cls, 1);
  assert.is(r.localization, 0);
  assert.equal(r.parts.pointwise, { precision: 0, recall: 0, f1: 0 });
  assert.equal(r.parts.affiliation, { precision: 0, recall: 0, f1: 0 });
  assert.ok(Math.abs(r.total - 0.2) < 1e-15);
});

test('localization is the mean of point-wise and affiliation P, R, F1', () => {
  const parsed = parseTrace('<think> x </think><answer>[[25, 40]]</answer><class>trend</class>', L);
  const r = reward(parsed, truth, L);
  const p = pointwise(truth.intervals, [[25, 40]], L);
  const a = affiliation(truth.intervals, [[25, 40]], L);
  const six = [p.precision, p.recall, p.f1, a.precision, a.recall, a.f1];
  assert.ok(Math.abs(r.localization - six.reduce((x, y) => x + y, 0) / 6) < 1e-15);
  assert.ok(Math.abs(localizationScore(p, a) - r.localization) < 1e-15);
  assert.is(r.cls, 0);
  assert.is(r.format, 1);
  assert.ok(Math.abs(r.total - (0.1 + 0.7 * r.localization)) < 1e-15);
});

test('custom weights weigh each term', () => {
  const parsed: ParsedTrace = { hasThink: false, intervals: [[20, 30]], type: 'global point', formatOk: false };
  const r = reward(parsed, truth, L, { format: 5, class: 2, localization: 0.5 });
  assert.ok(Math.abs(r.total - (0 * 5 + 1 * 2 + 1 * 0.5)) < 1e-15);
});

test('a record of unknown type never earns the class term', () => {
  const parsed: ParsedTrace = { hasThink: true, intervals: [[20, 30]], type: 'global point', formatOk: true };
  assert.is(reward(parsed, { intervals: [[20, 30]], type: 'unknown' }, L).cls, 0);
});

const badWeights: [string, unknown, string][] = [
  ['a negative weight', { format: -0.1 }, 'reward.weights.format'],
  ['a NaN weight', { class: NaN }, 'reward.weights.class'],
  ['an infinite weight', { localization: Infinity }, 'reward.weights.localization'],
  ['a string weight', { format: '0.1' }, 'reward.weights.format'],
  ['an unknown key', { fromat: 0.1 }, 'reward.weights.fromat'],
  ['a non-object', 3, 'reward.weights'],
];
for (const [name, input, field] of badWeights) {
  test(`reward weights with ${name} are a ConfigError naming ${field}`, () => {
    try {
      validateRewardWeights(input);
      assert.unreachable('should throw');
    } catch (err) {
      assert.instance(err, ConfigError);
      assert.is((err as ConfigError).field, field);
    }
    if (typeof input === 'object') {
      assert.throws(
        () => reward(parseTrace('', L), truth, L, { ...DEFAULT_REWARD_WEIGHTS, ...(input as object) }),
        (e: unknown) => e instanceof ConfigError,
      );
    }
  });
}

test('missing weight keys take the defaults', () => {
  assert.equal({ ...validateRewardWeights({ class: 0.5 }) }, { format: 0.1, class: 0.5, localization: 0.7 });
  assert.is(validateRewardWeights(undefined), DEFAULT_REWARD_WEIGHTS);
});

test.run();
