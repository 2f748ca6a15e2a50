// Group sampling: keyed determinism, well-formed traces, and log-probs the learner agrees with.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../shared/errors.js';
import { Rng } from '../../shared/rng.js';
import { createSession } from '../../shared/onnx/runtime.js';
import type { HostTensor, OrtSession } from '../../shared/onnx/runtime.js';
import { parseTrace } from '../../shared/trace/parse.js';
import { batchFeatures, patchFeatures } from '../../shared/policy/features.js';
import { TraceGrammar } from '../../shared/policy/grammar.js';
import { initParams, resolveModelConfig } from '../../shared/policy/model-config.js';
import { buildDecodeStepGraph, buildEncodeGraph, buildScoreGraph, paramFeeds, paramsFor, viewNames } from '../../shared/policy/model.js';
import { drawMasked, sampleGroups } from '../../shared/policy/sample.js';
import type { Sample, SamplePrompt } from '../../shared/policy/sample.js';
import { tokenizer, vocab } from './helpers.js';
import { ints, positions } from './model-helpers.js';

const cfg = resolveModelConfig({ vocabSize: vocab.size, width: 32, heads: 2, encLayers: 1, decLayers: 2, mlpHidden: 64, maxLen: 64 });
const grammar = { maxThinkTokens: 20, maxIntervals: 3 };
const params = initParams(cfg, new Rng(1));
// a larger output scale than init makes the distributions far from uniform, so draws depend on the logits
for (const k of ['dec.out.w', 'dec.ptr.q']) params[k].forEach((x, i, a) => (a[i] = x * 40));
const series = (n: number, f: number) => Float64Array.from({ length: n }, (_, i) => Math.sin(2 * Math.PI * f * i));

let enc: OrtSession, step: OrtSession, stepViews: OrtSession, stepBuffer: OrtSession, stepGrouped: OrtSession;
async function setup() {
  const e = buildEncodeGraph(cfg, { views: true }),
    s = buildDecodeStepGraph(cfg),
    sv = buildDecodeStepGraph(cfg, { input: 'views' }),
    sb = buildDecodeStepGraph(cfg, { input: 'views', cache: 'buffer' }),
    sg = buildDecodeStepGraph(cfg, { input: 'views', cache: 'buffer', group: 3 });
  enc = await createSession(e.toModel({ bakedParams: paramsFor(e, params) }));
  step = await createSession(s.toModel({ bakedParams: paramsFor(s, params) }));
  stepViews = await createSession(sv.toModel({ bakedParams: paramsFor(sv, params) }));
  stepBuffer = await createSession(sb.toModel({ bakedParams: paramsFor(sb, params) }));
  stepGrouped = await createSession(sg.toModel({ bakedParams: paramsFor(sg, params) }));
}

/**
 * views: false = fed the memory; true = fed the memory views; 'buffer' = the views and a host
 * KV buffer, finished rows dropped; 'grouped' = the same with views once per prompt (G = 3).
 */
async function sample(prompts: SamplePrompt[], freqs: number[], version = 3, seed = 9, views: boolean | 'buffer' | 'grouped' = false): Promise<Sample[][]> {
  const f = batchFeatures(prompts.map((p, i) => patchFeatures(series(p.n, freqs[i]))));
  const out = await enc.run({ features: f });
  const promptFeeds: Record<string, HostTensor> = views !== false ? Object.fromEntries(viewNames(cfg).map((n) => [n, out[n]])) : { memory: out.memory };
  const s = views === 'grouped' ? stepGrouped : views === 'buffer' ? stepBuffer : views ? stepViews : step;
  return sampleGroups({
    cfg,
    tokenizer,
    step: (x, fetches) => s.run(x, fetches),
    promptFeeds,
    prompts,
    groupSize: 3,
    weightVersion: version,
    rng: new Rng(seed),
    grammar,
    kvCache: views === 'buffer' || views === 'grouped' ? 'buffer' : 'grow',
    groupedViews: views === 'grouped',
  });
}

const A = { promptId: 'a', n: 1000 },
  B = { promptId: 'b', n: 300 };

test('the same keys give the same traces; another weight version gives others', async () => {
  await setup();
  const x = await sample([A, B], [0.03, 0.01]);
  const y = await sample([A, B], [0.03, 0.01]);
  assert.equal(
    x.map((g) => g.map((s) => s.ids)),
    y.map((g) => g.map((s) => s.ids)),
  );
  const z = await sample([A, B], [0.03, 0.01], 4);
  assert.not.equal(
    x.map((g) => g.map((s) => s.ids)),
    z.map((g) => g.map((s) => s.ids)),
  );
});

test('a prompt draws the same traces alone or batched with another prompt', async () => {
  const alone = await sample([B], [0.01]);
  const batched = await sample([A, B], [0.03, 0.01]);
  assert.equal(
    alone[0].map((s) => s.ids),
    batched[1].map((s) => s.ids),
  );
});

test('a step graph fed the precomputed memory views samples the same traces, with log-probs within 1e-5', async () => {
  const a = await sample([A, B], [0.03, 0.01], 7, 2);
  const b = await sample([A, B], [0.03, 0.01], 7, 2, true);
  a.flat().forEach((s, i) => {
    const t = b.flat()[i];
    assert.equal(t.ids, s.ids);
    s.logps.forEach((lp, j) => assert.ok(Math.abs(lp - t.logps[j]) < 1e-5));
  });
});

test('the buffered loop (host KV buffer, finished rows dropped) samples the same traces as the growing cache, log-probs within 1e-5', async () => {
  for (const seed of [2, 13]) {
    const a = await sample([A, B], [0.03, 0.01], 7, seed, true);
    const b = await sample([A, B], [0.03, 0.01], 7, seed, 'buffer');
    const lens = a.flat().map((s) => s.ids.length);
    assert.ok(Math.max(...lens) > Math.min(...lens), 'rows finish at different steps, so some are dropped early');
    a.flat().forEach((s, i) => {
      const t = b.flat()[i];
      assert.equal(t.ids, s.ids);
      s.logps.forEach((lp, j) => assert.ok(Math.abs(lp - t.logps[j]) < 1e-5));
    });
  }
});

test('the grouped buffered loop (views once per prompt, groups dropped whole) samples the same traces, log-probs within 1e-5', async () => {
  for (const seed of [2, 13]) {
    const a = await sample([A, B], [0.03, 0.01], 7, seed, true);
    const b = await sample([A, B], [0.03, 0.01], 7, seed, 'grouped');
    a.flat().forEach((s, i) => {
      const t = b.flat()[i];
      assert.equal(t.ids, s.ids);
      s.logps.forEach((lp, j) => assert.ok(Math.abs(lp - t.logps[j]) < 1e-5));
    });
  }
  const alone = await sample([B], [0.01], 3, 9, 'grouped');
  const batched = await sample([A, B], [0.03, 0.01], 3, 9, 'grouped');
  assert.equal(
    alone[0].map((s) => s.ids),
    batched[1].map((s) => s.ids),
  );
});

test('a grouped step graph needs the memory views and a group size >= 1', () => {
  assert.throws(
    () => buildDecodeStepGraph(cfg, { group: 3 }),
    (e: unknown) => e instanceof ConfigError && /decodeStep.group: needs input: 'views'/.test((e as Error).message),
  );
  assert.throws(
    () => buildDecodeStepGraph(cfg, { input: 'views', cache: 'buffer', group: 0 }),
    (e: unknown) => e instanceof ConfigError && /got 0/.test((e as Error).message),
  );
});

test('with the buffered loop a prompt draws the same traces alone or batched', async () => {
  const alone = await sample([B], [0.01], 3, 9, 'buffer');
  const batched = await sample([A, B], [0.03, 0.01], 3, 9, 'buffer');
  assert.equal(
    alone[0].map((s) => s.ids),
    batched[1].map((s) => s.ids),
  );
});

test('every sample is a well-formed trace the grammar accepts, ending with <eos>', async () => {
  const groups = await sample([A, B], [0.03, 0.01], 5, 21);
  for (const [p, g] of groups.entries())
    for (const s of g) {
      const n = [A, B][p].n;
      assert.ok(parseTrace(s.text, n).formatOk, s.text);
      assert.is(s.ids[s.ids.length - 1], vocab.eos);
      const gr = new TraceGrammar(tokenizer, n, grammar);
      let st = gr.initial();
      for (const id of s.ids) st = gr.advance(st, id);
      assert.ok(gr.isDone(st));
    }
});

test('sampled log-probs equal the learner score graph under the grammar masks (temperature 1)', async () => {
  const groups = await sample([A], [0.03], 6, 5);
  const g = buildScoreGraph(cfg, { grammarMask: true });
  const s = await createSession(g.toModel());
  const gr = new TraceGrammar(tokenizer, A.n, grammar);
  const feats = batchFeatures([patchFeatures(series(A.n, 0.03))]);
  for (const smp of groups[0]) {
    const T = smp.ids.length;
    const mask: HostTensor = { data: gr.additiveMasks(smp.ids), dims: [1, T, tokenizer.outputSize] };
    const out = await s.run({
      ...paramFeeds(g, params),
      inputs: ints([vocab.bos, ...smp.ids.slice(0, -1)], [1, T]),
      targets: ints(smp.ids, [1, T]),
      positions: positions(T),
      features: feats,
      mask_add: mask,
    });
    const logp = out.logp.data as Float32Array;
    for (let t = 0; t < T; t++) assert.ok(Math.abs(logp[t] - smp.logps[t]) < 1e-5, `step ${t}: ${logp[t]} vs ${smp.logps[t]}`);
  }
});

test('a tokenizer that does not match the model is refused', async () => {
  const other = resolveModelConfig({ ...cfg, vocabSize: cfg.vocabSize + 1 });
  const err = await sampleGroups({
    cfg: other,
    tokenizer,
    step: (x) => step.run(x),
    promptFeeds: {},
    prompts: [A],
    groupSize: 1,
    weightVersion: 0,
    rng: new Rng(1),
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.instance(err, ConfigError);
  assert.match((err as Error).message, /tokenizer: has V = \d+, P = 64; the model has vocabSize = \d+/);
});

test('drawMasked never draws a masked id and returns the log-prob of the masked softmax (plain loop)', () => {
  const rng = new Rng(3);
  const logits = [2, 1, 0.5, 3, -1];
  const mask = Uint8Array.of(1, 0, 1, 0, 1);
  const counts = [0, 0, 0, 0, 0];
  for (let i = 0; i < 4000; i++) {
    const [id, lp] = drawMasked(logits, mask, 2, rng);
    counts[id]++;
    const z = Math.exp(1) + Math.exp(0.25) + Math.exp(-0.5);
    assert.ok(Math.abs(lp - (logits[id] / 2 - Math.log(z))) < 1e-12);
  }
  assert.is(counts[1] + counts[3], 0);
  assert.ok(Math.abs(counts[0] / 4000 - Math.exp(1) / (Math.exp(1) + Math.exp(0.25) + Math.exp(-0.5))) < 0.03);
});

test.run();
