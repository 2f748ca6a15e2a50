/**
 * The Coordinator service over a StateStore (docs/PROTOCOL.md, docs/CLUSTER.md):
 *
 *   RegisterWorker  id (given or `w<n>`), job timing, G, staleness
 *   Heartbeat       renews the listed leases, returns the lost ones and commands
 *                   (`fetch_weights` when the worker's version is too old to lease)
 *   LeasePrompts    bounded staleness BEFORE a rollout starts: a worker whose version is more
 *                   than maxStaleness behind (or ahead) gets StaleWeightsError and no lease
 *   SubmitGroup(s)  validated first (submissions.ts); first complete submission wins;
 *                   repeats answer `duplicate: true`
 *   ReleaseLeases   requeues at once (SIGTERM); an empty list releases all of the worker's
 *   TakeGroups      learner long poll (learner-intake.ts); a retry before the ack gets the same batch
 *   GetStatus       counters, workers, leases, throughput
 *   ReportProgress  the learner's training events (JSON, at most 1 MiB) for the dashboard
 *   ClaimLearner    a learner takes the job (learner epoch + 1); a resumed one resets the state to
 *                   its checkpoint (docs/CLUSTER.md "Learner resume")
 *
 * The learner's calls (TakeGroups, ReportProgress, and PublishWeights through server.ts) carry its
 * fence (proto/learner-fence.ts): a call from a learner that is not the latest claim, or that
 * trained against another state of the job, is refused (`checkLearner`). TakeGroups also reads the
 * job's fingerprint from the store, so state lost under a running coordinator (a Redis flush) is
 * found within one step even without a reconnect (`onStateLost`).
 *
 * Steps are released to the queue as weight versions appear (shared/job/plan.ts): step k is enqueued
 * once version k − maxStaleness is published, so with maxStaleness 0 every group of step k is
 * sampled with version k. The class holds the logic (methods take and return wire messages);
 * `handlers()` wraps it for grpc-js with every error going through toStatus.
 *
 * Per call the service does O(what the call carries) work and no logging: per-lease and
 * per-submission events (expiries, duplicates, refusals) are logged at most once a second per
 * kind, with a count (a fleet of thousands of workers would otherwise spend the coordinator's
 * CPU on its log); registrations, once per worker, are all logged. Leases carry the series as a
 * number[] built once per record.
 */
import type * as grpc from '@grpc/grpc-js';
import { JobStateError, MessageTooLargeError, StaleWeightsError, UnavailableError } from '../../proto/errors.js';
import { fenceOf } from '../../proto/learner-fence.js';
import type { GroupChecker } from '../../proto/group-check.js';
import { RPC_LIMITS } from '../../proto/options.js';
import { toStatus } from '../../proto/status.js';
import type {
  ClaimLearnerRequest,
  ClaimLearnerResponse,
  CoordinatorHandlers,
  GetStatusResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  LeasePromptsRequest,
  LeasePromptsResponse,
  PromptLease,
  RegisterWorkerRequest,
  RegisterWorkerResponse,
  ReleaseLeasesRequest,
  ReleaseLeasesResponse,
  ReportProgressRequest,
  ReportProgressResponse,
  SubmitGroupRequest,
  SubmitGroupResponse,
  SubmitGroupsRequest,
  SubmitGroupsResponse,
  TakeGroupsRequest,
  TakeGroupsResponse,
  WorkerCommand,
  WorkerState,
} from '../../proto/types.js';
import { AnomseerError, InvalidArgumentError } from '../../shared/errors.js';
import type { SeriesRecord } from '../../shared/series/record.js';
import { PROGRESS_MAX_BYTES, decodeProgress } from '../../shared/training/progress-codec.js';
import type { DashboardEvent } from '../../shared/training/events.js';
import { checkRollout, minWeightVersion } from '../scheduling/staleness.js';
import type { ClaimResult, StateStore } from '../state/store.js';
import { recordIdOf } from '../../shared/job/plan.js';
import { LearnerIntake } from './learner-intake.js';
import { checkFence, resumeItems } from './learner-fencing.js';
import type { LearnerHold } from './learner-fencing.js';
import type { StepPlan } from '../../shared/job/plan.js';
import { Submissions } from './submissions.js';
import { Throughput } from './throughput.js';
import type { WeightRegistry } from './weight-registry.js';

/** Settings of one coordinator, compiled from the job (all durations in ms). */
export interface CoordinatorSettings {
  readonly jobId: string;
  readonly configHash: string;
  readonly groupSize: number;
  readonly maxStaleness: number;
  readonly maxNewTokens: number;
  readonly leaseTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** The seed_key of every lease: `<job seed>/rollout` (the worker samples from new Rng(seed).fork('rollout')). */
  readonly seedKey: string;
  /** A batch the learner does not acknowledge within this is handed out again. */
  readonly ackTimeoutMs: number;
  /** What an empty LeasePrompts answer tells the worker to wait. */
  readonly retryAfterMs: number;
  /** How often the lease-expiry sweep runs. */
  readonly expiryIntervalMs: number;
  /** How long workers wait for an unreachable coordinator before they stop (cluster.coordinatorWait), told at registration. */
  readonly coordinatorWaitMs: number;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export const REAL_TIMERS: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

export interface CoordinatorServiceDeps {
  readonly store: StateStore;
  /** Coordinator clock, ms since epoch. */
  readonly clock: () => number;
  readonly registry: WeightRegistry;
  readonly plan: StepPlan;
  /** Training records by id (series for leases, labels for the learner). */
  readonly records: ReadonlyMap<string, SeriesRecord>;
  readonly settings: CoordinatorSettings;
  /** Checks every submitted group (proto/group-check.ts, built from the job's policy spec). */
  readonly checker: GroupChecker;
  readonly logger: (line: string) => void;
  readonly timers?: Timers;
  /** Where the learner's ReportProgress events go (the dashboard); absent = checked and dropped. */
  readonly onProgress?: (event: DashboardEvent) => void;
  /** Fingerprint given to the job's state when this coordinator creates it (random; default ''). */
  readonly epochId?: string;
  /**
   * --rebuild-state: remains of a lost state are deleted at start, and a resumed learner's
   * checkpoint may replace a state that does not hold it (docs/CLUSTER.md "What survives what").
   */
  readonly allowRebuild?: boolean;
  /** The job's state is gone or replaced under this coordinator (found at a TakeGroups): it must stop. */
  readonly onStateLost?: (message: string) => void;
}

/** What the coordinator knows of a worker beyond the store's record (from its heartbeats). */
interface WorkerLive {
  state: WorkerState;
  weightVersion: number;
  rolloutsPerSecond: number;
  leasesHeld: number;
  drain: boolean;
  /** The worker process's CPU seconds per second and resident bytes, as its last heartbeat said. */
  cpuCores: number;
  rssBytes: number;
}

/** A prompt of the job as leases carry it: its record and the series as a wire array (built once). */
interface PromptData {
  readonly record: SeriesRecord;
  readonly series: number[];
}

export class CoordinatorService {
  readonly #d: CoordinatorServiceDeps;
  readonly #timers: Timers;
  readonly #live = new Map<string, WorkerLive>();
  /** record id → its series as a wire array. */
  readonly #prompts = new Map<string, PromptData>();
  #releasedSteps = 0;
  readonly #throughput = new Throughput();
  readonly #submissions: Submissions;
  /** Accepted groups by staleness (the step that trains them − the version that sampled them). */
  readonly #staleness: number[] = [];
  /** learner id → the last ReportProgress sequence taken (a retry repeats it). */
  readonly #progressSeq = new Map<string, number>();
  #sweep: unknown;
  #unwatch: (() => void) | undefined;
  readonly #intake: LearnerIntake;
  /** The state's fingerprint and the latest learner claim (the store's job record holds both). */
  #learner: LearnerHold = { jobEpoch: '', learnerEpoch: 0, createdAtMs: 0 };
  /** Step releases and learner claims run one at a time (a claim resets what releases build on). */
  #serial: Promise<unknown> = Promise.resolve();
  readonly startedAtMs: number;

  constructor(deps: CoordinatorServiceDeps) {
    this.#d = deps;
    this.#timers = deps.timers ?? REAL_TIMERS;
    this.startedAtMs = deps.clock();
    this.#intake = new LearnerIntake({
      store: deps.store,
      clock: deps.clock,
      timers: this.#timers,
      ackTimeoutMs: deps.settings.ackTimeoutMs,
      seedKey: deps.settings.seedKey,
      prompt: (id) => this.#prompt(id),
      jobDone: () => this.#jobDone(),
      weightsWanted: () => deps.registry.wanted(),
    });
    this.#submissions = new Submissions({
      store: deps.store,
      clock: deps.clock,
      checker: deps.checker,
      latest: () => deps.registry.latest,
      series: (id) => {
        const p = this.#promptOrUndefined(id);
        return p === undefined ? undefined : Float64Array.from(p.series);
      },
      accepted: (g, tokens) => this.#accepted(g.epoch, g.weightVersion, tokens),
      logger: deps.logger,
    });
  }

  /** Create or check the job record, release the steps the latest version allows, start the expiry sweep. */
  async start(): Promise<void> {
    const job = await this.#d.store.initJob(this.#d.settings.configHash, this.#d.clock(), this.#d.epochId ?? '', this.#d.allowRebuild === true);
    this.#learner = { jobEpoch: job.epochId, learnerEpoch: job.learnerEpoch, createdAtMs: job.createdAtMs };
    this.#d.registry.restore(job);
    await this.#releaseSteps(Math.max(job.weightVersion, this.#d.registry.latest));
    // A failure because the store is unreachable is told once by the store (coordinator/main.ts),
    // not at every tick; anything else is a bug worth a line.
    const failed = (what: string) => (err: unknown) => {
      if (!(err instanceof UnavailableError)) this.#d.logger(`coordinator: ${what} failed: ${String(err)}`);
    };
    this.#unwatch = this.#d.registry.watch((v) => {
      this.#releaseSteps(v.version).catch(failed('releasing steps'));
    });
    this.#sweep = this.#timers.setInterval(() => {
      this.expireNow().catch(failed('lease expiry'));
      // A release that failed (the store was down when a version was published) is tried again here.
      this.#releaseSteps(this.#d.registry.latest).catch(failed('releasing steps'));
    }, this.#d.settings.expiryIntervalMs);
  }

  /** Stop the sweep and answer every waiting long poll. */
  stop(): void {
    if (this.#sweep !== undefined) this.#timers.clearInterval(this.#sweep);
    this.#sweep = undefined;
    this.#unwatch?.();
    this.#intake.stop();
  }

  /** One expiry sweep at the current clock (the timer calls this; tests call it after moving the clock). */
  async expireNow(): Promise<number> {
    const expired = await this.#d.store.expireLeases(this.#d.clock());
    if (expired.length > 0) {
      const l = expired[0]!;
      const more = expired.length > 1 ? ` and ${expired.length - 1} more` : '';
      this.#submissions.log('expired', `coordinator: lease ${l.leaseId} (prompt ${l.promptId}, worker ${l.workerId})${more} expired; requeued`);
    }
    return expired.length;
  }

  /** Run `fn` after every release or claim started before it. */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#serial.then(fn, fn);
    this.#serial = run.catch(() => undefined);
    return run;
  }

  /** Enqueue the steps whose rollouts may start with `latest` published: k <= latest + maxStaleness. */
  #releaseSteps(latest: number): Promise<void> {
    return this.#exclusive(async () => {
      if (latest >= 1) await this.#enqueueThrough(Math.min(this.#d.plan.steps, latest + this.#d.settings.maxStaleness));
    });
  }

  /** Enqueue steps #releasedSteps + 1 .. upTo (inside #exclusive). */
  async #enqueueThrough(upTo: number): Promise<void> {
    while (this.#releasedSteps < upTo) {
      // Raise the floor first: from here on leases need versions fit for step k (#leaseFloor).
      const k = (this.#releasedSteps += 1);
      try {
        await this.#d.store.enqueueEpoch(k, this.#d.plan.promptsOf(k), this.#d.clock());
      } catch (err) {
        // Not enqueued (or only some chunks: enqueueEpoch completes an epoch when called again):
        // step k is not released, the sweep tries again.
        this.#releasedSteps = k - 1;
        throw err;
      }
    }
  }

  /**
   * The lowest version a worker may hold to lease now: the staleness bound of the latest
   * version, max(1, V − S), and — because step k's items may sit in the queue from version
   * k − S on and must be sampled with >= k − S — the newest released step minus S. So with
   * S >= 1 a worker holding the latest version samples up to S steps ahead of the learner, and
   * no group is ever trained more than S versions after the one that sampled it.
   */
  #leaseFloor(latest: number): number {
    return Math.max(minWeightVersion(latest, this.#d.settings.maxStaleness), this.#releasedSteps - this.#d.settings.maxStaleness);
  }

  /**
   * sampled: every item has its group. done: every group was also acknowledged by the learner —
   * only then do workers hear job_done: a learner that dies before its last acknowledgement may
   * resume from an older checkpoint, and the steps after it need workers again.
   */
  async #jobDone(): Promise<{ sampled: boolean; done: boolean }> {
    const c = await this.#d.store.counters();
    const sampled = this.#releasedSteps === this.#d.plan.steps && c.promptsDone >= this.#d.plan.total;
    return { sampled, done: sampled && c.groupsReady === 0 && c.groupsAcked >= this.#d.plan.total };
  }

  // ------------------------------------------------------------------------------------------
  // Workers
  // ------------------------------------------------------------------------------------------

  async registerWorker(req: RegisterWorkerRequest): Promise<RegisterWorkerResponse> {
    const s = this.#d.settings;
    if (req.worker_id !== '' && !/^[A-Za-z0-9._:-]{1,100}$/.test(req.worker_id))
      throw new InvalidArgumentError('worker_id', `is ${JSON.stringify(req.worker_id)}; use 1–100 letters, digits, ".", "_", ":" or "-"`);
    if (req.host.length > RPC_LIMITS.maxIdChars || req.device.length > RPC_LIMITS.maxIdChars)
      throw new InvalidArgumentError(req.host.length > RPC_LIMITS.maxIdChars ? 'host' : 'device', `has more than ${RPC_LIMITS.maxIdChars} characters`);
    // An empty id: the store picks the next free `w<n>` (O(1), durable across restarts on Redis).
    const { workerId: id } = await this.#d.store.registerWorker(req.worker_id, { host: req.host, device: req.device }, this.#d.clock());
    this.#live.set(id, { state: 'WORKER_STATE_STARTING', weightVersion: 0, rolloutsPerSecond: 0, leasesHeld: 0, drain: false, cpuCores: 0, rssBytes: 0 });
    // Once per worker, not per call: every registration is logged.
    this.#d.logger(`coordinator: worker ${id} registered (host ${req.host || '?'}, device ${req.device || '?'})`);
    return {
      worker_id: id,
      job_id: s.jobId,
      weight_version: this.#d.registry.latest,
      heartbeat_interval_ms: s.heartbeatIntervalMs,
      lease_timeout_ms: s.leaseTimeoutMs,
      group_size: s.groupSize,
      max_staleness: s.maxStaleness,
      max_new_tokens: s.maxNewTokens,
      coordinator_wait_ms: s.coordinatorWaitMs,
    };
  }

  /** Ask a worker to finish its leases and stop (delivered with its next heartbeat). */
  drainWorker(workerId: string): boolean {
    const w = this.#live.get(workerId);
    if (w === undefined) return false;
    w.drain = true;
    return true;
  }

  async heartbeat(req: HeartbeatRequest): Promise<HeartbeatResponse> {
    const s = this.#d.settings;
    this.#idList(req.lease_ids, 'lease_ids');
    const { lost } = await this.#d.store.heartbeat({
      workerId: req.worker_id,
      now: this.#d.clock(),
      leaseIds: req.lease_ids,
      leaseTimeoutMs: s.leaseTimeoutMs,
    });
    let live = this.#live.get(req.worker_id);
    if (live === undefined) {
      live = { state: req.state, weightVersion: 0, rolloutsPerSecond: 0, leasesHeld: 0, drain: false, cpuCores: 0, rssBytes: 0 };
      this.#live.set(req.worker_id, live);
    }
    live.state = req.state;
    live.weightVersion = req.weight_version;
    live.rolloutsPerSecond = req.rollouts_per_second;
    live.cpuCores = Number.isFinite(req.cpu_cores) && req.cpu_cores > 0 ? req.cpu_cores : 0;
    live.rssBytes = req.rss_bytes;
    live.leasesHeld = req.lease_ids.length - lost.length;
    const latest = this.#d.registry.latest;
    const commands: WorkerCommand[] = [];
    const floor = this.#leaseFloor(latest);
    if (latest > 0 && (!checkRollout(latest, req.weight_version, s.maxStaleness).ok || req.weight_version < floor)) {
      commands.push({ fetch_weights: { version: latest }, action: 'fetch_weights', reason: `holds version ${req.weight_version}; leases need >= ${floor}` });
    }
    if (live.drain) commands.push({ drain: {}, action: 'drain', reason: 'drain requested' });
    return { commands, latest_weight_version: latest, lost_lease_ids: lost };
  }

  /** A worker's list of lease ids: at most RPC_LIMITS.maxLeaseIdsPerCall (a store takes any number, but a call is bounded). */
  #idList(ids: readonly string[], field: string): void {
    if (ids.length > RPC_LIMITS.maxLeaseIdsPerCall)
      throw new InvalidArgumentError(field, `has ${ids.length} ids; at most ${RPC_LIMITS.maxLeaseIdsPerCall} per call (send the rest in another call)`);
  }

  async leasePrompts(req: LeasePromptsRequest): Promise<LeasePromptsResponse> {
    const s = this.#d.settings;
    if (!Number.isInteger(req.max_prompts) || req.max_prompts < 1)
      throw new InvalidArgumentError('max_prompts', `is ${req.max_prompts}; expected an integer >= 1`);
    const latest = this.#d.registry.latest;
    const verdict = checkRollout(latest, req.weight_version, s.maxStaleness);
    if (!verdict.ok && verdict.reason === 'no-weights') return { leases: [], retry_after_ms: s.retryAfterMs, job_done: false };
    const floor = this.#leaseFloor(latest);
    // Bounded staleness is enforced before sampling starts: no lease, fetch first.
    if (!verdict.ok || req.weight_version < floor) throw new StaleWeightsError(req.weight_version, floor);
    if (this.#live.get(req.worker_id)?.drain === true) return { leases: [], retry_after_ms: s.retryAfterMs, job_done: false };
    const now = this.#d.clock();
    const taken = await this.#d.store.takeLeases({
      workerId: req.worker_id,
      max: Math.min(req.max_prompts, RPC_LIMITS.maxPromptsPerCall),
      now,
      leaseTimeoutMs: s.leaseTimeoutMs,
      minWeightVersion: floor,
      requestId: req.request_id,
    });
    if (taken.length === 0) return { leases: [], retry_after_ms: s.retryAfterMs, job_done: (await this.#jobDone()).done };
    const leases: PromptLease[] = taken.map((l) => ({
      lease_id: l.leaseId,
      prompt_id: l.promptId,
      series: this.#prompt(l.promptId).series,
      seed_key: s.seedKey,
      group_size: s.groupSize,
      deadline_ms: l.deadlineMs,
      min_weight_version: l.minWeightVersion,
      max_new_tokens: s.maxNewTokens,
    }));
    return { leases, retry_after_ms: 0, job_done: false };
  }

  #promptOrUndefined(promptId: string): PromptData | undefined {
    const id = recordIdOf(promptId);
    let p = this.#prompts.get(id);
    if (p === undefined) {
      const record = this.#d.records.get(id);
      if (record === undefined) return undefined;
      p = { record, series: Array.from(record.series) };
      this.#prompts.set(id, p);
    }
    return p;
  }

  /** A planned prompt (the store only holds planned ones); a missing record is a coordinator bug. */
  #prompt(promptId: string): PromptData {
    const p = this.#promptOrUndefined(promptId);
    if (p === undefined) throw new AnomseerError('E_STATE', `prompt "${promptId}" is not among the job's training records`);
    return p;
  }

  submitGroup(req: SubmitGroupRequest): Promise<SubmitGroupResponse> {
    return this.#submissions.submit(req);
  }

  submitGroups(req: SubmitGroupsRequest): Promise<SubmitGroupsResponse> {
    return this.#submissions.submitMany(req);
  }

  /** Submissions refused as malformed since start, by reason (metrics). */
  rejections(): ReadonlyMap<string, number> {
    return this.#submissions.rejections();
  }

  /** An accepted group: staleness, throughput, and a wake-up for the learner's long poll. */
  #accepted(epoch: number, weightVersion: number, tokens: number): void {
    // Item epoch k is trained by the learner holding version k (docs/CLUSTER.md "Staleness").
    const age = Math.max(0, epoch - weightVersion);
    while (this.#staleness.length <= age) this.#staleness.push(0);
    this.#staleness[age]! += 1;
    this.#throughput.add(this.#d.clock(), this.#d.settings.groupSize, tokens);
    this.#intake.notify();
  }

  async releaseLeases(req: ReleaseLeasesRequest): Promise<ReleaseLeasesResponse> {
    this.#idList(req.lease_ids, 'lease_ids');
    const r = await this.#d.store.releaseLeases(req.worker_id, req.lease_ids.length === 0 ? 'all' : req.lease_ids, this.#d.clock());
    const live = this.#live.get(req.worker_id);
    if (live !== undefined && req.reason === 'RELEASE_REASON_SHUTDOWN') Object.assign(live, { state: 'WORKER_STATE_STOPPED', leasesHeld: 0 });
    if (r.released.length > 0)
      this.#submissions.log(
        `released:${req.worker_id}`,
        `coordinator: worker ${req.worker_id} released ${r.released.length} lease(s) (${req.reason}); requeued`,
      );
    return { released: r.released.length, unknown_lease_ids: [...r.unknown] };
  }

  // ------------------------------------------------------------------------------------------
  // Learner
  // ------------------------------------------------------------------------------------------

  async takeGroups(req: TakeGroupsRequest, metadata?: grpc.Metadata): Promise<TakeGroupsResponse> {
    this.checkLearner(metadata);
    // Once a step or so: is the state in the store still the one this coordinator serves?
    const job = await this.#d.store.getJob();
    if (job === null || job.epochId !== this.#learner.jobEpoch) {
      const message =
        job === null
          ? `the state of job ${this.#d.settings.jobId} is gone from the store (no job record): it was deleted, or Redis lost it`
          : `the state of job ${this.#d.settings.jobId} in the store was replaced (fingerprint ${job.epochId}, this coordinator served ${this.#learner.jobEpoch})`;
      this.#d.onStateLost?.(message);
      throw new JobStateError('lost', `${message}; the coordinator stops`);
    }
    return this.#intake.take(req);
  }

  /**
   * Is this call from the learner holding the job? JobStateError('lost') when it trained against
   * another state of the job, LearnerFencedError when a newer learner claimed it (learner-fencing.ts).
   */
  checkLearner(metadata: grpc.Metadata | undefined): void {
    checkFence(metadata === undefined ? undefined : fenceOf(metadata), this.#learner, this.#d.settings.jobId);
  }

  /** A learner takes the job (see ClaimLearnerRequest); a resume resets the state to its checkpoint. */
  async claimLearner(req: ClaimLearnerRequest): Promise<ClaimLearnerResponse> {
    const s = this.#d.settings;
    if (req.job_id !== s.jobId) {
      throw new InvalidArgumentError(
        'job_id',
        `is "${req.job_id}"; this coordinator runs job "${s.jobId}": start the learner with the coordinator's job file and --set flags`,
      );
    }
    const trained = req.resume === null ? undefined : resumeItems(this.#d.plan, req.resume);
    return this.#exclusive(async () => {
      const now = this.#d.clock();
      const r: ClaimResult =
        req.resume === null || trained === undefined
          ? await this.#d.store.claimLearner({ mode: 'fresh', now })
          : await this.#d.store.claimLearner({
              mode: 'resume',
              now,
              rebuild: this.#d.allowRebuild === true,
              point: {
                version: req.resume.weight_version,
                step: req.resume.step,
                sha256: req.resume.sha256,
                epochId: req.resume.job_epoch,
                trained,
              },
            });
      const job = r.job;
      this.#learner = { jobEpoch: job.epochId, learnerEpoch: job.learnerEpoch, createdAtMs: job.createdAtMs };
      const who = req.learner_id === '' ? 'a learner' : `learner ${req.learner_id}`;
      if (r.reset === 'none') {
        this.#d.logger(`coordinator: ${who} claimed job ${s.jobId} (learner epoch ${job.learnerEpoch})`);
      } else {
        // The state now stands at the checkpoint: forget later versions, the open batch, and
        // enqueue the released steps again (their done items are skipped).
        this.#d.registry.reset(job);
        this.#intake.reset();
        this.#releasedSteps = 0;
        await this.#enqueueThrough(job.weightVersion < 1 ? 0 : Math.min(this.#d.plan.steps, job.weightVersion + s.maxStaleness));
        const how = r.reset === 'rebuilt' ? 'rebuilt the job state from its checkpoint' : 'resumed the job from its checkpoint';
        const dropped = r.previousVersion > job.weightVersion ? `versions ${job.weightVersion + 1}..${r.previousVersion} dropped, ` : '';
        this.#d.logger(
          `coordinator: ${who} ${how} at version ${job.weightVersion} (step ${job.step}; learner epoch ${job.learnerEpoch}): ${dropped}${trained?.length ?? 0} prompts trained, ${r.kept} accepted groups kept, ${r.discarded} discarded (sampled again)`,
        );
      }
      return {
        learner_epoch: job.learnerEpoch,
        job_epoch: job.epochId,
        created_at_ms: job.createdAtMs,
        weight_version: job.weightVersion,
        step: job.step,
        reset: r.reset,
        previous_version: r.previousVersion,
        groups_discarded: r.discarded,
        groups_kept: r.kept,
      };
    });
  }

  /**
   * The learner's progress for the dashboard: check the size (MessageTooLargeError, i.e.
   * RESOURCE_EXHAUSTED, over PROGRESS_MAX_BYTES) and the event (InvalidArgumentError naming the field,
   * i.e. INVALID_ARGUMENT), drop a sequence already seen from this learner (a retry), pass the
   * rest to `onProgress`. Nothing here touches the job's state.
   */
  async reportProgress(req: ReportProgressRequest, metadata?: grpc.Metadata): Promise<ReportProgressResponse> {
    this.checkLearner(metadata);
    const bytes = Buffer.byteLength(req.event_json, 'utf8');
    if (bytes > PROGRESS_MAX_BYTES) throw new MessageTooLargeError('event_json', bytes, PROGRESS_MAX_BYTES);
    if (!Number.isSafeInteger(req.sequence) || req.sequence < 1)
      throw new InvalidArgumentError('sequence', `is ${req.sequence}; expected 1, 2, 3, … per learner_id`);
    const event = decodeProgress(req.event_json);
    const learner = req.learner_id === '' ? 'learner' : req.learner_id;
    if (req.sequence <= (this.#progressSeq.get(learner) ?? 0)) return { accepted: false, duplicate: true };
    this.#progressSeq.set(learner, req.sequence);
    try {
      this.#d.onProgress?.(event);
    } catch (err) {
      // A dashboard bug must not fail the learner's call (it would only retry the same event).
      this.#d.logger(`coordinator: dashboard could not take ${event.kind} event of step ${event.step}: ${err instanceof Error ? err.message : String(err)}`);
    }
    return { accepted: true, duplicate: false };
  }

  // ------------------------------------------------------------------------------------------
  // Status
  // ------------------------------------------------------------------------------------------

  /** Accepted groups by staleness: `[k]` = groups trained k versions after the one that sampled them (this process's count). */
  stalenessCounts(): readonly number[] {
    return [...this.#staleness];
  }

  async getStatus(): Promise<GetStatusResponse> {
    const now = this.#d.clock();
    const [job, c, workers, leases] = await Promise.all([
      this.#d.store.getJob(),
      this.#d.store.counters(),
      this.#d.store.listWorkers(),
      this.#d.store.listLeases(),
    ]);
    const rate = this.#throughput.rates(now, this.startedAtMs);
    const held = new Map<string, number>();
    for (const l of leases) held.set(l.workerId, (held.get(l.workerId) ?? 0) + 1);
    return {
      job_id: this.#d.settings.jobId,
      step: job?.step ?? 0,
      weight_version: job?.weightVersion ?? 0,
      started_at_ms: this.startedAtMs,
      now_ms: now,
      workers: workers.map((w) => {
        const live = this.#live.get(w.workerId);
        return {
          worker_id: w.workerId,
          host: w.host,
          device: w.device,
          state: live?.state ?? 'WORKER_STATE_UNSPECIFIED',
          weight_version: live?.weightVersion ?? 0,
          rollouts_per_second: live?.rolloutsPerSecond ?? 0,
          leases_held: held.get(w.workerId) ?? 0,
          groups_submitted: w.groupsAccepted,
          registered_at_ms: w.registeredAtMs,
          last_heartbeat_at_ms: w.lastSeenMs,
          cpu_cores: live?.cpuCores ?? 0,
          rss_bytes: live?.rssBytes ?? 0,
        };
      }),
      leases: leases.map((l) => ({
        lease_id: l.leaseId,
        prompt_id: l.promptId,
        worker_id: l.workerId,
        deadline_ms: l.deadlineMs,
        min_weight_version: l.minWeightVersion,
      })),
      prompts: {
        total: this.#d.plan.total,
        done: c.promptsDone,
        in_flight: c.inFlight,
        queued: c.queued,
        requeued: c.requeued,
        duplicates_dropped: c.duplicatesDropped,
        stale_dropped: c.staleDropped,
        groups_ready: c.groupsReady,
        groups_rejected: this.#submissions.rejectedTotal(),
        groups_discarded: c.groupsDiscarded,
      },
      throughput: rate,
      job_epoch: job?.epochId ?? this.#learner.jobEpoch,
      learner_epoch: job?.learnerEpoch ?? this.#learner.learnerEpoch,
    };
  }

  /** The grpc-js handler table (server.ts adds StopJob and GetJobState with JobStop.wrap, then requireTokenAll). */
  handlers(): Omit<CoordinatorHandlers, 'StopJob' | 'GetJobState'> {
    const log = this.#d.logger;
    const unary =
      <Req, Res>(name: string, fn: (req: Req, metadata: grpc.Metadata) => Promise<Res>): grpc.handleUnaryCall<Req, Res> =>
      (call, callback) => {
        Promise.resolve()
          .then(() => fn(call.request, call.metadata))
          .then(
            (res) => callback(null, res),
            (err: unknown) => {
              if (!(err instanceof AnomseerError)) log(`coordinator: ${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
              callback(toStatus(err), null);
            },
          );
      };
    return {
      RegisterWorker: unary('RegisterWorker', (r: RegisterWorkerRequest) => this.registerWorker(r)),
      Heartbeat: unary('Heartbeat', (r: HeartbeatRequest) => this.heartbeat(r)),
      LeasePrompts: unary('LeasePrompts', (r: LeasePromptsRequest) => this.leasePrompts(r)),
      SubmitGroup: unary('SubmitGroup', (r: SubmitGroupRequest) => this.submitGroup(r)),
      SubmitGroups: unary('SubmitGroups', (r: SubmitGroupsRequest) => this.submitGroups(r)),
      ReleaseLeases: unary('ReleaseLeases', (r: ReleaseLeasesRequest) => this.releaseLeases(r)),
      TakeGroups: unary('TakeGroups', (r: TakeGroupsRequest, m) => this.takeGroups(r, m)),
      GetStatus: unary('GetStatus', () => this.getStatus()),
      ReportProgress: unary('ReportProgress', (r: ReportProgressRequest, m) => this.reportProgress(r, m)),
      ClaimLearner: unary('ClaimLearner', (r: ClaimLearnerRequest) => this.claimLearner(r)),
    };
  }
}
