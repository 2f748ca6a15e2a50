// Size limits, deadlines and the transport options every process shares.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as grpc from '@grpc/grpc-js';
import { unary } from '../../proto/call.js';
import { RpcError } from '../../proto/errors.js';
import {
  DEFAULT_CALL_DEADLINE_MS,
  MiB,
  TRANSPORT_DEFAULTS,
  callDeadline,
  channelOptions,
  serverOptions,
  validateTransportOptions,
} from '../../proto/options.js';
import { isRetryable } from '../../proto/status.js';
import type { SubmitGroupRequest } from '../../proto/types.js';
import { ConfigError } from '../../shared/errors.js';
import { EVENT_LIMIT_MS, within } from '../helpers/wait.js';
import { coordinatorHandlers, rejection, startServer } from './helpers.js';

const group = (textBytes: number): SubmitGroupRequest => ({
  worker_id: 'w',
  lease_id: 'l',
  prompt_id: 'p',
  weight_version: 1,
  rollouts: [{ index: 0, token_ids: [1, 2], logprobs: [-0.5, -0.25], text: 'x'.repeat(textBytes), truncated: false }],
  timing: null,
});

test('a message over the server limit fails with RESOURCE_EXHAUSTED (not retryable) and the server serves the next call', async () => {
  let runs = 0;
  const s = await startServer({
    server: { maxMessageBytes: 64 * 1024 },
    client: { maxMessageBytes: 4 * MiB },
    coordinator: coordinatorHandlers({
      SubmitGroup: (_call, callback) => {
        runs += 1;
        callback(null, { accepted: true, duplicate: false });
      },
    }),
  });
  try {
    const err = await rejection(unary(s.coordinator, s.coordinator.SubmitGroup, group(100 * 1024), { deadlineMs: EVENT_LIMIT_MS }));
    assert.instance(err, RpcError);
    assert.is((err as RpcError).grpcCode, grpc.status.RESOURCE_EXHAUSTED);
    assert.match((err as Error).message, 'RESOURCE_EXHAUSTED');
    assert.is(isRetryable(err), false);
    assert.is(runs, 0, 'the handler never saw the oversized message');

    const ok = await unary(s.coordinator, s.coordinator.SubmitGroup, group(1000), { deadlineMs: EVENT_LIMIT_MS });
    assert.equal(ok, { accepted: true, duplicate: false });
    assert.is(runs, 1);
  } finally {
    await s.close();
  }
});

test('a message over the client send limit fails with RESOURCE_EXHAUSTED before it leaves', async () => {
  let runs = 0;
  const s = await startServer({
    client: { maxMessageBytes: 64 * 1024 },
    coordinator: coordinatorHandlers({
      SubmitGroup: (_call, callback) => {
        runs += 1;
        callback(null, { accepted: true, duplicate: false });
      },
    }),
  });
  try {
    const err = await rejection(unary(s.coordinator, s.coordinator.SubmitGroup, group(100 * 1024), { deadlineMs: EVENT_LIMIT_MS }));
    assert.is((err as RpcError).grpcCode, grpc.status.RESOURCE_EXHAUSTED);
    assert.is(runs, 0);
    assert.equal(await unary(s.coordinator, s.coordinator.SubmitGroup, group(10), { deadlineMs: EVENT_LIMIT_MS }), { accepted: true, duplicate: false });
  } finally {
    await s.close();
  }
});

test('a call with a 50 ms deadline against a handler that never answers fails with DEADLINE_EXCEEDED (retryable)', async () => {
  // What each call carried, as the client sent it.
  const deadlines: (Date | number | undefined)[] = [];
  const s = await startServer({
    coordinator: coordinatorHandlers({
      GetStatus: () => {}, // never answers
    }),
    clientExtra: {
      interceptors: [
        (options, next) => {
          deadlines.push(options.deadline);
          return new grpc.InterceptingCall(next(options));
        },
      ],
    },
  });
  try {
    // Connect first, so the 50 ms are spent waiting for the handler, not on the handshake.
    await new Promise<void>((resolve, reject) => grpc.waitForClientReady(s.coordinator, callDeadline(EVENT_LIMIT_MS), (e) => (e ? reject(e) : resolve())));
    const before = Date.now();
    const call = unary(s.coordinator, s.coordinator.GetStatus, {}, { deadlineMs: 50 });
    const after = Date.now();
    const err = await rejection(within(call, 'the call fails'));
    assert.instance(err, RpcError);
    assert.is((err as RpcError).grpcCode, grpc.status.DEADLINE_EXCEEDED);
    assert.is(isRetryable(err), true);
    // It failed at its own deadline, not at some later timeout: the only deadline the call
    // carried is 50 ms from when it was made (DEADLINE_EXCEEDED comes from no other source).
    assert.is(deadlines.length, 1);
    const deadline = new Date(deadlines[0]!).getTime();
    assert.ok(deadline >= before + 50 && deadline <= after + 50, `deadline ${deadline - before} ms after the call`);
  } finally {
    await s.close();
  }
});

test('callDeadline is now + ms, and refuses non-positive or non-finite durations', () => {
  assert.is(callDeadline(50, 1_000).getTime(), 1_050);
  assert.is(callDeadline(DEFAULT_CALL_DEADLINE_MS, 0).getTime(), 30_000);
  for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(
      () => callDeadline(bad),
      (e: unknown) => e instanceof ConfigError && e.field === 'deadline' && e.message.includes('expected a finite number > 0'),
    );
  }
});

test('channel and server options carry the size limit on both directions and the keepalive settings', () => {
  assert.equal(channelOptions(), {
    'grpc.max_send_message_length': 64 * MiB,
    'grpc.max_receive_message_length': 64 * MiB,
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.keepalive_permit_without_calls': 1,
  });
  assert.equal(serverOptions({ maxMessageBytes: 8 * MiB }), {
    'grpc.max_send_message_length': 8 * MiB,
    'grpc.max_receive_message_length': 8 * MiB,
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
  });
});

test('validateTransportOptions fills defaults and names the field, value and range of a bad option', () => {
  assert.equal(validateTransportOptions(undefined), { ...TRANSPORT_DEFAULTS });
  assert.equal(validateTransportOptions({ keepaliveTimeMs: 5000 }), { ...TRANSPORT_DEFAULTS, keepaliveTimeMs: 5000 });
  const CASES: [unknown, string, string][] = [
    ['64MiB', 'transport', 'expected an object'],
    [{ maxMessageBytes: 512 }, 'transport.maxMessageBytes', 'is 512; expected an integer in [1024, 2147483647]'],
    [{ maxMessageBytes: 2 ** 31 }, 'transport.maxMessageBytes', 'expected an integer in [1024, 2147483647]'],
    [{ keepaliveTimeMs: 1.5e3 + 0.5 }, 'transport.keepaliveTimeMs', 'is 1500.5'],
    [{ keepaliveTimeoutMs: '10s' }, 'transport.keepaliveTimeoutMs', 'is "10s"'],
    [{ maxMsgBytes: 1 }, 'transport.maxMsgBytes', 'unknown option; valid options are maxMessageBytes, keepaliveTimeMs, keepaliveTimeoutMs'],
  ];
  for (const [input, field, part] of CASES) {
    try {
      validateTransportOptions(input);
      assert.unreachable(`accepted ${JSON.stringify(input)}`);
    } catch (err) {
      assert.instance(err, ConfigError);
      assert.is((err as ConfigError).field, field);
      assert.match((err as Error).message, part);
    }
  }
});

test.run();
