/**
 * CPU time of one TimerPO step on this machine, split into generate / reward / score / OT /
 * update, with rollout tokens per second and the learner's GFLOP/s (forward + backward
 * estimated as 6 × parameters × tokens, the usual dense-transformer count; attention's
 * T² term is left out, so the figure is a lower bound).
 *
 *   node --import tsx bench/timerpo-step.ts [--prompts 16] [--steps 3] [--analyses]
 */
import { cpus, loadavg } from 'node:os';
import { compileJobConfig } from '../shared/config/job.js';
import { generateSplit } from '../shared/anomllm/generate.js';
import { AdamW } from '../shared/optim/adamw.js';
import { countParams, initParams } from '../shared/policy/model-config.js';
import { Rng } from '../shared/rng.js';
import { LearnerModel } from '../learner/learner-model.js';
import { policySpecFromJob, tokenizerOf } from '../shared/policy/spec.js';
import { PromptCache } from '../shared/policy/prompt-cache.js';
import { timerpoStep } from '../learner/timerpo-step.js';
import { RolloutPolicy } from '../shared/policy/rollout-policy.js';
import { writeBenchSection } from './bench-doc.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const promptsPerStep = arg('prompts', 16);
const steps = arg('steps', 3);
const analyses = process.argv.includes('--analyses');

const job = compileJobConfig({
  policy: { inputs: { plot: true, values: true, analyses }, maxTraceTokens: 256 },
  rollout: { promptsPerStep, maxNewTokens: 256 },
});
const spec = policySpecFromJob(job);
const tokenizer = tokenizerOf(spec);
const cache = new PromptCache(spec, tokenizer);
const records = generateSplit('train', { count: Math.ceil((promptsPerStep * steps) / 8) + 1 });
const rng = new Rng(1);
const params = initParams(spec.model, rng.fork('init'));
const ref = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.slice()]));
const model = await LearnerModel.create(spec.model, {});
const optimizer = new AdamW(
  Object.entries(params).map(([name, data]) => ({ name, data })),
  { lr: 1e-4 },
);

/** CPU milliseconds of this process (user + system): robust to other jobs on a shared machine. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const rows: Record<string, number[]> = { generate: [], reward: [], score: [], ot: [], update: [], tokens: [] };
for (let s = 0; s < steps + 1; s++) {
  const prompts = records.slice(s * promptsPerStep, (s + 1) * promptsPerStep).map((r) => cache.get(r));
  const t0 = cpuMs();
  const policy = await RolloutPolicy.create(spec.model, tokenizer, params, s, {});
  const groups = await policy.sample(
    prompts.map((p) => ({ promptId: p.record.id, n: p.record.series.length, features: p.features })),
    { groupSize: 5, rng: rng.fork('r'), grammar: spec.grammar },
  );
  await policy.dispose();
  const gen = (cpuMs() - t0) / 1000;
  const r = await timerpoStep({ model, spec, tokenizer, job, params, refParams: ref, optimizer, lr: 1e-4, now: cpuMs }, prompts, groups);
  if (s === 0) continue; // warm-up: first session builds and prompt preparation
  rows.generate.push(gen);
  for (const k of ['reward', 'score', 'ot', 'update'] as const) rows[k].push(r.timings[k]);
  rows.tokens.push(r.metrics.tokens);
}
await model.dispose();

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const P = countParams(spec.model);
const tokens = mean(rows.tokens);
const total = ['generate', 'reward', 'score', 'ot', 'update'].reduce((t, k) => t + mean(rows[k]), 0);
// the update phase runs one forward+backward over the rollouts; score runs three forwards (current, reference, ExpCoT)
const gflops = (6 * P * tokens) / 1e9 / mean(rows.update);
const lines = [
  `| phase | CPU seconds per step | share |`,
  `|---|---|---|`,
  ...['generate', 'reward', 'score', 'ot', 'update'].map((k) => `| ${k} | ${mean(rows[k]).toFixed(2)} | ${((100 * mean(rows[k])) / total).toFixed(0)}% |`),
  `| **total** | **${total.toFixed(2)}** | |`,
];
const date = new Date().toISOString().slice(0, 10);
const body = [
  '## timerpo-step — one TimerPO step, split by phase',
  '',
  `Command: \`node --import tsx bench/timerpo-step.ts --prompts ${promptsPerStep} --steps ${steps}${analyses ? ' --analyses' : ''}\` (${date}, ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)}, 1 ORT thread).`,
  `Default model (${(P / 1e6).toFixed(2)} M parameters, inputs ${spec.variant}), random weights, ${promptsPerStep} prompts × G = 5, mean of ${steps} steps after one warm-up step.`,
  '',
  ...lines,
  '',
  `Rollout generation: ${(tokens / mean(rows.generate)).toFixed(0)} tokens per CPU-second (${tokens.toFixed(0)} tokens per step, including session build). ` +
    `Learner forward+backward: ${gflops.toFixed(1)} GFLOP/s by the 6·N·T count. generate = rollouts; score = current, reference and ExpCoT forward passes; ot = Sinkhorn in float64; update = forward+backward, clip, AdamW. ` +
    'CPU seconds (user + system of this process) rather than wall time, so other jobs on the machine inflate the figures less. bench/learner-update.ts and bench/rollout-decoding.ts compare the earlier and current learner and decoder side by side.',
].join('\n');
console.log(body);
writeBenchSection('timerpo-step', body);
