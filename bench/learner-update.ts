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
 * The batch: the shipped policy (checkpoints/default) samples 16 AnomLLM train prompts × G = 5.
 * Writes the `learner-update` section of docs/BENCHMARKS.md.
 *
 *   node --import tsx bench/learner-update.ts [--prompts 16] [--repeats 5] [--checkpoint checkpoints/default] [--no-write]
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
import { TraceGrammar } from '../shared/policy/grammar.js';
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
import { makeOptimizer, noDecay } from '../learner/training-parts.js';
import { writeBenchSection } from './bench-doc.js';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const promptsPerStep = Number(arg('prompts', '16'));
const repeats = Number(arg('repeats', '5'));
const checkpoint = arg('checkpoint', 'checkpoints/default');
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
const cache = new PromptCache(spec, tokenizer);
const prompts = generateSplit('train', { count: Math.ceil(promptsPerStep / 8) })
  .slice(0, promptsPerStep)
  .map((r) => cache.get(r));
const policy = await RolloutPolicy.create(spec.model, tokenizer, loaded.params, 1);
const groups = await policy.sample(
  prompts.map((p) => ({ promptId: p.record.id, n: p.record.series.length, features: p.features })),
  { groupSize: G, rng: new Rng(7), grammar: spec.grammar },
);
await policy.dispose();
const samples = groups.flat();
const lengths = samples.map((s) => s.ids.length);
const model = await LearnerModel.create(spec.model, {});
const optimizerFor = (params: Params) => makeOptimizer(params, job, 1e-4);

// ---- whole steps, both paths ---------------------------------------------------------------
type Engine = 'plain' | 'bucketed';
const phases = ['reward', 'score', 'ot', 'update'] as const;
const stepCpu: Record<Engine, Record<string, number[]>> = { plain: {}, bucketed: {} };
const stepResults: Record<Engine, Awaited<ReturnType<typeof timerpoStep>>> = {} as never;
for (let rep = 0; rep <= repeats; rep++) {
  for (const engine of ['plain', 'bucketed'] as Engine[]) {
    const params = copy(loaded.params);
    const c0 = cpuMs();
    const r = await timerpoStep(
      { model, spec, tokenizer, job, params, refParams: loaded.params, optimizer: optimizerFor(params), lr: 1e-4, engine, now: cpuMs },
      prompts,
      groups,
    );
    const total = (cpuMs() - c0) / 1000;
    if (rep === 0) continue; // warm-up: session builds
    stepResults[engine] = r;
    for (const k of phases) (stepCpu[engine][k] ??= []).push(r.timings[k]);
    (stepCpu[engine].total ??= []).push(total);
  }
}

// ---- the update alone on fixed inputs: ours (both paths) and PyTorch ------------------------
const v = tokenizer.vocab;
const pack = { bos: v.bos, pad: v.pad, outputSize: tokenizer.outputSize, maxLen: spec.model.maxLen, overheadTokens: bucketOverhead(spec.model) };
const rowPrompt = samples.map((_, i) => Math.floor(i / G));
const grammars = samples.map((_, i) => new TraceGrammar(tokenizer, prompts[rowPrompt[i]].record.series.length, spec.grammar));
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
const step = (e: Engine) => median(stepCpu[e].total);
const lines = [
  `| | plain passes (before) | bucketed passes (now) |`,
  `|---|---|---|`,
  ...phases.map((k) => `| ${k} | ${median(stepCpu.plain[k]).toFixed(3)} | ${median(stepCpu.bucketed[k]).toFixed(3)} |`),
  `| **whole step** | **${step('plain').toFixed(3)}** | **${step('bucketed').toFixed(3)}** |`,
  `| OT share of the step | ${((100 * median(stepCpu.plain.ot)) / step('plain')).toFixed(1)} % | ${((100 * median(stepCpu.bucketed.ot)) / step('bucketed')).toFixed(1)} % |`,
  `| whole step / PyTorch update (padded) | ${(step('plain') / torchPadded).toFixed(2)} | ${(step('bucketed') / torchPadded).toFixed(2)} |`,
];
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
  'Whole step by phase (reward; score = current, reference and ExpCoT passes; ot = grounding Sinkhorn, float64, 50 iterations; update = forward + backward + clip + AdamW):',
  '',
  ...lines,
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
