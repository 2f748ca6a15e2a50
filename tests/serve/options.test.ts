// serve's compiled options (serve/options.ts) and its one error → HTTP status table
// (serve/http-errors.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SERVE_DEFAULTS, isLoopback, validateServeOptions } from '../../serve/options.js';
import { MethodNotAllowedError, NotFoundRouteError, UnsupportedMediaTypeError, httpErrorOf } from '../../serve/http-errors.js';
import { MessageTooLargeError, UnauthenticatedError } from '../../proto/errors.js';
import { ConfigError, DataError, InvalidArgumentError, ShapeError } from '../../shared/errors.js';

const base = { checkpoint: 'ckpt', tokenFile: 'tok' };

test('defaults fill every option; loopback, batching on', () => {
  const o = validateServeOptions(base);
  assert.equal(o, { ...base, ...SERVE_DEFAULTS });
  assert.ok(Object.isFrozen(o));
  assert.is(o.host, '127.0.0.1');
  assert.is(validateServeOptions({ ...base, grpcPort: null }).grpcPort, null, 'null turns gRPC off');
});

// [what, input, field]
const BAD: [string, unknown, string][] = [
  ['not an object', 'x', 'serve'],
  ['an unknown option', { ...base, maxBatch: 4 }, 'serve.maxBatch'],
  ['no checkpoint', { tokenFile: 'tok' }, 'serve.checkpoint'],
  ['an empty token file', { ...base, tokenFile: ' ' }, 'serve.tokenFile'],
  ['a port above 65535', { ...base, port: 65536 }, 'serve.port'],
  ['a fractional gRPC port', { ...base, grpcPort: 1.5 }, 'serve.grpcPort'],
  ['zero threads', { ...base, threads: 0 }, 'serve.threads'],
  ['a body limit under 1 KiB', { ...base, maxBodyBytes: 100 }, 'serve.maxBodyBytes'],
  ['zero points', { ...base, maxPoints: 0 }, 'serve.maxPoints'],
  ['a batch of 0', { ...base, maxBatchWindows: 0 }, 'serve.maxBatchWindows'],
  ['a negative wait', { ...base, maxWaitMs: -1 }, 'serve.maxWaitMs'],
  ['a host with a slash', { ...base, host: 'http://x' }, 'serve.host'],
  ['batching as a string', { ...base, batching: 'yes' }, 'serve.batching'],
];
for (const [what, input, field] of BAD) {
  test(`refused: ${what} (field ${field})`, () => {
    assert.throws(
      () => validateServeOptions(input),
      (err: unknown) => err instanceof ConfigError && err.field === field,
    );
  });
}

test('loopback addresses are told from the rest', () => {
  assert.equal(['127.0.0.1', '127.1.2.3', '::1', 'localhost', '0.0.0.0', '10.0.0.1', 'example.org'].map(isLoopback), [
    true,
    true,
    true,
    true,
    false,
    false,
    false,
  ]);
});

// [error, status, field]
const STATUS: [unknown, number, string | undefined][] = [
  [new InvalidArgumentError('series[2]', 'bad'), 400, 'series[2]'],
  [new ConfigError('window', 'bad'), 400, 'window'],
  [new DataError('f.csv', 'bad', { field: 'value' }), 400, 'value'],
  [new ShapeError('bad'), 400, undefined],
  [new MessageTooLargeError('body', 2000, 1024), 413, 'body'],
  [new UnauthenticatedError('no'), 401, undefined],
  [new UnsupportedMediaTypeError('text/plain'), 415, undefined],
  [new NotFoundRouteError('/x'), 404, undefined],
  [new MethodNotAllowedError('PUT', 'POST'), 405, undefined],
  [new Error('a bug with a secret path /root/x'), 500, undefined],
  ['a thrown string', 500, undefined],
];
for (const [err, status, field] of STATUS) {
  test(`${err instanceof Error ? err.constructor.name : typeof err} → ${status}`, () => {
    const e = httpErrorOf(err);
    assert.is(e.status, status);
    assert.is(e.body.error.field, field);
    if (status === 500) assert.equal(e.body, { error: { code: 'E_INTERNAL', message: 'internal error; see the server log' } }, 'nothing internal leaks');
    else assert.is(e.body.error.message, (err as Error).message);
  });
}

test.run();
