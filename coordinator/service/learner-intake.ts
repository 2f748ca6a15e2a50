/**
 * Learner intake (`Coordinator.TakeGroups`, docs/PROTOCOL.md step 6): a unary long poll that
 * answers when `min_groups` accepted groups are ready or after `wait_ms`, with a batch of up to
 * `max_groups` complete groups (series and label added back from the job's records).
 * Exactly-once: the call acknowledges the previous batch (`ack_batch_id`); until it does, a
 * retry from the same learner is answered with the same batch (and the store redelivers a batch
 * not acknowledged within `ackTimeoutMs`, e.g. after a coordinator restart).
 */
import type { CompletedGroup, Rollout, RolloutTiming, TakeGroupsRequest, TakeGroupsResponse } from '../../proto/types.js';
import { InvalidArgumentError } from '../../shared/errors.js';
import type { SeriesRecord } from '../../shared/series/record.js';
import type { Batch, StateStore, StoredGroup } from '../state/store.js';
import type { Timers } from './coordinator-service.js';
import { labelOf } from './labels.js';

/** What SubmitGroup stores as a group's payload (series and label are added back on take). */
export interface GroupPayload {
  readonly prompt_id: string;
  readonly rollouts: Rollout[];
  readonly timing: RolloutTiming | null;
}

export interface LearnerIntakeDeps {
  readonly store: StateStore;
  /** ms since epoch. */
  readonly clock: () => number;
  readonly timers: Timers;
  readonly ackTimeoutMs: number;
  readonly seedKey: string;
  /** The training record behind a planned prompt id, and its series as a wire array. */
  readonly prompt: (promptId: string) => { readonly record: SeriesRecord; readonly series: number[] };
  /** sampled: every item has its group; done: every item's group is also acknowledged. */
  readonly jobDone: () => Promise<{ sampled: boolean; done: boolean }>;
  /** The latest version whose bytes this coordinator lacks (0 = none): WeightRegistry.wanted. */
  readonly weightsWanted: () => Promise<number>;
}

export class LearnerIntake {
  readonly #d: LearnerIntakeDeps;
  /** learner id → the batch it has not acknowledged yet. */
  readonly #outstanding = new Map<string, Batch>();
  #waiters = new Set<() => void>();
  #wakeScheduled = false;
  /** Counts notify() calls: a waiter that saw it move while reading the counters reads again. */
  #generation = 0;
  #stopped = false;
  /**
   * A batch the store holds open may have been handed out in an answer that never arrived: after
   * this coordinator started (the previous process may have taken it), and after a takeBatch
   * whose outcome is unknown (the store became unreachable mid-call: the script may have run).
   * Until no such batch is left, the next take redelivers it at once
   * (TakeBatchInput.redeliverOpen) instead of after ackTimeoutMs. The learner acknowledges a
   * batch before it takes the next, so an open batch at that point is one it never got.
   */
  #maybeOpen = true;

  constructor(deps: LearnerIntakeDeps) {
    this.#d = deps;
  }

  /**
   * A group was accepted: wake the waiting long polls once per turn of the event loop (each
   * wake reads the store's counters, so a burst of 1,000 accepted groups costs one read, not
   * 1,000).
   */
  notify(): void {
    this.#generation += 1;
    if (this.#wakeScheduled || this.#waiters.size === 0) return;
    this.#wakeScheduled = true;
    this.#d.timers.setTimeout(() => {
      this.#wakeScheduled = false;
      this.#wake();
    }, 0);
  }

  #wake(): void {
    const ws = this.#waiters;
    this.#waiters = new Set();
    for (const w of ws) w();
  }

  /**
   * A learner resume reset the state (claimLearner): no batch is outstanding any more (the store
   * closed the open ones), so a learner's next call gets a new batch, never the old learner's.
   */
  reset(): void {
    this.#outstanding.clear();
    this.#maybeOpen = false;
  }

  /** Answer every waiting long poll now and never wait again. */
  stop(): void {
    this.#stopped = true;
    this.#wake();
  }

  async take(req: TakeGroupsRequest): Promise<TakeGroupsResponse> {
    if (!Number.isInteger(req.max_groups) || req.max_groups < 1) throw new InvalidArgumentError('max_groups', `is ${req.max_groups}; expected an integer >= 1`);
    if (req.min_groups > req.max_groups) throw new InvalidArgumentError('min_groups', `is ${req.min_groups}; must be <= max_groups (${req.max_groups})`);
    const learner = req.learner_id === '' ? 'learner' : req.learner_id;
    const held = this.#outstanding.get(learner);
    if (req.ack_batch_id > 0) {
      await this.#d.store.ackBatch(req.ack_batch_id, this.#d.clock());
      if (held?.batchId === req.ack_batch_id) this.#outstanding.delete(learner);
    }
    const pending = this.#outstanding.get(learner);
    if (pending !== undefined) return this.#answer(pending, await this.#d.weightsWanted()); // a retry: the same batch again
    if (this.#maybeOpen) {
      const open = await this.#d.store.takeBatch({ max: req.max_groups, now: this.#d.clock(), ackTimeoutMs: this.#d.ackTimeoutMs, redeliverOpen: true });
      this.#maybeOpen = open !== null; // look again until none is left
      if (open !== null) {
        this.#outstanding.set(learner, open);
        return this.#answer(open, await this.#d.weightsWanted());
      }
    }
    // Workers cannot sample without the latest bytes: ask the learner for them now, not after wait_ms.
    const wanted = await this.#d.weightsWanted();
    await this.#waitForGroups(req.min_groups, wanted > 0 ? 0 : req.wait_ms);
    let batch: Batch | null;
    try {
      batch = await this.#d.store.takeBatch({ max: req.max_groups, now: this.#d.clock(), ackTimeoutMs: this.#d.ackTimeoutMs });
    } catch (err) {
      this.#maybeOpen = true; // it may have taken a batch whose answer is lost
      throw err;
    }
    if (batch === null) return { batch_id: 0, groups: [], job_done: (await this.#d.jobDone()).done, weights_wanted: wanted };
    this.#outstanding.set(learner, batch);
    return this.#answer(batch, wanted);
  }

  async #waitForGroups(min: number, waitMs: number): Promise<void> {
    let timedOut = waitMs <= 0;
    const timer = timedOut
      ? undefined
      : this.#d.timers.setTimeout(() => {
          timedOut = true;
          this.#wake();
        }, waitMs);
    try {
      for (;;) {
        const seen = this.#generation;
        const c = await this.#d.store.counters();
        if (c.groupsReady >= Math.max(1, min) || timedOut || this.#stopped) return;
        if ((await this.#d.jobDone()).sampled && c.groupsReady > 0) return;
        if (this.#generation !== seen) continue; // a group came in while we read: read again
        await new Promise<void>((resolve) => this.#waiters.add(resolve));
      }
    } finally {
      if (timer !== undefined) this.#d.timers.clearTimeout(timer);
    }
  }

  #answer(batch: Batch, wanted: number): TakeGroupsResponse {
    return { batch_id: batch.batchId, groups: batch.groups.map((g) => this.#completed(g)), job_done: false, weights_wanted: wanted };
  }

  #completed(g: StoredGroup): CompletedGroup {
    const p = g.payload as GroupPayload;
    const { record, series } = this.#d.prompt(g.promptId);
    return {
      prompt_id: g.promptId,
      lease_id: g.leaseId,
      worker_id: g.workerId,
      weight_version: g.weightVersion,
      series,
      seed_key: this.#d.seedKey,
      label: labelOf(record),
      rollouts: p.rollouts,
      timing: p.timing,
      submitted_at_ms: g.submittedAtMs,
      epoch: g.epoch,
    };
  }
}
