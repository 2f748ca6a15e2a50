// One function turns every script code into its typed error; unknown codes are never silent.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CODE, StateConflictError, errorFromCode } from '../../coordinator/state/errors.js';
import { NotFoundError, StaleWeightsError } from '../../proto/errors.js';
import { AnomseerError } from '../../shared/errors.js';

const CASES: [number, Parameters<typeof errorFromCode>[1], new (...a: never[]) => Error, RegExp][] = [
  [CODE.UNKNOWN_WORKER, { jobId: 'j', workerId: 'w9' }, NotFoundError, /^unknown worker "w9"; register the worker again/],
  [CODE.UNKNOWN_LEASE, { jobId: 'j', leaseId: 'L3' }, NotFoundError, /^unknown lease "L3"/],
  [CODE.STALE_WEIGHTS, { jobId: 'j', details: [2, 4] }, StaleWeightsError, /^weight version 2 is older than the minimum 4/],
  [CODE.UNKNOWN_BATCH, { jobId: 'j', batchId: 7 }, NotFoundError, /^unknown batch "7"/],
  [CODE.CONFIG_CONFLICT, { jobId: 'j', details: ['a', 'b'] }, StateConflictError, /^configHash: job "j" was started with config a, not b/],
  [
    CODE.VERSION_CONFLICT,
    { jobId: 'j', details: [3, 'x', 5, 'y'] },
    StateConflictError,
    /^weightVersion: job "j" has latest version 3 .*cannot publish version 5/,
  ],
  [CODE.NO_JOB, { jobId: 'j' }, NotFoundError, /^unknown job "j"; call initJob first/],
  [-99, { jobId: 'j' }, AnomseerError, /unexpected code -99/],
];

for (const [code, ctx, cls, msg] of CASES) {
  test(`code ${code} → ${cls.name}`, () => {
    const err = errorFromCode(code, ctx);
    assert.instance(err, cls);
    assert.match(err.message, msg);
  });
}

test('stale weights carry the used and minimum versions as numbers', () => {
  const err = errorFromCode(CODE.STALE_WEIGHTS, { jobId: 'j', details: ['2', '4'] }) as StaleWeightsError;
  assert.equal([err.used, err.min], [2, 4]);
});

test('the codes are small, negative and distinct', () => {
  const codes = Object.values(CODE).filter((c) => c !== 0);
  assert.is(new Set(codes).size, codes.length);
  assert.ok(codes.every((c) => c < 0 && c > -100));
});

test.run();
