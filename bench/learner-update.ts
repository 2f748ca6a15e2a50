/**
 * One learner update on a realistic batch, three ways side by side in one run:
 *
 *   - the project's TimerPO step with the plain passes (one padded batch per pass, the
 *     encoder once per row, Sinkhorn in JS loops: the learner before issue 12) and with the
 *     bucketed passes (learner/step-passes.ts), CPU seconds per phase;
 *   - the update alone (forward + backward + clip + AdamW) of both paths;
 *   - PyTorch (Debian's python3-torch, /usr/bin/python3, 1 thread): the same model
 *     (bench/torch_update.py re-implements shared/policy/model.ts), weights and batches,
 *     padded and bucketed, checked to give the same loss.
 *
 * The bucketed step runs twice: with the paper's fixed 50 Sinkhorn iterations (the default) and
 * with early stopping at `--ot-tolerance` (timerpo.otTolerance); then the OT alone at several
 * tolerances, with the largest change to the plans, W and s against the fixed 50 iterations.
 *
 * The batch: the shipped policy (checkpoints/default) samples 16 AnomLLM train prompts × G = 5.
 * Writes the `learner-update` section of docs/BENCHMARKS.md.
 *
 *   node --import tsx bench/learner-update.ts [--prompts 16] [--repeats 5] [--ot-tolerance 1e-6] [--checkpoint checkpoints/default] [--no-write]
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSafetensors } from '../shared/checkpoint/safetensors.js';
import type { Tensor } from '../shared/checkpoint/safetensors.js';
import { compileJobConfig } from '../shared/config/job.js';
import { generateSplit } from '../shared/anomllm/generate.js';
import type { HostTensor } from '../shared/onnx/runtime.js';
import { clipGradNorm } from '../shared/optim/grad-clip.js';
import { loadPolicy } from '../shared/policy/checkpoint.js';
import { batchFeatures } from '../shared/policy/features.js';
import { paramShapes } from '../shared/policy/model-config.js';
import type { Params } from '../shared/policy/model-config.js';
import { PromptCache } from '../shared/policy/prompt-cache.js';
import { RolloutPolicy } from '../shared/policy/rollout-policy.js';
import { SURROGATE_DEFAULTS } from '../shared/timerpo/surrogate.js';
import { Rng } from '../shared/rng.js';
import { LearnerModel } from '../learner/learner-model.js';
import type { BucketLossInputs, GradResult } from '../learner/learner-model.js';
import { bucketOverhead, packBuckets } from '../learner/length-buckets.js';
import type { Bucket } from '../learner/length-buckets.js';
import { packSequences } from '../learner/sequence-batch.js';
import type { PackedBatch } from '../learner/sequence-batch.js';
import { timerpoStep } from '../learner/timerpo-step.js';
import { bucketedPasses } from '../learner/step-passes.js';
import { createSession } from '../shared/onnx/runtime.js';
import { AdamW } from '../shared/optim/adamw.js';
import { buildOtGraph } from '../shared/timerpo/sinkhorn-graph.js';
import { makeOptimizer, noDecay } from '../learner/training-parts.js';
import { writeBenchSection } from './bench-doc.js';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const promptsPerStep = Number(arg('prompts', '16'));
const repeats = Number(arg('repeats', '5'));
const checkpoint = arg('checkpoint', 'checkpoints/default');
const otTolerance = Number(arg('ot-tolerance', '1e-6'));
const sweep = [1e-3, 1e-6, 1e-9, 1e-12];
const G = 5;
/** CPU milliseconds of this process (user + system): the phase clock. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const copy = (p: Params): Params => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.slice()]));

// ---- the batch -----------------------------------------------------------------------------
const loaded = await loadPolicy(checkpoint);
const { spec, tokenizer } = loaded;
const job = compileJobConfig({ rollout: { groupSize: G, promptsPerStep } });
const jobEarly = compileJobConfig({ rollout: { groupSize: G, promptsPerStep }, timerpo: { otTolerance } });
const cache = new PromptCache(spec, tokenizer);
const prompts = generateSplit('train', { count: Math.ceil(promptsPerStep / 8) })
  .slice(0, promptsPerStep)
  .map((r) => cache.get(r));
const policy = await RolloutPolicy.create(spec.model, tokenizer, loaded.params, 1);
const groups = await policy.sample(
  prompts.map((p) => ({ promptId: p.record.id, n: p.record.series.length, features: p.features, grammar: p.grammar })),
  { groupSize: G, rng: new Rng(7), grammar: spec.grammar },
);
await policy.dispose();
const samples = groups.flat();
const lengths = samples.map((s) => s.ids.length);
const model = await LearnerModel.create(spec.model, {});
const optimizerFor = (params: Params) => makeOptimizer(params, job, 1e-4);

// ---- whole steps, both paths ---------------------------------------------------------------
type Engine = 'plain' | 'bucketed';
type Variant = Engine | 'early';
const phases = ['reward', 'score', 'ot', 'update'] as const;
const stepCpu: Record<Variant, Record<string, number[]>> = { plain: {}, bucketed: {}, early: {} };
const stepResults: Record<Variant, Awaited<ReturnType<typeof timerpoStep>>> = {} as never;
for (let rep = 0; rep <= repeats; rep++) {
  for (const variant of ['plain', 'bucketed', 'early'] as Variant[]) {
    const params = copy(loaded.params);
    const engine: Engine = variant === 'plain' ? 'plain' : 'bucketed';
    const jobOf = variant === 'early' ? jobEarly : job;
    const c0 = cpuMs();
    const r = await timerpoStep(
      { model, spec, tokenizer, job: jobOf, params, refParams: loaded.params, optimizer: optimizerFor(params), lr: 1e-4, engine, now: cpuMs },
      prompts,
      groups,
    );
    const total = (cpuMs() - c0) / 1000;
    if (rep === 0) continue; // warm-up: session builds
    stepResults[variant] = r;
    for (const k of phases) (stepCpu[variant][k] ??= []).push(r.timings[k]);
    (stepCpu[variant].total ??= []).push(total);
  }
}

// ---- the OT alone: fixed 50 iterations vs early stopping at several tolerances -------------------
const passes = await bucketedPasses(
  { model, spec, tokenizer, job, params: loaded.params, refParams: loaded.params, optimizer: new AdamW([]), lr: 1e-4 },
  prompts,
  samples,
);
const otFeeds: Record<string, HostTensor>[] = [];
const otRunner = model.otRunner.bind(model);
model.otRunner = (o) => {
  const run = otRunner(o);
  return (f) => (otFeeds.push(f), run(f));
};
const o50 = { epsOt: job.timerpo.epsOt, iterations: job.timerpo.otIterations, tau: job.timerpo.tau };
const g50 = await passes.ground(o50);
model.otRunner = otRunner;
/** Every group's plans, flattened, from a graph with the plan output. */
async function plansAt(tolerance: number): Promise<Float64Array[]> {
  const session = await createSession(
    buildOtGraph({ width: spec.model.width, epsOt: o50.epsOt, iterations: o50.iterations, tolerance, withPlan: true }).toModel(),
  );
  const out: Float64Array[] = [];
  for (const f of otFeeds) out.push((await session.run(f, ['plan'])).plan.data as Float64Array);
  await session.dispose();
  return out;
}
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (!Number.isNaN(b[i])) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
const plans50 = await plansAt(0);
const otSweep: { tolerance: number; seconds: number[]; iterations: number; maxIterations: number; plan: number; W: number; s: number }[] = [];
for (const tolerance of [0, ...sweep]) {
  const seconds: number[] = [];
  let g = g50;
  for (let rep = 0; rep <= repeats; rep++) {
    const c0 = cpuMs();
    g = await passes.ground({ ...o50, tolerance });
    if (rep > 0) seconds.push((cpuMs() - c0) / 1000);
  }
  const plans = tolerance === 0 ? plans50 : await plansAt(tolerance);
  otSweep.push({
    tolerance,
    seconds,
    iterations: g.iterations.reduce((a, b) => a + b, 0) / g.iterations.length,
    maxIterations: Math.max(...g.iterations),
    plan: Math.max(...plans.map((p, k) => maxDiff(p, plans50[k]))),
    W: maxDiff(g.W, g50.W),
    s: maxDiff(g.s, g50.s),
  });
}

// ---- the update alone on fixed inputs: ours (both paths) and PyTorch ------------------------
const v = tokenizer.vocab;
const pack = { bos: v.bos, pad: v.pad, outputSize: tokenizer.outputSize, maxLen: spec.model.maxLen, overheadTokens: bucketOverhead(spec.model) };
const rowPrompt = samples.map((_, i) => Math.floor(i / G));
const grammars = samples.map((_, i) => prompts[rowPrompt[i]].grammar);
const padded: PackedBatch = packSequences(
  samples.map((s) => s.ids),
  samples.map((_, i) => prompts[rowPrompt[i]].features),
  grammars,
  pack,
);
const buckets: Bucket[] = packBuckets(
  samples.map((s) => s.ids),
  rowPrompt,
  grammars,
  pack,
);
const advantage = Float32Array.from(stepResults.bucketed.scored.flat(), (x) => x.advantage);
const logpOld = new Float32Array(padded.B * padded.T);
samples.forEach((s, b) => s.logps.forEach((lp, t) => (logpOld[b * padded.T + t] = lp)));
const logpRef = (await model.score(loaded.params, padded)).logp;
const bucketInputs: BucketLossInputs[] = buckets.map((b) => {
  const x = { logpOld: new Float32Array(b.B * b.T), logpRef: new Float32Array(b.B * b.T), advantage: new Float32Array(b.B) };
  b.rows.forEach((r, slot) => {
    x.advantage[slot] = advantage[r];
    for (let t = 0; t < b.lengths[slot]; t++) {
      x.logpOld[slot * b.T + t] = logpOld[r * padded.T + t];
      x.logpRef[slot * b.T + t] = logpRef[r * padded.T + t];
    }
  });
  return x;
});
const promptFeats = batchFeatures(prompts.map((p) => p.features));
const tokens = lengths.reduce((a, b) => a + b, 0);

async function ourUpdate(engine: Engine): Promise<{ seconds: number; g: GradResult; norm: number }> {
  const params = copy(loaded.params);
  const opt = optimizerFor(params);
  const c0 = cpuMs();
  let g: GradResult;
  if (engine === 'plain') g = await model.timerpoGrads(params, padded, { logpOld, logpRef, advantage });
  else {
    const memory: HostTensor = await model.encode(params, promptFeats);
    g = await model.timerpoGradsBuckets(params, promptFeats, memory, buckets, bucketInputs, tokens);
  }
  const clip = clipGradNorm(g.grads, job.optim.gradClip);
  opt.step(g.grads, { lr: 1e-4, gradScale: clip.scale });
  return { seconds: (cpuMs() - c0) / 1000, g, norm: clip.totalNorm };
}
const upd: Record<Engine, { seconds: number[]; loss: number; norm: number }> = {
  plain: { seconds: [], loss: NaN, norm: NaN },
  bucketed: { seconds: [], loss: NaN, norm: NaN },
};
for (let rep = 0; rep <= repeats; rep++) {
  for (const engine of ['plain', 'bucketed'] as Engine[]) {
    const r = await ourUpdate(engine);
    if (rep === 0) continue;
    upd[engine].seconds.push(r.seconds);
    upd[engine].loss = r.g.loss;
    upd[engine].norm = r.norm;
  }
}
await model.dispose();

// PyTorch: export weights and both batch layouts, run bench/torch_update.py
const t: Record<string, Tensor> = {};
const f32 = (data: Float32Array, shape: readonly number[]): Tensor => ({ dtype: 'F32', shape, data });
const i64 = (h: HostTensor): Tensor => ({ dtype: 'I64', shape: h.dims, data: h.data as BigInt64Array });
const batchTensors = (pre: string, feeds: PackedBatch['feeds'] | Bucket['feeds'], x: BucketLossInputs, B: number, T: number) => {
  t[`${pre}.inputs`] = i64(feeds.inputs);
  t[`${pre}.targets`] = i64(feeds.targets);
  t[`${pre}.positions`] = i64(feeds.positions);
  t[`${pre}.mask_add`] = f32(feeds.mask_add.data as Float32Array, feeds.mask_add.dims);
  t[`${pre}.response_mask`] = f32(feeds.response_mask.data as Float32Array, [B, T]);
  t[`${pre}.logp_old`] = f32(x.logpOld, [B, T]);
  t[`${pre}.logp_ref`] = f32(x.logpRef, [B, T]);
  t[`${pre}.advantage`] = f32(x.advantage, [B, 1]);
  if ('row_prompt' in feeds) t[`${pre}.row_prompt`] = i64(feeds.row_prompt);
};
batchTensors('padded.0', padded.feeds, { logpOld, logpRef, advantage }, padded.B, padded.T);
buckets.forEach((b, k) => batchTensors(`bucket.${k}`, b.feeds, bucketInputs[k], b.B, b.T));
t['features.rows'] = f32(padded.feeds.features.data as Float32Array, padded.feeds.features.dims);
t['features.prompts'] = f32(promptFeats.data as Float32Array, promptFeats.dims);
for (const [name, shape] of Object.entries(paramShapes(spec.model))) t[`param.${name}`] = f32(loaded.params[name], shape);
const file = join(tmpdir(), `anomseer-learner-update-${process.pid}.safetensors`);
writeFileSync(
  file,
  encodeSafetensors(t, {
    config: JSON.stringify(spec.model),
    loss: JSON.stringify(SURROGATE_DEFAULTS),
    optim: JSON.stringify({ lr: 1e-4, betas: job.optim.betas, eps: job.optim.eps, weightDecay: job.optim.weightDecay, gradClip: job.optim.gradClip }),
    params: JSON.stringify(Object.keys(loaded.params)),
    decayed: JSON.stringify(Object.keys(loaded.params).filter((n) => !noDecay(n))),
  }),
);
const py = spawnSync('/usr/bin/python3', [new URL('./torch_update.py', import.meta.url).pathname, file, String(repeats)], {
  encoding: 'utf8',
  maxBuffer: 1 << 24,
});
if (py.status !== 0) {
  console.error(py.stderr);
  throw new Error(
    'bench/torch_update.py failed; install PyTorch with `apt-get install -y python3-torch libopenblas0-pthread` (it runs under /usr/bin/python3)',
  );
}
const torch = JSON.parse(py.stdout.trim().split('\n').pop()!) as Record<string, { seconds: number; loss: number; gradNorm: number }> & { torch: string };

// ---- report -------------------------------------------------------------------------------
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
const torchPadded = torch.padded.seconds;
const step = (e: Variant) => median(stepCpu[e].total);
const variants: Variant[] = ['plain', 'bucketed', 'early'];
const share = (e: Variant) => (100 * median(stepCpu[e].ot)) / step(e);
const row = (label: string, f: (e: Variant) => string) => `| ${label} | ${variants.map(f).join(' | ')} |`;
const lines = [
  `| | plain passes (before), OT in JS loops, 50 iterations | bucketed passes, OT graph, 50 iterations (default) | bucketed passes, OT graph, otTolerance ${otTolerance} |`,
  `|---|---|---|---|`,
  ...phases.map((k) => row(k, (e) => median(stepCpu[e][k]).toFixed(3))),
  row('**whole step**', (e) => `**${step(e).toFixed(3)}**`),
  row('OT share of the step', (e) => `${share(e).toFixed(1)} %`),
  row('Sinkhorn iterations per rollout (mean)', (e) => (stepResults[e].metrics.otIterations ?? NaN).toFixed(1)),
  row('whole step / PyTorch update (padded)', (e) => (step(e) / torchPadded).toFixed(2)),
];
const sweepLines = [
  `| otTolerance | OT CPU s | vs 50 iterations | iterations per rollout, mean (max) | max abs diff of a plan entry | max abs diff of W | max abs diff of s |`,
  `|---|---|---|---|---|---|---|`,
  ...otSweep.map(
    (x) =>
      `| ${x.tolerance === 0 ? '0 (fixed 50)' : x.tolerance} | ${median(x.seconds).toFixed(4)} | ${(median(x.seconds) / median(otSweep[0].seconds)).toFixed(2)} | ${x.iterations.toFixed(1)} (${x.maxIterations}) | ${x.plan.toExponential(1)} | ${x.W.toExponential(1)} | ${x.s.toExponential(1)} |`,
  ),
];
const met = (x: number) => (x < 5 ? 'met' : 'not met');
/** The step's OT share if its OT took the OT-alone time at a tolerance (the rest of the step as measured). */
const shareAt = (x: (typeof otSweep)[number]) => (100 * median(x.seconds)) / (step('bucketed') - median(stepCpu.bucketed.ot) + median(x.seconds));
const tight = otSweep[otSweep.length - 1];
const goalLine =
  `Goal (issue 12 row 3): OT < 5 % of the step — with the fixed 50 iterations ${share('bucketed').toFixed(1)} % (${met(share('bucketed'))}), with otTolerance ${otTolerance} ${share('early').toFixed(1)} % (${met(share('early'))}). ` +
  `From the OT-alone table below, with the rest of the step as measured: ${otSweep
    .slice(1)
    .map((x) => `${x.tolerance} → ${shareAt(x).toFixed(1)} % (${met(shareAt(x))})`)
    .join(', ')}. ` +
  `What is left at any tolerance is the cost matrix (a float64 GEMM of the hidden states) and one iteration. ` +
  `The default stays 0 (the paper's fixed 50 iterations): even at ${tight.tolerance} the plans move by up to ${tight.plan.toExponential(1)} and W by ${tight.W.toExponential(1)}, so s and the advantages change in their last digits and the shipped jobs would not give bit-identical weights; a tolerance is an opt-in.`;
const updLines = [
  `| update (forward + backward + clip + AdamW) | CPU s | loss | grad norm | vs PyTorch, same layout |`,
  `|---|---|---|---|---|`,
  `| PyTorch ${torch.torch}, padded batch (encoder per row) | ${torch.padded.seconds.toFixed(3)} | ${torch.padded.loss.toPrecision(8)} | ${torch.padded.gradNorm.toPrecision(6)} | 1 |`,
  `| ours, plain (padded batch, encoder per row) | ${median(upd.plain.seconds).toFixed(3)} | ${upd.plain.loss.toPrecision(8)} | ${upd.plain.norm.toPrecision(6)} | ${(median(upd.plain.seconds) / torch.padded.seconds).toFixed(2)} |`,
  `| PyTorch, bucketed (encoder per prompt, length buckets) | ${torch.bucketed.seconds.toFixed(3)} | ${torch.bucketed.loss.toPrecision(8)} | ${torch.bucketed.gradNorm.toPrecision(6)} | 1 |`,
  `| ours, bucketed | ${median(upd.bucketed.seconds).toFixed(3)} | ${upd.bucketed.loss.toPrecision(8)} | ${upd.bucketed.norm.toPrecision(6)} | ${(median(upd.bucketed.seconds) / torch.bucketed.seconds).toFixed(2)} |`,
];
const agree = `Same loss: ours vs PyTorch ${rel(upd.plain.loss, torch.padded.loss).toExponential(1)} (padded), ${rel(upd.bucketed.loss, torch.bucketed.loss).toExponential(1)} (bucketed) relative; grad norm ${rel(upd.plain.norm, torch.padded.gradNorm).toExponential(1)}, ${rel(upd.bucketed.norm, torch.bucketed.gradNorm).toExponential(1)}.`;
const date = new Date().toISOString().slice(0, 10);
const body = [
  '## learner-update — one TimerPO learner step: plain vs bucketed passes, and PyTorch',
  '',
  `Command: \`node --import tsx bench/learner-update.ts --prompts ${promptsPerStep} --repeats ${repeats}\` (${date}, Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model.trim()}), load average ${loadavg()[0].toFixed(1)} at the end; 1 ORT thread, PyTorch 1 thread).`,
  `Batch: the shipped policy samples ${promptsPerStep} AnomLLM train prompts × G = ${G}: ${lengths.length} rollouts, ${tokens} tokens, longest ${Math.max(...lengths)} (padded batch ${padded.B} × ${padded.T}, ${(100 * (1 - tokens / (padded.B * padded.T))).toFixed(0)} % padding; bucketed: ${buckets.length} buckets, ${(100 * (1 - tokens / buckets.reduce((a, b) => a + b.B * b.T, 0))).toFixed(0)} % padding). CPU seconds (user + system), medians of ${repeats} after a warm-up.`,
  '',
  'Whole step by phase (reward; score = current, reference and ExpCoT passes; ot = grounding Sinkhorn, float64; update = forward + backward + clip + AdamW):',
  '',
  ...lines,
  '',
  goalLine,
  '',
  `The OT alone on the same batch (${otFeeds.length} prompt groups, one graph run each; medians of ${repeats}), early stopping at several tolerances against the fixed 50 iterations. A group stops when the row-marginal L1 error Σ_t |Σ_s T_ts − a_t| of each of its plans is ≤ the tolerance (the columns are exact after each iteration); so each plan moves by at most about the tolerance in mass, W by at most max C (≤ 2) × that, and s = exp(−W/τ) by at most W's change / τ:`,
  '',
  ...sweepLines,
  '',
  'The update alone, on fixed inputs (the same advantages, old and reference log-probs), against PyTorch on the same weights and batch:',
  '',
  ...updLines,
  '',
  agree,
  "PyTorch runs bench/torch_update.py (a re-implementation of shared/policy/model.ts and the TimerPO loss) under /usr/bin/python3 with Debian's python3-torch and OpenBLAS; it is a benchmark-only dependency.",
].join('\n');
console.log(body);
if (!process.argv.includes('--no-write')) writeBenchSection('learner-update', body);
