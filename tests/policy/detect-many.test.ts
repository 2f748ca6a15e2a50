// `detectMany` answers several series from one queue of windows, so a batch may span series;
// each series' answer must be exactly what `detectSeries` gives it alone, and `eval` on real
// data (predictRecords, windowed) must give what detect gives each record. Shipped checkpoint,
// real ONNX Runtime sessions.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fileURLToPath } from 'node:url';
import { ShapeError } from '../../shared/errors.js';
import { type DetectResult, MIN_DETECT_POINTS, type OpenPolicy, detectMany, detectSeries, openPolicy, predictRecords } from '../../shared/policy/inference.js';
import { PromptCache } from '../../shared/policy/prompt-cache.js';
import type { SeriesRecord } from '../../shared/series/record.js';

const CHECKPOINT = fileURLToPath(new URL('../../checkpoints/default', import.meta.url));

/** A sine with a level shift in the middle third and one spike: something for the policy to find. */
function series(n: number, seed: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => Math.sin((i + seed) / 9) + (i > n / 3 && i < n / 2 ? 2 : 0) + (i === Math.floor((n * 4) / 5) ? 6 : 0));
}
// Lengths: one short window, three windows (the last pulled back), exactly one window, two windows.
const inputs = [series(300, 1), series(2200, 2), series(1000, 3), series(1400, 4)];

let open: OpenPolicy;
test.before(async () => {
  open = await openPolicy(CHECKPOINT);
});
test.after(async () => {
  await open.dispose();
});

const options = () => ({ features: open.loaded.spec.features, grammar: open.loaded.spec.grammar, spec: open.loaded.spec, tokenizer: open.loaded.tokenizer });
const strip = (r: DetectResult) => ({
  intervals: r.intervals,
  type: r.type,
  explanation: r.explanation,
  windows: r.windows,
  normalized: Array.from(r.normalized),
});

test('batches that span series give every series the answer detectSeries gives it alone, in order', async () => {
  const alone: DetectResult[] = [];
  for (const x of inputs) alone.push(await detectSeries(open.policy, x, options()));
  const order: number[] = [];
  const together: DetectResult[] = [];
  const progress: number[] = [];
  // 3 windows a batch over 1 + 3 + 1 + 2 = 7 windows: batches [s0 w0, s1 w0, s1 w1], [s1 w2, s2 w0, s3 w0], [s3 w1].
  await detectMany(open.policy, inputs, { ...options(), batchWindows: 3, onProgress: (done, total) => progress.push(done * 100 + total) }, (k, r) => {
    order.push(k);
    together[k] = r;
  });
  assert.equal(order, [0, 1, 2, 3]);
  assert.equal(progress, [307, 607, 707]);
  assert.equal(
    together.map((r) => r.windows.length),
    [1, 3, 1, 2],
  );
  for (let k = 0; k < inputs.length; k++) assert.equal(strip(together[k]!), strip(alone[k]!), `series ${k}`);
});

test('eval on real data (predictRecords, windowed) answers each record as detect answers its values', async () => {
  const records: SeriesRecord[] = inputs.map((x, k) => ({ id: `s${k}`, series: x, intervals: [], type: 'normal' }));
  const cache = new PromptCache(open.loaded.spec, open.loaded.tokenizer);
  const seen: number[] = [];
  const { predictions, lines } = await predictRecords(open.policy, records, {
    grammar: open.loaded.spec.grammar,
    features: (r) => cache.features(r),
    windowed: { windowLength: 1000, normalize: 'robust', detect: { ...options(), batchWindows: 4 } },
    onProgress: (done) => seen.push(done),
  });
  assert.equal(seen, [1, 2, 3, 4]);
  assert.equal(
    lines.map((l) => l.id),
    ['s0', 's1', 's2', 's3'],
  );
  for (const [k, x] of inputs.entries()) {
    const d = await detectSeries(open.policy, x, options());
    // the merged answer, how the series was scaled, and the trace of each window it was read in
    const traces =
      d.windows.length === 1 ? { text: d.windows[0]!.text } : { windows: d.windows.map((w) => ({ start: w.start, length: w.length, text: w.text })) };
    assert.equal(predictions.get(`s${k}`), { intervals: d.intervals, type: d.type, formatOk: true, normalize: 'robust', ...traces }, `record s${k}`);
  }
});

test('a series too short for the analyses is refused before anything is decoded', async () => {
  let decoded = 0;
  const counting = { sample: (...a: Parameters<typeof open.policy.sample>) => (decoded++, open.policy.sample(...a)) };
  await detectMany(counting, [series(400, 0), new Float64Array(MIN_DETECT_POINTS - 1)], options(), () => {}).then(
    () => assert.unreachable('no error'),
    (e: unknown) => assert.ok(e instanceof ShapeError && /has 15 points; detect needs at least 16/.test(e.message), String(e)),
  );
  assert.is(decoded, 0);
});

test.run();
