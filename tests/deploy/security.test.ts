// deploy/ security (docs/DEPLOY.md "Redis password", "Network policy"): Redis requires a
// password that comes from a Secret (Kubernetes) or the git-ignored env file (Compose) and reaches
// the coordinator the same way, never written in a file; Redis keeps an fsync'ed append-only file;
// and the NetworkPolicies, rendered by kustomize (the namespace's and every job overlay's) and
// evaluated here as the API server would, admit exactly the connections each job needs (its
// workers and learner to its coordinator's gRPC port, coordinators alone to Redis, metrics and
// dashboard from the namespace and labelled scrapers), nothing else, and nothing across jobs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { parse } from 'yaml';
import { flagValue } from './cli-spec.js';
import { deployDir, filesUnder, loadYaml, repoRoot } from './deploy-files.js';
import { jobOverlays, namespaceDir, render } from './kustomize.js';

const { docs } = loadYaml();
const compose = docs.find((d) => d.file === 'deploy/compose.yaml')!.value;
const namespace = render(namespaceDir).map((d) => d.value);
const jobs = jobOverlays().map((dir) => ({ job: basename(dir), objects: render(dir).map((d) => d.value) }));
const k8s = [...namespace, ...jobs.flatMap((j) => j.objects)];
const workload = (objects: any[], component: string) =>
  objects.find((d) => ['Deployment', 'Job'].includes(d.kind) && d.spec.template.metadata.labels['app.kubernetes.io/component'] === component)!;
const redisPod = workload(namespace, 'redis');
/** A role of a job (the first overlay's unless `job` names another). */
const deployment = (component: string, job = jobs[0]!.job) =>
  component === 'redis' ? redisPod : workload(jobs.find((j) => j.job === job)!.objects, component);
const containerOf = (component: string, job?: string) => deployment(component, job).spec.template.spec.containers[0];
const labelsOf = (component: string, job?: string): Record<string, string> => deployment(component, job).spec.template.metadata.labels;
const envFrom = (c: any, name: string) => (c.env ?? []).find((e: any) => e.name === name);

test("Kubernetes: Redis requires the password of the anomseer-redis Secret; every job's coordinator reads the same", () => {
  const redis = containerOf('redis');
  assert.is(flagValue(redis.args, '--requirepass'), '$(REDIS_PASSWORD)', 'expanded by the kubelet from env, never a literal');
  assert.ok(jobs.length >= 2, 'the job overlays');
  for (const { job } of jobs) {
    for (const c of [redis, containerOf('coordinator', job)]) {
      const e = envFrom(c, 'REDIS_PASSWORD');
      assert.equal(e?.valueFrom?.secretKeyRef, { name: 'anomseer-redis', key: 'password' }, `${job}: ${c.name}`);
      assert.is(e.value, undefined, c.name);
    }
    for (const role of ['learner', 'worker']) assert.is(envFrom(containerOf(role, job), 'REDIS_PASSWORD'), undefined, `${job}: ${role}: no Redis password`);
  }
  assert.equal([flagValue(redis.args, '--appendonly'), flagValue(redis.args, '--appendfsync')], ['yes', 'always']);
});

test('Compose: Redis requires REDIS_PASSWORD from the env file (expanded in the container, not by compose); the coordinator gets the same file', () => {
  const redis = compose.services.redis;
  assert.equal(redis.env_file, ['anomseer.env']);
  const cmd: string = redis.command.join(' ');
  // Compose turns $$ into $ (no interpolation from the host), then the container's shell expands it.
  assert.match(cmd, /--requirepass "\$\$REDIS_PASSWORD"/);
  assert.match(cmd, /--appendonly yes --appendfsync always/);
  assert.match(redis.healthcheck.test.join(' '), /REDISCLI_AUTH="\$\$REDIS_PASSWORD" redis-cli ping/);
  assert.equal(compose.services.coordinator.env_file, ['anomseer.env']);
  assert.match(readFileSync(`${deployDir}/anomseer.env.example`, 'utf8'), /^REDIS_PASSWORD=$/m);
});

test('no password is written anywhere under deploy/', () => {
  for (const p of filesUnder(deployDir)) {
    const text = readFileSync(p, 'utf8');
    assert.not.match(text, /REDIS_PASSWORD=[^\s$"]/, `${relative(repoRoot, p)} sets a Redis password`);
    assert.not.match(text, /requirepass\s+[^\s$"\\]/, `${relative(repoRoot, p)} holds a literal requirepass`);
    assert.not.match(text, /redis:\/\/[^/\s"]*:[^@/\s"]+@/, `${relative(repoRoot, p)} puts a password in a Redis URL`);
  }
});

// ---- NetworkPolicy, evaluated ------------------------------------------------------------------

type Labels = Record<string, string>;
/** A connection's source: a pod of this namespace with labels, or a pod of another namespace. */
type Source = { pod: Labels } | { namespace: Labels };

function selects(sel: any, labels: Labels): boolean {
  for (const [k, v] of Object.entries<string>(sel?.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel?.matchExpressions ?? []) {
    const has = labels[e.key] !== undefined;
    if (e.operator === 'In' && !(has && e.values.includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && e.values.includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

const policies = k8s.filter((d) => d.kind === 'NetworkPolicy');

/** Would the cluster admit a TCP connection from `src` to a pod labelled `to` on `port`? (Ingress only.) */
function admits(src: Source, to: Labels, port: number): boolean {
  const mine = policies.filter((p) => (p.spec.policyTypes ?? ['Ingress']).includes('Ingress') && selects(p.spec.podSelector, to));
  if (mine.length === 0) return true; // not isolated
  return mine.some((p) =>
    (p.spec.ingress ?? []).some((rule: any) => {
      const portOk = rule.ports === undefined || rule.ports.some((x: any) => (x.protocol ?? 'TCP') === 'TCP' && x.port === port);
      const fromOk =
        rule.from === undefined ||
        rule.from.some((peer: any) =>
          'pod' in src
            ? peer.podSelector !== undefined && peer.namespaceSelector === undefined && selects(peer.podSelector, src.pod)
            : peer.namespaceSelector !== undefined &&
              selects(peer.namespaceSelector, src.namespace) &&
              (peer.podSelector === undefined || selects(peer.podSelector, {})),
        );
      return portOk && fromOk;
    }),
  );
}

test('the network policies are in the namespace kustomization and the job base (so every overlay has them); each job isolates its own pods', () => {
  const kustomization = (dir: string) => parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'));
  assert.ok(kustomization(namespaceDir).resources.includes('network-policy.yaml'), 'deploy/k8s');
  assert.ok(kustomization(join(deployDir, 'k8s', 'job')).resources.includes('network-policy.yaml'), 'deploy/k8s/job');
  for (const { job, objects } of jobs) {
    const deny = objects.find((p) => p.kind === 'NetworkPolicy' && p.spec.ingress === undefined);
    assert.ok(deny, `${job}: a default-deny policy`);
    assert.equal(deny.spec.podSelector.matchLabels, { 'anomseer.io/job': job, 'app.kubernetes.io/name': 'anomseer' }, `${job}: it selects the job's pods`);
    for (const component of ['coordinator', 'learner', 'worker'])
      assert.ok(selects(deny.spec.podSelector, labelsOf(component, job)), `${job}: the default deny selects its ${component}`);
  }
});

test('the network policies admit what each job needs and nothing else', () => {
  const [a, b] = [jobs[0]!.job, jobs[1]!.job];
  const pod = (component: string, job = a): Source => ({ pod: labelsOf(component, job) });
  const coord = labelsOf('coordinator');
  const grpc = Number(flagValue(containerOf('coordinator').args, '--listen')!.split(':').pop());
  const dashboard = Number(flagValue(containerOf('coordinator').args, '--dashboard-port'));
  const metrics = Number(flagValue(containerOf('coordinator').args, '--metrics-port'));
  const redisPort = containerOf('redis').ports[0].containerPort;
  const stranger: Source = { pod: { app: 'something-else' } };
  const scraper: Source = { namespace: { 'anomseer.io/scrape': 'true' } };
  const elsewhere: Source = { namespace: { 'kubernetes.io/metadata.name': 'default' } };
  const cases: [string, Source, Labels, number, boolean][] = [
    ['worker → coordinator gRPC', pod('worker'), coord, grpc, true],
    ['learner → coordinator gRPC', pod('learner'), coord, grpc, true],
    [`a worker of job ${b} → job ${a}'s coordinator gRPC`, pod('worker', b), coord, grpc, false],
    [`the learner of job ${b} → job ${a}'s coordinator gRPC`, pod('learner', b), coord, grpc, false],
    [`job ${b}'s worker → its own coordinator gRPC`, pod('worker', b), labelsOf('coordinator', b), grpc, true],
    ['another pod of the namespace → coordinator gRPC', stranger, coord, grpc, false],
    ['another namespace → coordinator gRPC', scraper, coord, grpc, false],
    ['coordinator → Redis', pod('coordinator'), labelsOf('redis'), redisPort, true],
    [`job ${b}'s coordinator → Redis`, pod('coordinator', b), labelsOf('redis'), redisPort, true],
    ['worker → Redis', pod('worker'), labelsOf('redis'), redisPort, false],
    ['learner → Redis', pod('learner'), labelsOf('redis'), redisPort, false],
    ['a pod of the namespace → Redis', stranger, labelsOf('redis'), redisPort, false],
    ['learner (its init container) → coordinator /healthz', pod('learner'), coord, metrics, true],
    ['a pod of the namespace → coordinator dashboard', stranger, coord, dashboard, true],
    ['a labelled scraper → coordinator metrics', scraper, coord, metrics, true],
    ['a labelled scraper → worker metrics', scraper, labelsOf('worker'), metrics, true],
    ['a labelled scraper → learner metrics', scraper, labelsOf('learner'), metrics, true],
    ['an unlabelled namespace → coordinator metrics', elsewhere, coord, metrics, false],
    ['an unlabelled namespace → worker metrics', elsewhere, labelsOf('worker'), metrics, false],
    ['worker → worker on another port', pod('worker'), labelsOf('worker'), 7070, false],
    ['worker → learner on another port', pod('worker'), labelsOf('learner'), 7070, false],
  ];
  for (const [what, src, to, port, expected] of cases) assert.is(admits(src, to, port), expected, what);
});

test.run();
