/**
 * Single-process training: warm start (optional), then TimerPO steps with rollouts
 * sampled by a RolloutPolicy at the current weight version, periodic eval on a fixed
 * eval subset, checkpoints, and a final eval on the whole eval set. The cluster
 * (coordinator + workers over gRPC) runs the same step functions across processes.
 *
 * Deterministic when seeded: every random choice derives from `new Rng(job.seed)` by
 * keyed forks (init, epoch order, rollouts keyed by prompt and weight version).
 *
 * Survives its process: the run claims `job.outputDir` (shared/checkpoint/run-dir.ts); an
 * aborted `signal` (Ctrl-C, SIGTERM) stops at the next step boundary and saves a checkpoint
 * (`warm-start-NNNNNN` in the warm start, `step-NNNNNN` in RL); `resume` continues from the
 * latest one with the same weights, optimizer moments, reference policy and counters, so an
 * interrupted and resumed run ends with the same weights as one that never stopped.
 */
import type { JobConfig } from '../shared/config/job.js';
import { evalRecords, trainingRecords } from '../shared/job/records.js';
import { reportToJson } from '../shared/eval/score.js';
import type { EvalReport } from '../shared/eval/score.js';
import { formatTable } from '../shared/eval/table.js';
import { scheduleFromConfig } from '../shared/optim/schedule.js';
import { countParams, initParams } from '../shared/policy/model-config.js';
import { Rng } from '../shared/rng.js';
import type { SeriesRecord } from '../shared/series/record.js';
import { RolloutPolicy } from '../shared/policy/rollout-policy.js';
import { LearnerModel } from './learner-model.js';
import type { Params } from '../shared/policy/model-config.js';
import { policySpecFromJob, tokenizerOf } from '../shared/policy/spec.js';
import type { PolicySpec } from '../shared/policy/spec.js';
import { PromptCache } from '../shared/policy/prompt-cache.js';
import { timerpoStep } from './timerpo-step.js';
import { RunRecorder } from './run-recorder.js';
import type { TrainEvent } from '../shared/training/events.js';
import { evaluateParams, makeOptimizer, runWarmStart, saveStepCheckpoint } from './training-parts.js';
import { applyInitWeights, initWeightsOf } from './init-from.js';
import { configHashOf, jobIdOf, planSteps, recordIdOf } from '../shared/job/plan.js';
import { latestCheckpoint } from '../shared/checkpoint/checkpoint-dir.js';
import { claimRunDir } from '../shared/checkpoint/run-dir.js';
import type { ResumeMode } from '../shared/checkpoint/run-dir.js';
import { loadReference, loadTrainingState, saveReference } from '../shared/policy/checkpoint.js';

export interface TrainDeps {
  /** Wall clock (injected; checkpoints record it). */
  readonly clock: () => Date;
  readonly log: (line: string) => void;
  readonly onEvent?: (e: TrainEvent) => void;
  readonly device?: string;
  readonly threads?: number;
  /** Aborted: finish the current step, save a checkpoint, return with `interrupted` set. */
  readonly signal?: AbortSignal;
  /** Continue the run in job.outputDir from its latest checkpoint ('auto': when it holds a run). */
  readonly resume?: ResumeMode;
}

export interface TrainSummary {
  readonly steps: number;
  readonly weightVersion: number;
  readonly promptsTrained: number;
  readonly promptsRequeued: number;
  readonly duplicatesDropped: number;
  readonly workers: number;
  readonly warmStartSteps: number;
  readonly finalEval: Record<string, unknown> | undefined;
  readonly checkpoint: string;
  readonly wallSeconds: number;
  readonly secondsPerStep: { readonly generate: number; readonly update: number };
  readonly history: readonly { step: number; reward: number; grounded: number }[];
  /** Set when the run stopped early on the signal: where, and the checkpoint to resume from. */
  readonly interrupted?: { readonly stage: 'warm-start' | 'rl'; readonly step: number; readonly checkpoint: string };
  /** The checkpoint this process resumed from. */
  readonly resumedFrom?: string;
}

type HistoryPoint = { step: number; reward: number; grounded: number };

/** The checkpoint a resumed run continues from: its latest RL checkpoint, else its latest warm-start one. */
async function resumePoint(outputDir: string): Promise<string | undefined> {
  return (await latestCheckpoint(outputDir, 'step'))?.dir ?? (await latestCheckpoint(outputDir, 'warm-start'))?.dir;
}

/** The first `count` records of each task (or category), in data order. */
export function evalSubset(records: readonly SeriesRecord[], count: number): SeriesRecord[] {
  const seen = new Map<string, number>();
  return records.filter((r) => {
    const k = r.task ?? r.type;
    const c = seen.get(k) ?? 0;
    seen.set(k, c + 1);
    return c < count;
  });
}

export async function runTraining(job: JobConfig, deps: TrainDeps): Promise<TrainSummary> {
  const started = deps.clock().getTime();
  const rng = new Rng(job.seed);
  const spec: PolicySpec = policySpecFromJob(job);
  // A fresh run checks train.initFrom before it claims its directory: a wrong one then stops
  // the run with nothing written (a resumed run continues from its own checkpoint instead).
  const earlyInit = deps.resume === true ? undefined : await initWeightsOf(job, spec);
  const claim = claimRunDir(
    job.outputDir,
    { jobId: jobIdOf(job), configHash: configHashOf(job), createdAt: deps.clock().toISOString() },
    { resume: deps.resume ?? false },
  );
  const recorder = new RunRecorder(job.outputDir, deps.clock);
  recorder.writeConfig(job);
  const emit = (e: TrainEvent): void => {
    recorder.onEvent(e);
    deps.onEvent?.(e);
  };
  const tokenizer = tokenizerOf(spec);
  const cache = new PromptCache(spec, tokenizer);
  const train = await trainingRecords(job);
  const evalAll = await evalRecords(job);
  const evalSmall = evalSubset(evalAll, job.train.evalCount);
  deps.log(
    `train: ${train.length} training series, ${evalAll.length} eval series (${evalSmall.length} in periodic evals); inputs ${spec.variant}; ${countParams(spec.model)} parameters`,
  );

  const params: Params = initParams(spec.model, rng.fork('init'));
  const from = claim === 'resumed' ? await resumePoint(job.outputDir) : undefined;
  const resumed = from === undefined ? undefined : await loadTrainingState(from, spec);
  if (resumed !== undefined) {
    for (const [k, v] of Object.entries(resumed.params)) params[k]!.set(v);
    deps.log(`train: resuming ${job.outputDir} from ${from} (${resumed.progress.stage} step ${resumed.progress.stageStep})`);
  } else {
    if (claim === 'resumed') deps.log(`train: ${job.outputDir} has no checkpoint yet; starting the run from the beginning`);
    applyInitWeights(params, earlyInit ?? (await initWeightsOf(job, spec)), 'train', deps.log);
  }
  const model = await LearnerModel.create(spec.model, { clipEps: job.timerpo.clipEps, klCoef: job.timerpo.klCoef, entropyCoef: job.timerpo.entropyCoef }, deps);
  const runOpts = { device: deps.device, threads: deps.threads };
  let weightVersion = resumed?.weightVersion ?? 0;

  const loop = { job, spec, tokenizer, cache, model, params, log: deps.log, onEvent: emit, device: deps.device, threads: deps.threads };
  const evaluate = (records: readonly SeriesRecord[], step: number): Promise<EvalReport> => evaluateParams(loop, weightVersion, records, step);
  const stopRequested = () => deps.signal?.aborted === true;
  const finish = async (summary: TrainSummary): Promise<TrainSummary> => {
    await model.dispose();
    const done = { ...summary, wallSeconds: (deps.clock().getTime() - started) / 1000, ...(from === undefined ? {} : { resumedFrom: from }) };
    recorder.writeSummary(done);
    return done;
  };
  const base = { promptsRequeued: 0, duplicatesDropped: 0, workers: 1, wallSeconds: 0 };

  // Warm start: imitate the compact expert responses (skipped when resuming in RL).
  let warmStartSteps = job.train.warmStart.enabled ? job.train.warmStart.steps : 0;
  if (resumed?.progress.stage !== 'rl') {
    const wsFrom = resumed === undefined ? undefined : { step: resumed.progress.stageStep, optimizer: resumed.optimizer };
    const ws = await runWarmStart(loop, train, rng, { from: wsFrom, stop: stopRequested });
    warmStartSteps = ws.steps;
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
      return finish({
        ...base,
        steps: 0,
        weightVersion,
        promptsTrained: 0,
        warmStartSteps: ws.steps,
        finalEval: undefined,
        checkpoint: dir,
        secondsPerStep: { generate: 0, update: 0 },
        history: [],
        interrupted: { stage: 'warm-start', step: ws.steps, checkpoint: dir },
      });
    }
    if (ws.steps > 0) weightVersion += 1;
  }

  // TimerPO, against a frozen reference: the policy as RL starts (kept in the run directory).
  const refParams: Params =
    resumed?.progress.stage === 'rl'
      ? loadReference(job.outputDir, spec, resumed.progress.referenceSha256 ?? '')
      : Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.slice()]));
  const referenceSha256 = resumed?.progress.stage === 'rl' ? resumed.progress.referenceSha256! : saveReference(job.outputDir, spec, refParams);
  const optimizer = makeOptimizer(params, job, job.optim.lr);
  if (resumed?.progress.stage === 'rl') optimizer.loadState(resumed.optimizer);
  const totalUpdates = job.train.steps * job.train.updatesPerBatch;
  const lrAt = scheduleFromConfig({
    name: job.optim.schedule,
    lr: job.optim.lr,
    warmupSteps: job.optim.warmupSteps,
    totalSteps: Math.max(totalUpdates, job.optim.warmupSteps + 1),
  });
  // The same plan the coordinator hands out in a cluster run (shared/job/plan.ts).
  const plan = planSteps(
    job.seed,
    train.map((r) => r.id),
    job.train.steps,
    job.rollout.promptsPerStep,
  );
  const byId = new Map(train.map((r) => [r.id, r]));
  const rolloutRng = rng.fork('rollout');
  const firstStep = resumed?.progress.stage === 'rl' ? resumed.progress.stageStep + 1 : 1;
  let promptsTrained = (firstStep - 1) * job.rollout.promptsPerStep;
  let genSeconds = 0,
    updSeconds = 0;
  const history: HistoryPoint[] = resumed?.progress.stage === 'rl' ? [...(resumed.progress.history ?? [])] : [];
  const progressAt = (step: number) => ({ stage: 'rl' as const, stageStep: step, warmStartSteps, referenceSha256, history });
  const saveAt = (step: number, metrics?: Record<string, unknown>) =>
    saveStepCheckpoint(loop, { optimizer, step, weightVersion, rng, now: deps.clock(), metrics, progress: progressAt(step) });

  for (let step = firstStep; step <= job.train.steps; step++) {
    const prompts = plan.promptsOf(step).map((id) => cache.get(byId.get(recordIdOf(id))!));
    const t0 = deps.clock().getTime();
    const policy = await RolloutPolicy.create(spec.model, tokenizer, params, weightVersion, runOpts);
    const groups = await policy.sample(
      prompts.map((p) => ({ promptId: p.record.id, n: p.record.series.length, features: p.features, grammar: p.grammar })),
      { groupSize: job.rollout.groupSize, rng: rolloutRng, temperature: job.rollout.temperature, grammar: spec.grammar },
    );
    await policy.dispose();
    const t1 = deps.clock().getTime();
    let last: Awaited<ReturnType<typeof timerpoStep>> | undefined;
    let lr = 0;
    for (let u = 0; u < job.train.updatesPerBatch; u++) {
      lr = lrAt(optimizer.stepCount);
      last = await timerpoStep({ model, spec, tokenizer, job, params, refParams, optimizer, lr }, prompts, groups);
    }
    const t2 = deps.clock().getTime();
    weightVersion += 1;
    promptsTrained += prompts.length;
    genSeconds += (t1 - t0) / 1000;
    updSeconds += (t2 - t1) / 1000;
    const m = last!.metrics;
    history.push({ step, reward: m.reward, grounded: m.grounded });
    emit({
      kind: 'step',
      step,
      weightVersion,
      metrics: m,
      seconds: { generate: (t1 - t0) / 1000, update: (t2 - t1) / 1000 },
      lr,
      timings: last!.timings,
      samples: last!.scored,
      records: prompts.map((p) => p.record),
    });
    deps.log(
      `step ${step}/${job.train.steps} v${weightVersion}: reward ${m.reward.toFixed(3)} (fmt ${m.rewardFormat.toFixed(2)} cls ${m.rewardClass.toFixed(2)} loc ${m.rewardLocalization.toFixed(3)})` +
        `  grounded ${m.grounded.toFixed(3)}  kl ${m.kl.toExponential(2)}  clip ${m.clipFraction.toFixed(3)}  |g| ${m.gradNorm.toFixed(3)}` +
        `  gen ${((t1 - t0) / 1000).toFixed(1)}s upd ${((t2 - t1) / 1000).toFixed(1)}s`,
    );
    if (step < job.train.steps && stopRequested()) {
      const dir = await saveAt(step);
      const n = Math.max(1, step - firstStep + 1);
      return finish({
        ...base,
        steps: step,
        weightVersion,
        promptsTrained,
        warmStartSteps,
        finalEval: undefined,
        checkpoint: dir,
        secondsPerStep: { generate: genSeconds / n, update: updSeconds / n },
        history,
        interrupted: { stage: 'rl', step, checkpoint: dir },
      });
    }
    if (job.train.evalEvery > 0 && step % job.train.evalEvery === 0 && step < job.train.steps) await evaluate(evalSmall, step);
    if (job.train.checkpointEvery > 0 && step % job.train.checkpointEvery === 0 && step < job.train.steps) await saveAt(step);
  }

  const finalReport = await evaluate(evalAll, job.train.steps);
  deps.log(formatTable(finalReport, { title: `${job.name}: TimerPO policy (${spec.variant}) after ${job.train.steps} steps, on ${job.data.eval}` }));
  const finalJson = reportToJson(finalReport) as Record<string, unknown>;
  const dir = await saveAt(job.train.steps, { eval: finalJson });
  const n = Math.max(1, job.train.steps - firstStep + 1);
  return finish({
    ...base,
    steps: job.train.steps,
    weightVersion,
    promptsTrained,
    warmStartSteps,
    finalEval: finalJson,
    checkpoint: dir,
    secondsPerStep: { generate: genSeconds / n, update: updSeconds / n },
    history,
  });
}
