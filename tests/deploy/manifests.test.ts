// deploy/: the Kubernetes manifests (every job overlay as kustomize renders it) and the compose
// file start only what the real CLI accepts, scope every object to its job, wire ports, probes,
// the token, the values and GPUs consistently, end workers with their job, and never carry a
// secret.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { parse } from 'yaml';
import { argvProblems, commandNames, commandSpec, flagValue, parseHelp } from './cli-spec.js';
import type { CommandSpec } from './cli-spec.js';
import { deployDir, filesUnder, loadYaml, repoRoot } from './deploy-files.js';
import type { YamlDoc } from './deploy-files.js';
import { jobOverlays, namespaceDir, render } from './kustomize.js';
import { expandVars, manifestContainers } from './local-pods.js';

const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const { docs: raw, errors } = loadYaml();
const compose = raw.find((d) => d.file === 'deploy/compose.yaml')!.value;
const ours = (image: string) => /^anomseer(-cuda)?(:|$)/.test(image);
const specs = new Map<string, CommandSpec>();
for (const name of commandNames()) specs.set(name, commandSpec(name));

/** The namespace-level objects (namespace, Redis) and each job overlay, rendered. */
const namespaceDocs = render(namespaceDir);
interface Overlay {
  /** The job name: the directory's name, the label's value, the namePrefix's middle. */
  readonly job: string;
  readonly dir: string;
  readonly kustomization: any;
  readonly docs: YamlDoc[];
}
const overlays: Overlay[] = jobOverlays().map((dir) => ({
  job: basename(dir),
  dir,
  kustomization: parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')),
  docs: render(dir),
}));

interface PodContainer {
  job: string;
  owner: string;
  kind: string;
  labels: Record<string, string>;
  pod: any;
  c: any;
  /** The container's env as Kubernetes resolves it (label fieldRefs, the values ConfigMap, a stand-in for Secrets). */
  env: Record<string, string>;
}
const objects = (o: Overlay, kind: string) => o.docs.filter((d) => d.value.kind === kind).map((d) => d.value);
const containersOf = (o: Overlay): PodContainer[] =>
  manifestContainers(o.docs).map((x) => {
    const labels = o.docs.find((d) => `${d.value.kind}/${d.value.metadata.name}` === x.owner)!.value.spec.template.metadata.labels;
    return { job: o.job, owner: x.owner, kind: x.kind, labels, pod: x.pod, c: x.container, env: envOf(o, x.container, labels) };
  });
function envOf(o: Overlay, c: any, labels: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) {
    const label = /^metadata\.labels\['([^']+)'\]$/.exec(e.valueFrom?.fieldRef?.fieldPath ?? '');
    if (e.value !== undefined) env[e.name] = String(e.value);
    else if (label !== null) env[e.name] = labels[label[1]!] ?? '';
    else if (e.valueFrom?.configMapKeyRef !== undefined)
      env[e.name] = objects(o, 'ConfigMap').find((m) => m.metadata.name === e.valueFrom.configMapKeyRef.name)?.data?.[e.valueFrom.configMapKeyRef.key];
    else env[e.name] = '<secret>';
  }
  return env;
}
const containers = overlays.flatMap(containersOf);
/** The namespace's own pods (Redis): owner, labels, container. */
const namespacePods = manifestContainers(namespaceDocs).map((x) => ({
  owner: x.owner,
  labels: namespaceDocs.find((d) => `${d.value.kind}/${d.value.metadata.name}` === x.owner)!.value.spec.template.metadata.labels as Record<string, string>,
  c: x.container,
}));
const anomseer = containers.filter((x) => ours(x.c.image));
/** The args as the kubelet runs them ($(VAR) expanded from the container's env). */
const argvOf = (x: PodContainer): string[] => (x.c.args ?? []).map((a: string) => expandVars(a, x.env));
const servicesOf = (job: string) =>
  [...overlays.find((o) => o.job === job)!.docs, ...namespaceDocs].filter((d) => d.value.kind === 'Service').map((d) => d.value);
const valuesOf = (o: Overlay): Record<string, string> => objects(o, 'ConfigMap').find((m) => m.metadata.name.startsWith(`anomseer-${o.job}-values-`))!.data;
const declaredPort = (c: any, port: string | number) => (c.ports ?? []).some((p: any) => p.name === port || p.containerPort === port);
const portOf = (addr: string) => Number(addr.slice(addr.lastIndexOf(':') + 1));
const hostOf = (addr: string) => addr.slice(0, addr.lastIndexOf(':'));

test('every YAML file under deploy/ parses, every document; every kustomization renders', () => {
  assert.equal(errors, []);
  assert.ok(overlays.length >= 2, 'jobs/smoke and at least one more overlay');
  assert.equal(namespaceDocs.map((d) => `${d.value.kind}/${d.value.metadata.name}`).sort(), [
    'Deployment/anomseer-redis',
    'Namespace/anomseer',
    'NetworkPolicy/anomseer-redis',
    'PersistentVolumeClaim/anomseer-redis-data',
    'Service/anomseer-redis',
  ]);
  for (const o of overlays)
    assert.equal(
      o.docs.map((d) => `${d.value.kind}/${d.value.metadata.name.replace(/-[a-z0-9]{10}$/, '-<hash>')}`).sort(),
      [
        `ConfigMap/anomseer-${o.job}-job-<hash>`,
        `ConfigMap/anomseer-${o.job}-values-<hash>`,
        `Deployment/anomseer-${o.job}-coordinator`,
        `Job/anomseer-${o.job}-learner`,
        `Job/anomseer-${o.job}-workers`,
        `NetworkPolicy/anomseer-${o.job}-coordinator`,
        `NetworkPolicy/anomseer-${o.job}-default-deny`,
        `NetworkPolicy/anomseer-${o.job}-metrics`,
        `PersistentVolumeClaim/anomseer-${o.job}-runs`,
        `Service/anomseer-${o.job}-coordinator`,
      ],
      o.job,
    );
});

test('the CLI flag table is read from --help (commander format)', () => {
  const s = parseHelp('x', 'Usage: anomseer x [options] <job.yaml>\n\nOptions:\n  --set <key=value>  s\n  --json             j\n  -h, --help         h\n');
  assert.equal(s.positionals, ['job.yaml']);
  assert.equal(
    [...s.flags],
    [
      ['--set', true],
      ['--json', false],
      ['--help', false],
    ],
  );
  assert.ok(specs.get('worker')!.flags.get('--device'), 'worker --device not found in the real help');
  assert.equal(argvProblems(['worker', '--gpu', '0'], specs), ['worker: unknown flag --gpu', 'worker: 1 positional argument(s) [0], the CLI takes 0 ()']);
});

test("a job overlay scopes every object to its job: names anomseer-<job>-…, the anomseer.io/job label, selectors that match only the job's pods", () => {
  for (const o of overlays) {
    assert.is(o.kustomization.namePrefix, `anomseer-${o.job}-`, `${o.job}: namePrefix`);
    assert.equal(o.kustomization.labels, [{ pairs: { 'anomseer.io/job': o.job }, includeSelectors: true }], `${o.job}: the job label, in selectors too`);
    assert.is(o.kustomization.namespace, 'anomseer');
    for (const d of o.docs) {
      assert.match(d.value.metadata.name, new RegExp(`^anomseer-${o.job}-`), `${o.job}: ${d.value.kind}`);
      assert.is(d.value.metadata.labels?.['anomseer.io/job'], o.job, `${o.job}: ${d.value.kind}/${d.value.metadata.name} label`);
    }
    for (const s of objects(o, 'Service')) assert.is(s.spec.selector['anomseer.io/job'], o.job, `${s.metadata.name} selects its own job's pods only`);
    for (const d of objects(o, 'Deployment')) assert.is(d.spec.selector.matchLabels['anomseer.io/job'], o.job);
    for (const x of containersOf(o)) assert.is(x.labels['anomseer.io/job'], o.job, `${x.owner}: pod label`);
  }
  const names = overlays.map((o) => new Set(o.docs.map((d) => `${d.value.kind}/${d.value.metadata.name}`)));
  for (let i = 0; i < names.length; i++)
    for (let k = i + 1; k < names.length; k++)
      assert.equal(
        [...names[i]!].filter((n) => names[k]!.has(n)),
        [],
        `${overlays[i]!.job} and ${overlays[k]!.job} share no object`,
      );
});

test("each overlay's values land where job-values/ says: worker count, GPUs per worker, Redis, token Secret", () => {
  for (const o of overlays) {
    const v = valuesOf(o);
    assert.equal(Object.keys(v).sort(), ['gpusPerWorker', 'redis', 'tokenSecret', 'workers'], o.job);
    const workers = objects(o, 'Job').find((j) => j.metadata.name === `anomseer-${o.job}-workers`);
    assert.is(workers.spec.parallelism, Number(v.workers), `${o.job}: parallelism (a number, not a string)`);
    const w = workers.spec.template.spec.containers[0];
    for (const k of ['requests', 'limits']) assert.is(String(w.resources[k]['nvidia.com/gpu']), v.gpusPerWorker, `${o.job}: ${k} nvidia.com/gpu`);
    const coord = anomseer.find((x) => x.job === o.job && argvOf(x)[0] === 'coordinator')!;
    assert.is(flagValue(argvOf(coord), '--redis'), v.redis, `${o.job}: --redis`);
    for (const x of anomseer.filter((y) => y.job === o.job))
      assert.is(x.c.env.find((e: any) => e.name === 'ANOMSEER_TOKEN').valueFrom.secretKeyRef.name, v.tokenSecret, `${x.owner}: token Secret`);
  }
});

test('Kubernetes containers of ours run only real subcommands and flags, through the ENTRYPOINT', () => {
  for (const o of overlays) {
    const mine = anomseer.filter((x) => x.job === o.job);
    assert.equal(mine.map((x) => argvOf(x)[0]).sort(), ['coordinator', 'learner', 'worker'], o.job);
    for (const x of mine) {
      assert.is(x.c.command, undefined, `${x.owner}: "command" would replace ENTRYPOINT node bin/anomseer.mjs`);
      assert.equal(argvProblems(argvOf(x), specs), [], x.owner);
      for (const a of argvOf(x)) assert.not.match(a, /\$\(/, `${x.owner}: ${a} refers to an env var the container lacks`);
    }
  }
});

test('compose services of ours run only real subcommands and flags', () => {
  const mine = Object.entries<any>(compose.services).filter(([, s]) => ours(s.image ?? ''));
  assert.equal(mine.map(([n]) => n).sort(), ['coordinator', 'learner', 'worker']);
  for (const [name, s] of mine) {
    assert.is(s.entrypoint, undefined, name);
    assert.equal(argvProblems(s.command, specs), [], `compose ${name}`);
    assert.is(s.command[0], name);
  }
});

test('images are named consistently: anomseer / anomseer-cuda at the package version', () => {
  for (const o of overlays)
    assert.equal(
      o.kustomization.images.map((i: any) => [i.name, i.newTag]),
      [
        ['anomseer', version],
        ['anomseer-cuda', version],
      ],
      o.job,
    );
  for (const x of anomseer)
    assert.match(x.c.image, new RegExp(`^anomseer(-cuda)?:${version.replace(/\./g, '\\.')}$`), `${x.owner}: the tag comes from the overlay`);
  for (const d of raw.filter((r) => r.file.startsWith('deploy/k8s/job/') && r.value.spec?.template !== undefined))
    for (const c of d.value.spec.template.spec.containers) assert.match(c.image, /^anomseer(-cuda)?$/, `${d.file}: no tag in the base (the overlay sets it)`);
  for (const x of [...containers, ...namespacePods].filter((y) => !ours(y.c.image))) assert.match(x.c.image, /:[\w.-]+$/, `${x.owner}: pin a tag`);
  for (const [name, s] of Object.entries<any>(compose.services)) {
    if (ours(s.image)) assert.is(s.image, `anomseer:${version}`, name);
    else assert.match(s.image, /:[\w.-]+$/, `${name}: pin a tag`);
  }
});

test('the kustomizations list exactly their manifests; each job file is a copy of its example', () => {
  for (const dir of [join(deployDir, 'k8s'), join(deployDir, 'k8s', 'job')]) {
    const kust = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'));
    const files = filesUnder(dir).filter((p) => relative(dir, p) === basename(p) && basename(p) !== 'kustomization.yaml');
    assert.equal([...kust.resources].sort(), files.map((p) => basename(p)).sort(), relative(repoRoot, dir));
  }
  for (const o of overlays) {
    assert.equal(o.kustomization.resources, ['../../job'], o.job);
    assert.equal(o.kustomization.components, ['../../job-values'], o.job);
    const example = join(repoRoot, 'examples', `${o.job}.yaml`);
    assert.ok(existsSync(example), `examples/${o.job}.yaml`);
    assert.is(readFileSync(join(o.dir, 'job.yaml'), 'utf8'), readFileSync(example, 'utf8'), `${o.job}/job.yaml = examples/${o.job}.yaml`);
    assert.is(parse(readFileSync(example, 'utf8')).name, o.job, `examples/${o.job}.yaml is named ${o.job}: job ids (and Redis keys) differ between jobs`);
  }
});

/** The ports a container's args make it serve: --listen, --dashboard-port, --metrics-port. */
function servedPorts(argv: readonly string[]): number[] {
  const listen = flagValue(argv, '--listen');
  return [listen === undefined ? undefined : portOf(listen), flagValue(argv, '--dashboard-port'), flagValue(argv, '--metrics-port')]
    .filter((p) => p !== undefined)
    .map(Number);
}

test('the coordinator listens on the ports its container, Service and probes declare, and on no other', () => {
  for (const o of overlays) {
    const coord = anomseer.find((x) => x.job === o.job && argvOf(x)[0] === 'coordinator')!;
    const listen = flagValue(argvOf(coord), '--listen')!;
    assert.is(hostOf(listen), '0.0.0.0', 'reachable from other pods');
    assert.ok(declaredPort(coord.c, portOf(listen)), `containerPort ${portOf(listen)}`);
    assert.equal(coord.c.ports.map((p: any) => p.containerPort).sort(), servedPorts(argvOf(coord)).sort(), 'no port that nothing serves, none undeclared');
    const svc = servicesOf(o.job).find((s) => s.metadata.name === `anomseer-${o.job}-coordinator`);
    assert.equal(
      svc.spec.ports.map((p: any) => p.name).sort(),
      coord.c.ports.map((p: any) => p.name).sort(),
      'the Service exposes gRPC, the dashboard and metrics',
    );
  }
});

test('every role serves metrics on a declared `metrics` port, on all interfaces in the pod, with scrape annotations', () => {
  for (const x of anomseer) {
    const argv = argvOf(x);
    const port = Number(flagValue(argv, '--metrics-port'));
    assert.ok(port > 0, `${x.owner}: --metrics-port`);
    assert.is(flagValue(argv, '--metrics-host'), '0.0.0.0', `${x.owner}: --metrics-host 0.0.0.0 (the default is loopback only)`);
    assert.ok(
      (x.c.ports ?? []).some((p: any) => p.name === 'metrics' && p.containerPort === port),
      `${x.owner}: containerPort metrics ${port}`,
    );
    assert.equal(servedPorts(argv).sort(), (x.c.ports ?? []).map((p: any) => p.containerPort).sort(), `${x.owner}: declared ports = served ports`);
    const owner = overlays.find((o) => o.job === x.job)!.docs.find((d) => `${d.value.kind}/${d.value.metadata?.name}` === x.owner)!.value;
    const ann = owner.spec.template.metadata.annotations ?? {};
    assert.equal([ann['prometheus.io/scrape'], ann['prometheus.io/port'], ann['prometheus.io/path']], ['true', String(port), '/metrics'], x.owner);
  }
});

test("the learner Job waits for its own job's coordinator /healthz through its Service, then runs with a SIGTERM grace period for its checkpoint", () => {
  for (const o of overlays) {
    const job = objects(o, 'Job').find((j) => j.metadata.name === `anomseer-${o.job}-learner`);
    const init = job.spec.template.spec.initContainers ?? [];
    assert.is(init.length, 1);
    const env = envOf(o, init[0], job.spec.template.metadata.labels);
    const m = /http:\/\/([a-z0-9-]+):(\d+)\/healthz/.exec(init[0].command.map((a: string) => expandVars(a, env)).join(' '));
    assert.ok(m, 'asks http://<service>:<port>/healthz');
    assert.is(m![1], `anomseer-${o.job}-coordinator`, "its own job's coordinator");
    const svc = servicesOf(o.job).find((s) => s.metadata.name === m![1]);
    const port = svc?.spec.ports.find((p: any) => p.port === Number(m![2]));
    assert.is(port?.targetPort, 'metrics', "the coordinator's metrics port, which serves /healthz");
    assert.ok(init[0].resources?.limits?.cpu && init[0].resources?.requests?.memory);
    // A learner that dies is started again with the same args: --auto-resume continues the run.
    assert.ok(job.spec.backoffLimit >= 1 && job.spec.backoffLimit <= 5, `a few retries, not endless ones: ${job.spec.backoffLimit}`);
    assert.ok(job.spec.template.spec.containers[0].args.includes('--auto-resume'), 'a retried learner resumes its run');
    assert.not.ok(job.spec.template.spec.containers[0].args.includes('--resume'), 'the first pod, on an empty volume, must be able to start');
    assert.equal(job.spec.podFailurePolicy.rules, [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }], 'an eviction is not a failure');
    assert.is(job.spec.template.spec.restartPolicy, 'Never', 'podFailurePolicy needs restartPolicy Never');
    assert.ok(job.spec.template.spec.terminationGracePeriodSeconds >= 60, 'time to finish a step and save a checkpoint on SIGTERM');
  }
});

test('every Service selects pods that declare its targetPort', () => {
  for (const o of overlays) {
    const pods = [...containersOf(o), ...namespacePods];
    for (const s of servicesOf(o.job)) {
      const selected = pods.filter((x) => Object.entries<string>(s.spec.selector).every(([k, v]) => x.labels[k] === v));
      assert.ok(selected.length > 0, `Service ${s.metadata.name} selects nothing`);
      for (const p of s.spec.ports)
        assert.ok(
          selected.some((x) => declaredPort(x.c, p.targetPort ?? p.port)),
          `Service ${s.metadata.name} port ${p.name}`,
        );
    }
  }
});

test("--coordinator and --redis addresses name a Service of the job (or the namespace's Redis) and one of its ports", () => {
  for (const x of anomseer) {
    const addrs = [flagValue(argvOf(x), '--coordinator'), flagValue(argvOf(x), '--redis')?.replace(/^redis:\/\//, '')].filter((a) => a !== undefined);
    for (const a of addrs) {
      const svc = servicesOf(x.job).find((s) => s.metadata.name === hostOf(a));
      assert.ok(svc, `${x.owner}: no Service ${hostOf(a)}`);
      assert.ok(
        svc.spec.ports.some((p: any) => p.port === portOf(a)),
        `${x.owner}: Service ${hostOf(a)} has no port ${portOf(a)}`,
      );
    }
    const coordinator = flagValue(argvOf(x), '--coordinator');
    if (coordinator !== undefined) assert.is(hostOf(coordinator), `anomseer-${x.job}-coordinator`, `${x.owner}: its own job's coordinator`);
  }
});

test('probes: httpGet /healthz on the metrics port or tcpSocket, on declared ports; readiness iff the container serves', () => {
  for (const x of [...containers, ...namespacePods]) {
    for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      const probe = x.c[kind];
      if (probe === undefined) continue;
      if (probe.httpGet !== undefined) {
        assert.is(probe.httpGet.path, '/healthz', `${x.owner} ${kind}: the only open path`);
        assert.is(probe.httpGet.port, 'metrics', `${x.owner} ${kind}: /healthz is served on the metrics port`);
      } else assert.ok(probe.tcpSocket, `${x.owner} ${kind}: httpGet or tcpSocket`);
      const port = probe.httpGet?.port ?? probe.tcpSocket.port;
      assert.ok(declaredPort(x.c, port), `${x.owner} ${kind} port ${port}`);
    }
    const serves = (x.c.ports ?? []).length > 0;
    assert.is(x.c.readinessProbe !== undefined, serves, `${x.owner}: readiness probe iff it serves a port`);
  }
  for (const x of anomseer) assert.ok(x.c.readinessProbe?.httpGet, `${x.owner}: readiness asks /healthz`);
  for (const x of anomseer.filter((y) => argvOf(y)[0] === 'learner')) assert.is(x.c.livenessProbe, undefined, 'no liveness probe may kill a learner');
});

test('ANOMSEER_TOKEN comes from a secretKeyRef; no Secret and no token literal in deploy/', () => {
  for (const x of anomseer) {
    const env = (x.c.env ?? []).find((e: any) => e.name === 'ANOMSEER_TOKEN');
    assert.ok(env?.valueFrom?.secretKeyRef?.name, `${x.owner}: ANOMSEER_TOKEN from a secretKeyRef`);
    assert.is(env.value, undefined, x.owner);
  }
  assert.equal(
    [...namespaceDocs, ...overlays.flatMap((o) => o.docs)].filter((d) => d.value.kind === 'Secret').map((d) => d.file),
    [],
  );
  for (const s of Object.values<any>(compose.services)) {
    const env = s.environment ?? {};
    assert.not.ok(Array.isArray(env) ? env.some((e: string) => e.startsWith('ANOMSEER_TOKEN')) : 'ANOMSEER_TOKEN' in env);
  }
  for (const p of filesUnder(deployDir)) {
    const text = readFileSync(p, 'utf8');
    assert.not.match(text, /[0-9a-f]{32,}/i, `${relative(repoRoot, p)} holds something token-shaped`);
    assert.not.match(text, /ANOMSEER_TOKEN=[^\s$]/, `${relative(repoRoot, p)} sets a token`);
  }
  assert.is(readFileSync(join(deployDir, '.gitignore'), 'utf8').split('\n').includes('anomseer.env'), true);
});

test("the job file is mounted from the job's own generated ConfigMap where the args read it", () => {
  for (const x of anomseer.filter((y) => ['coordinator', 'learner'].includes(argvOf(y)[0]!))) {
    const jobPath = argvOf(x)[1]!;
    const mount = x.c.volumeMounts.find((m: any) => jobPath.startsWith(`${m.mountPath}/`));
    assert.ok(mount, `${x.owner}: nothing mounted at ${jobPath}`);
    const cm = x.pod.volumes.find((v: any) => v.name === mount.name).configMap?.name;
    assert.match(cm, new RegExp(`^anomseer-${x.job}-job-[a-z0-9]+$`), x.owner);
    const data = objects(
      overlays.find((o) => o.job === x.job)!,
      'ConfigMap',
    ).find((m) => m.metadata.name === cm).data;
    assert.ok(data[jobPath.slice(mount.mountPath.length + 1)], `${x.owner}: the ConfigMap holds ${jobPath}`);
  }
});

test('workers: a Job that ends with the job (exit 0 on job_done, 143 when ended early), one GPU each, on GPU nodes, on cuda:0', () => {
  for (const o of overlays) {
    const workers = anomseer.filter((x) => x.job === o.job && argvOf(x)[0] === 'worker');
    assert.is(workers.length, 1);
    for (const x of workers) {
      assert.is(x.owner, `Job/anomseer-${o.job}-workers`, 'a Job: its pods are not restarted once the job is done');
      assert.is(flagValue(argvOf(x), '--when-done'), undefined, 'the default --when-done exit: a worker ends when its job does');
      assert.is(flagValue(argvOf(x), '--signal-exit'), '143', 'an evicted worker is a failed pod, replaced; not a finished one');
      assert.is(x.pod.restartPolicy, 'Never', 'podFailurePolicy needs Never');
      assert.is(flagValue(argvOf(x), '--device'), 'cuda:0');
      assert.match(x.c.image, /^anomseer-cuda:/);
      assert.ok(x.pod.nodeSelector !== undefined || x.pod.tolerations !== undefined, 'a GPU nodeSelector/toleration');
    }
    const job = objects(o, 'Job').find((j) => j.metadata.name === `anomseer-${o.job}-workers`);
    assert.is(job.spec.completions, undefined, 'a work queue: no completion count');
    assert.equal(job.spec.podFailurePolicy.rules, [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }]);
  }
});

test("the KEDA example's workers are the smoke overlay's, started from zero on the smoke job's queue", () => {
  const keda = raw.find((d) => d.file === 'deploy/k8s/examples/worker-keda.yaml')!.value;
  assert.is(keda.kind, 'ScaledJob');
  assert.is(keda.spec.minReplicaCount, 0, 'no GPU held while nothing is queued');
  const smoke = overlays.find((o) => o.job === 'smoke')!;
  const job = objects(smoke, 'Job').find((j) => j.metadata.name === 'anomseer-smoke-workers');
  assert.equal(keda.spec.jobTargetRef.template, job.spec.template, 'the same pod template as kustomize renders it');
  assert.equal(keda.spec.jobTargetRef.podFailurePolicy, job.spec.podFailurePolicy);
  assert.match(keda.spec.triggers[0].metadata.query, /anomseer_coordinator_queue_depth\{namespace="anomseer", pod=~"anomseer-smoke-coordinator-\.\*"\}/);
});

test('every container sets resource requests and limits', () => {
  for (const x of [...containers, ...namespacePods]) {
    for (const k of ['requests', 'limits']) {
      assert.ok(x.c.resources?.[k]?.cpu && x.c.resources[k].memory, `${x.owner}: resources.${k}`);
    }
  }
});

test('compose: the worker scales (no container_name, no ports); the gRPC port is on loopback only', () => {
  const w = compose.services.worker;
  assert.is(w.container_name, undefined);
  assert.is(w.ports, undefined);
  const coord = compose.services.coordinator;
  const port = portOf(flagValue(coord.command, '--listen')!);
  assert.equal(
    coord.ports,
    servedPorts(coord.command).map((p) => `127.0.0.1:${p}:${p}`),
  );
  for (const name of ['coordinator', 'learner', 'worker']) {
    const cmd = compose.services[name].command;
    assert.ok(flagValue(cmd, '--metrics-port'), `${name}: --metrics-port`);
    assert.match(
      compose.services[name].healthcheck.test.join(' '),
      new RegExp(`127\\.0\\.0\\.1:${flagValue(cmd, '--metrics-port')}/healthz`),
      `${name}: healthcheck asks /healthz`,
    );
  }
  assert.is(flagValue(coord.command, '--redis'), 'redis://redis:6379');
  for (const name of ['learner', 'worker']) assert.is(flagValue(compose.services[name].command, '--coordinator'), `coordinator:${port}`, name);
  for (const name of ['coordinator', 'learner', 'worker']) assert.equal(compose.services[name].env_file, ['anomseer.env'], name);
  // A failed learner is started again with the same command, which resumes its run.
  assert.ok(compose.services.learner.command.includes('--auto-resume'), 'the learner resumes its run when restarted');
  assert.is(compose.services.learner.restart, 'on-failure:3');
  assert.ok(existsSync(join(deployDir, 'anomseer.env.example')));
  // Workers end with the job (the default --when-done exit) and are not restarted after a clean exit.
  assert.is(flagValue(w.command, '--when-done'), undefined);
  assert.is(w.restart, 'on-failure');
});

test.run();
