/**
 * One learner update (docs/METHOD.md §6, steps 1–5) on a realistic batch: the shipped policy
 * (checkpoints/default) samples 16 train prompts × G = 5 rollouts, then the learner runs the
 * TimerPO step on them with the plain passes (the old path: one padded batch per pass, the
 * encoder inside, Sinkhorn in JS loops) and the bucketed passes (learner/step-passes.ts),
 * side by side in one run, each from the same weights, and reports CPU seconds per phase.
 *
 *   node --import tsx bench/learner-update.ts [--prompts 16] [--repeats 3] [--checkpoint checkpoints/default]
 */
import { cpus, loadavg } from 'node:os';
import { compileJobConfig } from '../shared/config/job.js';
import { generateSplit } from '../shared/anomllm/generate.js';
import { AdamW } from '../shared/optim/adamw.js';
import { loadPolicy } from '../shared/policy/checkpoint.js';
import type { Params } from '../shared/policy/model-config.js';
import { PromptCache } from '../shared/policy/prompt-cache.js';
import { RolloutPolicy } from '../shared/policy/rollout-policy.js';
import { Rng } from '../shared/rng.js';
import { LearnerModel } from '../learner/learner-model.js';
import { timerpoStep } from '../learner/timerpo-step.js';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const promptsPerStep = Number(arg('prompts', '16'));
const repeats = Number(arg('repeats', '3'));
const checkpoint = arg('checkpoint', 'checkpoints/default');

/** CPU milliseconds of this process (user + system): the phase clock. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const loaded = await loadPolicy(checkpoint);
const { spec, tokenizer } = loaded;
const job = compileJobConfig({ rollout: { groupSize: 5, promptsPerStep } });
const cache = new PromptCache(spec, tokenizer);
const prompts = generateSplit('train', { count: Math.ceil(promptsPerStep / 8) })
  .slice(0, promptsPerStep)
  .map((r) => cache.get(r));
const policy = await RolloutPolicy.create(spec.model, tokenizer, loaded.params, 1);
const groups = await policy.sample(
  prompts.map((p) => ({ promptId: p.record.id, n: p.record.series.length, features: p.features })),
  { groupSize: 5, rng: new Rng(7), grammar: spec.grammar },
);
await policy.dispose();
const lengths = groups.flat().map((s) => s.ids.length);
const model = await LearnerModel.create(spec.model, {});
const copy = (p: Params): Params => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.slice()]));

type Engine = 'plain' | 'bucketed';
const phases = ['reward', 'score', 'ot', 'update'] as const;
const cpu: Record<Engine, Record<string, number[]>> = { plain: {}, bucketed: {} };
const results: Record<Engine, Awaited<ReturnType<typeof timerpoStep>>[]> = { plain: [], bucketed: [] };
for (let rep = 0; rep <= repeats; rep++) {
  for (const engine of ['plain', 'bucketed'] as Engine[]) {
    const params = copy(loaded.params);
    const optimizer = new AdamW(
      Object.entries(params).map(([name, data]) => ({ name, data })),
      { lr: 1e-4 },
    );
    const c0 = cpuMs();
    const r = await timerpoStep({ model, spec, tokenizer, job, params, refParams: loaded.params, optimizer, lr: 1e-4, engine, now: cpuMs }, prompts, groups);
    const total = (cpuMs() - c0) / 1000;
    if (rep === 0) continue; // warm-up: session builds
    results[engine].push(r);
    for (const k of phases) (cpu[engine][k] ??= []).push(r.timings[k]);
    (cpu[engine].total ??= []).push(total);
  }
}
await model.dispose();

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-12, Math.abs(b));
const a = results.bucketed[0],
  b = results.plain[0];
const sA = a.scored.flat(),
  sB = b.scored.flat();
console.log(
  `rows ${lengths.length}, tokens ${lengths.reduce((x, y) => x + y, 0)}, longest ${Math.max(...lengths)}, load ${loadavg()[0].toFixed(1)}, ${cpus().length} cores`,
);
console.log(`loss rel diff ${rel(a.metrics.loss, b.metrics.loss).toExponential(2)}; grad norm ${rel(a.metrics.gradNorm, b.metrics.gradNorm).toExponential(2)}`);
console.log(
  `s max abs diff ${Math.max(...sA.map((x, i) => Math.abs(x.grounded - sB[i].grounded))).toExponential(2)}; advantage ${Math.max(...sA.map((x, i) => Math.abs(x.advantage - sB[i].advantage))).toExponential(2)}`,
);
for (const engine of ['plain', 'bucketed'] as Engine[]) {
  console.log(engine, [...phases, 'total'].map((k) => `${k} ${median(cpu[engine][k]).toFixed(3)}`).join('  '));
}
