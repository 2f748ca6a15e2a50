// The Kubernetes manifests, run: coordinator (on a real redis-server), learner and two workers
// started as local processes with exactly the args and env of deploy/k8s/*.yaml (the swaps a
// laptop needs are listed in local-pods.ts), the smoke job as the ConfigMap's job.yaml. The job
// must finish, every probe in the manifests must answer on the port it names, and every role's
// /metrics must scrape (strictly parsed) with values that match what happened.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startRedis } from '../helpers/redis.js';
import type { RedisServer } from '../helpers/redis.js';
import { parsePromText, sumOf, valueOf } from '../telemetry/prom-text.js';
import type { Family } from '../telemetry/prom-text.js';
import { loadYaml, repoRoot } from './deploy-files.js';
import { planLocalCluster } from './local-pods.js';
import type { LocalPod } from './local-pods.js';

const TOKEN = 'manifest-run-token-0123456789abcdef';
/** The anomseer-redis Secret's password (Redis requires it; the coordinator reads it from env). */
const REDIS_PASSWORD = 'manifest-run-redis-password-42';
const bin = join(repoRoot, 'bin/anomseer.mjs');
const jobText = readFileSync(join(repoRoot, 'examples/smoke.yaml'), 'utf8');
const steps = 3;
const promptsPerStep = 4;
const groupSize = 4;

interface Running {
  pod: LocalPod;
  name: string;
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | string>;
}

function start(pod: LocalPod, name: string, cwd: string, onLine: (line: string) => void = () => {}): Running {
  const child = spawn(process.execPath, [bin, ...pod.argv], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, ...pod.env, ANOMSEER_EXIT_WITH_PARENT: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const s of [child.stdout!, child.stderr!]) {
    createInterface({ input: s }).on('line', (l) => {
      lines.push(l);
      onLine(l);
      if (process.env.CLUSTER_TEST_VERBOSE) console.log(`[${name}] ${l}`);
    });
  }
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, sig) => resolve(code ?? sig ?? -1)));
  return { pod, name, child, lines, exited };
}

const get = (port: number, path: string, token?: string) =>
  fetch(`http://127.0.0.1:${port}${path}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(3000) });

async function scrape(port: number): Promise<Map<string, Family> | undefined> {
  try {
    const r = await get(port, '/metrics', TOKEN);
    return r.status === 200 ? parsePromText(await r.text()) : undefined;
  } catch (err) {
    if (err instanceof Error && err.name === 'PromTextError') throw err;
    return undefined; // not listening (yet / any more)
  }
}

const tcpOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Like sleep, but never keeps the test process alive once everything else is done. */
const deadline = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

/** Every probe of the container: kind, how, and the local port it must answer on. */
function probesOf(pod: LocalPod): { kind: string; http?: string; port: number }[] {
  return ['startupProbe', 'readinessProbe', 'livenessProbe'].flatMap((kind) => {
    const p = pod.container[kind];
    if (p === undefined) return [];
    const ref = p.httpGet?.port ?? p.tcpSocket?.port;
    const port = pod.ports.get(ref);
    if (port === undefined) throw new Error(`${pod.owner} ${kind}: port ${ref} is not declared`);
    return [{ kind, http: p.httpGet?.path, port }];
  });
}

test("the manifests' coordinator, learner and 2 workers run the smoke job to the end; probes answer; metrics scrape", async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'anomseer-manifests-'));
  let redis: RedisServer | undefined;
  const running: Running[] = [];
  try {
    redis = await startRedis({ password: REDIS_PASSWORD }); // as redis.yaml runs it: --requirepass from the Secret
    const { docs } = loadYaml();
    const cluster = await planLocalCluster(docs, {
      tmp,
      secrets: { 'anomseer-token': { token: TOKEN }, 'anomseer-redis': { password: REDIS_PASSWORD } },
      configMaps: { 'anomseer-job': { 'job.yaml': jobText } },
      external: { 'anomseer-redis': `${redis.host}:${redis.port}` },
      replicas: { 'Deployment/anomseer-worker': 2 },
      ours: (image) => /^anomseer(-cuda)?$/.test(image),
    });
    const byRole = (role: string) => cluster.pods.filter((p) => p.argv[0] === role);
    const [coordPod] = byRole('coordinator');
    const [learnerPod] = byRole('learner');
    const workerPods = byRole('worker');
    assert.ok(coordPod && learnerPod && workerPods.length === 2, 'one coordinator, one learner, two workers');
    assert.match(coordPod!.argv.join(' '), /--redis redis:\/\/127\.0\.0\.1:\d+/);
    const metricsPort = (p: LocalPod) => Number(p.argv[p.argv.indexOf('--metrics-port') + 1]);
    const grpcAddress = cluster.services.get('anomseer-coordinator')!.get(7070)!;

    const coord = start(coordPod!, 'coordinator', tmp);
    running.push(coord);
    // The startup probe's job: wait until the coordinator's /healthz says it serves.
    const coordProbes = probesOf(coordPod!);
    for (let t = 0; ; t++) {
      if (coord.child.exitCode !== null) throw new Error(`coordinator exited:\n${coord.lines.join('\n')}`);
      const probe = coordProbes.find((p) => p.kind === 'startupProbe')!;
      if (
        probe.http !== undefined &&
        (await get(probe.port, probe.http).then(
          (r) => r.status,
          () => 0,
        )) === 200
      )
        break;
      if (t > 300) throw new Error(`coordinator never became healthy:\n${coord.lines.join('\n')}`);
      await sleep(100);
    }
    // While the job runs: keep the last good scrape of each role, check probes and auth once each.
    const last = new Map<string, Map<string, Family>>();
    const probed = new Set<string>();
    let learnerStepsSeen = 0;
    const seeLearner = (f: Map<string, Family> | undefined) => {
      if (f === undefined) return;
      last.set('learner', f);
      learnerStepsSeen = Math.max(learnerStepsSeen, valueOf(f, 'anomseer_learner_steps_total'));
    };
    // The learner logs "step k/n" right after the step's metrics are set, then evaluates for a
    // while before it exits: scraping on that line sees the last step without a race.
    let lastStepScrape: Promise<void> = Promise.resolve();
    const learner = start(learnerPod!, 'learner', tmp, (line) => {
      if (line.startsWith(`step ${steps}/${steps} `)) lastStepScrape = scrape(metricsPort(learnerPod!)).then(seeLearner);
    });
    running.push(learner);
    workerPods.forEach((p, i) => running.push(start(p, `worker-${i}`, tmp)));

    let watching = true;
    const watchers = running.map(async (r) => {
      const port = metricsPort(r.pod);
      while (watching && r.child.exitCode === null && r.child.signalCode === null) {
        const f = await scrape(port);
        if (f !== undefined) {
          if (r.name === 'learner') seeLearner(f);
          else last.set(r.name, f);
          if (!probed.has(r.name)) {
            const probes = probesOf(r.pod);
            // A request that times out on a loaded machine is asked again on the next round.
            const status = (port: number, path: string, token?: string) =>
              get(port, path, token).then(
                (res) => res.status,
                () => undefined,
              );
            const answers = await Promise.all(probes.map(async (p) => (p.http === undefined ? tcpOpen(p.port) : (await status(p.port, p.http)) === 200)));
            const noToken = await status(port, '/metrics');
            const wrongToken = await status(port, '/metrics', 'wrong-token-0123456789abcdef');
            if (answers.every(Boolean) && noToken !== undefined && wrongToken !== undefined) {
              assert.is(noToken, 401, `${r.name}: /metrics without a token`);
              assert.is(wrongToken, 401, `${r.name}: /metrics with a wrong token`);
              probed.add(r.name);
            }
          }
        }
        await sleep(400);
      }
    });

    // ~20 s on two idle cores; the bound is for a loaded CI machine.
    const code = await Promise.race([learner.exited, deadline(240_000).then(() => 'timeout')]);
    await lastStepScrape;
    assert.is(code, 0, `learner exit ${code}:\n${learner.lines.slice(-30).join('\n')}`);
    // The workers run with --when-done wait: after job_done they stay up and healthy (a
    // Deployment would restart a container that exits), and SIGTERM ends them with 0.
    const workers = running.filter((r) => r.name.startsWith('worker'));
    for (const w of workers) {
      for (let i = 0; i < 150 && !w.lines.some((l) => /the job is done .* waiting for SIGTERM/.test(l)); i++) await sleep(100);
      assert.ok(
        w.lines.some((l) => /the job is done .* waiting for SIGTERM \(--when-done wait\)/.test(l)),
        `${w.name}:\n${w.lines.slice(-10).join('\n')}`,
      );
      assert.is(w.child.exitCode, null, `${w.name} is still running after the job`);
      const h = await get(metricsPort(w.pod), '/healthz');
      assert.is(h.status, 200, `${w.name} /healthz after the job`);
      assert.is(((await h.json()) as { checks: { jobDone: boolean } }).checks.jobDone, true);
    }

    // Status the way an operator asks for it (docs/DEPLOY.md), against the coordinator.
    const st = spawnSync(process.execPath, [bin, 'status', '--coordinator', grpcAddress, '--json'], {
      cwd: tmp,
      env: { ...process.env, ANOMSEER_TOKEN: TOKEN },
      encoding: 'utf8',
    });
    assert.is(st.status, 0, st.stderr);
    const status = JSON.parse(st.stdout);
    assert.is(status.step, steps);
    assert.is(status.weight_version, steps + 1);
    assert.is(status.prompts.total, steps * promptsPerStep);
    assert.is(status.prompts.done, steps * promptsPerStep);
    const summary = JSON.parse(readFileSync(join(tmp, 'Job_anomseer_learner-0', 'runs', 'summary.json'), 'utf8'));
    assert.is(summary.steps, steps);
    assert.is(summary.cluster.untrainedItems, 0);
    assert.is(summary.cluster.extraGroups, 0);

    // Every probe answered 200 (or accepted TCP) on the port its manifest names, in every role.
    watching = false;
    await Promise.all(watchers);
    for (const r of running) assert.ok(probed.has(r.name), `${r.name}: its probes answered while it ran`);
    for (const p of coordProbes) assert.ok(p.http === undefined ? await tcpOpen(p.port) : (await get(p.port, p.http)).status === 200, `coordinator ${p.kind}`);

    // The coordinator, still up: exact accounting of the job.
    const fc = (await scrape(metricsPort(coordPod!)))!;
    assert.ok(fc, 'coordinator /metrics');
    const total = steps * promptsPerStep;
    assert.is(valueOf(fc, 'anomseer_coordinator_step'), steps);
    assert.is(valueOf(fc, 'anomseer_coordinator_weight_version'), steps + 1);
    assert.is(valueOf(fc, 'anomseer_coordinator_prompts_done_total'), total);
    assert.is(valueOf(fc, 'anomseer_coordinator_queue_depth'), 0);
    assert.is(valueOf(fc, 'anomseer_coordinator_leases_held'), 0);
    assert.is(valueOf(fc, 'anomseer_coordinator_groups_acked_total'), total);
    assert.is(valueOf(fc, 'anomseer_coordinator_rollouts_total'), total * groupSize, 'G rollouts per accepted group');
    assert.ok(valueOf(fc, 'anomseer_coordinator_tokens_total') > 0);
    assert.ok(valueOf(fc, 'anomseer_coordinator_leases_granted_total') >= total);
    assert.is(valueOf(fc, 'anomseer_coordinator_staleness_versions_count'), total);
    assert.is(valueOf(fc, 'anomseer_coordinator_staleness_versions_bucket', { le: '0' }), total, 'maxStaleness 0: every group sampled with the latest version');
    assert.ok(valueOf(fc, 'anomseer_rpc_server_duration_seconds_count', { method: 'LeasePrompts', code: 'OK' }) >= total / 2);
    assert.ok(
      valueOf(fc, 'anomseer_rpc_server_duration_seconds_count', { method: 'SubmitGroups', code: 'OK' }) >= total / 2,
      'a batch of leases is submitted in one call',
    );
    assert.is(valueOf(fc, 'anomseer_rpc_server_duration_seconds_count', { method: 'PublishWeights', code: 'OK' }), steps + 1);
    assert.ok(
      valueOf(fc, 'anomseer_coordinator_weight_bytes_total', { direction: 'sent' }) >= 2 * valueOf(fc, 'anomseer_coordinator_weight_bytes'),
      'both workers fetched weights',
    );
    assert.ok(fc.get('process_cpu_user_seconds_total'), 'default process metrics');

    // The learner: its last scrape before it exited.
    const fl = last.get('learner');
    assert.ok(fl, 'learner /metrics scraped');
    assert.is(learnerStepsSeen, steps, 'the learner reported every step (the final eval keeps it up long enough)');
    assert.ok(valueOf(fl!, 'anomseer_learner_reward', { part: 'total' }) >= 0);
    assert.is(valueOf(fl!, 'anomseer_learner_weight_publish_seconds_count') >= 1, true);
    assert.ok(valueOf(fl!, 'anomseer_rpc_client_duration_seconds_count', { method: 'TakeGroups', code: 'OK' }) >= 1);

    // The workers: between them, they did the rollouts (last scrapes may be a little behind).
    let workerRollouts = 0;
    for (const name of ['worker-0', 'worker-1']) {
      const fw = last.get(name);
      assert.ok(fw, `${name} /metrics scraped`);
      workerRollouts += valueOf(fw!, 'anomseer_worker_rollouts_total');
      assert.ok(sumOf(fw!, 'anomseer_rpc_client_duration_seconds_count', { method: 'LeasePrompts' }) >= 1, `${name} LeasePrompts observed`);
    }
    assert.ok(workerRollouts > 0 && workerRollouts <= total * groupSize * 2, `worker rollouts ${workerRollouts}`);

    for (const w of workers) w.child.kill('SIGTERM');
    for (const w of workers) assert.is(await Promise.race([w.exited, deadline(15_000).then(() => 'timeout')]), 0, `${w.name} exits 0 on SIGTERM`);
  } finally {
    for (const r of running) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    await Promise.all(running.map((r) => r.exited));
    await redis?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
});

test.run();
