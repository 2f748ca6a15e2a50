/**
 * The Kubernetes manifests' pods as local processes: each container's args and env, with only
 * what a laptop cannot provide swapped out. Every swap is listed here and nowhere else:
 *
 * - a Service name (`anomseer-coordinator:7070`, `redis://anomseer-redis:6379`) → 127.0.0.1 and
 *   the local port of that Service's target;
 * - a port the container serves (`--listen 0.0.0.0:7070`, `--metrics-port 9464`,
 *   `--dashboard-port 8080`) → a free loopback port of its own (each pod has its own network
 *   namespace, local processes share one); `--*-host 0.0.0.0` → 127.0.0.1;
 * - a path under a volume mount → the same path under a temp directory holding that volume
 *   (the ConfigMap's files written there);
 * - `--device cuda:N` → cpu (no GPU here);
 * - `valueFrom.secretKeyRef` env → the test's secret values.
 *
 * What Kubernetes itself does is done here too: `$(VAR)` in args is replaced by the container's
 * env var VAR (as the kubelet does), env from `fieldRef: metadata.labels['…']` is the pod
 * template's label, env from `configMapKeyRef` and ConfigMap volumes are the rendered
 * ConfigMaps' data (kustomize's generators), and a Job runs `parallelism` pods.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../helpers/ports.js';
import type { YamlDoc } from './deploy-files.js';

export interface ManifestContainer {
  /** `Deployment/anomseer-worker`. */
  readonly owner: string;
  readonly kind: string;
  readonly replicas: number;
  readonly pod: any;
  readonly container: any;
}

/** The containers of the Deployments, Jobs and StatefulSets among `docs` (rendered manifests: tests/deploy/kustomize.ts). */
export function manifestContainers(docs: readonly YamlDoc[]): ManifestContainer[] {
  return docs
    .filter((d) => ['Deployment', 'Job', 'StatefulSet'].includes(d.value.kind))
    .flatMap((d) =>
      (d.value.spec.template.spec.containers as any[]).map((c) => ({
        owner: `${d.value.kind}/${d.value.metadata.name}`,
        kind: d.value.kind as string,
        replicas: Number((d.value.kind === 'Job' ? d.value.spec.parallelism : d.value.spec.replicas) ?? 1),
        pod: d.value.spec.template.spec,
        container: c,
      })),
    );
}

/** A running replica's local view: argv for bin/anomseer.mjs, env, and its port map. */
export interface LocalPod {
  readonly owner: string;
  readonly argv: string[];
  readonly env: Record<string, string>;
  /** containerPort (number) → local port; also keyed by port name. */
  readonly ports: ReadonlyMap<number | string, number>;
  readonly container: any;
}

export interface LocalCluster {
  /** Service name → its port → local address host:port. */
  readonly services: ReadonlyMap<string, ReadonlyMap<number, string>>;
  /** One per replica of every container running our image. */
  readonly pods: LocalPod[];
}

const SERVED_PORT_FLAGS = ['--metrics-port', '--dashboard-port'];
const HOST_FLAGS = ['--metrics-host', '--dashboard-host'];

/**
 * Plan local processes for the manifests: `replicas` overrides the count per owner (e.g.
 * {'Deployment/anomseer-worker': 2}); `external` gives local addresses of pods we do not run
 * (Redis: 'anomseer-redis' → '127.0.0.1:P'); `volumes` holds the files of each ConfigMap.
 */
export async function planLocalCluster(
  docs: readonly YamlDoc[],
  o: {
    readonly tmp: string;
    readonly secrets: Readonly<Record<string, Readonly<Record<string, string>>>>;
    /** ConfigMap name → files; ConfigMaps among `docs` (kustomize's generators) are used as they are. */
    readonly configMaps?: Readonly<Record<string, Readonly<Record<string, string>>>>;
    readonly external: Readonly<Record<string, string>>;
    readonly replicas?: Readonly<Record<string, number>>;
    readonly ours: (image: string) => boolean;
  },
): Promise<LocalCluster> {
  const containers = manifestContainers(docs).filter((x) => o.ours(x.container.image));
  const configMaps = new Map<string, Readonly<Record<string, string>>>(Object.entries(o.configMaps ?? {}));
  for (const d of docs) if (d.value.kind === 'ConfigMap') configMaps.set(d.value.metadata.name, d.value.data ?? {});
  const serviceDocs = docs.filter((d) => d.value.kind === 'Service').map((d) => d.value);

  // Ports: every replica gets its own local port per containerPort.
  const replicas: { x: ManifestContainer; index: number; ports: Map<number | string, number> }[] = [];
  for (const x of containers) {
    const n = o.replicas?.[x.owner] ?? x.replicas;
    for (let i = 0; i < n; i++) {
      const ports = new Map<number | string, number>();
      for (const p of x.container.ports ?? []) {
        const local = await freePort();
        ports.set(p.containerPort, local);
        if (p.name !== undefined) ports.set(p.name, local);
      }
      replicas.push({ x, index: i, ports });
    }
  }
  // Services → the first replica they select (ours), or an external address.
  const services = new Map<string, Map<number, string>>();
  for (const s of serviceDocs) {
    const m = new Map<number, string>();
    const target = replicas.find(
      (r) =>
        r.index === 0 &&
        Object.entries<string>(s.spec.selector).every(([k, v]) =>
          docs.some((d) => `${d.value.kind}/${d.value.metadata?.name}` === r.x.owner && d.value.spec.template.metadata.labels[k] === v),
        ),
    );
    for (const p of s.spec.ports) {
      if (target !== undefined) {
        const local = target.ports.get(p.targetPort ?? p.port);
        if (local === undefined) throw new Error(`Service ${s.metadata.name} port ${p.name}: the pod declares no ${p.targetPort}`);
        m.set(p.port, `127.0.0.1:${local}`);
      } else if (o.external[s.metadata.name] !== undefined) m.set(p.port, o.external[s.metadata.name]!);
      else throw new Error(`Service ${s.metadata.name}: no local pod and no external address`);
    }
    services.set(s.metadata.name, m);
  }

  const pods: LocalPod[] = replicas.map(({ x, index, ports }) => {
    // Volumes: a temp dir per mount; ConfigMap files written into it.
    const mounts: [string, string][] = [];
    for (const vm of x.container.volumeMounts ?? []) {
      const dir = join(o.tmp, `${x.owner.replace(/\W/g, '_')}-${index}`, vm.name);
      mkdirSync(dir, { recursive: true });
      const vol = (x.pod.volumes ?? []).find((v: any) => v.name === vm.name);
      const cm = vol?.configMap?.name;
      if (cm !== undefined) {
        const files = configMaps.get(cm);
        if (files === undefined) throw new Error(`${x.owner}: ConfigMap ${cm} not given`);
        for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
      }
      mounts.push([vm.mountPath.replace(/\/$/, ''), dir]);
    }
    // env first: args may refer to it as $(VAR).
    const labels: Record<string, string> = docs.find((d) => `${d.value.kind}/${d.value.metadata?.name}` === x.owner)!.value.spec.template.metadata.labels ?? {};
    const env: Record<string, string> = {};
    for (const e of x.container.env ?? []) {
      const label = /^metadata\.labels\['([^']+)'\]$/.exec(e.valueFrom?.fieldRef?.fieldPath ?? '');
      if (e.value !== undefined) env[e.name] = String(e.value);
      else if (e.valueFrom?.secretKeyRef !== undefined) {
        const v = o.secrets[e.valueFrom.secretKeyRef.name]?.[e.valueFrom.secretKeyRef.key];
        if (v === undefined) throw new Error(`${x.owner}: secret ${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key} not given`);
        env[e.name] = v;
      } else if (label !== null) {
        if (labels[label[1]!] === undefined) throw new Error(`${x.owner}: env ${e.name} reads the pod label ${label[1]}, which the pod does not have`);
        env[e.name] = labels[label[1]!]!;
      } else if (e.valueFrom?.configMapKeyRef !== undefined) {
        const v = configMaps.get(e.valueFrom.configMapKeyRef.name)?.[e.valueFrom.configMapKeyRef.key];
        if (v === undefined)
          throw new Error(`${x.owner}: env ${e.name}: ConfigMap ${e.valueFrom.configMapKeyRef.name} has no ${e.valueFrom.configMapKeyRef.key}`);
        env[e.name] = v;
      } else throw new Error(`${x.owner}: env ${e.name} has a source the test cannot provide`);
    }
    const args: string[] = (x.container.args ?? []).map((a: string) => expandVars(a, env));
    const argv = args.map((a, i) => {
      const flag = args[i - 1];
      if (flag === '--listen') {
        const port = Number(a.slice(a.lastIndexOf(':') + 1));
        const local = ports.get(port);
        if (local === undefined) throw new Error(`${x.owner}: --listen ${a} is not a declared containerPort`);
        return `127.0.0.1:${local}`;
      }
      if (flag !== undefined && SERVED_PORT_FLAGS.includes(flag)) {
        const local = ports.get(Number(a));
        if (local === undefined) throw new Error(`${x.owner}: ${flag} ${a} is not a declared containerPort`);
        return String(local);
      }
      if (flag !== undefined && HOST_FLAGS.includes(flag)) return a === '0.0.0.0' ? '127.0.0.1' : a;
      if (flag === '--device' && /^cuda:\d+$/.test(a)) return 'cpu';
      const svc = /^(redis:\/\/)?([a-z0-9-]+):(\d+)$/.exec(a);
      if (svc !== null && services.has(svc[2]!)) {
        const local = services.get(svc[2]!)!.get(Number(svc[3]));
        if (local === undefined) throw new Error(`${x.owner}: Service ${svc[2]} has no port ${svc[3]}`);
        return `${svc[1] ?? ''}${local}`;
      }
      for (const [mountPath, dir] of mounts) if (a === mountPath || a.startsWith(`${mountPath}/`)) return dir + a.slice(mountPath.length);
      return a;
    });
    return { owner: x.owner, argv, env, ports, container: x.container };
  });
  return { services, pods };
}

/**
 * `$(VAR)` → env VAR, as the kubelet expands a container's command and args: a name the env does
 * not define stays as written, and `$$(VAR)` is the escape for a literal `$(VAR)`.
 */
export function expandVars(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$(\$)?\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, escaped: string | undefined, name: string) =>
    escaped !== undefined ? `$(${name})` : (env[name] ?? whole),
  );
}
