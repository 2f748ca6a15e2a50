// One table maps error classes to gRPC codes; toStatus on the server and fromStatus on the
// client round-trip every class with its typed fields and message.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as grpc from '@grpc/grpc-js';
import { rpc } from '../helpers/rpc.js';
import {
  ChecksumMismatchError,
  JobStateError,
  JobStoppedError,
  LeaseExpiredError,
  LearnerFencedError,
  MessageTooLargeError,
  NotFoundError,
  RpcError,
  StaleWeightsError,
  UnauthenticatedError,
  UnavailableError,
} from '../../proto/errors.js';
import { ERROR_METADATA_KEY, ERROR_TABLE, RETRYABLE_CODES, codeName, fromStatus, isRetryable, toStatus } from '../../proto/status.js';
import { AnomseerError, ConfigError, DataError, InvalidArgumentError, ShapeError } from '../../shared/errors.js';
import { coordinatorHandlers, rejection, startServer } from './helpers.js';

// [error, expected code, typed fields to compare after the round trip]
const CASES: [AnomseerError, grpc.status, string[]][] = [
  [new ConfigError('cluster.maxStaleness', 'is -1; expected an integer in [0, 1000]'), grpc.status.INVALID_ARGUMENT, ['field']],
  [new DataError('series/ucr-041.csv', 'value "abc" is not a number', { line: 17, field: 'value' }), grpc.status.INVALID_ARGUMENT, ['file', 'line', 'field']],
  [new DataError('prompts.jsonl', 'empty file'), grpc.status.INVALID_ARGUMENT, ['file', 'line', 'field']],
  [new InvalidArgumentError('rollouts[2].token_ids[7]', 'is 4000000000; expected a token id in [0, 215)'), grpc.status.INVALID_ARGUMENT, ['field']],
  [new ShapeError('group has 7 rollouts; the lease asks for G = 8'), grpc.status.INVALID_ARGUMENT, []],
  [new NotFoundError('lease', 'lease-41'), grpc.status.NOT_FOUND, ['kind', 'id']],
  [new NotFoundError('worker', 'w-9', 'register again: the coordinator restarted'), grpc.status.NOT_FOUND, ['kind', 'id']],
  [new LeaseExpiredError('lease-41', 1_795_000_060_000), grpc.status.FAILED_PRECONDITION, ['leaseId', 'deadlineMs']],
  [new StaleWeightsError(10, 12), grpc.status.FAILED_PRECONDITION, ['used', 'min']],
  [new JobStoppedError('smoke-cd2b19b08893', 1_795_000_060_000, 'operator'), grpc.status.FAILED_PRECONDITION, ['jobId', 'stoppedAtMs', 'reason']],
  [new ChecksumMismatchError(4, 'ab'.repeat(32), 'cd'.repeat(32)), grpc.status.DATA_LOSS, ['version', 'expected', 'actual']],
  [new MessageTooLargeError('event_json', 2_000_000, 1_048_576), grpc.status.RESOURCE_EXHAUSTED, ['field', 'bytes', 'limit']],
  [new UnauthenticatedError('wrong bearer token'), grpc.status.UNAUTHENTICATED, []],
  [new JobStateError('lost', 'the checkpoint was trained against state a1, but the coordinator holds state b2'), grpc.status.FAILED_PRECONDITION, ['reason']],
  [new LearnerFencedError(2, 3, 'claimed at 12:00'), grpc.status.FAILED_PRECONDITION, ['epoch', 'current']],
  [new LearnerFencedError(0, 1), grpc.status.FAILED_PRECONDITION, ['epoch', 'current']],
  [new UnavailableError("the coordinator's state store (redis 10.0.0.7:6379) is unreachable"), grpc.status.UNAVAILABLE, []],
];

for (const [err, code, fields] of CASES) {
  test(`${err.name} → ${codeName(code)} → ${err.name} with the same message and fields`, () => {
    const status = toStatus(err);
    assert.is(status.code, code);
    assert.is(status.details, err.message);
    const back = fromStatus(status);
    assert.is(back.constructor, err.constructor);
    assert.is(back.message, err.message);
    assert.is(back.code, err.code);
    for (const f of fields) assert.is((back as unknown as Record<string, unknown>)[f], (err as unknown as Record<string, unknown>)[f], f);
    // Typed errors are never retried, except the server's own "unavailable, retry".
    assert.is(isRetryable(back), err instanceof UnavailableError, 'retried only when it says unavailable');
  });
}

test('every row of the table is covered by the cases above', () => {
  assert.equal(ERROR_TABLE.map((r) => r.name).sort(), [...new Set(CASES.map(([e]) => e.name))].sort());
});

test('anything else is INTERNAL with its name and message', () => {
  assert.equal((({ code, details }) => ({ code, details }))(toStatus(new TypeError('x is undefined'))), {
    code: grpc.status.INTERNAL,
    details: 'TypeError: x is undefined',
  });
  assert.is(toStatus('boom').details, 'non-error thrown: boom');
  class OddError extends AnomseerError {
    constructor() {
      super('E_ODD', 'not in the table');
    }
  }
  const s = toStatus(new OddError());
  assert.is(s.code, grpc.status.INTERNAL);
  assert.is(s.details, 'OddError (E_ODD): not in the table');
  const back = fromStatus(s);
  assert.instance(back, RpcError);
  assert.is((back as RpcError).grpcCode, grpc.status.INTERNAL);
});

test('a status-like error (e.g. from a nested call) keeps its code', () => {
  const s = toStatus({ code: grpc.status.UNAVAILABLE, details: 'connection refused', metadata: new grpc.Metadata() });
  assert.is(s.code, grpc.status.UNAVAILABLE);
  assert.is(s.details, 'connection refused');
});

// [status without an anomseer payload, expected class, retryable]
const PLAIN: [grpc.status, new (...a: never[]) => AnomseerError, boolean][] = [
  [grpc.status.UNAVAILABLE, RpcError, true],
  [grpc.status.DEADLINE_EXCEEDED, RpcError, true],
  [grpc.status.RESOURCE_EXHAUSTED, RpcError, false],
  [grpc.status.INTERNAL, RpcError, false],
  [grpc.status.CANCELLED, RpcError, false],
  [grpc.status.UNAUTHENTICATED, UnauthenticatedError, false],
];
for (const [code, cls, retryable] of PLAIN) {
  test(`a plain ${codeName(code)} status becomes ${cls.name} (retryable: ${retryable})`, () => {
    const err = fromStatus({ code, details: 'from the transport', metadata: new grpc.Metadata() });
    assert.instance(err, cls);
    assert.match(err.message, 'from the transport');
    assert.is(isRetryable(err), retryable);
    assert.is(RETRYABLE_CODES.has(code), retryable);
  });
}

test('RETRYABLE_CODES is exactly UNAVAILABLE and DEADLINE_EXCEEDED', () => {
  assert.equal([...RETRYABLE_CODES].sort(), [grpc.status.DEADLINE_EXCEEDED, grpc.status.UNAVAILABLE].sort());
});

test('a malformed or mismatched payload falls back to the code', () => {
  const md = new grpc.Metadata();
  md.set(ERROR_METADATA_KEY, Buffer.from('{not json'));
  assert.instance(fromStatus({ code: grpc.status.NOT_FOUND, details: 'x', metadata: md }), RpcError);
  const forged = toStatus(new ConfigError('a', 'b'));
  assert.instance(fromStatus({ ...forged, code: grpc.status.INTERNAL }), RpcError, 'class and code must agree');
});

test('a handler answering toStatus(err) reaches the client as the same class through a real server', async () => {
  const s = await startServer({
    coordinator: coordinatorHandlers({
      SubmitGroup: (call, callback) => callback(toStatus(new LeaseExpiredError(call.request.lease_id, 1_795_000_060_000))),
    }),
  });
  try {
    const err = await rejection(
      rpc(s.coordinator, s.coordinator.SubmitGroup, { worker_id: 'w', lease_id: 'lease-41', prompt_id: 'p', weight_version: 1, rollouts: [], timing: null }),
    );
    assert.instance(err, LeaseExpiredError);
    assert.is((err as LeaseExpiredError).leaseId, 'lease-41');
    assert.is((err as LeaseExpiredError).deadlineMs, 1_795_000_060_000);
  } finally {
    await s.close();
  }
});

test.run();
