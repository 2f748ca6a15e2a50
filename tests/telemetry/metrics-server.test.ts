// telemetry/metrics-server.ts: /metrics behind the bearer token, /healthz open and secret-free,
// loopback by default, one registry per role, and the --metrics-* flags.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Counter } from 'prom-client';
import { ConfigError } from '../../shared/errors.js';
import { createRoleRegistry, metricsListenFrom, serveMetrics } from '../../telemetry/metrics-server.js';
import type { Health, MetricsServer } from '../../telemetry/metrics-server.js';
import { parsePromText, valueOf } from './prom-text.js';

const TOKEN = 'metrics-test-token-0123456789abcdef';

async function withServer(
  health: () => Promise<Health> | Health,
  run: (base: string, s: MetricsServer) => Promise<void>,
  healthTimeoutMs?: number,
): Promise<void> {
  const registry = createRoleRegistry('worker');
  new Counter({ name: 'anomseer_test_events_total', help: 'test', registers: [registry] }).inc(3);
  const s = await serveMetrics({ host: '127.0.0.1', port: 0, role: 'worker', registry, token: TOKEN, health, healthTimeoutMs });
  try {
    await run(`http://${s.address}`, s);
  } finally {
    await s.close();
  }
}

const ok: Health = { ok: true, checks: { registered: true } };

test('--metrics-port / --metrics-host: off without a port, loopback by default, checked ranges', () => {
  assert.is(metricsListenFrom({}), undefined);
  assert.equal(metricsListenFrom({ metricsPort: '9464' }), { host: '127.0.0.1', port: 9464 });
  assert.equal(metricsListenFrom({ metricsPort: '0', metricsHost: '0.0.0.0' }), { host: '0.0.0.0', port: 0 });
  for (const bad of ['x', '70000', '-1', '1.5', '']) {
    try {
      metricsListenFrom({ metricsPort: bad });
      assert.unreachable(bad);
    } catch (err) {
      assert.instance(err, ConfigError);
      assert.match((err as Error).message, /--metrics-port/);
    }
  }
  assert.throws(
    () => metricsListenFrom({ metricsHost: '0.0.0.0' }),
    (e: unknown) => e instanceof ConfigError && /--metrics-host/.test((e as Error).message),
  );
});

test('GET /metrics without the token, or with another one, is 401 and shows no metrics', async () => {
  await withServer(
    () => ok,
    async (base) => {
      const cases: Record<string, string>[] = [
        {},
        { authorization: 'Bearer wrong-token-0123456789abcdef' },
        { authorization: TOKEN },
        { authorization: `Basic ${TOKEN}` },
      ];
      for (const headers of cases) {
        const r = await fetch(`${base}/metrics`, { headers });
        assert.is(r.status, 401, JSON.stringify(headers));
        assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
        const body = await r.text();
        assert.not.match(body, /anomseer_test_events_total/);
        assert.not.match(body, new RegExp(TOKEN));
      }
    },
  );
});

test('GET /metrics with the token: Prometheus text, strict-parsed, role label, default process metrics', async () => {
  await withServer(
    () => ok,
    async (base) => {
      const r = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.is(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const f = parsePromText(await r.text());
      assert.is(valueOf(f, 'anomseer_test_events_total', { role: 'worker' }), 3);
      assert.ok(f.get('process_cpu_user_seconds_total'), 'default process metrics');
      assert.ok(f.get('nodejs_heap_size_used_bytes'), 'default nodejs metrics');
    },
  );
});

test('GET /healthz is open: 200 with small JSON when healthy, 503 when not, when it throws or hangs', async () => {
  await withServer(
    () => ok,
    async (base) => {
      const r = await fetch(`${base}/healthz`);
      assert.is(r.status, 200);
      const body = await r.text();
      assert.equal(JSON.parse(body), { status: 'ok', role: 'worker', checks: { registered: true } });
      assert.ok(body.length < 200);
      assert.not.match(body, new RegExp(TOKEN));
    },
  );
  await withServer(
    () => ({ ok: false, checks: { registered: false } }),
    async (base) => {
      const r = await fetch(`${base}/healthz`);
      assert.is(r.status, 503);
      assert.equal(await r.json(), { status: 'unavailable', role: 'worker', checks: { registered: false } });
    },
  );
  await withServer(
    () => Promise.reject(new Error(`secret ${TOKEN}`)),
    async (base) => {
      const r = await fetch(`${base}/healthz`);
      assert.is(r.status, 503);
      assert.not.match(await r.text(), /secret/);
    },
  );
  await withServer(
    () => new Promise<Health>(() => {}),
    async (base) => {
      assert.is((await fetch(`${base}/healthz`)).status, 503);
    },
    50,
  );
});

test('other paths are 404, other methods 405', async () => {
  await withServer(
    () => ok,
    async (base) => {
      assert.is((await fetch(`${base}/`)).status, 404);
      assert.is((await fetch(`${base}/metrics/x`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 404);
      assert.is((await fetch(`${base}/healthz`, { method: 'POST' })).status, 405);
    },
  );
});

test('binds where it is told: 127.0.0.1 by default; close() frees the port', async () => {
  const listen = metricsListenFrom({ metricsPort: '0' })!;
  const s = await serveMetrics({ ...listen, role: 'learner', registry: createRoleRegistry('learner'), token: TOKEN, health: () => ok });
  assert.match(s.address, /^127\.0\.0\.1:\d+$/);
  assert.ok(s.port > 0);
  await s.close();
  const err = await fetch(`http://127.0.0.1:${s.port}/healthz`).catch((e: unknown) => e);
  assert.instance(err, Error);
});

test('each role has its own registry: same names in two roles, no shared series', async () => {
  const a = createRoleRegistry('coordinator', { defaultMetrics: false });
  const b = createRoleRegistry('learner', { defaultMetrics: false });
  new Counter({ name: 'anomseer_same_total', help: 'x', registers: [a] }).inc(1);
  new Counter({ name: 'anomseer_same_total', help: 'x', registers: [b] }).inc(5);
  const fa = parsePromText(await a.metrics());
  const fb = parsePromText(await b.metrics());
  assert.is(valueOf(fa, 'anomseer_same_total', { role: 'coordinator' }), 1);
  assert.is(valueOf(fb, 'anomseer_same_total', { role: 'learner' }), 5);
  // Two full registries (default metrics included) in one process do not collide either.
  parsePromText(await createRoleRegistry('worker').metrics());
  parsePromText(await createRoleRegistry('worker').metrics());
});

test.run();
