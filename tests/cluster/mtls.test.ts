// gRPC over mutual TLS (proto/tls.ts, scripts/make-certs.sh, docs/DEPLOY.md "mTLS"): certificates
// made by the script; a coordinator served with them admits a client holding a certificate of
// its CA and the token, and refuses a plain-text client, a client without a certificate, one with
// a certificate of another CA, and one with the wrong token; a client refuses a coordinator its
// CA did not sign. Then the CLI: a coordinator process with --tls-*, a worker registering over
// mTLS and `anomseer status` with and without a client certificate. The flags' checks as a table.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearerInterceptor } from '../../proto/auth.js';
import { collect, unary } from '../../proto/call.js';
import { chunkWeights, describeWeights } from '../../proto/chunks.js';
import { RpcError, UnauthenticatedError } from '../../proto/errors.js';
import { channelOptions } from '../../proto/options.js';
import { IP_SERVER_NAME, connectClient, connectPeer, relayTls, serverNameOptions, validateTlsFlags } from '../../proto/tls.js';
import type { TlsMaterial } from '../../proto/tls.js';
import { MemoryStore } from '../../coordinator/state/memory-store.js';
import { createCoordinator, serveCoordinator } from '../../coordinator/service/server.js';
import { EgressPacer } from '../../proto/chunk-stream.js';
import { HeldWeights } from '../../rollout-worker/held-weights.js';
import { loadDataSpec } from '../../shared/datasets/spec.js';
import { encodePublishedWeights } from '../../shared/policy/published-weights.js';
import { initParams } from '../../shared/policy/model-config.js';
import { policySpecFromJob } from '../../shared/policy/spec.js';
import { Rng } from '../../shared/rng.js';
import { servePeerWeights } from '../../rollout-worker/peer-server.js';
import { ConfigError } from '../../shared/errors.js';
import { eventually, within } from '../helpers/wait.js';
import { TOKEN, fakeRecords, smokeJob } from './helpers.js';
import { killAll, startRole } from './procs.js';

const root = mkdtempSync(join(tmpdir(), 'anomseer-mtls-'));
const certs = join(root, 'certs');
const other = join(root, 'other-ca');
const f = (dir: string, name: string) => join(dir, name);

test.before(() => {
  for (const [dir, args] of [
    [certs, ['--client', 'worker', '--client', 'status']],
    [other, ['--client', 'intruder']],
  ] as const) {
    const r = spawnSync('bash', ['scripts/make-certs.sh', dir, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`make-certs.sh failed:\n${r.stdout}${r.stderr}`);
  }
});
test.after(async () => {
  await killAll();
  rmSync(root, { recursive: true, force: true });
});

test('make-certs.sh writes a CA, the coordinator and each client, keys readable by the owner only', () => {
  for (const name of ['ca', 'coordinator', 'worker', 'status']) {
    assert.is(statSync(f(certs, `${name}.key`)).mode & 0o777, 0o600, `${name}.key`);
    assert.ok(statSync(f(certs, `${name}.crt`)).size > 0, `${name}.crt`);
  }
  const san = spawnSync('openssl', ['x509', '-in', f(certs, 'coordinator.crt'), '-noout', '-ext', 'subjectAltName'], { encoding: 'utf8' }).stdout;
  assert.match(san, /IP Address:127\.0\.0\.1/);
  assert.match(san, /DNS:localhost/);
});

const material = (dir: string, client?: string): TlsMaterial =>
  validateTlsFlags({ ca: f(dir, 'ca.crt'), ...(client === undefined ? {} : { cert: f(dir, `${client}.crt`), key: f(dir, `${client}.key`) }) }, 'client')!;

/**
 * What a server on mutual TLS (`what`: the coordinator, a relay) refuses, reached by `call` with
 * the given material and token: plain text, TLS without a client certificate, a client
 * certificate of another CA and a server its CA did not sign fail the handshake (UNAVAILABLE);
 * `good` material with a wrong token is UNAUTHENTICATED.
 */
async function refusesAllButItsCA(what: string, call: (tls: TlsMaterial | undefined, token?: string) => Promise<unknown>, good: TlsMaterial): Promise<void> {
  const refused: [string, TlsMaterial | undefined][] = [
    ['plain text', undefined],
    ['TLS without a client certificate', material(certs)],
    ['a client certificate of another CA', { ...material(other, 'intruder'), ca: material(certs).ca }],
    [`a ${what} its CA did not sign`, material(other, 'intruder')],
  ];
  for (const [how, tls] of refused) {
    const err = await call(tls).catch((e: unknown) => e);
    assert.instance(err, RpcError, `${how}: ${String(err)}`);
    assert.is((err as RpcError).grpcCode, 14, `${how}: UNAVAILABLE (the handshake fails)`);
  }
  const err = await call(good, 'a-wrong-token-0123456789').catch((e: unknown) => e);
  assert.instance(err, UnauthenticatedError, `${what}: the token is still checked on top of the certificate`);
}

test('a coordinator on mTLS admits a certificate of its CA with the token, and nobody else', async () => {
  const job = smokeJob();
  const c = createCoordinator(job, { store: new MemoryStore({ jobId: 'mtls' }), clock: Date.now, logger: () => {}, records: fakeRecords(6) });
  const tls = validateTlsFlags({ cert: f(certs, 'coordinator.crt'), key: f(certs, 'coordinator.key'), ca: f(certs, 'ca.crt') }, 'server');
  const srv = await serveCoordinator(c, { listen: '127.0.0.1:0', token: TOKEN, logger: () => {}, tls });
  const status = async (creds: TlsMaterial | undefined, token = TOKEN, address = srv.address) => {
    const coord = connectClient('Coordinator', address, creds, {
      ...channelOptions(),
      interceptors: [bearerInterceptor(token)],
    });
    try {
      return await unary(coord, coord.GetStatus, {}, { deadlineMs: 10_000 });
    } finally {
      coord.close();
    }
  };
  try {
    assert.is((await status(material(certs, 'worker'))).job_id, c.settings.jobId, 'a client certificate of the CA + the token');
    // By name too: the name is the TLS server name; by IP (above) the IP is checked against the
    // certificate's IP SAN and a fixed name is sent (Node 26 refuses an IP as the server name).
    const port = srv.address.slice(srv.address.lastIndexOf(':') + 1);
    assert.is((await status(material(certs, 'worker'), TOKEN, `localhost:${port}`)).job_id, c.settings.jobId, 'reached as localhost');
    assert.equal(serverNameOptions(material(certs, 'worker'), `localhost:${port}`), {});
    assert.equal(serverNameOptions(material(certs, 'worker'), srv.address), { 'grpc.ssl_target_name_override': IP_SERVER_NAME });
    assert.equal(serverNameOptions(undefined, srv.address), {}, 'plain text: no name');
    await refusesAllButItsCA('coordinator', (tls, token) => status(tls, token), material(certs, 'worker'));
  } finally {
    await srv.close(0);
  }
});

test('a weight relay on mTLS: a worker certificate of the CA fetches a version; plain text, no certificate, another CA and a wrong token are refused', async () => {
  const CHUNK = 16 * 1024;
  const bytes = Buffer.alloc(100_000);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + (i >> 9)) & 0xff;
  const held = new HeldWeights();
  const v = held.begin(describeWeights(bytes, { version: 1, step: 1, chunkBytes: CHUNK }));
  for (const c of chunkWeights(bytes, { version: 1, step: 1, chunkBytes: CHUNK })) v.accept(c);
  const served = relayTls(material(certs, 'worker'));
  assert.ok(served.tls !== undefined, 'a make-certs client certificate may serve the relay');
  const srv = await servePeerWeights({ held, listen: '127.0.0.1:0', token: TOKEN, tls: served.tls });
  const fetch = async (tls: TlsMaterial | undefined, token = TOKEN, address = srv.address) => {
    const c = connectPeer(address, tls, { ...channelOptions(), interceptors: [bearerInterceptor(token)] });
    try {
      const chunks = await collect(c.FetchWeights({ version: 1, start_index: 0, worker_id: 'peer' }));
      return Buffer.concat(chunks.map((ch) => Buffer.from(ch.data)));
    } finally {
      c.close();
    }
  };
  try {
    const peer = relayTls(material(certs, 'status')).tls;
    assert.ok((await fetch(peer)).equals(bytes), 'by IP: the same bytes');
    assert.ok((await fetch(peer, TOKEN, `localhost:${srv.port}`)).equals(bytes), 'by name: the same bytes');
    await refusesAllButItsCA('relay', (tls, token) => fetch(tls, token), peer!);
  } finally {
    await srv.close();
  }
});

test('worker processes on mTLS relay a version to each other over mutual TLS: the second gets bytes from the first, both load it', async () => {
  const job = smokeJob({ 'cluster.heartbeatInterval': '200ms', 'train.warmStart.enabled': 'false' });
  const records = (await loadDataSpec(job.data.train)).filter((r) => r.type !== 'unknown');
  const spec = policySpecFromJob(job);
  const bytes = Buffer.from(encodePublishedWeights(spec, initParams(spec.model, new Rng(1)), 1));
  // A slow coordinator link (~4 s for the file): the coordinator sends one copy, the second worker is fed by the first.
  const egress = new EgressPacer({ bytesPerSecond: bytes.length / 4, clock: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
  const c = createCoordinator(job, {
    store: new MemoryStore({ jobId: 'mtls-relay' }),
    clock: Date.now,
    logger: () => {},
    records,
    chunkBytes: 8 * 1024,
    weightEgress: egress,
  });
  const tls = validateTlsFlags({ cert: f(certs, 'coordinator.crt'), key: f(certs, 'coordinator.key'), ca: f(certs, 'ca.crt') }, 'server');
  const srv = await serveCoordinator(c, { listen: '127.0.0.1:0', token: TOKEN, logger: () => {}, tls });
  const client = ['--tls-ca', f(certs, 'ca.crt'), '--tls-cert', f(certs, 'worker.crt'), '--tls-key', f(certs, 'worker.key')];
  try {
    const procs = ['m1', 'm2'].map((id) => startRole(`worker ${id}`, ['worker', '--coordinator', srv.address, '--id', id, ...client]));
    for (const p of procs) {
      await p.waitFor(/registered with job/, 120_000);
      assert.ok(
        p.lines.some((l) => /relays weights on 127\.0\.0\.1:\d+ \(advertised as \S+; mutual TLS \+ bearer token\)/.test(l)),
        p.lines.join('\n'),
      );
    }
    await c.registry.publish([...chunkWeights(bytes, { version: 1, step: 0 })]);
    for (const p of procs) await p.waitFor(/loaded weight version 1 /, 120_000);
    // Both fetch reports, then who fed whom (the relay bookkeeping forgets a child once it reports).
    const reports = await eventually('both fetch reports', () => {
      const done = c.registry.broadcasts
        .list()
        .find((b) => b.version === 1)
        ?.received.filter((r) => r.complete);
      return done !== undefined && done.length === 2 ? done : undefined;
    });
    const seen = JSON.stringify(reports.map((r) => [r.workerId, r.from]));
    const logs = procs.map((p) => p.lines.join('\n')).join('\n');
    // With one child per source (the default), the second worker to ask is given the first.
    const fed = reports.filter((r) => Object.entries(r.from).some(([src, n]) => src !== '' && n > 0));
    assert.is(fed.length, 1, `one worker received bytes from the other, over mutual TLS: ${seen}\n${logs}`);
    for (const r of reports)
      assert.is(
        Object.values(r.from).reduce((a, b) => a + b, 0),
        bytes.length,
        `${r.workerId}: the file once (${seen})`,
      );
  } finally {
    await killAll();
    await srv.close(0);
  }
});

test('relayTls: the relay stays plain text, saying why, without mTLS material or with a certificate that may not serve TLS', () => {
  const why = (tls: TlsMaterial | undefined) => {
    const r = relayTls(tls);
    assert.is(r.tls, undefined);
    return 'why' in r ? r.why : '';
  };
  assert.match(why(undefined), /no TLS to the coordinator/);
  assert.match(why(material(certs)), /needs this worker to have --tls-ca, --tls-cert and --tls-key/);
  // A client certificate made before make-certs.sh added serverAuth (clientAuth only).
  const dir = join(root, 'client-only');
  const sh = [
    `mkdir -p ${dir}`,
    `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ${dir}/old.key 2>/dev/null`,
    `openssl req -new -key ${dir}/old.key -subj "/CN=old worker" -out ${dir}/old.csr`,
    `printf 'basicConstraints=CA:FALSE\\nextendedKeyUsage=clientAuth\\n' > ${dir}/ext`,
    `openssl x509 -req -in ${dir}/old.csr -CA ${f(certs, 'ca.crt')} -CAkey ${f(certs, 'ca.key')} -CAcreateserial -CAserial ${dir}/ca.srl -days 1 -extfile ${dir}/ext -out ${dir}/old.crt 2>/dev/null`,
  ].join(' && ');
  const r = spawnSync('bash', ['-c', sh], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const old = validateTlsFlags({ ca: f(certs, 'ca.crt'), cert: f(dir, 'old.crt'), key: f(dir, 'old.key') }, 'client')!;
  assert.match(why(old), /may not serve TLS \(no serverAuth extended key usage\); make it again with scripts\/make-certs\.sh/);
  assert.ok(relayTls(material(certs, 'worker')).tls !== undefined);
});

test('the CLI on mTLS: a coordinator process, a worker registering, status with a certificate; without one status fails in one line', async () => {
  const server = ['--tls-cert', f(certs, 'coordinator.crt'), '--tls-key', f(certs, 'coordinator.key'), '--tls-ca', f(certs, 'ca.crt')];
  const coord = startRole('coordinator', [
    'coordinator',
    'examples/smoke.yaml',
    '--set',
    `outputDir=${join(root, 'run')}`,
    '--listen',
    '127.0.0.1:0',
    '--no-dashboard',
    ...server,
  ]);
  const address = (await coord.waitFor(/listening on (\S+) \(mutual TLS\)$/))[1]!;
  const client = (name: string) => ['--tls-ca', f(certs, 'ca.crt'), '--tls-cert', f(certs, `${name}.crt`), '--tls-key', f(certs, `${name}.key`)];
  const worker = startRole('worker', ['worker', '--coordinator', address, ...client('worker')]);
  await coord.waitFor(/^coordinator: worker w1 registered/);
  await worker.waitFor(/^worker: relays weights on 127\.0\.0\.1:\d+ \(advertised as \S+; mutual TLS \+ bearer token\)$/);
  const env = { ...process.env, ANOMSEER_TOKEN: TOKEN };
  const ok = spawnSync(process.execPath, ['bin/anomseer.mjs', 'status', '--coordinator', address, '--json', ...client('status')], { encoding: 'utf8', env });
  assert.is(ok.status, 0, ok.stderr);
  assert.equal(
    (JSON.parse(ok.stdout) as { workers: { worker_id: string }[] }).workers.map((w) => w.worker_id),
    ['w1'],
  );
  const bare = spawnSync(process.execPath, ['bin/anomseer.mjs', 'status', '--coordinator', address, '--tls-ca', f(certs, 'ca.crt')], { encoding: 'utf8', env });
  assert.is(bare.status, 2, bare.stdout + bare.stderr);
  assert.equal(bare.stderr.trim().split('\n').length, 1, bare.stderr);
  assert.match(bare.stderr, /^anomseer: .*UNAVAILABLE/);
  await killAll();
  await within(coord.exited, 'the coordinator stops');
});

test('TLS flags are checked, each failure naming the flag', () => {
  const cases: [string, Parameters<typeof validateTlsFlags>[0], 'server' | 'client', RegExp][] = [
    ['a server without a key', { cert: f(certs, 'coordinator.crt') }, 'server', /^--tls-key: the coordinator needs --tls-cert and --tls-key together/],
    ['a server with only a CA', { ca: f(certs, 'ca.crt') }, 'server', /^--tls-cert: the coordinator needs/],
    [
      'a client cert without its key',
      { ca: f(certs, 'ca.crt'), cert: f(certs, 'worker.crt') },
      'client',
      /^--tls-key: a client certificate needs --tls-cert and --tls-key together/,
    ],
    ['a missing file', { ca: f(certs, 'nope.crt') }, 'client', /^--tls-ca: cannot read .*nope\.crt \(ENOENT\)/],
    [
      'a key given as the certificate',
      { cert: f(certs, 'worker.key'), key: f(certs, 'worker.key') },
      'client',
      /^--tls-cert: .*worker\.key holds no PEM -----BEGIN CERTIFICATE----- block/,
    ],
  ];
  for (const [what, flags, role, re] of cases) {
    let err: unknown;
    try {
      validateTlsFlags(flags, role);
    } catch (e) {
      err = e;
    }
    assert.instance(err, ConfigError, what);
    assert.match((err as Error).message, re, what);
  }
  assert.is(validateTlsFlags({}, 'client'), undefined, 'no flag: plain text');
});

test.run();
