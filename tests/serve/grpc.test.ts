// `anomseer serve`'s gRPC API (anomseer.v1.Detect) on a real server: the same answer as the
// HTTP API for the same series, the bearer token of proto/auth.ts on every call, bad fields
// as INVALID_ARGUMENT naming them, messages over the limit as RESOURCE_EXHAUSTED.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as grpc from '@grpc/grpc-js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearerInterceptor } from '../../proto/auth.js';
import { rpc } from '../helpers/rpc.js';
import { UnauthenticatedError, RpcError } from '../../proto/errors.js';
import { createClient } from '../../proto/load.js';
import type { DetectClient, DetectRequest } from '../../proto/types.js';
import { runServe, validateServeOptions } from '../../serve/main.js';
import type { ServeProcess } from '../../serve/main.js';
import { parseValuesCsv } from '../../shared/datasets/values-csv.js';
import { InvalidArgumentError } from '../../shared/errors.js';
import { NAB_FILE, SHIPPED, call } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'anomseer-serve-grpc-'));
const TOKEN = 'grpc-test-token-0123456789abcdef';
const MAX_BODY = 32 * 1024;
let server: ServeProcess;
let client: DetectClient;
let anonymous: DetectClient;

const request = (m: Partial<DetectRequest>): DetectRequest => ({ series: [], timestamps: [], normalize: '', window: 0, plot: false, ...m });

test.before(async () => {
  server = await runServe({
    options: validateServeOptions({
      checkpoint: SHIPPED,
      tokenFile: join(root, 'unused.token'),
      port: 0,
      grpcPort: 0,
      maxBodyBytes: MAX_BODY,
      maxPoints: 3000,
    }),
    env: { ANOMSEER_TOKEN: TOKEN },
    log: () => {},
  });
  client = createClient('Detect', server.grpcAddress!, grpc.credentials.createInsecure(), { interceptors: [bearerInterceptor(TOKEN)] });
  anonymous = createClient('Detect', server.grpcAddress!, grpc.credentials.createInsecure());
});

test.after(async () => {
  client?.close();
  anonymous?.close();
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

test('DetectSeries answers what POST /v1/detect answers, plot bytes included', async () => {
  const { values } = parseValuesCsv(readFileSync(NAB_FILE, 'utf8'), NAB_FILE);
  const series = Array.from(values);
  const [g, h] = await Promise.all([
    rpc(client, client.DetectSeries, request({ series, plot: true })),
    call(server.httpPort, 'POST', '/v1/detect', { token: TOKEN, body: JSON.stringify({ series, plot: true }) }),
  ]);
  assert.is(h.status, 200, h.text);
  const a = h.json();
  assert.ok(a.intervals.length > 0);
  assert.is(g.type, `ANOMALY_TYPE_${a.type.toUpperCase().replace(' ', '_')}`);
  assert.equal(
    g.intervals.map((i) => [i.start, i.end]),
    a.intervals,
  );
  assert.is(g.explanation, a.explanation);
  assert.is(g.trace, a.trace);
  assert.equal(
    g.windows.map((w) => [w.start, w.length, w.text, w.intervals.map((i) => [i.start, i.end])]),
    a.windows.map((w: { start: number; length: number; text: string; intervals: number[][] }) => [w.start, w.length, w.text, w.intervals]),
  );
  assert.ok(g.plot_png.equals(Buffer.from(a.plotPng, 'base64')));
  assert.equal(g.time_intervals, []);
});

test('a call without the token is UNAUTHENTICATED', async () => {
  try {
    await rpc(anonymous, anonymous.DetectSeries, request({ series: [1, 2, 3] }));
    assert.unreachable('answered');
  } catch (err) {
    assert.instance(err, UnauthenticatedError);
    assert.match((err as Error).message, /missing "authorization" metadata/);
  }
});

// [what, request, field]
const REFUSED: [string, Partial<DetectRequest>, string][] = [
  ['an empty series', {}, 'series'],
  ['NaN', { series: [1, NaN] }, 'series[1]'],
  ['too many points', { series: new Array(3001).fill(0) }, 'series'],
  ['a window out of range', { series: [1, 2], window: 3 }, 'window'],
  ['an unknown normalize mode', { series: [1, 2], normalize: 'zscore' }, 'normalize'],
];

for (const [what, m, field] of REFUSED) {
  test(`refused: ${what} → INVALID_ARGUMENT naming ${field}`, async () => {
    try {
      await rpc(client, client.DetectSeries, request(m));
      assert.unreachable('answered');
    } catch (err) {
      assert.instance(err, InvalidArgumentError);
      assert.is((err as InvalidArgumentError).field, field);
    }
  });
}

test('a message over --max-body-bytes is RESOURCE_EXHAUSTED, and the next call is answered', async () => {
  try {
    await rpc(client, client.DetectSeries, request({ series: new Array(5000).fill(0.5) }));
    assert.unreachable('answered');
  } catch (err) {
    assert.instance(err, RpcError);
    assert.is((err as RpcError).grpcCode, grpc.status.RESOURCE_EXHAUSTED);
  }
  const ok = await rpc(
    client,
    client.DetectSeries,
    request({ series: [1, 2, 3, 2, 1, 2, 3, 2, 1, 9, 1, 2, 3, 2, 1, 2], window: 16, timestamps: 'abcdefghijklmnop'.split('') }),
  );
  assert.ok(
    [
      'ANOMALY_TYPE_NORMAL',
      'ANOMALY_TYPE_GLOBAL_POINT',
      'ANOMALY_TYPE_CONTEXTUAL_POINT',
      'ANOMALY_TYPE_SEASONAL',
      'ANOMALY_TYPE_TREND',
      'ANOMALY_TYPE_SHAPELET',
    ].includes(ok.type),
  );
  assert.is(ok.windows.length, 1);
});

test.run();
