// policy.normalize: the setting reaches the checkpoint's spec and back, and every path that shows
// the policy a series (training prompts, eval, detect) shows it the same features, scaled by the
// policy; detect's whole-series step never scales a second time. Real ONNX Runtime sessions on
// the shipped weights, saved again under a spec that says `robust`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { EXPORT_FILES, exampleRecord, exportPolicy } from '../../serve/export-onnx.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseJobYaml } from '../../shared/config/load.js';
import { ConfigError } from '../../shared/errors.js';
import { AdamW } from '../../shared/optim/adamw.js';
import { loadPolicy, savePolicyCheckpoint } from '../../shared/policy/checkpoint.js';
import { patchFeatures } from '../../shared/policy/features.js';
import { type OpenPolicy, detectSeries, openPolicy, predictRecords, predictWithCheckpoint } from '../../shared/policy/inference.js';
import { parsePredictionsJsonl } from '../../shared/eval/predictions.js';
import { scoreAll } from '../../shared/eval/score.js';
import { seriesNormalization } from '../../shared/policy/input-normalization.js';
import { normalizeForPlot, policyView } from '../../shared/plot/normalize.js';
import { PromptCache } from '../../shared/policy/prompt-cache.js';
import type { RolloutPrompt } from '../../shared/policy/rollout-policy.js';
import { policySpecFromJob } from '../../shared/policy/spec.js';
import { Rng } from '../../shared/rng.js';
import type { SeriesRecord } from '../../shared/series/record.js';

const SHIPPED = fileURLToPath(new URL('../../checkpoints/default', import.meta.url));

/** 1,000 points in natural units (a latency in ms around 400), with a spike. */
const values = Float64Array.from({ length: 1000 }, (_, i) => 400 + 60 * Math.sin(i / 23) + 5 * Math.cos(i * 1.7) + (i === 640 ? 900 : 0));
const record: SeriesRecord = { id: 'latency', series: values, intervals: [[640, 641]], type: 'global point' };

let dir: string;
let open: OpenPolicy;
test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'anomseer-normalize-'));
  const shipped = await loadPolicy(SHIPPED);
  const spec = { ...shipped.spec, features: { ...shipped.spec.features, normalize: 'robust' as const } };
  const params = shipped.params;
  const optimizer = new AdamW(Object.entries(params).map(([name, data]) => ({ name, data })));
  await savePolicyCheckpoint(dir, { spec, params, optimizer, step: 0, weightVersion: 1, rng: new Rng(1), job: {}, now: new Date(0) });
  open = await openPolicy(dir);
});
test.after(async () => {
  await open.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** The policy's sampler, keeping every prompt it is shown. */
function recording(): { seen: RolloutPrompt[]; sampler: Pick<OpenPolicy['policy'], 'sample'> } {
  const seen: RolloutPrompt[] = [];
  return {
    seen,
    sampler: {
      sample: (prompts, opts) => {
        seen.push(...prompts);
        return open.policy.sample(prompts, opts);
      },
    },
  };
}

test('policy.normalize reaches the spec, the checkpoint, and back; absent it is none', async () => {
  const job = (extra: string) =>
    parseJobYaml(`name: n\npolicy:\n  inputs: { analyses: true, detector: true }\n  trace: faithful\n  maxTraceTokens: 256\n${extra}`);
  assert.is(policySpecFromJob(job('')).features.normalize, 'none');
  assert.is(policySpecFromJob(job('  normalize: robust\n')).features.normalize, 'robust');
  assert.is(open.loaded.spec.features.normalize, 'robust');
  assert.is((await loadPolicy(SHIPPED)).spec.features.normalize, 'none');
  assert.throws(
    () => job('  normalize: zscore\n'),
    (e: unknown) => e instanceof ConfigError && e.field === 'policy.normalize',
  );
});

test('eval, detect and the training prompt cache show the policy the same robust-scaled prompt', async () => {
  const spec = open.loaded.spec;
  const cache = new PromptCache(spec, open.loaded.tokenizer);
  const viaEval = recording();
  const { lines } = await predictRecords(viaEval.sampler, [record], {
    grammar: spec.grammar,
    features: (r) => cache.features(r),
    grammarOf: (r) => cache.grammar(r),
  });
  const viaDetect = recording();
  const detected = await detectSeries(viaDetect.sampler, values, { features: spec.features, grammar: spec.grammar, spec, tokenizer: open.loaded.tokenizer });
  assert.is(viaEval.seen.length, 1);
  assert.is(viaDetect.seen.length, 1);
  const trained = cache.get(record).features.data;
  assert.equal(Array.from(viaDetect.seen[0]!.features.data), Array.from(viaEval.seen[0]!.features.data));
  assert.equal(Array.from(trained), Array.from(viaEval.seen[0]!.features.data));
  // … and that prompt is the scaled one, not the raw units (a path that forgot would show these).
  const raw = patchFeatures(values, { ...spec.features, normalize: 'none' }).data;
  assert.not.equal(Array.from(raw), Array.from(trained));
  assert.is(detected.windows[0]!.text, lines[0]!.text);
});

test("detect on a series already scaled by the policy's own mode answers as on the raw one (one scaling, not two)", async () => {
  const spec = open.loaded.spec;
  const o = { features: spec.features, grammar: spec.grammar, spec, tokenizer: open.loaded.tokenizer };
  const viaRaw = recording();
  await detectSeries(viaRaw.sampler, values, o);
  const viaNone = recording();
  await detectSeries(viaNone.sampler, values, { ...o, normalize: 'none' });
  assert.equal(Array.from(viaNone.seen[0]!.features.data), Array.from(viaRaw.seen[0]!.features.data));
  const refused = await detectSeries(open.policy, values, { ...o, normalize: 'robust' }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(refused instanceof ConfigError && refused.field === 'normalize', String(refused));
});

// [policy's own mode, requested whole-series mode, expected whole-series mode | 'error']
const CASES: ['none' | 'robust', 'none' | 'robust' | 'minmax' | undefined, string][] = [
  ['none', undefined, 'robust'],
  ['none', 'minmax', 'minmax'],
  ['none', 'none', 'none'],
  ['robust', undefined, 'none'],
  ['robust', 'none', 'none'],
  ['robust', 'robust', 'error'],
  ['robust', 'minmax', 'error'],
];
for (const [policy, requested, expected] of CASES) {
  test(`a ${policy} policy asked for ${requested ?? 'the default'} scales the whole series: ${expected}`, () => {
    if (expected === 'error') {
      assert.throws(
        () => seriesNormalization(policy, requested, '--normalize'),
        (e: unknown) => e instanceof ConfigError && e.field === '--normalize' && /scales every window itself/.test(e.message),
      );
    } else assert.is(seriesNormalization(policy, requested), expected);
  });
}

test("a self-scaling policy's saved predictions are rescored against what it read: every stated number right, live and from the file", async () => {
  const long: SeriesRecord = {
    id: 'long',
    series: Float64Array.from({ length: 2500 }, (_, i) => values[i % 1000]! + i / 10),
    intervals: [[640, 641]],
    type: 'global point',
  };
  const records = [record, long];
  for (const windowed of [undefined, { windowLength: 1000 }]) {
    const out = await predictWithCheckpoint(dir, records, windowed === undefined ? {} : { windowed });
    const live = scoreAll(records, out.predictions, out.readAs).faithfulness!;
    const lengths = new Map(records.map((r) => [r.id, r.series.length]));
    const file = out.lines.map((l) => JSON.stringify(l)).join('\n');
    const again = scoreAll(records, parsePredictionsJsonl(file, 'pred.jsonl', lengths)).faithfulness!;
    assert.ok(live.statedNumbers > 0);
    assert.is(live.statedNumberAccuracy, 100, `${windowed === undefined ? 'whole' : 'windowed'}: ${JSON.stringify(live.worstSlots)}`);
    assert.equal(again, live, 'the saved lines say how the policy scaled what it read');
    if (windowed !== undefined) assert.is(live.traces, 1 + 3, 'one trace for the short record, one per window of the long one');
  }
});

test('export writes the example features a self-scaling policy is shown by detect (no whole-series step, its own scaling)', async () => {
  const out = join(dir, 'export');
  await exportPolicy(dir, out);
  const series = Float64Array.from(exampleRecord().series);
  const { sampler, seen } = recording();
  await detectSeries(sampler, series, {
    features: open.loaded.spec.features,
    grammar: open.loaded.spec.grammar,
    spec: open.loaded.spec,
    tokenizer: open.loaded.tokenizer,
  });
  const bytes = readFileSync(join(out, EXPORT_FILES.features));
  const exported = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  assert.equal(Array.from(exported), Array.from(seen[0]!.features.data), "detect's features, byte for byte");
  assert.is(JSON.parse(readFileSync(join(out, EXPORT_FILES.series), 'utf8')).normalize, 'none');
});

test("a self-scaling policy reads its scaling's linear map unclipped: a spike beyond the 99th percentile stays a spike for the detector", () => {
  const view = policyView(values, 'robust');
  const clipped = normalizeForPlot(values, 'robust');
  assert.ok(view[640]! > 3, `the spike is far outside [-1, 1] (${view[640]})`);
  assert.is(clipped[640], 1, 'the chart scaling clips it');
  // every other point is on the same line as the chart's
  for (let i = 0; i < values.length; i++) if (Math.abs(clipped[i]!) < 1) assert.ok(Math.abs(view[i]! - clipped[i]!) < 1e-12);
  // the features of a robust policy are the features of that view read as it is
  const spec = open.loaded.spec;
  const robust = patchFeatures(values, spec.features);
  const asIs = patchFeatures(view, { ...spec.features, normalize: 'none' });
  assert.ok(
    robust.data.every((v, i) => v === asIs.data[i]),
    'same features',
  );
});

test.run();
