import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Infer, allowedText, compile, t } from '../../shared/config/schema.js';
import { closest, keyHint, levenshtein } from '../../shared/config/suggest.js';
import { toInput } from '../../shared/config/plain.js';
import { ConfigError } from '../../shared/errors.js';
import { isDeepFrozen, throwsConfig } from './helpers.js';

const S = t.object(
  {
    name: t.string({ doc: 'Required name.' }),
    size: t.number({ integer: true, min: 1, max: 10, default: 3, doc: 'A size.' }),
    ratio: t.number({ min: 0, max: 1, minExclusive: true, default: 0.5, doc: 'A ratio.' }),
    mode: t.enum(['fast', 'slow'], { default: 'fast', doc: 'A mode.' }),
    wait: t.duration({ min: 1, default: '2s', doc: 'A wait.' }),
    cap: t.size({ default: '1KiB', doc: 'A cap.' }),
    pair: t.array(t.number({ min: 0, doc: 'x' }), { minItems: 2, maxItems: 2, default: [1, 2], doc: 'A pair.' }),
    dir: t.string({ derive: (s) => `out/${String(s.name)}`, defaultDoc: 'out/<name>', doc: 'Derived.' }),
    inner: t.object(
      {
        on: t.boolean({ default: false, doc: 'On.' }),
        heartbeatInterval: t.number({ default: 1, doc: 'x' }),
      },
      { doc: 'Nested.' },
    ),
  },
  {
    doc: 'Test schema.',
    refine: (v) => {
      if (v.size === 7 && v.mode === 'slow') throw new ConfigError('size', 'is 7; must not be 7 when mode is slow');
    },
  },
);
type C = Infer<typeof S>;

test('defaults fill every absent key; durations and sizes become numbers', () => {
  const c: C = compile(S, { name: 'x' });
  assert.equal(c, {
    name: 'x',
    size: 3,
    ratio: 0.5,
    mode: 'fast',
    wait: 2000,
    cap: 1024,
    pair: [1, 2],
    dir: 'out/x',
    inner: { on: false, heartbeatInterval: 1 },
  });
});

test('keys come out in schema order, derived keys included', () => {
  assert.equal(Object.keys(compile(S, { inner: {}, dir: 'd', name: 'x' })), Object.keys(S.fields));
});

test('an explicit value beats a derived default', () => {
  assert.is(compile(S, { name: 'x', dir: 'elsewhere' }).dir, 'elsewhere');
});

test('a null section counts as empty (a YAML section with every line commented out)', () => {
  assert.equal(compile(S, { name: 'x', inner: null }).inner, { on: false, heartbeatInterval: 1 });
});

test('the result is deeply frozen, and the input is not touched', () => {
  const input = { name: 'x', pair: [3, 4], inner: { on: true } };
  const c = compile(S, input);
  assert.ok(isDeepFrozen(c));
  assert.not.ok(Object.isFrozen(input.pair));
  assert.throws(() => {
    (c.pair as number[])[0] = 9;
  }, TypeError);
});

const BAD: [string, unknown, string, ...string[]][] = [
  ['missing required key', {}, 'name', 'is required', 'Required name'],
  ['unknown top-level key', { name: 'x', colour: 1 }, 'colour', 'unknown key', 'valid keys here: name, size, ratio, mode, wait, cap, pair, dir, inner'],
  ['typo suggests the closest key', { name: 'x', sizee: 1 }, 'sizee', 'did you mean "size"?'],
  [
    'nested typo names the full path',
    { name: 'x', inner: { heartbeatIntervall: 1 } },
    'inner.heartbeatIntervall',
    'did you mean "heartbeatInterval"?',
    'valid keys here: on, heartbeatInterval',
  ],
  ['snake_case gets a camelCase hint', { name: 'x', inner: { heartbeat_interval: 1 } }, 'inner.heartbeat_interval', 'camelCase', '"heartbeatInterval"'],
  ['wrong type', { name: 'x', size: 'big' }, 'size', 'is "big"', 'an integer in [1, 10]'],
  ['not an integer', { name: 'x', size: 2.5 }, 'size', 'is 2.5', 'integer in [1, 10]'],
  ['out of range', { name: 'x', size: 11 }, 'size', 'is 11', '[1, 10]'],
  ['exclusive bound', { name: 'x', ratio: 0 }, 'ratio', 'is 0', 'number in (0, 1]'],
  ['NaN', { name: 'x', ratio: Number.NaN }, 'ratio', 'is NaN'],
  ['bad enum lists the values', { name: 'x', mode: 'medium' }, 'mode', 'is "medium"', 'one of fast, slow'],
  ['enum typo suggests', { name: 'x', mode: 'slw' }, 'mode', 'did you mean "slow"?'],
  ['bad duration', { name: 'x', wait: '2 secs' }, 'wait', 'is "2 secs"', 'duration >= 1ms'],
  ['duration below min', { name: 'x', wait: '0s' }, 'wait', 'is "0s"', 'it is 0ms'],
  ['bad size', { name: 'x', cap: '1 KB/s' }, 'cap', 'is "1 KB/s"', 'size in bytes'],
  ['array of the wrong length', { name: 'x', pair: [1] }, 'pair', 'a list of 2 items, each a number >= 0', 'it has 1 item'],
  ['array item names its index', { name: 'x', pair: [1, -1] }, 'pair[1]', 'is -1', '>= 0'],
  ['a list where a mapping belongs', { name: 'x', inner: [1] }, 'inner', 'is a list', 'keys: on, heartbeatInterval'],
  ['a number where a string belongs hints at quoting', { name: 2024 }, 'name', 'is 2024', 'quote it'],
  ['empty string', { name: '' }, 'name', 'is ""', 'non-empty string'],
  ['root that is not a mapping', 'hello', '(root)', 'is a string', 'must be a mapping'],
  ['cross-key refine', { name: 'x', size: 7, mode: 'slow' }, 'size', 'must not be 7'],
];

for (const [what, input, field, ...parts] of BAD) {
  test(`bad input: ${what} → ConfigError at ${field}`, () => {
    throwsConfig(() => compile(S, input), field, ...parts);
  });
}

test('a path prefix is put before every key path', () => {
  throwsConfig(() => compile(S, { name: 'x', size: 0 }, 'job.part'), 'job.part.size', 'is 0');
});

test('a bare { key: field } schema compiles like an object field', () => {
  const c = compile({ n: t.number({ default: 1, doc: 'n' }) }, {});
  assert.equal(c, { n: 1 });
});

test('a default outside its own range fails at once', () => {
  const broken = t.object({ n: t.number({ max: 1, default: 2, doc: 'n' }) }, { doc: '' });
  throwsConfig(() => compile(broken, {}), 'n', 'is 2');
});

test('toInput gives the user-input form, which compiles back to the same value', () => {
  const c = compile(S, { name: 'x', wait: '90s', cap: 67108864, inner: { on: true } });
  const input = toInput(S, c) as Record<string, unknown>;
  assert.is(input.wait, '90s');
  assert.is(input.cap, '64MiB');
  assert.equal(compile(S, input), c);
});

test('toInput without derived keys lets them follow their source again', () => {
  const c = compile(S, { name: 'x' });
  const input = toInput(S, c, { keepDerived: false }) as Record<string, unknown>;
  assert.not.ok('dir' in input);
  assert.is(compile(S, { ...input, name: 'y' }).dir, 'out/y');
  const pinned = toInput(S, compile(S, { name: 'x', dir: 'mine' }), { keepDerived: false }) as Record<string, unknown>;
  assert.is(pinned.dir, 'mine');
});

test('toInput without defaults keeps only what differs from them, and a schema that gains a defaulted key gives the same', () => {
  const c = compile(S, { name: 'x', size: 4, wait: '2s', inner: { on: false, heartbeatInterval: 2 } });
  assert.equal(toInput(S, c, { keepDefaults: false }), { name: 'x', size: 4, inner: { heartbeatInterval: 2 } });
  // An object left empty is left out; a derived key at its derived default too, a pinned one stays.
  assert.equal(toInput(S, compile(S, { name: 'x' }), { keepDefaults: false }), { name: 'x' });
  assert.equal(toInput(S, compile(S, { name: 'x', dir: 'mine' }), { keepDefaults: false }), { name: 'x', dir: 'mine' });
  // The sparse form compiles back to the same value.
  assert.equal(compile(S, toInput(S, c, { keepDefaults: false }) as Record<string, unknown>), c);
  // A later schema with a new key (at the top and nested) that has a default: the same sparse form for the same input.
  const S2 = t.object(
    {
      ...S.fields,
      added: t.number({ default: 9, doc: 'Added later.' }),
      inner: t.object({ ...S.fields.inner.fields, addedToo: t.boolean({ default: true, doc: 'Added later.' }) }, { doc: 'Nested.' }),
    },
    { doc: 'Test schema, a version later.' },
  );
  const input = { name: 'x', size: 4, inner: { heartbeatInterval: 2 } };
  assert.equal(toInput(S2, compile(S2, input), { keepDefaults: false }), toInput(S, compile(S, input), { keepDefaults: false }));
});

test('allowedText phrases', () => {
  const cases: [Parameters<typeof allowedText>[0], string][] = [
    [t.number({ integer: true, min: 0, doc: '' }), 'integer >= 0'],
    [t.number({ min: 0, minExclusive: true, doc: '' }), 'number > 0'],
    [t.number({ max: 1, maxExclusive: true, doc: '' }), 'number < 1'],
    [t.number({ doc: '' }), 'number'],
    [t.enum(['a', 'b'], { doc: '' }), 'one of a, b'],
    [t.array(t.boolean({ doc: '' }), { minItems: 1, doc: '' }), 'list with length >= 1, each a boolean (true or false)'],
  ];
  for (const [f, text] of cases) assert.is(allowedText(f), text);
});

test('levenshtein and closest', () => {
  const cases: [string, string, number][] = [
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
    ['seed', 'seed', 0],
    ['sede', 'seed', 2],
    ['lr', 'lrr', 1],
  ];
  for (const [a, b, d] of cases) assert.is(levenshtein(a, b), d, `${a} ~ ${b}`);
  assert.is(closest('SEED', ['name', 'seed']), 'seed');
  assert.is(closest('zzzzzz', ['name', 'seed']), undefined);
  assert.is(keyHint('series_length', ['seriesLength']), 'config keys are camelCase: write "seriesLength"');
  assert.is(keyHint('nothing', ['seriesLength']), '');
});

test.run();
