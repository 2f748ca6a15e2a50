import { generateSplit } from '../shared/anomllm/generate.js';
import { loadPolicy } from '../shared/policy/checkpoint.js';
import { PromptCache } from '../shared/policy/prompt-cache.js';
import { createSession } from '../shared/onnx/runtime.js';
import { buildDecodeStepGraph, buildEncodeGraph, paramsFor, viewNames } from '../shared/policy/model.js';
import { batchFeatures } from '../shared/policy/features.js';
import { sampleGroups } from '../shared/policy/sample.js';
import { Rng } from '../shared/rng.js';
const kind = (process.argv[2] ?? 'buffer') as 'buffer' | 'grow';
const np = Number(process.argv[3] ?? 16);
const loaded = await loadPolicy('checkpoints/default');
const { spec, tokenizer } = loaded;
const cache = new PromptCache(spec, tokenizer);
const prompts = generateSplit('train', { count: 2 })
  .slice(0, np)
  .map((r) => cache.get(r));
const e = buildEncodeGraph(spec.model, { views: true });
const s = buildDecodeStepGraph(spec.model, { input: 'views', cache: kind });
const enc = await createSession(e.toModel({ bakedParams: paramsFor(e, loaded.params) }));
const step = await createSession(s.toModel({ bakedParams: paramsFor(s, loaded.params) }));
const encoded = await enc.run({ features: batchFeatures(prompts.map((p) => p.features)) });
const promptFeeds = Object.fromEntries(viewNames(spec.model).map((n) => [n, encoded[n]]));
for (let rep = 0; rep < 2; rep++) {
  let ortMs = 0,
    steps = 0,
    rowSteps = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const groups = await sampleGroups({
    cfg: spec.model,
    tokenizer,
    kvCache: kind,
    step: async (f, fe) => {
      const a = performance.now();
      const r = await step.run(f, fe);
      ortMs += performance.now() - a;
      steps++;
      rowSteps += f.token.dims[0];
      return r;
    },
    promptFeeds,
    prompts: prompts.map((p) => ({ promptId: p.record.id, n: p.record.series.length })),
    groupSize: 5,
    weightVersion: 1,
    rng: new Rng(3),
    grammar: spec.grammar,
  });
  const total = performance.now() - t0;
  const c = process.cpuUsage(cpu0);
  const tokens = groups.flat().reduce((t, x) => t + x.ids.length, 0);
  console.log(
    kind,
    'wall',
    total.toFixed(0),
    'cpu',
    ((c.user + c.system) / 1000).toFixed(0),
    'ort(incl. setImmediate)',
    ortMs.toFixed(0),
    'steps',
    steps,
    'rowSteps',
    rowSteps,
    'tokens',
    tokens,
    'ms/step',
    (ortMs / steps).toFixed(2),
  );
}
