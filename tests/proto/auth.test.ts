// Every call carries `authorization: Bearer <token>`; requireToken answers UNAUTHENTICATED
// without running the handler when the token is missing or wrong.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as grpc from '@grpc/grpc-js';
import { bearerCallCredentials, bearerInterceptor, requireToken, requireTokenAll, validateToken } from '../../proto/auth.js';
import { collect } from '../../proto/call.js';
import { rpc } from '../helpers/rpc.js';
import { UnauthenticatedError } from '../../proto/errors.js';
import { createClient } from '../../proto/load.js';
import { channelOptions } from '../../proto/options.js';
import type { CoordinatorHandlers, RegisterWorkerResponse } from '../../proto/types.js';
import { ConfigError } from '../../shared/errors.js';
import { coordinatorHandlers, rejection, startServer, weightsHandlers } from './helpers.js';

const TOKEN = 'c0ffee-cluster-token-0123456789';
const assignment: RegisterWorkerResponse = {
  worker_id: 'w',
  job_id: 'j',
  weight_version: 0,
  heartbeat_interval_ms: 5000,
  lease_timeout_ms: 60_000,
  group_size: 8,
  max_staleness: 0,
  max_new_tokens: 160,
  coordinator_wait_ms: 300_000,
};
const register = { worker_id: 'w', host: 'h', device: 'cpu', capabilities: null };

/** A server whose RegisterWorker and FetchWeights need TOKEN; counts how often handlers ran. */
async function guarded() {
  const runs = { register: 0, fetch: 0 };
  const s = await startServer({
    coordinator: coordinatorHandlers({
      RegisterWorker: requireToken<CoordinatorHandlers['RegisterWorker']>((_call, callback) => {
        runs.register += 1;
        callback(null, assignment);
      }, TOKEN),
    }),
    weights: weightsHandlers(
      requireTokenAll(
        {
          FetchWeights: (call: grpc.ServerWritableStream<unknown, unknown>) => {
            runs.fetch += 1;
            call.end();
          },
        },
        TOKEN,
      ),
    ),
  });
  const clientWith = (interceptors: grpc.Interceptor[]) => ({
    coordinator: createClient('Coordinator', s.address, grpc.credentials.createInsecure(), { ...channelOptions(), interceptors }),
    weights: createClient('Weights', s.address, grpc.credentials.createInsecure(), { ...channelOptions(), interceptors }),
  });
  return { s, runs, clientWith };
}

test('a call with the right token reaches the handler', async () => {
  const { s, runs, clientWith } = await guarded();
  const c = clientWith([bearerInterceptor(TOKEN)]);
  try {
    assert.equal(await rpc(c.coordinator, c.coordinator.RegisterWorker, register), assignment);
    assert.equal(await collect(c.weights.FetchWeights({ version: 0, start_index: 0, worker_id: '' })), []);
    assert.equal(runs, { register: 1, fetch: 1 });
  } finally {
    c.coordinator.close();
    c.weights.close();
    await s.close();
  }
});

// [case, interceptors or raw metadata, message part]
const REFUSED: [string, (md: grpc.Metadata) => void, string][] = [
  ['no token', () => {}, 'missing "authorization" metadata'],
  ['a wrong token', (md) => md.set('authorization', 'Bearer not-the-cluster-token-xyz'), 'wrong bearer token'],
  ['a token one character short', (md) => md.set('authorization', `Bearer ${TOKEN.slice(0, -1)}`), 'wrong bearer token'],
  ['another scheme', (md) => md.set('authorization', `Basic ${TOKEN}`), 'must be "Bearer <token>"'],
  ['the bare token', (md) => md.set('authorization', TOKEN), 'must be "Bearer <token>"'],
];
for (const [name, setHeader, part] of REFUSED) {
  test(`a unary call with ${name} gets UNAUTHENTICATED and the handler never runs`, async () => {
    const { s, runs } = await guarded();
    try {
      const md = new grpc.Metadata();
      setHeader(md);
      const err = await rejection(rpc(s.coordinator, s.coordinator.RegisterWorker, register, { metadata: md }));
      assert.instance(err, UnauthenticatedError);
      assert.match((err as Error).message, part);
      assert.not.match((err as Error).message, TOKEN, 'the expected token never appears in the answer');
      assert.is(runs.register, 0);
    } finally {
      await s.close();
    }
  });
}

test('a server stream with a wrong token gets UNAUTHENTICATED (code 16) and the handler never runs', async () => {
  const { s, runs, clientWith } = await guarded();
  const c = clientWith([bearerInterceptor('a-different-token-0000000')]);
  try {
    const raw = await new Promise<grpc.ServiceError>((resolve) => {
      const stream = c.weights.FetchWeights({ version: 0, start_index: 0, worker_id: '' });
      stream.on('data', () => {});
      stream.on('error', resolve);
    });
    assert.is(raw.code, grpc.status.UNAUTHENTICATED);
    assert.is(raw.code, 16);
    assert.match(raw.details, 'wrong bearer token');
    assert.is(runs.fetch, 0);
  } finally {
    c.coordinator.close();
    c.weights.close();
    await s.close();
  }
});

test('validateToken refuses short, non-string and header-unsafe tokens with a ConfigError naming the field', () => {
  const CASES: [unknown, string][] = [
    [undefined, 'expected a string, got undefined'],
    [42, 'expected a string, got number'],
    ['short', 'is 5 characters; expected at least 16'],
    ['has a space in it, 123456', 'visible ASCII without spaces'],
    ['line\nbreak-0123456789', 'visible ASCII without spaces'],
  ];
  for (const [input, part] of CASES) {
    try {
      validateToken(input, 'cluster.token');
      assert.unreachable(`accepted ${JSON.stringify(input)}`);
    } catch (err) {
      assert.instance(err, ConfigError);
      assert.is((err as ConfigError).field, 'cluster.token');
      assert.match((err as Error).message, part);
    }
  }
  assert.is(validateToken(TOKEN), TOKEN);
  assert.throws(
    () => requireToken(() => {}, 'short'),
    (e: unknown) => e instanceof ConfigError,
  );
  assert.throws(
    () => bearerInterceptor(''),
    (e: unknown) => e instanceof ConfigError,
  );
});

test('bearerCallCredentials adds the same header, for TLS channels', async () => {
  const creds = bearerCallCredentials(TOKEN);
  assert.instance(creds, grpc.CallCredentials);
  const md = await creds.generateMetadata({ service_url: 'https://coordinator:7070/anomseer.v1.Coordinator', method_name: 'Heartbeat' });
  assert.equal(md.get('authorization'), [`Bearer ${TOKEN}`]);
  assert.ok(grpc.credentials.combineChannelCredentials(grpc.credentials.createSsl(), creds));
});

test.run();
