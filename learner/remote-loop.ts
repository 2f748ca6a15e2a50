/**
 * The learner of a cluster run (docs/CLUSTER.md "Learner"): the same algorithm as the
 * single-process trainer (learner/trainer.ts), with rollouts coming from workers over gRPC:
 *
 *   claim the run directory and the job (ClaimLearner) → warm start locally (train.warmStart)
 *   → publish version 1 (step 0)
 *   for step = 1 … train.steps:
 *     TakeGroups until promptsPerStep complete groups are held (acknowledging each batch on the
 *     next call) → timerpoStep → publish version step + 1 (chunked) → eval / checkpoint every N
 *   final eval, checkpoint, and the summary: the single-process fields plus the coordinator's
 *   accounting (GetStatus: prompts trained, requeued, duplicates dropped, workers).
 *
 * Groups of a step are sorted by prompt id before the update, so the update does not depend on
 * the order in which workers finished: with cluster.maxStaleness 0 two runs with the same seed
 * give bit-identical weights.
 *
 * Surviving its process (docs/CLUSTER.md "Learner resume"): the learner owns job.outputDir like
 * the single-process trainer (claimRunDir); every checkpoint records, besides weights, AdamW
 * state, counters, history and the KL reference, which items it consumed and the coordinator
 * state it trained against (plan-accounting.ts). With `resume` it continues from the latest
 * checkpoint: ClaimLearner resets the job's state to that checkpoint (later versions dropped,
 * groups it did not train sampled again unless they come from its versions), it republishes
 * the checkpoint's version and goes on; the older learner's calls are refused from then on.
 *
 * Waiting out the coordinator: every call is retried with backoff for up to
 * cluster.coordinatorWait, with one log line per outage (proto/retry.ts OutageLog), then the
 * learner stops with one line.
 *
 * A group the learner cannot use never stops it (docs/CLUSTER.md "Failure handling"): each
 * group TakeGroups gives is checked again with the coordinator's own check (proto/group-check.ts:
 * a training record behind the prompt, G rollouts, token ids in the vocabulary and accepted by the
 * grammar, finite log-probs, bounded sizes; the text scored is decoded from the tokens here). One that fails is logged in one line naming
 * prompt, lease, worker and batch, acknowledged with its batch and skipped: the coordinator counts
 * its prompt done, so it still counts toward the step's promptsPerStep and the step trains on the
 * other groups (a step left with none publishes its weights unchanged). The summary counts them
 * in `cluster.groupsSkipped` (and `untrainedItems`).
 *
 * Stopping early: an aborted `deps.signal` (the CLI wires SIGTERM and SIGINT) or a TakeGroups
 * refused with JobStoppedError (an operator ran `anomseer stop`) ends the run at once while it
 * waits for groups, else at the next step boundary: a checkpoint of the last finished step (of
 * the warm start, during it), and the summary with `interrupted` set. Neither is an error.
 */
import type * as grpc from '@grpc/grpc-js';
import { chunkWeights } from '../proto/chunks.js';
import { unary } from '../proto/call.js';
import { JobStoppedError } from '../proto/errors.js';
import { fromStatus } from '../proto/status.js';
import { learnerMetadata } from '../proto/learner-fence.js';
import type { LearnerFence } from '../proto/learner-fence.js';
import { DEFAULT_BACKOFF, OutageLog, exponentialBackoff, withRetry } from '../proto/retry.js';
import type { RetryPolicy } from '../proto/retry.js';
import type {
  ClaimLearnerResponse,
  CompletedGroup,
  CoordinatorClient,
  GetStatusResponse,
  PublishWeightsResponse,
  ResumePoint,
  TakeGroupsResponse,
  WeightsClient,
} from '../proto/types.js';
import type { JobConfig } from '../shared/config/job.js';
import { evalRecords, trainingRecords } from '../shared/job/records.js';
import { ConfigError, DataError } from '../shared/errors.js';
import { reportToJson } from '../shared/eval/score.js';
import type { EvalReport } from '../shared/eval/score.js';
import { scheduleFromConfig } from '../shared/optim/schedule.js';
import { countParams, initParams } from '../shared/policy/model-config.js';
import type { Sample } from '../shared/policy/sample.js';
import { Rng } from '../shared/rng.js';
import type { SeriesRecord } from '../shared/series/record.js';
import { configHashOf, jobIdOf, planSteps, recordIdOf } from '../shared/job/plan.js';
import { encodePublishedWeights } from '../shared/policy/published-weights.js';
import { sha256Hex } from '../shared/checkpoint/checkpoint-files.js';
import { latestCheckpoint } from '../shared/checkpoint/checkpoint-dir.js';
import { claimRunDir } from '../shared/checkpoint/run-dir.js';
import { loadReference, loadTrainingState, saveReference } from '../shared/policy/checkpoint.js';
import type { TrainingState } from '../shared/policy/checkpoint.js';
import { LearnerModel } from './learner-model.js';
import type { Params } from '../shared/policy/model-config.js';
import { policySpecFromJob, tokenizerOf } from '../shared/policy/spec.js';
import { PromptCache } from '../shared/policy/prompt-cache.js';
import type { PreparedPrompt } from '../shared/policy/prompt-cache.js';
import { GroupChecker } from '../proto/group-check.js';
import { timerpoStep } from './timerpo-step.js';
import { evalSubset } from './trainer.js';
import type { TrainDeps, TrainSummary } from './trainer.js';
import { evaluateParams, makeOptimizer, runWarmStart, saveStepCheckpoint } from './training-parts.js';
import { applyInitWeights, initWeightsOf } from './init-from.js';
import { PlanAccounting, validateClusterProgress } from './plan-accounting.js';

export interface RemoteDeps extends TrainDeps {
  readonly coord: CoordinatorClient;
  readonly weights: WeightsClient;
  /** Unary deadline, ms (the job's cluster.rpcDeadline). */
  readonly rpcDeadlineMs: number;
  /** How long one TakeGroups call waits for groups, ms (default 10 s). */
  readonly takeWaitMs?: number;
  readonly sleep: (ms: number) => Promise<void>;
  /**
   * Backoff for failed calls (default DEFAULT_BACKOFF for up to cluster.coordinatorWait, jitter
   * from the job's seed).
   */
  readonly retry?: RetryPolicy;
  /** The coordinator's address, for log lines (default "the coordinator"). */
  readonly coordinatorName?: string;
  /** A name for the coordinator's log (ClaimLearnerRequest.learner_id). */
  readonly learnerId?: string;
  /** Told the fence once the job is claimed (learner/main.ts sends it with ReportProgress). */
  readonly onClaimed?: (fence: LearnerFence) => void;
}

/** The coordinator's accounting at the end of the run. */
export interface ClusterAccounting {
  readonly jobId: string;
  /** Groups the learner trained on (one per item), over every learner of the run (resumes included). */
  readonly groupsTrained: number;
  /** Planned items (shared/job/plan.ts) no trained group covered: 0 when every prompt was trained. */
  readonly untrainedItems: number;
  /** Trained groups beyond the plan (a prompt trained twice): 0 when each was trained once. */
  readonly extraGroups: number;
  /** Groups taken but not trained because they were unusable (each logged once). */
  readonly groupsSkipped: number;
  readonly promptsTotal: number;
  readonly staleDropped: number;
  /** Accepted groups thrown away by learner resumes (their prompts were sampled again): GetStatus. */
  readonly groupsDiscarded: number;
  /** Accepted groups per worker id. */
  readonly groupsByWorker: Readonly<Record<string, number>>;
  /** sha256 of the final published weight file. */
  readonly finalWeightsSha256: string;
  /** This learner's claim: its epoch, and for a resume what the coordinator's state was reset from. */
  readonly claim: {
    readonly learnerEpoch: number;
    readonly reset: string;
    readonly previousVersion: number;
    readonly groupsDiscarded: number;
    readonly groupsKept: number;
  };
}

export interface RemoteTrainSummary extends TrainSummary {
  readonly cluster: ClusterAccounting;
}

function publish(
  weights: WeightsClient,
  bytes: Uint8Array,
  version: number,
  step: number,
  deadlineMs: number,
  metadata: grpc.Metadata,
): Promise<PublishWeightsResponse> {
  return new Promise((resolve, reject) => {
    const call = weights.PublishWeights(metadata, { deadline: new Date(Date.now() + deadlineMs + Math.ceil(bytes.length / 1048576) * 1000) }, (err, res) => {
      if (err !== null) reject(fromStatus(err));
      else resolve(res!);
    });
    for (const chunk of chunkWeights(bytes, { version, step })) call.write(chunk);
    call.end();
  });
}

/** Why a run stopped early when its signal was aborted (the caller says so, with how to continue). */
const SIGNALLED = 'signal';

/** The checkpoint a resumed run continues from: its latest RL checkpoint, else its latest warm-start one. */
async function resumePoint(outputDir: string): Promise<string | undefined> {
  return (await latestCheckpoint(outputDir, 'step'))?.dir ?? (await latestCheckpoint(outputDir, 'warm-start'))?.dir;
}

export async function runRemoteTraining(job: JobConfig, deps: RemoteDeps): Promise<RemoteTrainSummary> {
  const started = deps.clock().getTime();
  const { coord } = deps;
  const jitter = new Rng(job.seed).fork('retry');
  const policy = deps.retry ?? exponentialBackoff({ ...DEFAULT_BACKOFF, maxElapsedMs: job.cluster.coordinatorWait, rng: () => jitter.uniform() });
  const outage = new OutageLog({
    what: `learner: coordinator ${deps.coordinatorName ?? ''}`.trimEnd(),
    log: deps.log,
    now: () => deps.clock().getTime(),
    limitMs: job.cluster.coordinatorWait,
  });
  const retrying = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      const r = await withRetry(call, policy, deps.sleep, { onRetry: outage.onRetry, now: () => deps.clock().getTime() });
      outage.ok();
      return r;
    } catch (err) {
      throw outage.gaveUp(err);
    }
  };
  const status0 = await retrying(() => unary(coord, coord.GetStatus, {}, { deadlineMs: deps.rpcDeadlineMs }));
  if (status0.job_id !== jobIdOf(job)) {
    throw new ConfigError(
      'job',
      `the coordinator runs job "${status0.job_id}", this learner's config is "${jobIdOf(job)}"; start both from the same job file and --set flags`,
    );
  }
  const spec = policySpecFromJob(job);
  // A fresh run checks train.initFrom before it claims its directory (trainer.ts does the same).
  const earlyInit = deps.resume === true ? undefined : await initWeightsOf(job, spec);
  // The run directory is this learner's (shared/checkpoint/run-dir.ts), as for `anomseer train`.
  const claim = claimRunDir(
    job.outputDir,
    { jobId: jobIdOf(job), configHash: configHashOf(job), createdAt: deps.clock().toISOString() },
    { resume: deps.resume ?? false },
  );
  const rng = new Rng(job.seed);
  const tokenizer = tokenizerOf(spec);
  const cache = new PromptCache(spec, tokenizer);
  const train = await trainingRecords(job);
  const byId = new Map(train.map((r) => [r.id, r]));
  const evalAll = await evalRecords(job);
  const evalSmall = evalSubset(evalAll, job.train.evalCount);
  deps.log(
    `learner: ${train.length} training series, ${evalAll.length} eval series; inputs ${spec.variant}; ${countParams(spec.model)} parameters; coordinator job ${status0.job_id}`,
  );
  const P = job.rollout.promptsPerStep;
  // The plan the coordinator hands out: each planned prompt must be trained exactly once.
  const plan = planSteps(
    job.seed,
    train.map((r) => r.id),
    job.train.steps,
    P,
  );

  const params: Params = initParams(spec.model, rng.fork('init'));
  const from = claim === 'resumed' ? await resumePoint(job.outputDir) : undefined;
  const resumed: TrainingState | undefined = from === undefined ? undefined : await loadTrainingState(from, spec);
  const inRl = resumed?.progress.stage === 'rl';
  if (resumed !== undefined) for (const [k, v] of Object.entries(resumed.params)) params[k]!.set(v);
  else applyInitWeights(params, earlyInit ?? (await initWeightsOf(job, spec)), 'learner', deps.log);
  const clusterProgress = inRl ? validateClusterProgress(resumed!.progress.cluster, `${from}/state.json`) : undefined;
  const resumedStep = inRl ? resumed!.progress.stageStep : 0;
  const accounting = clusterProgress === undefined ? new PlanAccounting(plan) : PlanAccounting.restore(plan, resumedStep, clusterProgress);
  let weightVersion = inRl ? resumed!.weightVersion : 0;
  const publishedBytes = () => encodePublishedWeights(spec, params, job.rollout.temperature);

  // Claim the job: from here on an older learner's calls are refused. A resume resets the
  // coordinator's state to the checkpoint (RL), or to the start (no checkpoint, warm start).
  let resume: ResumePoint | null = null;
  if (inRl) {
    const cp = clusterProgress!;
    resume = {
      weight_version: weightVersion,
      step: resumedStep,
      sha256: sha256Hex(publishedBytes()),
      job_epoch: cp.jobEpoch,
      through_step: resumedStep,
      extra_items: [...cp.extra],
      missing_items: [...cp.missing],
    };
  } else if (deps.resume === true) {
    resume = { weight_version: 0, step: 0, sha256: '', job_epoch: '', through_step: 0, extra_items: [], missing_items: [] };
  }
  const claimed: ClaimLearnerResponse = await retrying(() =>
    unary(coord, coord.ClaimLearner, { job_id: jobIdOf(job), learner_id: deps.learnerId ?? '', resume }, { deadlineMs: deps.rpcDeadlineMs }),
  );
  const fence: LearnerFence = { jobEpoch: claimed.job_epoch, learnerEpoch: claimed.learner_epoch };
  const meta = () => learnerMetadata(fence);
  deps.onClaimed?.(fence);
  if (resumed === undefined) {
    deps.log(
      claim === 'resumed'
        ? `learner: ${job.outputDir} has no checkpoint yet; the job starts over (learner epoch ${claimed.learner_epoch}, coordinator state reset from version ${claimed.previous_version})`
        : `learner: claimed job ${status0.job_id} (learner epoch ${claimed.learner_epoch})`,
    );
  } else {
    const was = claimed.previous_version > claimed.weight_version ? `; versions ${claimed.weight_version + 1}..${claimed.previous_version} dropped` : '';
    deps.log(
      `learner: resuming ${job.outputDir} from ${from} (${resumed.progress.stage} step ${resumed.progress.stageStep}, version ${claimed.weight_version}; learner epoch ${claimed.learner_epoch}): coordinator state ${claimed.reset}${was}; ${claimed.groups_discarded} accepted groups discarded, ${claimed.groups_kept} kept`,
    );
  }

  const model = await LearnerModel.create(spec.model, { clipEps: job.timerpo.clipEps, klCoef: job.timerpo.klCoef, entropyCoef: job.timerpo.entropyCoef }, deps);
  let lastSha = '';

  const loop = { job, spec, tokenizer, cache, model, params, log: deps.log, onEvent: deps.onEvent, device: deps.device, threads: deps.threads };
  const evaluate = (records: readonly SeriesRecord[], step: number): Promise<EvalReport> => evaluateParams(loop, weightVersion, records, step);
  let weightStep = 0; // the learner step of weightVersion
  const publishAs = async (version: number, step: number) => {
    const bytes = publishedBytes();
    const res = await retrying(() => publish(deps.weights, bytes, version, step, deps.rpcDeadlineMs, meta()));
    weightVersion = version;
    weightStep = step;
    lastSha = res.published?.sha256 ?? '';
  };
  /**
   * The fallback of durable weights: a coordinator that knows the latest version but has its bytes
   * neither in memory nor in its blob store (TakeGroups `weights_wanted`): publish the held weights again (the same bytes: a no-op for the state) so
   * workers can fetch them. Another version wanted cannot be this learner's to give: say so once
   * and wait a little (its calls are fenced if another learner holds the job).
   */
  let wantedTold = 0;
  const giveWanted = async (wanted: number) => {
    if (wanted === weightVersion) {
      await publishAs(weightVersion, weightStep);
      deps.log(
        `learner: published version ${weightVersion} again (the coordinator holds no bytes of it: it restarted without a blob store, or its blob store lost them)`,
      );
      return;
    }
    if (wantedTold !== wanted) deps.log(`learner: the coordinator wants the bytes of version ${wanted}, but this learner holds version ${weightVersion}`);
    wantedTold = wanted;
    await deps.sleep(1000);
  };
  const publishVersion = (step: number) => publishAs(weightVersion + 1, step);
  // Stopping early (file comment): the signal, or the coordinator's JobStoppedError at a TakeGroups.
  let stopWhy: string | undefined;
  const stopRequested = () => {
    if (deps.signal?.aborted === true) stopWhy ??= SIGNALLED;
    return stopWhy !== undefined;
  };
  const base = { promptsRequeued: 0, duplicatesDropped: 0, workers: 0, wallSeconds: 0 };
  const interrupted = async (
    summary: Omit<RemoteTrainSummary, 'interrupted' | 'cluster' | keyof typeof base>,
    at: NonNullable<TrainSummary['interrupted']>,
  ): Promise<RemoteTrainSummary> => {
    await model.dispose();
    return {
      ...base,
      ...summary,
      wallSeconds: (deps.clock().getTime() - started) / 1000,
      interrupted: at,
      ...(from === undefined ? {} : { resumedFrom: from }),
      cluster: clusterOf(undefined),
    };
  };
  const clusterOf = (status: GetStatusResponse | undefined): ClusterAccounting => ({
    jobId: status0.job_id,
    groupsTrained: accounting.groupsTrained,
    untrainedItems: accounting.untrainedItems,
    extraGroups: accounting.extraGroups,
    groupsSkipped: accounting.groupsSkipped,
    promptsTotal: status?.prompts?.total ?? 0,
    staleDropped: status?.prompts?.stale_dropped ?? 0,
    groupsDiscarded: status?.prompts?.groups_discarded ?? 0,
    groupsByWorker: Object.fromEntries((status?.workers ?? []).map((w) => [w.worker_id, w.groups_submitted])),
    finalWeightsSha256: lastSha,
    claim: {
      learnerEpoch: claimed.learner_epoch,
      reset: claimed.reset,
      previousVersion: claimed.previous_version,
      groupsDiscarded: claimed.groups_discarded,
      groupsKept: claimed.groups_kept,
    },
  });

  // Warm start, locally: imitate the compact expert responses (as the trainer does); skipped when resuming in RL.
  let warmStartSteps = job.train.warmStart.enabled ? job.train.warmStart.steps : 0;
  if (!inRl) {
    const wsFrom = resumed === undefined ? undefined : { step: resumed.progress.stageStep, optimizer: resumed.optimizer };
    const ws = await runWarmStart(loop, train, rng, { from: wsFrom, stop: stopRequested });
    warmStartSteps = ws.steps;
    if (!ws.done) {
      const dir = await saveStepCheckpoint(loop, {
        optimizer: ws.optimizer!,
        step: ws.steps,
        weightVersion: 0,
        rng,
        now: deps.clock(),
        prefix: 'warm-start',
        progress: { stage: 'warm-start', stageStep: ws.steps, warmStartSteps: job.train.warmStart.steps },
      });
      if (stopWhy !== SIGNALLED) deps.log(`learner: ${stopWhy}; stopped in the warm start after step ${ws.steps}; checkpoint ${dir}`);
      return interrupted(
        {
          steps: 0,
          weightVersion: 0,
          promptsTrained: 0,
          warmStartSteps: ws.steps,
          finalEval: undefined,
          checkpoint: dir,
          secondsPerStep: { generate: 0, update: 0 },
          history: [],
        },
        { stage: 'warm-start', step: ws.steps, checkpoint: dir },
      );
    }
    await publishVersion(0);
    deps.log(`learner: published version ${weightVersion} (initial policy)`);
  } else {
    // The coordinator's latest is the checkpoint's version again: give it the bytes.
    await publishAs(weightVersion, resumedStep);
    deps.log(`learner: republished version ${weightVersion} (step ${resumedStep}) from the checkpoint`);
  }

  // TimerPO against a frozen reference: the policy as RL began (kept in the run directory).
  const refParams: Params = inRl
    ? loadReference(job.outputDir, spec, resumed!.progress.referenceSha256 ?? '')
    : Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.slice()]));
  const referenceSha256 = inRl ? resumed!.progress.referenceSha256! : saveReference(job.outputDir, spec, refParams);
  const optimizer = makeOptimizer(params, job, job.optim.lr);
  if (inRl) optimizer.loadState(resumed!.optimizer);
  const totalUpdates = job.train.steps * job.train.updatesPerBatch;
  const lrAt = scheduleFromConfig({
    name: job.optim.schedule,
    lr: job.optim.lr,
    warmupSteps: job.optim.warmupSteps,
    totalSteps: Math.max(totalUpdates, job.optim.warmupSteps + 1),
  });
  const waitMs = deps.takeWaitMs ?? 10_000;
  let ack = 0;
  const buffer: CompletedGroup[] = [];
  const checker = new GroupChecker({ tokenizer, spec, groupSize: job.rollout.groupSize, maxNewTokens: job.rollout.maxNewTokens });
  /** Why a group cannot be trained on, or undefined when it can. */
  const unusable = (g: CompletedGroup): string | undefined => {
    const r = byId.get(recordIdOf(g.prompt_id));
    if (r === undefined) return `prompt "${g.prompt_id}" names no training record of this job`;
    try {
      checker.check(g, r.id, r.series);
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
    return undefined;
  };
  const itemOf = (g: CompletedGroup) => `${g.epoch}:${g.prompt_id}`;
  let genSeconds = 0,
    updSeconds = 0;
  const history: { step: number; reward: number; grounded: number }[] = inRl ? [...(resumed!.progress.history ?? [])] : [];
  const progressAt = (step: number) => ({
    stage: 'rl' as const,
    stageStep: step,
    warmStartSteps,
    referenceSha256,
    history,
    cluster: accounting.progress(step, fence.jobEpoch),
  });
  const saveAt = (step: number, metrics?: Record<string, unknown>) =>
    saveStepCheckpoint(loop, { optimizer, step, weightVersion, rng, now: deps.clock(), metrics, progress: progressAt(step) });
  const take = async (max: number, min: number, wait: number): Promise<TakeGroupsResponse> => {
    const res = await retrying(() =>
      unary(
        coord,
        coord.TakeGroups,
        { learner_id: 'learner', max_groups: max, min_groups: min, wait_ms: wait, ack_batch_id: ack },
        { deadlineMs: wait + deps.rpcDeadlineMs, metadata: meta() },
      ),
    );
    ack = res.batch_id === 0 ? 0 : res.batch_id;
    if (res.weights_wanted > 0) await giveWanted(res.weights_wanted);
    return res;
  };
  // A signal while waiting for groups stops the wait at once (the groups of a batch not yet
  // trained are not in the checkpoint: the coordinator keeps them for the resumed learner).
  const stopped = new Promise<'stop'>((resolve) => {
    if (stopRequested()) resolve('stop');
    deps.signal?.addEventListener('abort', () => resolve('stop'), { once: true });
  });
  /** TakeGroups, or 'stop' when the run must stop (the signal, or JobStoppedError: an operator ran `anomseer stop`). */
  const takeOrStop = async (max: number, min: number, wait: number): Promise<TakeGroupsResponse | 'stop'> => {
    if (stopRequested()) return 'stop';
    const taking = take(max, min, wait).catch((err: unknown) => {
      if (!(err instanceof JobStoppedError)) throw err;
      stopWhy = `the coordinator says: ${err.message}`;
      return 'stop' as const;
    });
    taking.catch(() => {}); // a signal may win the race: its outcome is not needed then
    return Promise.race([taking, stopped]);
  };
  const firstStep = resumedStep + 1;
  const stopAt = async (step: number): Promise<RemoteTrainSummary> => {
    const dir = await saveAt(step);
    if (stopWhy !== SIGNALLED) deps.log(`learner: ${stopWhy}; stopped after step ${step}; checkpoint ${dir}`); // the signal's line is learner/main.ts's
    const n = Math.max(1, step - firstStep + 1);
    return interrupted(
      {
        steps: step,
        weightVersion,
        promptsTrained: accounting.groupsTrained,
        warmStartSteps,
        finalEval: undefined,
        checkpoint: dir,
        secondsPerStep: { generate: genSeconds / n, update: updSeconds / n },
        history,
      },
      { stage: 'rl', step, checkpoint: dir },
    );
  };

  for (let step = firstStep; step <= job.train.steps; step++) {
    const t0 = deps.clock().getTime();
    let skipped = 0; // unusable groups of this step: they count toward P, the step trains without them
    const skippedItems: string[] = [];
    while (buffer.length + skipped < P) {
      const missing = P - buffer.length - skipped;
      const res = await takeOrStop(missing, missing, waitMs);
      if (res === 'stop') return stopAt(step - 1);
      for (const g of res.groups) {
        const why = unusable(g);
        if (why === undefined) {
          buffer.push(g);
          continue;
        }
        skipped += 1;
        skippedItems.push(itemOf(g));
        deps.log(`learner: skipped the group for prompt "${g.prompt_id}" (lease ${g.lease_id}, worker ${g.worker_id}, batch ${res.batch_id}): ${why}`);
      }
      if (res.job_done && buffer.length + skipped < P)
        throw new DataError('coordinator', `says the job is done with ${buffer.length + skipped} of ${P} groups of step ${step} received`);
    }
    const groups = buffer
      .splice(0, P - skipped)
      .sort((a, b) => (a.prompt_id < b.prompt_id ? -1 : a.prompt_id > b.prompt_id ? 1 : a.lease_id < b.lease_id ? -1 : 1));
    for (const item of skippedItems) accounting.skipped(item);
    for (const g of groups) accounting.trained(itemOf(g));
    if (groups.length === 0) {
      // Nothing to train on: keep the weights, but publish the step's version so the job goes on.
      deps.log(`step ${step}/${job.train.steps}: all ${P} groups were unusable; weights unchanged`);
      await publishVersion(step);
      continue;
    }
    const prompts: PreparedPrompt[] = groups.map((g) => cache.get(byId.get(recordIdOf(g.prompt_id))!));
    // The text scored is the tokens' own, never the text a worker sent (it is not checked against them).
    const samples: Sample[][] = groups.map((g, i) =>
      g.rollouts.map((r) => ({
        promptId: g.prompt_id,
        sampleIndex: r.index,
        ids: r.token_ids,
        logps: Float64Array.from(r.logprobs),
        text: prompts[i]!.grammar.render(r.token_ids),
      })),
    );
    const t1 = deps.clock().getTime();
    let last: Awaited<ReturnType<typeof timerpoStep>> | undefined;
    for (let u = 0; u < job.train.updatesPerBatch; u++) {
      last = await timerpoStep({ model, spec, tokenizer, job, params, refParams, optimizer, lr: lrAt(optimizer.stepCount) }, prompts, samples);
    }
    await publishVersion(step);
    const t2 = deps.clock().getTime();
    genSeconds += (t1 - t0) / 1000;
    updSeconds += (t2 - t1) / 1000;
    const m = last!.metrics;
    history.push({ step, reward: m.reward, grounded: m.grounded });
    deps.onEvent?.({
      kind: 'step',
      step,
      weightVersion,
      metrics: m,
      seconds: { generate: (t1 - t0) / 1000, update: (t2 - t1) / 1000 },
      samples: last!.scored,
      records: prompts.map((p) => p.record),
    });
    const versions = [...new Set(groups.map((g) => g.weight_version))].join(',');
    deps.log(
      `step ${step}/${job.train.steps} v${weightVersion}: reward ${m.reward.toFixed(3)} (fmt ${m.rewardFormat.toFixed(2)} cls ${m.rewardClass.toFixed(2)} loc ${m.rewardLocalization.toFixed(3)})` +
        `  grounded ${m.grounded.toFixed(3)}  kl ${m.kl.toExponential(2)}  |g| ${m.gradNorm.toFixed(3)}  rollouts of v${versions}` +
        `  wait ${((t1 - t0) / 1000).toFixed(1)}s upd ${((t2 - t1) / 1000).toFixed(1)}s`,
    );
    if (step < job.train.steps && stopRequested()) return stopAt(step);
    if (job.train.evalEvery > 0 && step % job.train.evalEvery === 0 && step < job.train.steps) await evaluate(evalSmall, step);
    if (job.train.checkpointEvery > 0 && step % job.train.checkpointEvery === 0 && step < job.train.steps) await saveAt(step);
  }
  // Acknowledge the last batch (nothing is left to take).
  if (ack !== 0) await take(1, 0, 0);

  const finalReport = await evaluate(evalAll, job.train.steps);
  const finalJson = reportToJson(finalReport) as Record<string, unknown>;
  const dir = await saveAt(job.train.steps, { eval: finalJson });
  await model.dispose();
  const answered: GetStatusResponse = await retrying(() => unary(coord, coord.GetStatus, {}, { deadlineMs: deps.rpcDeadlineMs }));
  // The coordinator's counts belong to the state this learner trained against; after its last
  // step that state may be gone (Redis lost it during the final eval): then only its own count.
  const status = answered.job_epoch === fence.jobEpoch ? answered : undefined;
  if (status === undefined)
    deps.log(
      `learner: the coordinator now holds another state of the job (${answered.job_epoch || 'none'}, trained against ${fence.jobEpoch}); the summary counts only what this learner trained`,
    );
  const n = Math.max(1, job.train.steps - firstStep + 1);
  return {
    steps: job.train.steps,
    weightVersion,
    promptsTrained: status?.prompts?.done ?? accounting.groupsTrained,
    promptsRequeued: status?.prompts?.requeued ?? 0,
    duplicatesDropped: status?.prompts?.duplicates_dropped ?? 0,
    workers: status?.workers.length ?? 0,
    warmStartSteps,
    finalEval: finalJson,
    checkpoint: dir,
    wallSeconds: (deps.clock().getTime() - started) / 1000,
    secondsPerStep: { generate: genSeconds / n, update: updSeconds / n },
    history,
    ...(from === undefined ? {} : { resumedFrom: from }),
    cluster: clusterOf(status),
  };
}
