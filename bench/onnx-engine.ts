/**
 * Speed of the ONNX engine against plain JS loops on the same shapes, measured side by side:
 *   1. MatMul GFLOP/s (float32) in ORT with 1 and 2 intra-op threads vs a JS i-k-j loop;
 *   2. the tiny causal-attention LM (tests/onnx/tiny-models.ts): ORT forward and
 *      forward+backward vs the plain-JS forward (there is no JS backward to time).
 * Prints the figures and rewrites the `onnx-engine` section of docs/BENCHMARKS.md.
 *
 *   node --import tsx bench/onnx-engine.ts
 */
import { loadavg } from 'node:os';
import { Rng } from '../shared/rng.js';
import { GraphBuilder, addGradients, outputGradients } from '../shared/onnx/index.js';
import type { FloatDType } from '../shared/onnx/index.js';
import { createSession } from '../shared/onnx/runtime.js';
import { buildLm, initLm, lmBatch, lmLossJs, lmParamShapes, paramFeeds } from '../tests/onnx/tiny-models.js';
import type { LmConfig } from '../tests/onnx/tiny-models.js';
import { writeBenchSection } from './bench-doc.js';

/** Median milliseconds per call over batches lasting at least `minMs` in total. */
async function timeMs(fn: () => unknown, minMs = 600): Promise<number> {
  await fn(); // warm-up (session allocations, JIT)
  const samples: number[] = [];
  const t0 = performance.now();
  while (performance.now() - t0 < minMs || samples.length < 5) {
    const s = performance.now();
    await fn();
    samples.push(performance.now() - s);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

function jsMatmul(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float32Array {
  const c = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let q = 0; q < k; q++) {
      const av = a[i * k + q];
      for (let j = 0; j < n; j++) c[i * n + j] += av * b[q * n + j];
    }
  }
  return c;
}

async function matmulRow(m: number, k: number, n: number): Promise<string[]> {
  const rng = new Rng(1);
  const a = Float32Array.from({ length: m * k }, () => rng.normal());
  const b = Float32Array.from({ length: k * n }, () => rng.normal());
  const g = new GraphBuilder({ dtype: 'float32' });
  g.output('c', g.matmul(g.input('a', [m, k]), g.input('b', [k, n])));
  const model = g.toModel();
  const flop = 2 * m * k * n;
  const gflops = (ms: number) => flop / (ms * 1e6);
  const ort: number[] = [];
  for (const threads of [1, 2]) {
    const s = await createSession(model, { threads });
    const feeds = { a: { data: a, dims: [m, k] }, b: { data: b, dims: [k, n] } };
    ort.push(gflops(await timeMs(() => s.run(feeds))));
    await s.dispose();
  }
  const js = gflops(await timeMs(() => jsMatmul(a, b, m, k, n)));
  return [`${m}×${k}×${n}`, ort[0].toFixed(1), ort[1].toFixed(1), js.toFixed(2), `${(ort[0] / js).toFixed(0)}×`];
}

async function lmRows(c: LmConfig, b: number, t: number): Promise<string[][]> {
  const rows: string[][] = [];
  const w64 = initLm(c, 'float64');
  const batch64 = lmBatch(c, b, t, 'float64');
  const js = await timeMs(() => lmLossJs(c, w64, batch64), 1500);
  rows.push(['plain JS loops', 'float64', js.toFixed(1), '—', '1×']);
  for (const dtype of ['float64', 'float32'] as FloatDType[]) {
    const w = initLm(c, dtype);
    const feeds = { ...lmBatch(c, b, t, dtype), ...paramFeeds(c, w) };
    const fwd = new GraphBuilder({ dtype });
    fwd.output('loss', buildLm(fwd, c).loss);
    const full = new GraphBuilder({ dtype });
    const m = buildLm(full, c);
    full.output('loss', m.loss);
    outputGradients(full, addGradients(full, m.loss, m.params));
    for (const threads of [1, 2]) {
      const sf = await createSession(fwd.toModel(), { threads });
      const sb = await createSession(full.toModel(), { threads });
      const f = await timeMs(() => sf.run(feeds));
      const fb = await timeMs(() => sb.run(feeds));
      rows.push([`ORT, ${threads} thread${threads > 1 ? 's' : ''}`, dtype, f.toFixed(2), fb.toFixed(2), `${(js / f).toFixed(0)}×`]);
    }
  }
  return rows;
}

function table(head: string[], rows: string[][]): string[] {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

async function main(): Promise<void> {
  const load = loadavg()[0].toFixed(1);
  const mm = [await matmulRow(256, 256, 256), await matmulRow(64, 512, 512)];
  const lm: LmConfig = { vocab: 64, d: 64, heads: 4, ff: 256, batch: 'B', time: 'T', maxT: 64 };
  const [b, t] = [8, 64];
  const lmTable = await lmRows(lm, b, t);
  const mmLines = table(['M×K×N (float32)', 'ORT 1 thread GFLOP/s', 'ORT 2 threads GFLOP/s', 'JS loop GFLOP/s', 'ORT(1)/JS'], mm);
  const lmLines = table(['engine', 'dtype', 'forward ms', 'forward+backward ms', 'forward speed-up vs JS'], lmTable);
  const date = new Date().toISOString().slice(0, 10);
  const section = [
    '<!-- bench:onnx-engine:start -->',
    '## onnx-engine',
    '',
    `Command: \`node --import tsx bench/onnx-engine.ts\` (${date}). onnxruntime-node 1.30 CPU build; medians; ` +
      `1-minute load average ${load} on 2 cores when the run started (other jobs were running, so 2 threads can lose to 1).`,
    '',
    ...mmLines,
    '',
    `Tiny causal-attention LM (tests/onnx/tiny-models.ts): vocab ${lm.vocab}, D ${lm.d}, ${lm.heads} heads, FF ${lm.ff}, ` +
      `batch ${b}×${t} tokens, one block. Forward = loss; forward+backward = loss and all ${lmParamShapes(lm).length} parameter gradients in one ORT run.`,
    '',
    ...lmLines,
    '<!-- bench:onnx-engine:end -->',
  ].join('\n');
  console.log([`load average ${load}`, ...mmLines, '', ...lmLines].join('\n'));
  writeBenchSection('onnx-engine', section);
}

await main();
