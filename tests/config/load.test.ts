import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_JOB, compileJobConfig } from '../../shared/config/job.js';
import { applyOverrides, describeConfig, loadJobFile, parseJobYaml, parseSetFlags } from '../../shared/config/load.js';
import { applyOverridesTo, parseScalar } from '../../shared/config/overrides.js';
import { compile, t } from '../../shared/config/schema.js';
import { isSecretKey } from '../../shared/config/plain.js';
import { ConfigError, DataError } from '../../shared/errors.js';
import { configError, isDeepFrozen, repoRoot, throwsConfig } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'anomseer-config-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

function writeTmp(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

test('a YAML file compiles; absent keys take their defaults', () => {
  const p = writeTmp('job.yaml', 'name: exp\nrollout:\n  groupSize: 8\ncluster:\n  leaseTimeout: 2m\n');
  const c = loadJobFile(p);
  assert.equal([c.name, c.outputDir, c.rollout.groupSize, c.rollout.promptsPerStep, c.cluster.leaseTimeout], ['exp', 'runs/exp', 8, 128, 120_000]);
});

test('an empty file is all defaults', () => {
  assert.equal(loadJobFile(writeTmp('empty.yaml', '# nothing yet\n')), DEFAULT_JOB);
});

test('a YAML syntax error is a DataError naming the file, line and column', () => {
  const p = writeTmp('broken.yaml', 'name: x\nrollout:\n  groupSize: 5\n\ttemperature: 1\n');
  const err = (() => {
    try {
      loadJobFile(p);
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.instance(err, DataError);
  const d = err as DataError;
  assert.is(d.file, p);
  assert.is(d.line, 4);
  assert.ok(d.message.startsWith(`${p}, line 4: invalid YAML at column 1: `), d.message);
  assert.match(d.message, /[Tt]ab/);
});

test('a duplicate key is a YAML error on its line', () => {
  const err = (() => {
    try {
      parseJobYaml('seed: 1\nname: a\nseed: 2\n', 'dup.yaml');
    } catch (e) {
      return e as DataError;
    }
    return undefined;
  })();
  assert.instance(err, DataError);
  assert.is(err?.line, 3);
  assert.match(err?.message ?? '', /unique/);
});

test('a value the schema refuses names the key path, the file and the line', () => {
  const text = 'name: x\ncluster:\n  workers: 2\n  leaseTimeout: soon\n';
  throwsConfig(() => parseJobYaml(text, 'job.yaml'), 'cluster.leaseTimeout', 'is "soon"', '(job.yaml, line 4)');
  throwsConfig(
    () => parseJobYaml('data:\n  train: anomllm:train\n  serieLength: 5\n', 'job.yaml'),
    'data.serieLength',
    'did you mean "seriesLength"?',
    'line 3',
  );
});

test('a missing file is a ConfigError naming it', () => {
  throwsConfig(() => loadJobFile(join(tmp, 'nope.yaml')), join(tmp, 'nope.yaml'), 'ENOENT');
});

test('overrides apply, are parsed as YAML scalars, and give a new frozen config', () => {
  const c = applyOverrides(DEFAULT_JOB, {
    seed: '7',
    'rollout.groupSize': '8',
    'timerpo.normalizeStd': 'true',
    'timerpo.estimator': 'grpo',
    'cluster.leaseTimeout': '2m',
    'optim.betas': '[0.9, 0.95]',
    'optim.lr': '3e-4',
    'data.train': 'anomllm:train?count=10&tasks=range,point',
  });
  assert.equal(
    [c.seed, c.rollout.groupSize, c.timerpo.normalizeStd, c.timerpo.estimator, c.cluster.leaseTimeout, c.optim.betas, c.optim.lr, c.data.train],
    [7, 8, true, 'grpo', 120_000, [0.9, 0.95], 3e-4, 'anomllm:train?count=10&tasks=range,point'],
  );
  assert.ok(isDeepFrozen(c));
  assert.is(DEFAULT_JOB.seed, 3407);
  assert.is(applyOverrides(DEFAULT_JOB, {}), DEFAULT_JOB);
});

test('an override may set one list item by index', () => {
  assert.equal(applyOverrides(DEFAULT_JOB, { 'optim.betas.1': '0.95' }).optim.betas, [0.9, 0.95]);
});

test('a derived key follows its source unless it was set', () => {
  assert.is(applyOverrides(DEFAULT_JOB, { name: 'b' }).outputDir, 'runs/b');
  const pinned = compileJobConfig({ name: 'a', outputDir: 'out/a' });
  assert.is(applyOverrides(pinned, { name: 'b' }).outputDir, 'out/a');
});

const BAD_OVERRIDES: [string, Record<string, string>, string, ...string[]][] = [
  ['out of range', { 'timerpo.alpha': '12' }, 'timerpo.alpha', 'is 12', '[0, 10]', '(from --set timerpo.alpha=12)'],
  ['typo in a key', { 'rollout.groupSzie': '4' }, 'rollout.groupSzie', 'did you mean "groupSize"?'],
  ['unknown section', { 'polcy.heads': '2' }, 'polcy', 'did you mean "policy"?'],
  ['bad duration', { 'cluster.rpcDeadline': 'forever' }, 'cluster.rpcDeadline', 'is "forever"'],
  ['cross-key rule re-checked', { 'cluster.heartbeatInterval': '2m' }, 'cluster.heartbeatInterval', 'shorter than cluster.leaseTimeout'],
  ['into a scalar', { 'seed.low': '1' }, 'seed', 'not a section'],
  ['list index out of range', { 'optim.betas.2': '0.5' }, 'optim.betas', 'not an index in [0, 1]'],
  ['empty path segment', { 'optim..lr': '1' }, '--set', 'not a key path'],
];

for (const [what, overrides, field, ...parts] of BAD_OVERRIDES) {
  test(`bad override: ${what} → ConfigError at ${field}`, () => {
    throwsConfig(() => applyOverrides(DEFAULT_JOB, overrides), field, ...parts);
  });
}

test('parseSetFlags splits at the first "="', () => {
  assert.equal(parseSetFlags(['a.b=1', 'data.train=tsb:x.csv#v=1', 'c=']), { 'a.b': '1', 'data.train': 'tsb:x.csv#v=1', c: '' });
  throwsConfig(() => parseSetFlags(['novalue']), '--set', '"novalue"', 'key.path=value');
  throwsConfig(() => parseSetFlags(['=1']), '--set');
});

test('parseScalar reads YAML scalars and flow lists, and keeps other text literal', () => {
  const cases: [string, unknown][] = [
    ['7', 7],
    ['1e-4', 1e-4],
    ['true', true],
    ['null', null],
    ['[1, 2]', [1, 2]],
    ['{a: 1}', { a: 1 }],
    ['60s', '60s'],
    ['a: b', 'a: b'],
    ['anomllm:train?count=8&tasks=a,b', 'anomllm:train?count=8&tasks=a,b'],
    ['tsb:file.csv#col', 'tsb:file.csv#col'],
    ['[oops', '[oops'],
  ];
  for (const [text, value] of cases) assert.equal(parseScalar(text), value, text);
});

test('round trip: describeConfig → YAML parse → compile gives the same config', () => {
  const configs = [
    DEFAULT_JOB,
    loadJobFile(join(repoRoot, 'examples', 'smoke.yaml')),
    loadJobFile(join(repoRoot, 'examples', 'paper.yaml')),
    compileJobConfig({
      name: 'rt',
      outputDir: '/abs/out',
      data: { train: 'jsonl:data/x.jsonl', eval: 'tsb:some dir/f.csv#value', fit: 'resample' },
      optim: { lr: 3.3e-5, betas: [0.85, 0.98], schedule: 'warmup-cosine', warmupSteps: 10 },
      cluster: { leaseTimeout: 90_001, heartbeatInterval: '1.5s', maxMessageBytes: 123_457 },
      timerpo: { estimator: 'timerpo-no-proj', alpha: 0.7 },
    }),
  ];
  for (const c of configs) {
    const text = describeConfig(c);
    assert.equal(compileJobConfig(parseYaml(text)), c, text);
    assert.equal(parseJobYaml(text), c);
  }
});

test('describeConfig writes durations and sizes in words', () => {
  const text = describeConfig(DEFAULT_JOB);
  assert.match(text, /^ {2}heartbeatInterval: 5s$/m);
  assert.match(text, /^ {2}maxMessageBytes: 64MiB$/m);
  assert.match(text, /^outputDir: runs\/anomseer$/m);
});

test('describeConfig redacts secrets, and only secrets', () => {
  const S = t.object(
    {
      token: t.string({ default: 's3cr3t', doc: 't' }),
      redisPassword: t.string({ default: 'hunter2', doc: 'p' }),
      maxNewTokens: t.number({ default: 160, doc: 'n' }),
      nested: t.object({ authToken: t.string({ default: 'abc', doc: 'a' }) }, { doc: 'n' }),
    },
    { doc: '' },
  );
  const text = describeConfig(compile(S, {}), S);
  assert.not.match(text, /s3cr3t|hunter2|abc/);
  assert.equal(parseYaml(text), { token: '<redacted>', redisPassword: '<redacted>', maxNewTokens: 160, nested: { authToken: '<redacted>' } });
  const names: [string, boolean][] = [
    ['token', true],
    ['password', true],
    ['Secret', true],
    ['apiToken', true],
    ['maxTraceTokens', false],
    ['tokenizer', false],
    ['passwordless', false],
  ];
  for (const [k, secret] of names) assert.is(isSecretKey(k), secret, k);
});

test('applyOverridesTo works for any schema', () => {
  const S = t.object({ n: t.number({ default: 1, max: 5, doc: 'n' }) }, { doc: '' });
  assert.equal(applyOverridesTo(S, compile(S, {}), { n: '4' }), { n: 4 });
  const err = configError(() => applyOverridesTo(S, compile(S, {}), { n: '9' }));
  assert.instance(err, ConfigError);
  assert.is(err.message, 'n: is 9; must be a number <= 5 (from --set n=9)');
});

test.run();
