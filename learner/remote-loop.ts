/**
 * The learner of a cluster run (docs/CLUSTER.md "Learner"): the same algorithm as the
 * single-process trainer (learner/trainer.ts), with rollouts coming from workers over gRPC:
 *
 *   warm start locally (train.warmStart) → publish version 1 (step 0)
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
import { chunkWeights } from '../proto/chunks.js';
import { unary } from '../proto/call.js';
import { JobStoppedError } from '../proto/errors.js';
import { fromStatus } from '../proto/status.js';
import { DEFAULT_BACKOFF, exponentialBackoff, withRetry } from '../proto/retry.js';
import type { RetryPolicy } from '../proto/retry.js';
import type { CompletedGroup, CoordinatorClient, GetStatusResponse, PublishWeightsResponse, WeightsClient } from '../proto/types.js';
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
import { jobIdOf, planSteps, recordIdOf } from '../shared/job/plan.js';
import { encodePublishedWeights } from '../shared/policy/published-weights.js';
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

export interface RemoteDeps extends TrainDeps {
  readonly coord: CoordinatorClient;
  readonly weights: WeightsClient;
  /** Unary deadline, ms (the job's cluster.rpcDeadline). */
  readonly rpcDeadlineMs: number;
  /** How long one TakeGroups call waits for groups, ms (default 10 s). */
  readonly takeWaitMs?: number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Backoff for failed calls (default DEFAULT_BACKOFF, 8 attempts, jitter from the job's seed). */
  readonly retry?: RetryPolicy;
}

/** The coordinator's accounting at the end of the run. */
export interface ClusterAccounting {
  readonly jobId: string;
  /** Groups the learner trained on (one per item). */
  readonly groupsTrained: number;
  /** Planned items (shared/job/plan.ts) no trained group covered: 0 when every prompt was trained. */
  readonly untrainedItems: number;
  /** Trained groups beyond the plan (a prompt trained twice): 0 when each was trained once. */
  readonly extraGroups: number;
  /** Groups taken but not trained because they were unusable (each logged once). */
  readonly groupsSkipped: number;
  readonly promptsTotal: number;
  readonly staleDropped: number;
  /** Accepted groups per worker id. */
  readonly groupsByWorker: Readonly<Record<string, number>>;
  /** sha256 of the final published weight file. */
  readonly finalWeightsSha256: string;
}

export interface RemoteTrainSummary extends TrainSummary {
  readonly cluster: ClusterAccounting;
}

function publish(weights: WeightsClient, bytes: Uint8Array, version: number, step: number, deadlineMs: number): Promise<PublishWeightsResponse> {
  return new Promise((resolve, reject) => {
    const call = weights.PublishWeights({ deadline: new Date(Date.now() + deadlineMs + Math.ceil(bytes.length / 1048576) * 1000) }, (err, res) => {
      if (err !== null) reject(fromStatus(err));
      else resolve(res!);
    });
    for (const chunk of chunkWeights(bytes, { version, step })) call.write(chunk);
    call.end();
  });
}

export async function runRemoteTraining(job: JobConfig, deps: RemoteDeps): Promise<RemoteTrainSummary> {
  const started = deps.clock().getTime();
  const { coord } = deps;
  const jitter = new Rng(job.seed).fork('retry');
  const policy = deps.retry ?? exponentialBackoff({ ...DEFAULT_BACKOFF, maxAttempts: 8, rng: () => jitter.uniform() });
  const retrying = <T>(call: () => Promise<T>): Promise<T> => withRetry(call, policy, deps.sleep);
  const status0 = await retrying(() => unary(coord, coord.GetStatus, {}, { deadlineMs: deps.rpcDeadlineMs }));
  if (status0.job_id !== jobIdOf(job)) {
    throw new ConfigError(
      'job',
      `the coordinator runs job "${status0.job_id}", this learner's config is "${jobIdOf(job)}"; start both from the same job file and --set flags`,
    );
  }
  const rng = new Rng(job.seed);
  const spec = policySpecFromJob(job);
  const tokenizer = tokenizerOf(spec);
  const cache = new PromptCache(spec, tokenizer);
  const train = await trainingRecords(job);
  const byId = new Map(train.map((r) => [r.id, r]));
  const evalAll = await evalRecords(job);
  const evalSmall = evalSubset(evalAll, job.train.evalCount);
  deps.log(
    `learner: ${train.length} training series, ${evalAll.length} eval series; inputs ${spec.variant}; ${countParams(spec.model)} parameters; coordinator job ${status0.job_id}`,
  );

  const params: Params = initParams(spec.model, rng.fork('init'));
  const model = await LearnerModel.create(spec.model, { clipEps: job.timerpo.clipEps, klCoef: job.timerpo.klCoef, entropyCoef: job.timerpo.entropyCoef }, deps);
  let weightVersion = 0;
  let lastSha = '';

  const loop = { job, spec, tokenizer, cache, model, params, log: deps.log, onEvent: deps.onEvent, device: deps.device, threads: deps.threads };
  const evaluate = (records: readonly SeriesRecord[], step: number): Promise<EvalReport> => evaluateParams(loop, weightVersion, records, step);
  const publishVersion = async (step: number) => {
    const bytes = encodePublishedWeights(spec, params, job.rollout.temperature);
    const res = await retrying(() => publish(deps.weights, bytes, weightVersion + 1, step, deps.rpcDeadlineMs));
    weightVersion += 1;
    lastSha = res.published?.sha256 ?? '';
  };

  // Stopping early (file comment): the signal, or the coordinator's JobStoppedError.
  let stopWhy: string | undefined = deps.signal?.aborted === true ? 'stop requested' : undefined;
  const onAbort = () => {
    stopWhy ??= 'stop requested';
  };
  deps.signal?.addEventListener('abort', onAbort, { once: true });
  const aborted = new Promise<'aborted'>((resolve) => {
    if (deps.signal?.aborted === true) resolve('aborted');
    deps.signal?.addEventListener('abort', () => resolve('aborted'), { once: true });
  });
  /** What the RL loop knows when it stops early (nothing during the warm start). */
  interface SoFar {
    readonly history: { step: number; reward: number; grounded: number }[];
    readonly groupsTrained: number;
    readonly groupsSkipped: number;
    readonly extraGroups: number;
  }
  /** The summary of a run that stopped early, after its checkpoint `dir`; counts from the coordinator if it answers at once. */
  const stopped = async (stage: 'warm-start' | 'rl', step: number, dir: string, wsSteps: number, so?: SoFar): Promise<RemoteTrainSummary> => {
    deps.signal?.removeEventListener('abort', onAbort);
    deps.log(`learner: ${stopWhy}; stopped ${stage === 'rl' ? `after step ${step}` : `in the warm start after step ${step}`}; checkpoint ${dir}`);
    await model.dispose();
    const status = await unary(coord, coord.GetStatus, {}, { deadlineMs: Math.min(deps.rpcDeadlineMs, 5000) }).catch(() => undefined);
    return {
      finalEval: undefined,
      history: so?.history ?? [],
      steps: stage === 'rl' ? step : 0,
      weightVersion,
      promptsTrained: status?.prompts?.done ?? 0,
      promptsRequeued: status?.prompts?.requeued ?? 0,
      duplicatesDropped: status?.prompts?.duplicates_dropped ?? 0,
      workers: status?.workers.length ?? 0,
      warmStartSteps: wsSteps,
      checkpoint: dir,
      wallSeconds: (deps.clock().getTime() - started) / 1000,
      secondsPerStep: { generate: 0, update: 0 },
      interrupted: { stage, step, checkpoint: dir },
      cluster: {
        jobId: status0.job_id,
        groupsTrained: so?.groupsTrained ?? 0,
        untrainedItems: 0,
        extraGroups: so?.extraGroups ?? 0,
        groupsSkipped: so?.groupsSkipped ?? 0,
        promptsTotal: status?.prompts?.total ?? 0,
        staleDropped: status?.prompts?.stale_dropped ?? 0,
        groupsByWorker: Object.fromEntries((status?.workers ?? []).map((w) => [w.worker_id, w.groups_submitted])),
        finalWeightsSha256: lastSha,
      },
    };
  };

  // Warm start, locally: imitate the compact expert responses (as the trainer does).
  const ws = await runWarmStart(loop, train, rng, { stop: () => stopWhy !== undefined });
  const warmStartSteps = ws.steps;
  if (!ws.done) {
    const dir = await saveStepCheckpoint(loop, {
      optimizer: ws.optimizer!,
      step: ws.steps,
      weightVersion,
      rng,
      now: deps.clock(),
      prefix: 'warm-start',
      progress: { stage: 'warm-start', stageStep: ws.steps, warmStartSteps: job.train.warmStart.steps },
    });
    return stopped('warm-start', ws.steps, dir, ws.steps);
  }
  await publishVersion(0);
  deps.log(`learner: published version ${weightVersion} (initial policy)`);

  const refParams: Params = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.slice()]));
  const optimizer = makeOptimizer(params, job, job.optim.lr);
  const totalUpdates = job.train.steps * job.train.updatesPerBatch;
  const lrAt = scheduleFromConfig({
    name: job.optim.schedule,
    lr: job.optim.lr,
    warmupSteps: job.optim.warmupSteps,
    totalSteps: Math.max(totalUpdates, job.optim.warmupSteps + 1),
  });
  const P = job.rollout.promptsPerStep;
  const waitMs = deps.takeWaitMs ?? 10_000;
  let ack = 0;
  const buffer: CompletedGroup[] = [];
  // The plan the coordinator hands out: each planned prompt must be trained exactly once.
  const plan = planSteps(
    job.seed,
    train.map((r) => r.id),
    job.train.steps,
    P,
  );
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
  let groupsSkipped = 0;
  const unplanned = new Map<string, number>();
  for (let k = 1; k <= plan.steps; k++) for (const id of plan.promptsOf(k)) unplanned.set(id, (unplanned.get(id) ?? 0) + 1);
  let extraGroups = 0;
  let groupsTrained = 0;
  let genSeconds = 0,
    updSeconds = 0;
  const history: { step: number; reward: number; grounded: number }[] = [];
  const saveAt = (step: number, metrics?: Record<string, unknown>) =>
    saveStepCheckpoint(loop, { optimizer, step, weightVersion, rng, now: deps.clock(), metrics });
  /** TakeGroups; undefined when the run must stop (the signal, or JobStoppedError). */
  const takeOrStop = async (max: number, min: number, wait: number) => {
    if (stopWhy !== undefined) return undefined;
    try {
      const call = take(max, min, wait);
      call.catch(() => undefined); // a call still in flight when the signal wins must not reject unhandled
      const res = await Promise.race([call, aborted]);
      return res === 'aborted' ? undefined : res;
    } catch (err) {
      if (!(err instanceof JobStoppedError)) throw err;
      stopWhy = `the coordinator says: ${err.message}`;
      return undefined;
    }
  };
  const take = async (max: number, min: number, wait: number) => {
    const res = await retrying(() =>
      unary(
        coord,
        coord.TakeGroups,
        { learner_id: 'learner', max_groups: max, min_groups: min, wait_ms: wait, ack_batch_id: ack },
        { deadlineMs: wait + deps.rpcDeadlineMs },
      ),
    );
    ack = res.batch_id === 0 ? 0 : res.batch_id;
    return res;
  };

  for (let step = 1; step <= job.train.steps; step++) {
    const t0 = deps.clock().getTime();
    let skipped = 0; // unusable groups of this step: they count toward P, the step trains without them
    while (buffer.length + skipped < P) {
      const missing = P - buffer.length - skipped;
      const res = await takeOrStop(missing, missing, waitMs);
      if (res === undefined) return stopped('rl', step - 1, await saveAt(step - 1), warmStartSteps, { history, groupsTrained, groupsSkipped, extraGroups });
      for (const g of res.groups) {
        const why = unusable(g);
        if (why === undefined) {
          buffer.push(g);
          continue;
        }
        skipped += 1;
        deps.log(`learner: skipped the group for prompt "${g.prompt_id}" (lease ${g.lease_id}, worker ${g.worker_id}, batch ${res.batch_id}): ${why}`);
      }
      if (res.job_done && buffer.length + skipped < P)
        throw new DataError('coordinator', `says the job is done with ${buffer.length + skipped} of ${P} groups of step ${step} received`);
    }
    groupsSkipped += skipped;
    const groups = buffer
      .splice(0, P - skipped)
      .sort((a, b) => (a.prompt_id < b.prompt_id ? -1 : a.prompt_id > b.prompt_id ? 1 : a.lease_id < b.lease_id ? -1 : 1));
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
    for (const g of groups) {
      const left = unplanned.get(g.prompt_id) ?? 0;
      if (left === 0) extraGroups += 1;
      else unplanned.set(g.prompt_id, left - 1);
    }
    groupsTrained += groups.length;
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
    if (step < job.train.steps && stopWhy !== undefined)
      return stopped('rl', step, await saveAt(step), warmStartSteps, { history, groupsTrained, groupsSkipped, extraGroups });
    if (job.train.evalEvery > 0 && step % job.train.evalEvery === 0 && step < job.train.steps) await evaluate(evalSmall, step);
    if (job.train.checkpointEvery > 0 && step % job.train.checkpointEvery === 0 && step < job.train.steps) await saveAt(step);
  }
  deps.signal?.removeEventListener('abort', onAbort);
  // Acknowledge the last batch (nothing is left to take).
  if (ack !== 0) await take(1, 0, 0);

  const finalReport = await evaluate(evalAll, job.train.steps);
  const finalJson = reportToJson(finalReport) as Record<string, unknown>;
  const dir = await saveAt(job.train.steps, { eval: finalJson });
  await model.dispose();
  const status: GetStatusResponse = await retrying(() => unary(coord, coord.GetStatus, {}, { deadlineMs: deps.rpcDeadlineMs }));
  const n = Math.max(1, job.train.steps);
  return {
    steps: job.train.steps,
    weightVersion,
    promptsTrained: status.prompts?.done ?? groupsTrained,
    promptsRequeued: status.prompts?.requeued ?? 0,
    duplicatesDropped: status.prompts?.duplicates_dropped ?? 0,
    workers: status.workers.length,
    warmStartSteps,
    finalEval: finalJson,
    checkpoint: dir,
    wallSeconds: (deps.clock().getTime() - started) / 1000,
    secondsPerStep: { generate: genSeconds / n, update: updSeconds / n },
    history,
    cluster: {
      jobId: status.job_id,
      groupsTrained,
      untrainedItems: [...unplanned.values()].reduce((a, b) => a + b, 0),
      extraGroups,
      groupsSkipped,
      promptsTotal: status.prompts?.total ?? 0,
      staleDropped: status.prompts?.stale_dropped ?? 0,
      groupsByWorker: Object.fromEntries(status.workers.map((w) => [w.worker_id, w.groups_submitted])),
      finalWeightsSha256: lastSha,
    },
  };
}
