// Detect requests from both APIs (serve/detect-request.ts): what is accepted with which
// defaults, and every refusal naming its field.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectInputFromProto, validateDetectRequest } from '../../serve/detect-request.js';
import { InvalidArgumentError } from '../../shared/errors.js';
import type { DetectRequest } from '../../proto/types.js';

const limits = { maxPoints: 5, minPoints: 1 };

test('a bare series takes the defaults of anomseer detect', () => {
  const r = validateDetectRequest({ series: [1, 2.5, -3] }, limits);
  assert.equal(Array.from(r.values), [1, 2.5, -3]);
  assert.ok(r.values instanceof Float64Array);
  assert.equal(
    { normalize: r.normalize, window: r.window, plot: r.plot, timestamps: r.timestamps },
    { normalize: 'robust', window: 1000, plot: false, timestamps: undefined },
  );
});

test('every option is read', () => {
  const r = validateDetectRequest({ series: [1, 2], timestamps: ['t0', 7], normalize: 'minmax', window: 16, plot: true }, limits);
  assert.equal(
    { normalize: r.normalize, window: r.window, plot: r.plot, timestamps: r.timestamps },
    { normalize: 'minmax', window: 16, plot: true, timestamps: ['t0', 7] },
  );
});

// [what, body, field, message pattern]
const REFUSED: [string, unknown, string, RegExp][] = [
  ['not an object', [1, 2], 'body', /expected a JSON object/],
  ['null', null, 'body', /got null/],
  ['an unknown key', { series: [1], windw: 16 }, 'windw', /unknown key; a request may hold series, timestamps, normalize, window, plot/],
  ['no series', {}, 'series', /expected an array of numbers, got undefined/],
  ['a string series', { series: '1,2' }, 'series', /got string/],
  ['an empty series', { series: [] }, 'series', /is empty/],
  ['too many points', { series: [1, 2, 3, 4, 5, 6] }, 'series', /has 6 points; this server accepts at most 5 per request \(--max-points\)/],
  ['a string value', { series: [1, '2'] }, 'series[1]', /expected a finite number, got string/],
  ['a null value (how JSON.stringify writes NaN)', { series: [1, 2, null] }, 'series[2]', /got null/],
  ['Infinity (1e999 in JSON)', { series: [0, Infinity] }, 'series[1]', /got Infinity/],
  ['-Infinity', { series: [-Infinity] }, 'series[0]', /got -Infinity/],
  ['NaN', { series: [NaN] }, 'series[0]', /got NaN/],
  ['timestamps not an array', { series: [1], timestamps: 't' }, 'timestamps', /expected an array/],
  ['too few timestamps', { series: [1, 2], timestamps: ['a'] }, 'timestamps', /has 1 entries; expected one per value of series \(2\)/],
  ['an object timestamp', { series: [1], timestamps: [{}] }, 'timestamps[0]', /expected a string or a finite number/],
  ['an unknown normalize mode', { series: [1], normalize: 'zscore' }, 'normalize', /expected one of none, minmax, robust/],
  ['a window below 16', { series: [1], window: 15 }, 'window', /expected an integer in \[16, 1984\]/],
  ['a window above 1984', { series: [1], window: 1985 }, 'window', /\[16, 1984\]/],
  ['a fractional window', { series: [1], window: 100.5 }, 'window', /integer/],
  ['a string window', { series: [1], window: '100' }, 'window', /"100"/],
  ['a string plot flag', { series: [1], plot: 'yes' }, 'plot', /expected true or false, got string/],
];

test('by default a series must have the 16 points that the policy analyses need', () => {
  assert.throws(
    () => validateDetectRequest({ series: [1, 2, 3, 2, 1] }, { maxPoints: 100 }),
    (e: unknown) => e instanceof InvalidArgumentError && e.field === 'series' && /has 5 points; detect needs at least 16/.test((e as Error).message),
  );
  assert.is(validateDetectRequest({ series: new Array(16).fill(0.5) }, { maxPoints: 100 }).values.length, 16);
});

for (const [what, body, field, message] of REFUSED) {
  test(`refused: ${what} (field ${field})`, () => {
    try {
      validateDetectRequest(body, limits);
      assert.unreachable('accepted');
    } catch (err) {
      assert.instance(err, InvalidArgumentError);
      assert.is((err as InvalidArgumentError).field, field);
      assert.match((err as Error).message, message);
      assert.ok((err as Error).message.startsWith(`${field}: `), 'the message names the field first');
    }
  });
}

const proto = (m: Partial<DetectRequest>): DetectRequest => ({ series: [], timestamps: [], normalize: '', window: 0, plot: false, ...m });

test('a gRPC request: empty string and 0 mean the defaults, as in the proto comments', () => {
  const r = detectInputFromProto(proto({ series: [1, 2] }), limits);
  assert.equal(
    { normalize: r.normalize, window: r.window, plot: r.plot, timestamps: r.timestamps },
    { normalize: 'robust', window: 1000, plot: false, timestamps: undefined },
  );
  const s = detectInputFromProto(proto({ series: [1, 2], timestamps: ['a', 'b'], normalize: 'none', window: 20, plot: true }), limits);
  assert.equal(
    { normalize: s.normalize, window: s.window, plot: s.plot, timestamps: s.timestamps },
    { normalize: 'none', window: 20, plot: true, timestamps: ['a', 'b'] },
  );
});

// [what, message, field]
const PROTO_REFUSED: [string, Partial<DetectRequest>, string][] = [
  ['an empty series', {}, 'series'],
  ['too many points', { series: [1, 2, 3, 4, 5, 6] }, 'series'],
  ['NaN', { series: [1, NaN] }, 'series[1]'],
  ['Infinity', { series: [Infinity] }, 'series[0]'],
  ['a timestamp count mismatch', { series: [1, 2], timestamps: ['a'] }, 'timestamps'],
  ['an unknown normalize mode', { series: [1], normalize: 'z' }, 'normalize'],
  ['a window out of range', { series: [1], window: 4000 }, 'window'],
];

for (const [what, m, field] of PROTO_REFUSED) {
  test(`gRPC refused: ${what} (field ${field})`, () => {
    assert.throws(
      () => detectInputFromProto(proto(m), limits),
      (err: unknown) => err instanceof InvalidArgumentError && err.field === field,
    );
  });
}

test.run();
