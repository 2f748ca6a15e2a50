// The Kubernetes manifests, run: the smoke job's overlay (deploy/k8s/jobs/smoke) as kustomize
// renders it — coordinator (on a real redis-server), learner and two workers started as local
// processes with exactly their pods' args and env (the swaps a laptop needs are listed in
// local-pods.ts), the overlay's job.yaml from its generated ConfigMap. The job must finish, its
// workers must then end by themselves with 0, every probe in the manifests must answer on the
// port it names, and every role's /metrics must scrape (strictly parsed) with values that match
// what happened. Two jobs at once: jobs-run.test.ts. Every wait is on an event (a probe
// answering, a log line, an exit) with the generous outer limit of tests/helpers/wait.ts, on a
// process's silence where it prints as it works; a request that fails on a loaded machine is
// asked again.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { statusJson } from '../cli/roles.js';
import { STOP_AFTER_LINE, isStopped } from '../helpers/children.js';
import { get as getRetrying } from '../helpers/http.js';
import { startRedis } from '../helpers/redis.js';
import type { RedisServer } from '../helpers/redis.js';
import { EVENT_LIMIT_MS, eventually, within, withinProgress } from '../helpers/wait.js';
import { parsePromText, sumOf, valueOf } from '../telemetry/prom-text.js';
import type { Family } from '../telemetry/prom-text.js';
import { repoRoot } from './deploy-files.js';
import { jobOverlays, namespaceDir, render } from './kustomize.js';
import { planLocalCluster } from './local-pods.js';
import type { LocalPod } from './local-pods.js';

const TOKEN = 'manifest-run-token-0123456789abcdef';
/** The anomseer-redis Secret's password (Redis requires it; the coordinator reads it from env). */
const REDIS_PASSWORD = 'manifest-run-redis-password-42';
const bin = join(repoRoot, 'bin/anomseer.mjs');
const steps = 3;
const promptsPerStep = 4;
const groupSize = 4;

interface Running {
  pod: LocalPod;
  name: string;
  child: ChildProcess;
  lines: string[];
  /** When it last printed a line (or started), ms since the epoch. */
  lastLineAt: number;
  exited: Promise<number | string>;
}

/** Start `pod`; with `stopAfter`, it stops itself right after its first stdout line matching it (tests/helpers/stop-after-line.mjs). */
function start(pod: LocalPod, name: string, cwd: string, onLine: (line: string) => void = () => {}, stopAfter = ''): Running {
  const preload = stopAfter === '' ? [] : ['--import', STOP_AFTER_LINE];
  const child = spawn(process.execPath, [...preload, bin, ...pod.argv], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, ...pod.env, ANOMSEER_EXIT_WITH_PARENT: '1', ANOMSEER_TEST_STOP_AFTER: stopAfter },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  // 'close', not 'exit': by then every line it wrote has been read.
  const exited = new Promise<number | string>((resolve) => child.on('close', (code, sig) => resolve(code ?? sig ?? -1)));
  const running: Running = { pod, name, child, lines, lastLineAt: Date.now(), exited };
  for (const s of [child.stdout!, child.stderr!]) {
    createInterface({ input: s }).on('line', (l) => {
      lines.push(l);
      running.lastLineAt = Date.now();
      onLine(l);
      if (process.env.CLUSTER_TEST_VERBOSE) console.log(`[${name}] ${l}`);
    });
  }
  return running;
}

const isRunning = (r: Running) => r.child.exitCode === null && r.child.signalCode === null;
const headers = (token?: string): Record<string, string> => (token === undefined ? {} : { authorization: `Bearer ${token}` });

/** One GET, waited for however slow the answer (up to the outer limit); rejects on a network error. */
const get = (port: number, path: string, token?: string) =>
  fetch(`http://127.0.0.1:${port}${path}`, { headers: headers(token), signal: AbortSignal.timeout(EVENT_LIMIT_MS) });

/** The status of one GET, or undefined when it got no answer (ask again later). */
const statusOf = (port: number, path: string, token?: string) =>
  get(port, path, token).then(
    (res) => res.status,
    () => undefined,
  );

/** A GET of a process that must answer: retried until it does, unless `r` exits first. */
const getFrom = (r: Running, port: number, path: string) =>
  getRetrying(`http://127.0.0.1:${port}${path}`, { giveUp: () => (isRunning(r) ? undefined : `${r.name} exited`) });

/**
 * A GET on a connection of its own, to a server whose process may be stopped (SIGSTOP): the
 * kernel completes the connection and holds the request for it. `sent` resolves once the
 * request has been handed to the kernel, `answer` with the status and body.
 */
function queuedGet(port: number, path: string, token?: string): { sent: Promise<void>; answer: Promise<{ status: number; text: string }> } {
  let onSent!: () => void;
  const sent = new Promise<void>((r) => (onSent = r));
  const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: headers(token), agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(onSent);
  });
  // An error before the request was sent must not leave `sent` waiting forever.
  answer.catch(onSent);
  return { sent, answer };
}

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

/** Thrown by a probe when waiting longer is pointless (the process exited). */
class Gone extends Error {}
const stopOnGone = { stopOn: (err: unknown) => err instanceof Gone };

/** A scrape of `r`'s /metrics, asked until one succeeds; undefined if `r` exits first. */
const scrapeWhileRunning = (r: Running, port: number): Promise<Map<string, Family> | undefined> =>
  eventually(
    `${r.name} /metrics`,
    async () => {
      if (!isRunning(r)) throw new Gone(`${r.name} exited`);
      return scrape(port);
    },
    stopOnGone,
  ).catch((err: unknown) => {
    if (err instanceof Gone) return undefined;
    throw err;
  });

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
    const docs = [...render(namespaceDir), ...render(jobOverlays().find((d) => d.endsWith('/smoke'))!)];
    const cluster = await planLocalCluster(docs, {
      tmp,
      secrets: { 'anomseer-token': { token: TOKEN }, 'anomseer-redis': { password: REDIS_PASSWORD } },
      external: { 'anomseer-redis': `${redis.host}:${redis.port}` },
      ours: (image) => /^anomseer(-cuda)?(:|$)/.test(image),
    });
    const byRole = (role: string) => cluster.pods.filter((p) => p.argv[0] === role);
    const [coordPod] = byRole('coordinator');
    const [learnerPod] = byRole('learner');
    const workerPods = byRole('worker');
    assert.ok(coordPod && learnerPod && workerPods.length === 2, 'one coordinator, one learner, two workers');
    assert.match(coordPod!.argv.join(' '), /--redis redis:\/\/127\.0\.0\.1:\d+/);
    const metricsPort = (p: LocalPod) => Number(p.argv[p.argv.indexOf('--metrics-port') + 1]);
    const grpcAddress = cluster.services.get('anomseer-smoke-coordinator')!.get(7070)!;

    const coord = start(coordPod!, 'coordinator', tmp);
    running.push(coord);
    // The startup probe's job: wait until the coordinator's /healthz says it serves.
    const coordProbes = probesOf(coordPod!);
    const startup = coordProbes.find((p) => p.kind === 'startupProbe')!;
    assert.ok(startup.http, 'the coordinator has an HTTP startup probe');
    await eventually(
      "the coordinator's startup probe answers 200",
      async () => {
        if (!isRunning(coord)) throw new Gone(`coordinator exited:\n${coord.lines.join('\n')}`);
        return (await statusOf(startup.port, startup.http!)) === 200 ? true : undefined;
      },
      stopOnGone,
    );
    // While the job runs: keep the last good scrape of each role, check probes and auth once each.
    const last = new Map<string, Map<string, Family>>();
    const probed = new Set<string>();
    let learnerStepsSeen = 0;
    const seeLearner = (f: Map<string, Family> | undefined) => {
      if (f === undefined) return;
      last.set('learner', f);
      learnerStepsSeen = Math.max(learnerStepsSeen, valueOf(f, 'anomseer_learner_steps_total'));
    };
    // The learner logs "step k/n" right after the step's metrics are set, then evaluates, saves
    // and exits, closing its metrics server: however soon that comes on a loaded machine, the
    // last step's metrics are scraped at that line. The learner stops itself right after it
    // (stop-after-line); the scrape's connection and request are queued in the kernel while it
    // is stopped; then it goes on, and the first turn of its event loop accepts the connection,
    // long before it closes the server after its final eval.
    const lastLine = `^step ${steps}/${steps} `;
    let lastStepScrape: Promise<void> | undefined;
    const learner: Running = start(
      learnerPod!,
      'learner',
      tmp,
      (line) => {
        if (lastStepScrape !== undefined || !new RegExp(lastLine).test(line)) return;
        lastStepScrape = (async () => {
          await eventually('the learner stops itself after its last step line', () => (isStopped(learner.child.pid!) ? true : undefined), { everyMs: 10 });
          const scrape = queuedGet(metricsPort(learnerPod!), '/metrics', TOKEN);
          await scrape.sent;
          learner.child.kill('SIGCONT');
          const r = await within(scrape.answer, "the learner's /metrics after its last step");
          assert.is(r.status, 200, r.text);
          seeLearner(parsePromText(r.text));
        })();
        lastStepScrape.catch(() => {}); // awaited below
      },
      lastLine,
    );
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
            // A request without an answer is asked again on the next round.
            const answers = await Promise.all(probes.map(async (p) => (p.http === undefined ? tcpOpen(p.port) : (await statusOf(p.port, p.http)) === 200)));
            const noToken = await statusOf(port, '/metrics');
            const wrongToken = await statusOf(port, '/metrics', 'wrong-token-0123456789abcdef');
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

    // ~20 s on two idle cores; the limit is on the learner's silence (it logs every step).
    const code = await withinProgress(learner.exited, 'the learner exits', () => learner.lastLineAt);
    assert.ok(lastStepScrape, `the learner printed step ${steps}/${steps}:\n${learner.lines.slice(-30).join('\n')}`);
    await lastStepScrape;
    assert.is(code, 0, `learner exit ${code}:\n${learner.lines.slice(-30).join('\n')}`);
    // The job is done: the workers (a Kubernetes Job) end by themselves with 0, freeing their GPUs.
    const workers = running.filter((r) => r.name.startsWith('worker'));
    for (const w of workers) {
      assert.is(
        await withinProgress(w.exited, `${w.name} exits when the job is done`, () => w.lastLineAt),
        0,
        `${w.name} exits 0 when the job is done:\n${w.lines.slice(-10).join('\n')}`,
      );
      assert.ok(
        w.lines.some((l) => /stopped after \d+ accepted group/.test(l)),
        w.name,
      );
    }

    // Status the way an operator asks for it (docs/DEPLOY.md), against the coordinator.
    const st = await statusJson(grpcAddress, { ANOMSEER_TOKEN: TOKEN }, tmp);
    assert.is(st.status, 0, st.stderr);
    const status = JSON.parse(st.stdout);
    assert.is(status.step, steps);
    assert.is(status.weight_version, steps + 1);
    assert.is(status.prompts.total, steps * promptsPerStep);
    assert.is(status.prompts.done, steps * promptsPerStep);
    const summary = JSON.parse(readFileSync(join(tmp, 'Job_anomseer_smoke_learner-0', 'runs', 'summary.json'), 'utf8'));
    assert.is(summary.steps, steps);
    assert.is(summary.cluster.untrainedItems, 0);
    assert.is(summary.cluster.extraGroups, 0);

    // Every probe answered 200 (or accepted TCP) on the port its manifest names, in every role.
    watching = false;
    await Promise.all(watchers);
    for (const r of running) assert.ok(probed.has(r.name), `${r.name}: its probes answered while it ran`);
    for (const p of coordProbes) {
      // /healthz asks the store (Redis) within the metrics server's 2 s: on a loaded machine a
      // 503 can be the store being slow, so it is asked until it says 200.
      const ok =
        p.http === undefined
          ? await tcpOpen(p.port)
          : await eventually(`coordinator ${p.kind} answers 200`, async () => ((await getFrom(coord, p.port, p.http!)).status === 200 ? true : undefined));
      assert.ok(ok, `coordinator ${p.kind}`);
    }

    // The coordinator, still up: exact accounting of the job.
    const fc = (await scrapeWhileRunning(coord, metricsPort(coordPod!)))!;
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
    assert.is(learnerStepsSeen, steps, 'the learner reported every step (scraped at its last step line)');
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
  } finally {
    for (const r of running) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    await Promise.all(running.map((r) => r.exited));
    await redis?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
});

test.run();
