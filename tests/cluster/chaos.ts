/**
 * Seeded faults on a small Redis-backed cluster job, with real processes (the chaos test and
 * bench/soak.ts both run it; docs/CLUSTER.md "What survives what").
 *
 * The job: examples/smoke.yaml, 6 steps × 4 prompts × G = 4, a checkpoint every 2 steps, no
 * warm start, max staleness 0 (so a run is deterministic: the final weights of any run that
 * trained every prompt exactly once equal the fault-free run's, bit for bit). A coordinator on
 * a fixed loopback port with `--redis`, two workers, one learner.
 *
 * One fault per run, chosen by `new Rng(seed).fork(role)`: a step s in 1..5 and a moment —
 * right after the coordinator logged version s + 1 published, or a random 0–0.5 s after the
 * learner logged step s — then:
 *
 *   worker               SIGKILL one worker, start a new one (its leases expire and are requeued)
 *   learner              SIGKILL the learner, start `learner --resume`
 *   coordinator          SIGKILL the coordinator, start a new one on the same port and Redis
 *   coordinator+workers  SIGKILL the coordinator and both workers, start new ones
 *   redis                SIGKILL Redis (AOF, appendfsync always) and start it again on its files
 *   redis-wiped          SIGKILL Redis and start it empty (no persistence): the coordinator must
 *                        stop with one line (exit 2); a new one is started with --rebuild-state;
 *                        the learner must stop with one line (exit 2); `learner --resume`
 *                        rebuilds the state from its checkpoint
 *
 * and the run goes on until the (last) learner exits. What the caller checks: the learner's
 * summary (every planned prompt trained exactly once, the weights' sha256) and the lines.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../shared/rng.js';
import { freePort } from '../helpers/ports.js';
import { startRedis } from '../helpers/redis.js';
import { EVENT_LIMIT_MS, within } from '../helpers/wait.js';
import { unary } from '../../proto/call.js';
import { clients } from './helpers.js';
import { killAll, readSummary, startCoordinator, startRole } from './procs.js';
import type { Proc } from './procs.js';

export const CHAOS_ROLES = ['worker', 'learner', 'coordinator', 'coordinator+workers', 'redis', 'redis-wiped'] as const;
export type ChaosRole = (typeof CHAOS_ROLES)[number];

export const CHAOS_JOB = 'examples/smoke.yaml';
export const CHAOS_STEPS = 6;
export const CHAOS_PROMPTS = CHAOS_STEPS * 4;

const SETS = [
  `train.steps=${CHAOS_STEPS}`,
  'train.checkpointEvery=2',
  'train.warmStart.enabled=false',
  'data.eval=anomllm:eval?count=1&length=64',
  'cluster.maxStaleness=0',
  'cluster.leaseTimeout=4s',
  'cluster.heartbeatInterval=500ms',
];

export interface ChaosRun {
  readonly role: ChaosRole | 'none';
  readonly seed: number;
  /** What was done, e.g. "coordinator SIGKILLed right after version 4 was published; restarted". */
  readonly fault: string;
  readonly summary: ReturnType<typeof readSummary>;
  /** Every process of the run by name, with its lines and how it ended (code or signal). */
  readonly procs: readonly { readonly name: string; readonly lines: readonly string[]; readonly exit: number | string }[];
  readonly seconds: number;
}

/** The moment of a fault. */
export interface ChaosMoment {
  /** The step it is tied to, 1..CHAOS_STEPS − 1. */
  readonly step: number;
  /** Right after the coordinator logged version step + 1 published; else delayMs after the learner logged the step. */
  readonly afterPublish: boolean;
  readonly delayMs: number;
}

/** The moment of the fault of `role` in the run seeded `seed`. */
export function chaosMoment(role: ChaosRole, seed: number): ChaosMoment {
  const rng = new Rng(seed).fork(role);
  const step = 1 + rng.int(CHAOS_STEPS - 1);
  const afterPublish = rng.uniform() < 0.5;
  // At most half a second: a step of this job can take as little as 0.3 s, and a fault after the
  // last one tests nothing.
  return { step, afterPublish, delayMs: afterPublish ? 0 : Math.floor(rng.uniform() * 500) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Run the job with one fault of `role` (none: the fault-free reference) in `dir`. Resolves when
 * the learner that finishes the job has exited with 0; rejects with the processes' last lines
 * otherwise. Every process it started is stopped before it returns.
 */
export async function runChaos(o: { role: ChaosRole | 'none'; seed: number; dir: string }): Promise<ChaosRun> {
  const t0 = performance.now();
  mkdirSync(o.dir, { recursive: true });
  const sets = [...SETS, `outputDir=${join(o.dir, 'run')}`];
  const flags = sets.flatMap((s) => ['--set', s]);
  const summaryFile = join(o.dir, 'summary.json');
  const redis = await startRedis({ persistence: o.role === 'redis' ? 'aof' : 'none' });
  const listen = `127.0.0.1:${await freePort()}`;
  const all: Proc[] = [];
  const track = (p: Proc) => (all.push(p), p);
  const coordinator = async (name: string, extra: string[] = []) =>
    track((await startCoordinator(CHAOS_JOB, sets, { extra: ['--redis', `redis://127.0.0.1:${redis.port}`, ...extra], listen, name })).proc);
  const worker = (name: string) => track(startRole(name, ['worker', '--coordinator', listen, '--max-prompts', '1']));
  const learner = (name: string, more: string[] = []) =>
    track(startRole(name, ['learner', CHAOS_JOB, ...flags, '--coordinator', listen, '--summary', summaryFile, ...more]));
  const report = () => all.map((p) => ({ name: p.name, lines: [...p.lines], exit: p.child.exitCode ?? p.child.signalCode ?? 'running' }));
  const tail = () =>
    all.map((p) => `--- ${p.name} (${String(p.child.exitCode ?? p.child.signalCode ?? 'running')})\n${p.lines.slice(-12).join('\n')}`).join('\n');
  const kill = async (p: Proc) => {
    p.child.kill('SIGKILL');
    await p.exited;
  };
  try {
    let coord = await coordinator('coordinator');
    const workers = [worker('worker 1'), worker('worker 2')];
    let last = learner('learner');
    let fault = 'none';
    if (o.role !== 'none') {
      const at = chaosMoment(o.role, o.seed);
      if (at.afterPublish) await coord.waitFor(new RegExp(`^weights: version ${at.step + 1} \\(.*published$`), EVENT_LIMIT_MS);
      else {
        await last.waitFor(new RegExp(`^step ${at.step}/${CHAOS_STEPS} `), EVENT_LIMIT_MS);
        await sleep(at.delayMs);
      }
      const when = at.afterPublish ? `right after version ${at.step + 1} was published` : `${at.delayMs} ms after step ${at.step}`;
      switch (o.role) {
        case 'worker': {
          const i = new Rng(o.seed).fork('worker/which').int(workers.length);
          await kill(workers[i]!);
          workers[i] = worker(`worker ${i + 1} again`);
          fault = `worker ${i + 1} SIGKILLed ${when}; a new worker started`;
          break;
        }
        case 'learner':
          await kill(last);
          last = learner('learner --resume', ['--resume']);
          fault = `learner SIGKILLed ${when}; restarted with --resume`;
          break;
        case 'coordinator':
          await kill(coord);
          coord = await coordinator('coordinator again');
          fault = `coordinator SIGKILLed ${when}; restarted on the same Redis`;
          break;
        case 'coordinator+workers':
          await Promise.all([kill(coord), ...workers.map(kill)]);
          coord = await coordinator('coordinator again');
          workers.splice(0, workers.length, worker('worker 3'), worker('worker 4'));
          fault = `coordinator and both workers SIGKILLed ${when}; new ones started`;
          break;
        case 'redis':
          await redis.restart();
          fault = `Redis (AOF, appendfsync always) SIGKILLed ${when}; restarted on its files`;
          break;
        case 'redis-wiped': {
          await redis.restart();
          // The coordinator finds its state gone: one line, exit 2. A new one may rebuild it.
          const code = await within(coord.exited, 'the coordinator stops after the state is wiped');
          if (code !== 2) throw new Error(`the coordinator exited with ${String(code)}, not 2, after Redis lost the state\n${tail()}`);
          coord = await coordinator('coordinator --rebuild-state', ['--rebuild-state']);
          const first = last;
          const lcode = await within(first.exited, 'the learner stops on the rebuilt coordinator');
          if (lcode === 0) {
            // It had trained every step before the state was lost (only its summary's GetStatus
            // reached the new coordinator): the job is done, nothing to resume.
            fault = `Redis (no persistence) SIGKILLed ${when}, after the learner's last step; coordinator restarted with --rebuild-state`;
            break;
          }
          if (lcode !== 2) throw new Error(`the learner exited with ${String(lcode)}, not 2, on a coordinator whose state was rebuilt\n${tail()}`);
          last = learner('learner --resume', ['--resume']);
          fault = `Redis (no persistence) SIGKILLed ${when} and started empty; coordinator restarted with --rebuild-state, learner with --resume`;
          break;
        }
      }
    }
    const code = await within(last.exited, `${last.name} finishes the job`, 2 * EVENT_LIMIT_MS);
    if (code !== 0) throw new Error(`${last.name} exited with ${String(code)} (${o.role}, seed ${o.seed})\n${tail()}`);
    const summary = readSummary(summaryFile);
    await killAll();
    return { role: o.role, seed: o.seed, fault, summary, procs: report(), seconds: (performance.now() - t0) / 1000 };
  } catch (err) {
    const more = err instanceof Error && err.message.includes('--- ') ? '' : `\n${tail()}`;
    throw new Error(`${err instanceof Error ? err.message : String(err)}${more}\n--- status\n${await statusOf(listen)}`);
  } finally {
    await killAll();
    await redis.stop();
  }
}

/** The coordinator's GetStatus in one line (what a stalled run was waiting for), or why it could not be read. */
async function statusOf(address: string): Promise<string> {
  const cl = clients(address);
  try {
    const s = await unary(cl.coord, cl.coord.GetStatus, {}, { deadlineMs: 5000 });
    const leases = s.leases.map((l) => `${l.lease_id}:${l.worker_id}:${l.prompt_id}`).join(' ');
    const workers = s.workers.map((w) => `${w.worker_id}:${w.state}:v${w.weight_version}:${w.leases_held}`).join(' ');
    return `version ${s.weight_version}, learner epoch ${s.learner_epoch}, prompts ${JSON.stringify(s.prompts)}, leases [${leases}], workers [${workers}]`;
  } catch (err) {
    return `GetStatus failed: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    cl.close();
  }
}

/** Lines that must never appear in any process's output: an unhandled Redis client error, a stack trace. */
export const FORBIDDEN_LINES = /\[ioredis\] Unhandled error event|^\s+at .+:\d+:\d+\)?$|internal error/;
