/**
 * One rollout worker (docs/CLUSTER.md "Worker"): register, load the latest weights, then
 *
 *   loop { refresh the policy if a newer version exists (between batches, never mid-batch)
 *          → LeasePrompts → sample G traces per leased prompt → SubmitGroups (all at once) }
 *
 * with a heartbeat timer renewing the leases it holds. Trace i of prompt p at weight version v
 * is drawn from `new Rng(seed).fork('rollout').fork(`${p}/${v}/${i}`)` (the lease's seed_key is
 * `<seed>/rollout`), so any worker produces the same traces for the same prompt and version.
 * `stop()` (SIGTERM) stops leasing and releases what it holds, so those prompts are requeued
 * at once instead of after the lease timeout.
 *
 * An unreachable coordinator is waited for, with backoff, for up to the job's
 * cluster.coordinatorWait (told at registration; `coordinatorWaitMs` before that), with one log
 * line per outage (proto/retry.ts OutageLog); then run() fails with one line. A coordinator whose
 * latest version went down (a learner resumed from an older checkpoint) answers LeasePrompts with
 * StaleWeightsError below the version held: the worker loads the coordinator's latest again.
 */
import { unary } from '../proto/call.js';
import { NotFoundError, RpcError, StaleWeightsError } from '../proto/errors.js';
import { isRetryable } from '../proto/status.js';
import { DEFAULT_BACKOFF, OutageLog, exponentialBackoff } from '../proto/retry.js';
import type { RetryPolicy } from '../proto/retry.js';
import type { CoordinatorClient, PromptLease, ReleaseReason, Rollout, SubmitGroupRequest, WeightsClient, WorkerState } from '../proto/types.js';
import { AnomseerError, ConfigError, InvalidArgumentError } from '../shared/errors.js';
import { patchFeatures } from '../shared/policy/features.js';
import { grammarFor } from '../shared/policy/prompt-grammar.js';
import type { Sample } from '../shared/policy/sample.js';
import { Rng } from '../shared/rng.js';
import { tokenizerOf } from '../shared/policy/spec.js';
import { decodePublishedWeights } from '../shared/policy/published-weights.js';
import type { PublishedPolicy } from '../shared/policy/published-weights.js';
import { RolloutPolicy } from '../shared/policy/rollout-policy.js';
import { HeldWeights } from './held-weights.js';
import { WeightFetcher } from './weight-fetcher.js';

/** What a worker samples with: one weight version, built between batches. */
export interface Sampler {
  readonly version: number;
  sample(leases: readonly PromptLease[], groupSize: number, rng: Rng): Promise<Sample[][]>;
  dispose(): Promise<void>;
}

export type SamplerFactory = (policy: PublishedPolicy, version: number) => Promise<Sampler>;

/** The real sampler: a RolloutPolicy (ONNX Runtime) on `device`. */
export function onnxSamplerFactory(opts: { device: string; threads: number }): SamplerFactory {
  return async (p, version) => {
    const tokenizer = tokenizerOf(p.spec);
    const policy = await RolloutPolicy.create(p.spec.model, tokenizer, p.params, version, opts);
    return {
      version,
      sample: (leases, groupSize, rng) =>
        policy.sample(
          leases.map((l) => {
            const values = Float64Array.from(l.series);
            return {
              promptId: l.prompt_id,
              n: values.length,
              features: patchFeatures(values, p.spec.features),
              grammar: grammarFor(p.spec, tokenizer, values),
            };
          }),
          { groupSize, rng, temperature: p.temperature, grammar: p.spec.grammar },
        ),
      dispose: () => policy.dispose(),
    };
  };
}

/**
 * What a worker reports as it goes (rollout-worker/metrics.ts turns it into Prometheus series);
 * every hook is optional and must not throw. Seconds are measured with the injected clock.
 */
export interface WorkerHooks {
  /** A weight version was fetched and a sampler built from it. */
  weightsLoaded?(version: number, bytes: number, fetchSeconds: number, buildSeconds: number): void;
  /** LeasePrompts answered with `n` leases. */
  leased?(n: number): void;
  /** One batch of leases was sampled (G traces each). */
  sampled?(prompts: number, seconds: number): void;
  /** One group was submitted: its rollouts, their tokens, and the coordinator's answer. */
  submitted?(rollouts: number, tokens: number, result: 'accepted' | 'duplicate'): void;
}

export interface WorkerOptions {
  readonly coord: CoordinatorClient;
  readonly weights: WeightsClient;
  readonly buildSampler: SamplerFactory;
  /** ms since epoch. */
  readonly clock: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly logger: (line: string) => void;
  readonly host: string;
  readonly device: string;
  /** Leases asked for per LeasePrompts call (default 2). */
  readonly maxPrompts?: number;
  /** Unary deadline, ms (default 30 s). */
  readonly rpcDeadlineMs?: number;
  /** Reuse an id (empty = the coordinator picks). */
  readonly workerId?: string;
  readonly hooks?: WorkerHooks;
  /**
   * Backoff between retries of a failed round or a broken weight stream (default
   * DEFAULT_BACKOFF, jitter from a generator keyed by the host); a round is retried for up to
   * the coordinator wait whatever the policy allows.
   */
  readonly retry?: RetryPolicy;
  /** How long to wait for an unreachable coordinator before registration told the job's, ms (default 5 min). */
  readonly coordinatorWaitMs?: number;
  /** This process's CPU seconds so far and resident bytes, for the heartbeat (default: process.cpuUsage, memoryUsage.rss). */
  readonly usage?: () => ProcessUsage;

  /**
   * Where weight versions come from (weight-fetcher.ts: relays, fallback, resume); default a
   * fetcher that relays nothing itself and fetches from the sources the coordinator names.
   */
  readonly fetcher?: WeightFetcher;
}

/** What a heartbeat reports of the worker process: cumulative CPU seconds (user + system) and resident bytes. */
export interface ProcessUsage {
  readonly cpuSeconds: number;
  readonly rssBytes: number;
}

const processUsage = (): ProcessUsage => {
  const u = process.cpuUsage();
  return { cpuSeconds: (u.user + u.system) / 1e6, rssBytes: process.memoryUsage.rss() };
};

/** grpc status UNIMPLEMENTED: the server does not have the method. */
const UNIMPLEMENTED = 12;

/** NOT_FOUND for a lease: the coordinator's state does not know it (rebuilt after a loss). */
const isUnknownLease = (err: unknown): boolean => err instanceof NotFoundError && err.kind === 'lease';

/** `<seed>/rollout` → the rollout generator of the job. */
export function rolloutRngOf(seedKey: string): Rng {
  const m = /^(\d+)\/(.+)$/.exec(seedKey);
  if (m === null) throw new ConfigError('seed_key', `is "${seedKey}"; expected "<seed>/<fork key>"`);
  return new Rng(Number(m[1])).fork(m[2]!);
}

export class RolloutWorker {
  readonly #o: WorkerOptions;
  #id = '';
  #groupSize = 0;
  #heartbeatMs = 1000;
  #sampler: Sampler | undefined;
  #latest = 0;
  #state: WorkerState = 'WORKER_STATE_STARTING';
  #jobDone = false;
  /** Leases held now (renewed by heartbeats). */
  readonly #held = new Set<string>();
  /** Leases the coordinator said we lost: their work is dropped. */
  readonly #lost = new Set<string>();
  #stopping = false;
  #draining = false;
  #rollouts = 0;
  #lastBeat = 0;
  #lastCpu = 0;
  #timer: NodeJS.Timeout | undefined;
  #requests = 0;
  /** False once the coordinator answered SubmitGroups with UNIMPLEMENTED (an older one). */
  #batchSubmit = true;
  readonly #rngs = new Map<string, Rng>();
  /** Groups this worker had accepted. */
  submitted = 0;

  readonly #retry: RetryPolicy;
  /** cluster.coordinatorWait, ms (from RegisterWorker once registered). */
  #waitMs: number;
  #outage: OutageLog;
  /** The coordinator's latest went below the version held (a learner resume): load its latest. */
  #rewind = false;
  /**
   * A heartbeat was answered "unknown worker": the coordinator's state no longer has this worker
   * (rebuilt after a loss). Told once; the main loop registers again and drops the leases held.
   */
  #forgotten = false;
  /** The last lease floor a StaleWeightsError was logged for. */
  #staleTold = 0;
  readonly #fetcher: WeightFetcher;
  /** Consecutive rounds whose latest version could not be fetched (NOT_FOUND). */
  #missing = 0;

  constructor(o: WorkerOptions) {
    this.#o = o;
    const jitter = new Rng(0).fork(`retry/${o.host}`);
    this.#retry = o.retry ?? exponentialBackoff({ ...DEFAULT_BACKOFF, maxAttempts: 20, rng: () => jitter.uniform() });
    this.#waitMs = o.coordinatorWaitMs ?? 300_000;
    this.#outage = this.#outageLog();
    this.#fetcher =
      o.fetcher ??
      new WeightFetcher({
        weights: o.weights,
        peer: (address) => {
          throw new ConfigError('peer', `this worker was built without peer clients and cannot fetch from ${address}`);
        },
        held: new HeldWeights(),
        peerAddress: () => '',
        clock: o.clock,
        sleep: o.sleep,
        logger: o.logger,
        retry: this.#retry,
        rpcDeadlineMs: o.rpcDeadlineMs,
      });
  }

  #outageLog(): OutageLog {
    return new OutageLog({ what: `worker ${this.#id || '(unregistered)'}: coordinator`, log: this.#o.logger, now: this.#o.clock, limitMs: this.#waitMs });
  }

  /**
   * `call` until it works, retrying retryable failures for up to the coordinator wait (one log
   * line per outage); then the error to stop with.
   */
  async #waitingOut<T>(call: () => Promise<T>): Promise<T> {
    const started = this.#o.clock();
    for (let attempt = 1; ; attempt++) {
      try {
        const r = await call();
        this.#outage.ok();
        return r;
      } catch (err) {
        if (!isRetryable(err) || this.#stopping) throw err;
        const waited = this.#o.clock() - started;
        const wait = this.#retry(attempt, waited) ?? DEFAULT_BACKOFF.maxMs;
        if (waited + wait > this.#waitMs) throw this.#outage.gaveUp(err);
        this.#outage.onRetry(err);
        await this.#o.sleep(wait);
      }
    }
  }

  get id(): string {
    return this.#id;
  }

  /** What the heartbeat reports: STARTING until registered, STOPPED after run() ends. */
  /** True once the coordinator has said the job is done (run() then returns). */
  get jobDone(): boolean {
    return this.#jobDone;
  }

  get state(): WorkerState {
    return this.#state;
  }

  /** Leases held now. */
  get leasesHeld(): number {
    return this.#held.size;
  }

  /** The weight version sampled with (0 before the first one is loaded). */
  get weightVersion(): number {
    return this.#sampler?.version ?? 0;
  }

  async #register(): Promise<void> {
    const r = await unary(
      this.#o.coord,
      this.#o.coord.RegisterWorker,
      { worker_id: this.#id || (this.#o.workerId ?? ''), host: this.#o.host, device: this.#o.device, capabilities: null },
      { deadlineMs: this.#o.rpcDeadlineMs },
    );
    this.#id = r.worker_id;
    this.#groupSize = r.group_size;
    this.#heartbeatMs = r.heartbeat_interval_ms;
    this.#latest = Math.max(this.#latest, r.weight_version);
    if (r.coordinator_wait_ms > 0) this.#waitMs = r.coordinator_wait_ms;
    if (!this.#outage.down) this.#outage = this.#outageLog();
    this.#o.logger(
      `worker ${this.#id}: registered with job ${r.job_id} (G = ${r.group_size}, heartbeat ${r.heartbeat_interval_ms} ms, lease ${r.lease_timeout_ms} ms)`,
    );
  }

  /**
   * Load `version` (0 = latest) unless it is the one held. The bytes come through the fetcher
   * (a relay peer or the coordinator; sha256 checked once, as they arrive). A version evicted
   * between GetVersion and the fetch (NOT_FOUND: the learner moved on) is not waited for: the
   * latest is resolved again at once, up to 3 times.
   */
  async #refresh(version: number): Promise<void> {
    for (let tries = 1; ; tries++) {
      const info = await unary(this.#o.weights, this.#o.weights.GetVersion, {}, { deadlineMs: this.#o.rpcDeadlineMs });
      const want = version === 0 ? info.version : version;
      // The coordinator's latest now, not the highest ever heard of: a version a heartbeat announced
      // may have been dropped since (a learner resumed from an older checkpoint, a state rebuilt);
      // keeping it would send every later round through GetVersion for a version that is gone.
      this.#latest = info.version;
      if (want === 0 || this.#sampler?.version === want) {
        this.#rewind = false;
        return;
      }
      this.#state = 'WORKER_STATE_FETCHING_WEIGHTS';
      const t0 = this.#o.clock();
      let fetched;
      try {
        fetched = await this.#fetcher.fetch(want, this.#id);
      } catch (err) {
        if (!(err instanceof NotFoundError && err.kind === 'weight version' && version === 0 && tries < 3)) throw err;
        this.#o.logger(`worker ${this.#id}: version ${want} is gone (${err.message}); resolving the latest again`);
        continue;
      }
      const t1 = this.#o.clock();
      const { bytes, info: got } = fetched;
      const published = decodePublishedWeights(bytes, got.version);
      const next = await this.#o.buildSampler(published, got.version);
      this.#o.hooks?.weightsLoaded?.(got.version, bytes.length, (t1 - t0) / 1000, (this.#o.clock() - t1) / 1000);
      await this.#sampler?.dispose();
      this.#sampler = next;
      this.#missing = 0;
      this.#rewind = false;
      const wire = got.encoding === '' ? '' : ` as ${got.encoding}`;
      this.#o.logger(`worker ${this.#id}: loaded weight version ${got.version} (${bytes.length} bytes${wire}) in ${t1 - t0} ms`);
      return;
    }
  }

  #startHeartbeats(): void {
    this.#lastBeat = this.#o.clock();
    this.#lastCpu = (this.#o.usage ?? processUsage)().cpuSeconds;
    this.#timer = setInterval(() => {
      if (this.#forgotten) return; // until the main loop has registered again
      this.#beat().catch((err: unknown) => {
        if (err instanceof NotFoundError && err.kind === 'worker') {
          this.#forgotten = true;
          this.#o.logger(`worker ${this.#id}: the coordinator does not know this worker any more (its state was reset); registering again`);
          return;
        }
        // A coordinator outage is told once by the main loop, not at every beat.
        if (!isRetryable(err)) this.#o.logger(`worker ${this.#id}: heartbeat failed: ${(err as Error).message}`);
      });
    }, this.#heartbeatMs);
    this.#timer.unref();
  }

  async #beat(): Promise<void> {
    const now = this.#o.clock();
    const rps = (this.#rollouts * 1000) / Math.max(1, now - this.#lastBeat);
    const usage = (this.#o.usage ?? processUsage)();
    const cpu = ((usage.cpuSeconds - this.#lastCpu) * 1000) / Math.max(1, now - this.#lastBeat);
    this.#rollouts = 0;
    this.#lastBeat = now;
    this.#lastCpu = usage.cpuSeconds;
    const held = [...this.#held];
    const r = await unary(
      this.#o.coord,
      this.#o.coord.Heartbeat,
      {
        worker_id: this.#id,
        state: this.#state,
        weight_version: this.#sampler?.version ?? 0,
        rollouts_per_second: rps,
        lease_ids: held,
        sent_at_ms: now,
        cpu_cores: Math.max(0, cpu),
        rss_bytes: usage.rssBytes,
      },
      { deadlineMs: Math.min(this.#o.rpcDeadlineMs ?? 30_000, this.#heartbeatMs) },
    );
    this.#latest = Math.max(this.#latest, r.latest_weight_version);
    // Only a lease still held is dropped: a heartbeat sent while its group was being submitted
    // reports that lease as not live any more, and keeping such an id would skip a later lease
    // that reuses it (lease ids start again in a rebuilt state) while heartbeats renew it forever.
    for (const id of r.lost_lease_ids) if (this.#held.delete(id)) this.#lost.add(id);
    for (const c of r.commands) {
      if (c.action === 'drain') this.#draining = true;
      if (c.action === 'stop') void this.stop();
      if (c.action === 'fetch_weights' && c.fetch_weights !== null && c.fetch_weights !== undefined)
        this.#latest = Math.max(this.#latest, c.fetch_weights.version);
    }
  }

  /** Run until the job is done, a drain finishes, or stop() is called. */
  async run(): Promise<void> {
    await this.#waitingOut(() => this.#register());
    this.#startHeartbeats();
    let failures = 0;
    let outageStarted = 0;
    try {
      while (!this.#stopping && !this.#draining) {
        try {
          if (this.#forgotten) {
            this.#held.clear(); // leases of a state that is gone
            this.#lost.clear();
            await this.#waitingOut(() => this.#register());
            this.#forgotten = false;
          }
          if (this.#sampler === undefined || this.#latest > this.#sampler.version || this.#rewind) await this.#refresh(0);
          if (this.#sampler === undefined) {
            this.#state = 'WORKER_STATE_IDLE';
            await this.#o.sleep(500);
            continue;
          }
          const done = await this.#batch(this.#sampler);
          failures = 0;
          this.#outage.ok();
          if (done) {
            this.#jobDone = true;
            break;
          }
        } catch (err) {
          if (this.#stopping) break;
          if (err instanceof StaleWeightsError) {
            if (err.used > err.min && err.used === this.#sampler?.version) {
              // Ahead of the coordinator: its history was set back (a learner resumed from an older checkpoint).
              this.#o.logger(`worker ${this.#id}: the coordinator's latest version is below the ${err.used} held (a learner resumed); loading its latest`);
              this.#rewind = true;
            } else {
              // Told once per floor (a worker behind refreshes every round until it is not).
              if (err.min !== this.#staleTold)
                this.#o.logger(`worker ${this.#id}: leases need version >= ${err.min}, this worker holds ${err.used}; fetching the latest`);
              this.#staleTold = err.min;
              this.#latest = Math.max(this.#latest, err.min);
            }
            continue;
          }
          if (err instanceof NotFoundError && err.kind === 'worker') {
            this.#held.clear(); // leases of a state that is gone
            this.#lost.clear();
            await this.#waitingOut(() => this.#register());
            this.#forgotten = false;
            continue;
          }
          if (err instanceof NotFoundError && err.kind === 'weight version') {
            // The latest version's bytes are gone (a coordinator restarted without a blob store,
            // or the blob was damaged): resolve the latest again, 0.25 s → 5 s apart, until a
            // version with bytes exists (the learner's next publish).
            this.#missing += 1;
            if (this.#missing === 1) this.#o.logger(`worker ${this.#id}: ${err.message}; resolving the latest version again until one can be fetched`);
            await this.#o.sleep(Math.min(5000, 250 * 2 ** Math.min(this.#missing - 1, 5)));
            continue;
          }
          if (isRetryable(err)) {
            if (failures === 0) outageStarted = this.#o.clock();
            failures += 1;
            const waited = this.#o.clock() - outageStarted;
            const wait = this.#retry(failures, waited) ?? DEFAULT_BACKOFF.maxMs;
            if (waited + wait > this.#waitMs) throw this.#outage.gaveUp(err);
            this.#outage.onRetry(err);
            await this.#o.sleep(wait);
            continue;
          }
          throw err;
        }
      }
    } finally {
      if (this.#timer !== undefined) clearInterval(this.#timer);
      await this.#sampler?.dispose();
      this.#sampler = undefined;
      this.#state = 'WORKER_STATE_STOPPED';
    }
  }

  /**
   * One lease → sample → submit round; true when the coordinator says the job is done. Both calls
   * wait out an unreachable coordinator themselves: LeasePrompts is retried with the same
   * request id (a lost answer gives the same leases again), SubmitGroups with the same groups (a
   * lease accepted before answers "duplicate"). Giving up on a round instead would leave its
   * leases renewed by every heartbeat and their prompts never submitted.
   */
  async #batch(sampler: Sampler): Promise<boolean> {
    this.#state = 'WORKER_STATE_IDLE';
    const requestId = `${this.#id}-${++this.#requests}`;
    const res = await this.#waitingOut(() =>
      unary(
        this.#o.coord,
        this.#o.coord.LeasePrompts,
        {
          worker_id: this.#id,
          max_prompts: this.#o.maxPrompts ?? 2,
          weight_version: sampler.version,
          request_id: requestId,
        },
        { deadlineMs: this.#o.rpcDeadlineMs },
      ),
    );
    if (res.job_done) return true;
    this.#o.hooks?.leased?.(res.leases.length);
    if (res.leases.length === 0) {
      await this.#o.sleep(res.retry_after_ms || 200);
      return false;
    }
    for (const l of res.leases) this.#held.add(l.lease_id);
    this.#state = 'WORKER_STATE_ROLLING_OUT';
    const started = this.#o.clock();
    const rng = this.#rng(res.leases[0]!.seed_key);
    const groups = await sampler.sample(res.leases, this.#groupSize, rng);
    const finished = this.#o.clock();
    this.#o.hooks?.sampled?.(res.leases.length, (finished - started) / 1000);
    const batch: SubmitGroupRequest[] = [];
    for (let p = 0; p < res.leases.length; p++) {
      const l = res.leases[p]!;
      if (this.#stopping) return false; // stop() released them
      if (this.#lost.delete(l.lease_id)) {
        this.#held.delete(l.lease_id);
        continue; // expired or cancelled: the coordinator may still accept it, but it asked us to drop it
      }
      const rollouts: Rollout[] = groups[p]!.map((s, i) => ({ index: i, token_ids: s.ids, logprobs: Array.from(s.logps), text: s.text, truncated: false }));
      const tokens = rollouts.reduce((a, r) => a + r.token_ids.length, 0);
      batch.push({
        worker_id: this.#id,
        lease_id: l.lease_id,
        prompt_id: l.prompt_id,
        weight_version: sampler.version,
        rollouts,
        timing: { started_at_ms: started, finished_at_ms: finished, render_ms: 0, generate_ms: finished - started, tokens_generated: tokens },
      });
    }
    await this.#waitingOut(() => this.#submit(batch));
    return false;
  }

  /**
   * Submit a batch's groups in one SubmitGroups call. The coordinator checks all of them before
   * it applies any: when it refuses the call as malformed (a bug on this side), each group is
   * sent alone and a refused one's lease is released (RELEASE_REASON_ERROR) so the prompt is
   * requeued at once; on StaleWeightsError the leases are released (RELEASE_REASON_STALE_WEIGHTS)
   * before the error goes up (the loop fetches newer weights).
   */
  async #submit(batch: readonly SubmitGroupRequest[]): Promise<void> {
    if (batch.length === 0) return;
    const deadlineMs = this.#o.rpcDeadlineMs;
    if (this.#batchSubmit)
      try {
        const r = await unary(this.#o.coord, this.#o.coord.SubmitGroups, { worker_id: this.#id, groups: [...batch] }, { deadlineMs });
        r.results.forEach((res, i) => this.#submitted(batch[i]!, res.accepted));
        return;
      } catch (err) {
        if (err instanceof StaleWeightsError) {
          await this.#release(batch, 'RELEASE_REASON_STALE_WEIGHTS', err.message);
          throw err;
        }
        if (err instanceof RpcError && err.grpcCode === UNIMPLEMENTED) {
          this.#batchSubmit = false; // a coordinator from before SubmitGroups: one group a call from now on
          this.#o.logger(`worker ${this.#id}: the coordinator has no SubmitGroups; submitting one group a call`);
        } else if (err instanceof InvalidArgumentError || isUnknownLease(err)) {
          this.#o.logger(
            `worker ${this.#id}: the coordinator refused a batch of ${batch.length} group(s) (${(err as Error).message}); sending them one by one`,
          );
        } else throw err;
      }
    for (const g of batch) {
      try {
        const r = await unary(this.#o.coord, this.#o.coord.SubmitGroup, g, { deadlineMs });
        this.#submitted(g, r.accepted);
      } catch (err) {
        if (isUnknownLease(err)) {
          // The coordinator's state no longer has the lease (rebuilt after a loss): nothing to release.
          this.#held.delete(g.lease_id);
          this.#o.logger(`worker ${this.#id}: group for lease ${g.lease_id} dropped (${(err as Error).message})`);
          continue;
        }
        if (!(err instanceof InvalidArgumentError)) throw err;
        this.#o.logger(`worker ${this.#id}: group for lease ${g.lease_id} refused (${err.message}); releasing it`);
        await this.#release([g], 'RELEASE_REASON_ERROR', err.message);
      }
    }
  }

  #submitted(g: SubmitGroupRequest, accepted: boolean): void {
    this.#held.delete(g.lease_id);
    this.#rollouts += g.rollouts.length;
    if (accepted) this.submitted += 1;
    this.#o.hooks?.submitted?.(g.rollouts.length, g.timing?.tokens_generated ?? 0, accepted ? 'accepted' : 'duplicate');
  }

  async #release(groups: readonly SubmitGroupRequest[], reason: ReleaseReason, detail: string): Promise<void> {
    const ids = groups.map((g) => g.lease_id);
    for (const id of ids) this.#held.delete(id);
    await unary(this.#o.coord, this.#o.coord.ReleaseLeases, { worker_id: this.#id, lease_ids: ids, reason, detail }, { deadlineMs: this.#o.rpcDeadlineMs });
  }

  #rng(seedKey: string): Rng {
    let r = this.#rngs.get(seedKey);
    if (r === undefined) {
      r = rolloutRngOf(seedKey);
      this.#rngs.set(seedKey, r);
    }
    return r;
  }

  /** Stop leasing and release the leases held (RELEASE_REASON_SHUTDOWN); safe to call twice. */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    if (this.#id === '') return;
    try {
      const r = await unary(
        this.#o.coord,
        this.#o.coord.ReleaseLeases,
        { worker_id: this.#id, lease_ids: [...this.#held], reason: 'RELEASE_REASON_SHUTDOWN', detail: 'worker stopping' },
        { deadlineMs: 3000 },
      );
      this.#o.logger(`worker ${this.#id}: released ${r.released} lease(s)`);
    } catch (err) {
      if (!(err instanceof AnomseerError)) throw err;
      this.#o.logger(`worker ${this.#id}: release failed (${err.message}); the leases expire instead`);
    }
  }
}
