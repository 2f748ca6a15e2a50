import { compileJobConfig } from '../shared/config/job.js';
import { generateSplit } from '../shared/anomllm/generate.js';
import { AdamW } from '../shared/optim/adamw.js';
import { loadPolicy } from '../shared/policy/checkpoint.js';
import { PromptCache } from '../shared/policy/prompt-cache.js';
import { RolloutPolicy } from '../shared/policy/rollout-policy.js';
import { Rng } from '../shared/rng.js';
import { LearnerModel } from '../learner/learner-model.js';
import { bucketedPasses } from '../learner/step-passes.js';
const loaded = await loadPolicy('checkpoints/default');
const { spec, tokenizer } = loaded;
const job = compileJobConfig({ rollout: { groupSize: 5, promptsPerStep: 16 } });
const cache = new PromptCache(spec, tokenizer);
const prompts = generateSplit('train', { count: 2 })
  .slice(0, 16)
  .map((r) => cache.get(r));
const policy = await RolloutPolicy.create(spec.model, tokenizer, loaded.params, 1);
const groups = await policy.sample(
  prompts.map((p) => ({ promptId: p.record.id, n: p.record.series.length, features: p.features })),
  { groupSize: 5, rng: new Rng(7), grammar: spec.grammar },
);
const model = await LearnerModel.create(spec.model, {});
const optimizer = new AdamW(
  Object.entries(loaded.params).map(([name, data]) => ({ name, data })),
  {},
);
const passes = await bucketedPasses(
  { model, spec, tokenizer, job, params: loaded.params, refParams: loaded.params, optimizer, lr: 1e-4 },
  prompts,
  groups.flat(),
);
const ref = await passes.ground({ epsOt: 0.08, iterations: 50, tau: 0.5 });
for (const k of [3, 5, 8, 10, 15, 20, 30, 40, 49]) {
  const r = await passes.ground({ epsOt: 0.08, iterations: k, tau: 0.5 });
  console.log(k, Math.max(...Array.from(r.W, (w, i) => Math.abs(w - ref.W[i]) / ref.W[i])).toExponential(2));
}
console.log('W range', Math.min(...ref.W), Math.max(...ref.W), 'S', prompts.map((p) => p.expcotIds.length).join(','));
