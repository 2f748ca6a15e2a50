// deploy/: the Kubernetes manifests and the compose file start only what the real CLI accepts,
// wire ports, probes, the token and GPUs consistently, and never carry a secret.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { argvProblems, commandNames, commandSpec, flagValue, parseHelp } from './cli-spec.js';
import type { CommandSpec } from './cli-spec.js';
import { deployDir, filesUnder, loadYaml, repoRoot } from './deploy-files.js';

const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const { docs, errors } = loadYaml();
const k8s = docs.filter((d) => d.file.startsWith('deploy/k8s/') && typeof d.value.kind === 'string');
const compose = docs.find((d) => d.file === 'deploy/compose.yaml')!.value;
const ours = (image: string) => /^anomseer(-cuda)?(:|$)/.test(image);
const specs = new Map<string, CommandSpec>();
for (const name of commandNames()) specs.set(name, commandSpec(name));

interface PodContainer {
  owner: string;
  labels: Record<string, string>;
  pod: any;
  c: any;
}
const containers: PodContainer[] = k8s
  .filter((d) => ['Deployment', 'Job', 'StatefulSet', 'DaemonSet'].includes(d.value.kind))
  .flatMap((d) =>
    (d.value.spec.template.spec.containers as any[]).map((c) => ({
      owner: `${d.value.kind}/${d.value.metadata.name}`,
      labels: d.value.spec.template.metadata.labels,
      pod: d.value.spec.template.spec,
      c,
    })),
  );
const anomseer = containers.filter((x) => ours(x.c.image));
const services = k8s.filter((d) => d.value.kind === 'Service').map((d) => d.value);
const argvOf = (x: PodContainer): string[] => x.c.args ?? [];
const declaredPort = (c: any, port: string | number) => (c.ports ?? []).some((p: any) => p.name === port || p.containerPort === port);
const portOf = (addr: string) => Number(addr.slice(addr.lastIndexOf(':') + 1));
const hostOf = (addr: string) => addr.slice(0, addr.lastIndexOf(':'));

test('every YAML file under deploy/ parses, every document', () => {
  assert.equal(errors, []);
  assert.ok(k8s.length >= 8, `only ${k8s.length} Kubernetes objects`);
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

test('Kubernetes containers of ours run only real subcommands and flags, through the ENTRYPOINT', () => {
  assert.ok(anomseer.length >= 3);
  for (const x of anomseer) {
    assert.is(x.c.command, undefined, `${x.owner}: "command" would replace ENTRYPOINT node bin/anomseer.mjs`);
    assert.equal(argvProblems(argvOf(x), specs), [], x.owner);
  }
  assert.equal(anomseer.map((x) => argvOf(x)[0]).sort(), ['coordinator', 'learner', 'worker']);
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
  const kust = k8s.find((d) => d.value.kind === 'Kustomization')!.value;
  assert.equal(
    kust.images.map((i: any) => [i.name, i.newTag]),
    [
      ['anomseer', version],
      ['anomseer-cuda', version],
    ],
  );
  for (const x of anomseer) assert.match(x.c.image, /^anomseer(-cuda)?$/, `${x.owner}: the tag comes from kustomization.yaml`);
  for (const x of containers.filter((y) => !ours(y.c.image))) assert.match(x.c.image, /:[\w.-]+$/, `${x.owner}: pin a tag`);
  for (const [name, s] of Object.entries<any>(compose.services)) {
    if (ours(s.image)) assert.is(s.image, `anomseer:${version}`, name);
    else assert.match(s.image, /:[\w.-]+$/, `${name}: pin a tag`);
  }
});

test('kustomization.yaml lists exactly the manifests in deploy/k8s/', () => {
  const kust = k8s.find((d) => d.value.kind === 'Kustomization')!.value;
  const files = filesUnder(join(deployDir, 'k8s')).filter((p) => relative(join(deployDir, 'k8s'), p) === basename(p) && basename(p) !== 'kustomization.yaml');
  assert.equal([...kust.resources].sort(), files.map((p) => basename(p)).sort());
});

/** The ports a container's args make it serve: --listen, --dashboard-port, --metrics-port. */
function servedPorts(argv: readonly string[]): number[] {
  const listen = flagValue(argv, '--listen');
  return [listen === undefined ? undefined : portOf(listen), flagValue(argv, '--dashboard-port'), flagValue(argv, '--metrics-port')]
    .filter((p) => p !== undefined)
    .map(Number);
}

test('the coordinator listens on the ports its container, Service and probes declare, and on no other', () => {
  const coord = anomseer.find((x) => argvOf(x)[0] === 'coordinator')!;
  const listen = flagValue(argvOf(coord), '--listen')!;
  assert.is(hostOf(listen), '0.0.0.0', 'reachable from other pods');
  assert.ok(declaredPort(coord.c, portOf(listen)), `containerPort ${portOf(listen)}`);
  assert.equal(coord.c.ports.map((p: any) => p.containerPort).sort(), servedPorts(argvOf(coord)).sort(), 'no port that nothing serves, none undeclared');
  const svc = services.find((s) => s.metadata.name === 'anomseer-coordinator');
  assert.equal(
    svc.spec.ports.map((p: any) => p.name).sort(),
    coord.c.ports.map((p: any) => p.name).sort(),
    'the Service exposes gRPC, the dashboard and metrics',
  );
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
    const owner = k8s.find((d) => `${d.value.kind}/${d.value.metadata?.name}` === x.owner)!.value;
    const ann = owner.spec.template.metadata.annotations ?? {};
    assert.equal([ann['prometheus.io/scrape'], ann['prometheus.io/port'], ann['prometheus.io/path']], ['true', String(port), '/metrics'], x.owner);
  }
});

test("the learner Job waits for the coordinator's /healthz through its Service before it starts", () => {
  const job = k8s.find((d) => d.value.kind === 'Job' && d.value.metadata.name === 'anomseer-learner')!.value;
  const init = job.spec.template.spec.initContainers ?? [];
  assert.is(init.length, 1);
  const m = /http:\/\/([a-z0-9-]+):(\d+)\/healthz/.exec(init[0].command.join(' '));
  assert.ok(m, 'asks http://<service>:<port>/healthz');
  const svc = services.find((s) => s.metadata.name === m![1]);
  const port = svc?.spec.ports.find((p: any) => p.port === Number(m![2]));
  assert.is(port?.targetPort, 'metrics', "the coordinator's metrics port, which serves /healthz");
  assert.ok(init[0].resources?.limits?.cpu && init[0].resources?.requests?.memory);
});

test('every Service selects pods that declare its targetPort', () => {
  for (const s of services) {
    const pods = containers.filter((x) => Object.entries<string>(s.spec.selector).every(([k, v]) => x.labels[k] === v));
    assert.ok(pods.length > 0, `Service ${s.metadata.name} selects nothing`);
    for (const p of s.spec.ports)
      assert.ok(
        pods.some((x) => declaredPort(x.c, p.targetPort ?? p.port)),
        `Service ${s.metadata.name} port ${p.name}`,
      );
  }
});

test('--coordinator and --redis addresses name a Service and one of its ports', () => {
  for (const x of anomseer) {
    const addrs = [flagValue(argvOf(x), '--coordinator'), flagValue(argvOf(x), '--redis')?.replace(/^redis:\/\//, '')].filter((a) => a !== undefined);
    for (const a of addrs) {
      const svc = services.find((s) => s.metadata.name === hostOf(a));
      assert.ok(svc, `${x.owner}: no Service ${hostOf(a)}`);
      assert.ok(
        svc.spec.ports.some((p: any) => p.port === portOf(a)),
        `${x.owner}: Service ${hostOf(a)} has no port ${portOf(a)}`,
      );
    }
  }
});

test('probes: httpGet /healthz on the metrics port or tcpSocket, on declared ports; readiness iff the container serves', () => {
  for (const x of containers) {
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
  const learner = anomseer.find((x) => argvOf(x)[0] === 'learner')!;
  assert.is(learner.c.livenessProbe, undefined, 'a learner cannot resume: no liveness probe may kill it');
});

test('ANOMSEER_TOKEN comes from a secretKeyRef; no Secret and no token literal in deploy/', () => {
  for (const x of anomseer) {
    const env = (x.c.env ?? []).find((e: any) => e.name === 'ANOMSEER_TOKEN');
    assert.ok(env?.valueFrom?.secretKeyRef?.name, `${x.owner}: ANOMSEER_TOKEN from a secretKeyRef`);
    assert.is(env.value, undefined, x.owner);
  }
  assert.equal(
    k8s.filter((d) => d.value.kind === 'Secret').map((d) => d.file),
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

test('the job file is mounted from the anomseer-job ConfigMap where the args read it', () => {
  for (const x of anomseer.filter((y) => ['coordinator', 'learner'].includes(argvOf(y)[0]!))) {
    const jobPath = argvOf(x)[1]!;
    const mount = x.c.volumeMounts.find((m: any) => jobPath.startsWith(`${m.mountPath}/`));
    assert.ok(mount, `${x.owner}: nothing mounted at ${jobPath}`);
    assert.is(x.pod.volumes.find((v: any) => v.name === mount.name).configMap?.name, 'anomseer-job', x.owner);
  }
});

test('workers: one GPU each, on GPU nodes, on cuda:0, from the CUDA image', () => {
  const workers = anomseer.filter((x) => argvOf(x)[0] === 'worker');
  assert.is(workers.length, 1);
  for (const x of workers) {
    assert.is(Number(x.c.resources.limits['nvidia.com/gpu']), 1);
    assert.is(flagValue(argvOf(x), '--device'), 'cuda:0');
    assert.is(x.c.image, 'anomseer-cuda');
    assert.ok(x.pod.nodeSelector !== undefined || x.pod.tolerations !== undefined, 'a GPU nodeSelector/toleration');
  }
  const dep = k8s.find((d) => d.value.kind === 'Deployment' && d.value.metadata.name === 'anomseer-worker');
  assert.ok(dep, 'deployment/anomseer-worker (the name docs/DEPLOY.md scales)');
});

test('every container sets resource requests and limits', () => {
  for (const x of containers) {
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
  assert.ok(existsSync(join(deployDir, 'anomseer.env.example')));
});

test.run();
