import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_JOB, JOB_SCHEMA, compileJobConfig } from '../../shared/config/job.js';
import { loadJobFile } from '../../shared/config/load.js';
import { ESTIMATORS } from '../../shared/timerpo/advantage.js';
import { OT_DEFAULTS } from '../../shared/timerpo/sinkhorn.js';
import { SURROGATE_DEFAULTS } from '../../shared/timerpo/surrogate.js';
import { DEFAULT_REWARD_WEIGHTS } from '../../shared/reward/reward.js';
import { isDeepFrozen, repoRoot, throwsConfig } from './helpers.js';

test('defaults compile from {}, from undefined and from null alike', () => {
  assert.equal(compileJobConfig({}), DEFAULT_JOB);
  assert.equal(compileJobConfig(undefined), DEFAULT_JOB);
  assert.equal(compileJobConfig(null), DEFAULT_JOB);
});

test('the defaults are the paper defaults (docs/METHOD.md §5–§6)', () => {
  const j = DEFAULT_JOB;
  assert.is(j.seed, 3407);
  assert.is(j.outputDir, 'runs/anomseer');
  assert.equal(j.data, { train: 'anomllm:train', eval: 'anomllm:eval', seriesLength: 1000, fit: 'window', windowOffset: 'start' });
  assert.equal(j.policy.inputs, { plot: true, values: true, analyses: false, detector: false, detectorOrdinals: false, slopeChange: false, seasonal: false });
  assert.equal([j.policy.rasterHeight, j.policy.rasterWidth], [64, 256]);
  assert.equal([j.rollout.groupSize, j.rollout.promptsPerStep, j.rollout.temperature], [5, 128, 1]);
  assert.equal({ ...j.reward.weights }, { ...DEFAULT_REWARD_WEIGHTS });
  assert.equal(j.timerpo, {
    estimator: 'timerpo',
    alpha: 0.3,
    normalizeStd: false,
    epsOt: OT_DEFAULTS.epsOt,
    otIterations: OT_DEFAULTS.iterations,
    otTolerance: 0,
    tau: OT_DEFAULTS.tau,
    ...SURROGATE_DEFAULTS,
  });
  assert.equal([j.optim.betas, j.optim.eps, j.optim.weightDecay, j.optim.gradClip], [[0.9, 0.999], 1e-8, 0.01, 1]);
  assert.equal([j.train.steps, j.train.updatesPerBatch, j.train.warmStart.enabled], [250, 1, false]);
  assert.equal(
    [
      j.cluster.maxStaleness,
      j.cluster.leaseTimeout,
      j.cluster.heartbeatInterval,
      j.cluster.workers,
      j.cluster.listen,
      j.cluster.dashboardPort,
      j.cluster.maxMessageBytes,
    ],
    [0, 60_000, 5000, 2, '127.0.0.1:0', 0, 64 * 1024 * 1024],
  );
});

test('the estimator enum is the ESTIMATORS registry', () => {
  const f = JOB_SCHEMA.fields.timerpo.fields.estimator;
  assert.equal([...f.values], Object.keys(ESTIMATORS));
  for (const name of Object.keys(ESTIMATORS)) assert.is(compileJobConfig({ timerpo: { estimator: name } }).timerpo.estimator, name);
});

test('the compiled config is deeply frozen', () => {
  assert.ok(isDeepFrozen(DEFAULT_JOB));
  const c = compileJobConfig({ optim: { betas: [0.8, 0.9] } });
  assert.ok(isDeepFrozen(c));
  assert.throws(() => {
    (c.cluster as { workers: number }).workers = 9;
  }, TypeError);
});

test('warmup steps are checked against the optimizer steps only when a warmup schedule is on', () => {
  assert.is(compileJobConfig({ optim: { warmupSteps: 1000 } }).optim.warmupSteps, 1000);
  assert.is(compileJobConfig({ train: { steps: 10, updatesPerBatch: 2 }, optim: { schedule: 'warmup-constant', warmupSteps: 19 } }).optim.warmupSteps, 19);
  assert.is(compileJobConfig({ optim: { schedule: 'warmup-cosine' } }).optim.warmupSteps, 0);
});

test('outputDir follows name unless given', () => {
  assert.is(compileJobConfig({ name: 'exp-1' }).outputDir, 'runs/exp-1');
  assert.is(compileJobConfig({ name: 'exp-1', outputDir: '/tmp/x' }).outputDir, '/tmp/x');
});

test('durations in the job compile to milliseconds and sizes to bytes', () => {
  const c = compileJobConfig({ cluster: { leaseTimeout: '2m', heartbeatInterval: '250ms', rpcDeadline: 1500, maxMessageBytes: '4MiB' } });
  assert.equal([c.cluster.leaseTimeout, c.cluster.heartbeatInterval, c.cluster.rpcDeadline, c.cluster.maxMessageBytes], [120_000, 250, 1500, 4 * 1024 * 1024]);
});

const EXAMPLES = readdirSync(join(repoRoot, 'examples')).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'));

test('there are example job files', () => {
  assert.ok(EXAMPLES.includes('anomllm.yaml') && EXAMPLES.includes('paper.yaml') && EXAMPLES.includes('smoke.yaml'), EXAMPLES.join(', '));
});

for (const f of EXAMPLES) {
  test(`examples/${f} compiles`, () => {
    const c = loadJobFile(join(repoRoot, 'examples', f));
    assert.ok(isDeepFrozen(c));
  });
}

test('examples/paper.yaml is the full paper-default job', () => {
  const c = loadJobFile(join(repoRoot, 'examples', 'paper.yaml'));
  assert.equal({ ...c, name: '', outputDir: '' }, { ...DEFAULT_JOB, name: '', outputDir: '' });
});

test('examples/smoke.yaml is small', () => {
  const c = loadJobFile(join(repoRoot, 'examples', 'smoke.yaml'));
  assert.ok(c.train.steps * c.rollout.promptsPerStep * c.rollout.groupSize <= 64);
  assert.ok(c.data.seriesLength <= 256 && c.policy.dModel <= 32 && c.policy.maxTraceTokens <= 256);
});

const BAD: [string, unknown, string, ...string[]][] = [
  ['unknown top-level key', { sed: 1 }, 'sed', 'unknown key', 'did you mean "seed"?', 'valid keys here: name, seed, outputDir, data'],
  ['unknown nested key with a typo', { cluster: { heartbeatIntervall: '1s' } }, 'cluster.heartbeatIntervall', 'did you mean "heartbeatInterval"?'],
  ['snake_case key', { data: { series_length: 500 } }, 'data.series_length', 'camelCase', '"seriesLength"'],
  ['deep unknown key', { train: { warmStart: { enable: true } } }, 'train.warmStart.enable', 'did you mean "enabled"?'],
  ['wrong type', { rollout: { groupSize: 'five' } }, 'rollout.groupSize', 'is "five"', 'integer in [2, 256]'],
  ['out of range', { timerpo: { alpha: 12 } }, 'timerpo.alpha', 'is 12', '[0, 10]'],
  ['negative OT tolerance', { timerpo: { otTolerance: -1e-6 } }, 'timerpo.otTolerance', 'is -0.000001', '[0, 1]'],
  ['OT tolerance as text', { timerpo: { otTolerance: 'tight' } }, 'timerpo.otTolerance', 'is "tight"', '[0, 1]'],
  ['OT tolerance above 1', { timerpo: { otTolerance: 2 } }, 'timerpo.otTolerance', 'is 2', '[0, 1]'],
  ['zero prompts per step', { rollout: { promptsPerStep: 0 } }, 'rollout.promptsPerStep', 'is 0', '[1, 1000000]'],
  ['non-positive lr', { optim: { lr: 0 } }, 'optim.lr', 'is 0', '(0, 1]'],
  ['bad enum lists the values', { timerpo: { estimator: 'ppo' } }, 'timerpo.estimator', 'is "ppo"', 'one of grpo, timerpo-no-proj, timerpo'],
  ['bad schedule', { optim: { schedule: 'cosine' } }, 'optim.schedule', 'one of constant, warmup-constant, warmup-cosine'],
  ['bad fit mode', { data: { fit: 'crop' } }, 'data.fit', 'one of window, resample, none'],
  ['bad duration', { cluster: { leaseTimeout: '60x' } }, 'cluster.leaseTimeout', 'is "60x"', '250ms, 30s, 5m, 1h'],
  ['bad size', { cluster: { maxMessageBytes: '64 megs' } }, 'cluster.maxMessageBytes', 'is "64 megs"', '64MiB'],
  ['bad data spec', { data: { train: 'csv:foo.csv' } }, 'data.train', '"csv:foo.csv"', 'unknown prefix "csv"', 'valid forms'],
  ['bad anomllm option', { data: { eval: 'anomllm:eval?tasks=wave' } }, 'data.eval', 'unknown task "wave"'],
  ['betas of the wrong length', { optim: { betas: [0.9] } }, 'optim.betas', 'list of 2 items', 'it has 1 item'],
  ['beta of 1', { optim: { betas: [0.9, 1] } }, 'optim.betas[1]', 'is 1', '[0, 1)'],
  ['negative reward weight', { reward: { weights: { localization: -1 } } }, 'reward.weights.localization', 'is -1', '>= 0'],
  ['unknown reward weight', { reward: { weights: { clas: 1 } } }, 'reward.weights.clas', 'did you mean "class"?'],
  ['all reward weights 0', { reward: { weights: { format: 0, class: 0, localization: 0 } } }, 'reward.weights', 'at least one must be > 0'],
  ['bad listen address', { cluster: { listen: 'localhost' } }, 'cluster.listen', 'is "localhost"', 'host:port'],
  ['port too large', { cluster: { listen: '0.0.0.0:70000' } }, 'cluster.listen', '[0, 65535]'],
  ['name unfit for a directory', { name: 'a/b' }, 'name', 'is "a/b"'],
  ['seed that is not an integer', { seed: 1.5 }, 'seed', 'is 1.5', 'integer in [0, 4294967295]'],
  ['no policy input', { policy: { inputs: { plot: false, values: false } } }, 'policy.inputs', 'at least one input must be true'],
  ['heads that do not divide dModel', { policy: { heads: 3 } }, 'policy.heads', 'is 3', 'must divide policy.dModel (128)'],
  ['heartbeat not shorter than the lease', { cluster: { leaseTimeout: '5s' } }, 'cluster.heartbeatInterval', 'is 5000ms', 'cluster.leaseTimeout (5000ms)'],
  [
    'warmup as long as training',
    { optim: { schedule: 'warmup-constant', warmupSteps: 250 } },
    'optim.warmupSteps',
    'is 250',
    'train.steps × train.updatesPerBatch (250)',
  ],
  [
    'warmup counts optimizer steps',
    { train: { steps: 10, updatesPerBatch: 2 }, optim: { schedule: 'warmup-cosine', warmupSteps: 20 } },
    'optim.warmupSteps',
    'is 20',
    '(20)',
  ],
  ['rollouts longer than a trace', { rollout: { maxNewTokens: 200 } }, 'rollout.maxNewTokens', 'is 200', 'policy.maxTraceTokens (160)'],
  ['section given as a scalar', { cluster: 3 }, 'cluster', 'is a number', 'must be a mapping'],
  ['root given as a list', [1], '(root)', 'is a list'],
];

for (const [what, input, field, ...parts] of BAD) {
  test(`bad job: ${what} → ConfigError at ${field}`, () => {
    throwsConfig(() => compileJobConfig(input), field, ...parts);
  });
}

test.run();
