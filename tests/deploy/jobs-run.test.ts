// Two jobs at once in one namespace, from the manifests: the shipped smoke overlay and a second
// overlay made the way docs/KUBERNETES.md says (a copy of jobs/smoke with another name and job
// file), both rendered by kustomize and run as local processes with exactly their pods' args and
// env (tests/deploy/local-pods.ts lists the swaps), on one shared redis-server as the namespace's
// Redis. Each job's learner and workers find only their own coordinator; each job is trained to
// its end with exact accounting; and each job's workers end by themselves with 0 when their job
// is done (a Kubernetes Job of workers then completes and frees its GPUs).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse, stringify } from 'yaml';
import { startRedis } from '../helpers/redis.js';
import type { RedisServer } from '../helpers/redis.js';
import { exitOf, killAll, startRole, statusJson } from '../cli/roles.js';
import type { Role } from '../cli/roles.js';
import { deployDir } from './deploy-files.js';
import { jobOverlays, namespaceDir, render } from './kustomize.js';
import { planLocalCluster } from './local-pods.js';
import type { LocalCluster, LocalPod } from './local-pods.js';

const TOKEN = 'two-jobs-token-0123456789abcdef01234';
/** The anomseer-redis Secret's password (Redis requires it; every job's coordinator reads it from env). */
const REDIS_PASSWORD = 'jobs-run-redis-password-42';
const promptsPerStep = 4;

/** A new job's overlay, made as docs/KUBERNETES.md says: copy jobs/smoke, rename, new job file. */
function newJobOverlay(dir: string, name: string, steps: number): string {
  const smoke = jobOverlays().find((d) => d.endsWith('/smoke'))!;
  cpSync(smoke, dir, { recursive: true });
  const k = join(dir, 'kustomization.yaml');
  const text = readFileSync(k, 'utf8')
    .replace('namePrefix: anomseer-smoke-', `namePrefix: anomseer-${name}-`)
    .replace('anomseer.io/job: smoke', `anomseer.io/job: ${name}`)
    // The copy lives outside the repository: its bases by their path from there.
    .replaceAll('../../job', join(relative(dir, join(deployDir, 'k8s')), 'job'));
  writeFileSync(k, text);
  const job = parse(readFileSync(join(dir, 'job.yaml'), 'utf8'));
  writeFileSync(join(dir, 'job.yaml'), stringify({ ...job, name, train: { ...job.train, steps } }));
  return dir;
}

interface RunningJob {
  readonly name: string;
  readonly steps: number;
  readonly cluster: LocalCluster;
  readonly coordinator: Role;
  readonly learner: Role;
  readonly workers: Role[];
  readonly address: string;
}

const byRole = (c: LocalCluster, role: string): LocalPod[] => c.pods.filter((p) => p.argv[0] === role);

test("two jobs' overlays run side by side in one namespace; each job's workers stop when it ends", async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'anomseer-two-jobs-'));
  let redis: RedisServer | undefined;
  try {
    redis = await startRedis({ password: REDIS_PASSWORD }); // as redis.yaml runs it: --requirepass from the Secret
    const ns = render(namespaceDir);
    const overlays = [
      { name: 'smoke', steps: 3, dir: jobOverlays().find((d) => d.endsWith('/smoke'))! },
      { name: 'smoke-b', steps: 4, dir: newJobOverlay(join(tmp, 'overlay-smoke-b'), 'smoke-b', 4) },
    ];
    const jobs: RunningJob[] = [];
    for (const o of overlays) {
      const docs = [...ns, ...render(o.dir)];
      // Nothing of one job is named like anything of the other (checked again below, rendered).
      const cluster = await planLocalCluster(docs, {
        tmp: join(tmp, o.name),
        secrets: { 'anomseer-token': { token: TOKEN }, 'anomseer-redis': { password: REDIS_PASSWORD } },
        external: { 'anomseer-redis': `${redis.host}:${redis.port}` },
        ours: (image) => /^anomseer(-cuda)?(:|$)/.test(image),
      });
      const [coordPod] = byRole(cluster, 'coordinator');
      const [learnerPod] = byRole(cluster, 'learner');
      const workerPods = byRole(cluster, 'worker');
      assert.is(workerPods.length, 2, `${o.name}: the overlay's workers=2 is the Job's parallelism`);
      assert.match(learnerPod!.argv.join(' '), new RegExp(`--coordinator ${cluster.services.get(`anomseer-${o.name}-coordinator`)!.get(7070)}`));
      const coordinator = startRole(`${o.name}/coordinator`, coordPod!.argv, { ...coordPod!.env, HOME: tmp }, join(tmp, o.name));
      const address = (await coordinator.line(/listening on (\S+)/))[1]!;
      jobs.push({ name: o.name, steps: o.steps, cluster, coordinator, address, learner: undefined as never, workers: [] });
    }
    // The rendered names are job-scoped: two jobs share no object name in the namespace.
    const names = overlays.map((o) => render(o.dir).map((d) => `${d.value.kind}/${d.value.metadata.name}`));
    assert.equal(
      names[0]!.filter((n) => names[1]!.includes(n)),
      [],
    );

    // Both jobs' learners and workers at once (4 workers, 2 learners, 2 coordinators).
    for (const j of jobs) {
      const [learnerPod] = byRole(j.cluster, 'learner');
      Object.assign(j, {
        learner: startRole(`${j.name}/learner`, learnerPod!.argv, learnerPod!.env, join(tmp, j.name)),
        workers: byRole(j.cluster, 'worker').map((p, i) => startRole(`${j.name}/worker-${i}`, p.argv, p.env, join(tmp, j.name))),
      });
    }

    for (const j of jobs) {
      assert.is(await exitOf(j.learner), 0, `${j.name} learner:\n${j.learner.lines.slice(-20).join('\n')}`);
      // The job is done: its workers end by themselves, with 0 (no signal was sent to any).
      for (const w of j.workers) {
        assert.is(await exitOf(w), 0, `${w.name}:\n${w.lines.slice(-10).join('\n')}`);
        assert.ok(
          w.lines.some((l) => new RegExp(`registered with job ${j.name}-[0-9a-f]{12} `).test(l)),
          `${w.name} registered with its own job`,
        );
      }
    }

    for (const j of jobs) {
      const st = await statusJson(j.address, { ANOMSEER_TOKEN: TOKEN });
      assert.is(st.status, 0, st.stderr);
      const s = JSON.parse(st.stdout);
      assert.match(s.job_id, new RegExp(`^${j.name}-[0-9a-f]{12}$`));
      assert.is(s.job_state.state, 'done', j.name);
      assert.is(s.step, j.steps, j.name);
      assert.equal([s.prompts.total, s.prompts.done], [j.steps * promptsPerStep, j.steps * promptsPerStep], j.name);
      // Exactly this job's two workers: their hosts are `<hostname>:<pid>` of this job's processes.
      const pids = j.workers.map((w) => String(w.child.pid)).sort();
      assert.equal(s.workers.map((w: { host: string }) => w.host.slice(w.host.lastIndexOf(':') + 1)).sort(), pids, `${j.name}: its own workers only`);
      assert.is(s.leases.length, 0);
      const learnerPod = byRole(j.cluster, 'learner')[0]!;
      const summaryPath = learnerPod.argv[learnerPod.argv.indexOf('--summary') + 1]!;
      const summary = JSON.parse(readFileSync(summaryPath, 'utf8'));
      assert.equal([summary.steps, summary.cluster.untrainedItems, summary.cluster.extraGroups], [j.steps, 0, 0], j.name);
    }
    // One Redis, two jobs' state, keyed apart by job id.
    const r = redis.connect();
    try {
      const keys = await r.keys('*');
      for (const j of jobs)
        assert.ok(
          keys.some((k) => new RegExp(`^anomseer:${j.name}-[0-9a-f]{12}:`).test(k)),
          `${j.name}: state in the shared Redis`,
        );
    } finally {
      r.disconnect();
    }
    for (const j of jobs) {
      j.coordinator.child.kill('SIGTERM');
      assert.is(await exitOf(j.coordinator), 0, `${j.name} coordinator exits`);
    }
  } finally {
    await killAll();
    await redis?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
});

test.run();
