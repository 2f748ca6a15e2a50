/**
 * Benchmark of the classical analyses (shared/analysis) on one 1000-point
 * series: ms per call for each, and the exact matrix profile (SCAMP/STOMP)
 * against a brute-force O(n²·m) profile.
 *
 * Run: node --import tsx bench/analyses.ts
 * Prints a table and rewrites its own section of docs/BENCHMARKS.md.
 */
import { cpus, loadavg } from 'node:os';
import { Rng } from '../shared/rng.js';
import {
  dominantPeriod,
  hbos,
  hbosOutlierScore,
  matrixProfile,
  mean,
  median,
  powerSpectrum,
  rfft,
  robustZ,
  rollingMean,
  rollingStd,
  savgolFilter,
  slidingDominantFrequency,
  slopeChangeScan,
  seasonalResidual,
  SLOPE_CHANGE_DURATIONS,
  smoothedGradient,
  std,
  topDiscords,
  zScores,
} from '../shared/analysis/index.js';
import { BENCHMARKS_MD, writeBenchSection } from './bench-doc.js';

const N = 1000;
const M = 50;

/** A noisy sine (frequency 0.03) with a sawtooth shapelet and a point spike. */
function benchSeries(n: number): Float64Array {
  const r = new Rng(2024);
  const x = new Float64Array(n);
  for (let t = 0; t < n; t++) x[t] = Math.sin(2 * Math.PI * 0.03 * t) + r.normal(0, 0.08);
  for (let t = 600; t < 633; t++) x[t] = ((t - 600) / 33) * 2 - 1;
  x[250] += 2;
  return x;
}

/** Brute-force matrix profile: z-normalise every window, compare every non-trivial pair. */
function bruteForceProfile(x: Float64Array, m: number): Float64Array {
  const l = x.length - m + 1;
  const excl = Math.ceil(m / 4);
  const z = new Float64Array(l * m);
  for (let i = 0; i < l; i++) {
    let mu = 0;
    for (let t = 0; t < m; t++) mu += x[i + t];
    mu /= m;
    let v = 0;
    for (let t = 0; t < m; t++) v += (x[i + t] - mu) ** 2;
    const sd = Math.sqrt(v / m) || 1;
    for (let t = 0; t < m; t++) z[i * m + t] = (x[i + t] - mu) / sd;
  }
  const p = new Float64Array(l).fill(Infinity);
  for (let i = 0; i < l; i++) {
    for (let j = i + excl + 1; j < l; j++) {
      let s = 0;
      for (let t = 0; t < m; t++) {
        const d = z[i * m + t] - z[j * m + t];
        s += d * d;
      }
      if (s < p[i]) p[i] = s;
      if (s < p[j]) p[j] = s;
    }
  }
  for (let i = 0; i < l; i++) p[i] = Math.sqrt(p[i]);
  return p;
}

/**
 * The slope-change scan's statistic computed the plain way: for every start and duration, build
 * the ramp, project it and the series off the background columns q (orthonormal) and take
 * (c_r·r)² / (c_r·c_r · r·r/n). O(n²·|durations|) against the scan's O(n·|durations|).
 */
function naiveSlopeScan(x: Float64Array, q: readonly Float64Array[]): Float64Array {
  const n = x.length;
  const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);
  const project = (v: Float64Array) => {
    const out = Float64Array.from(v);
    for (const u of q) {
      const c = dot(out, u);
      for (let i = 0; i < n; i++) out[i] -= c * u[i]!;
    }
    return out;
  };
  const r = project(x);
  const s2 = dot(r, r) / n;
  const best = new Float64Array(n);
  for (let s = 0; s < n - 2; s++) {
    for (const d of SLOPE_CHANGE_DURATIONS) {
      const e = Math.min(s + d, n);
      if (e - s < 2) continue;
      const c = project(Float64Array.from({ length: n }, (_, t) => Math.min(Math.max(t - s, 0), e - s)));
      const cc = dot(c, c);
      if (cc > 1e-9) best[s] = Math.max(best[s]!, dot(c, r) ** 2 / (cc * s2));
    }
  }
  return best;
}

/** Orthonormal columns 1, t/n, sin and cos at frequency f (Gram–Schmidt), the scan's background. */
function background(n: number, f: number): Float64Array[] {
  const cols = [new Float64Array(n).fill(1), Float64Array.from({ length: n }, (_, t) => t / n)];
  if (f > 0) for (const g of [Math.sin, Math.cos]) cols.push(Float64Array.from({ length: n }, (_, t) => g(2 * Math.PI * f * t)));
  const out: Float64Array[] = [];
  for (const c of cols) {
    const v = Float64Array.from(c);
    for (let pass = 0; pass < 2; pass++)
      for (const u of out) {
        const k = v.reduce((s, a, i) => s + a * u[i]!, 0);
        for (let i = 0; i < v.length; i++) v[i] -= k * u[i]!;
      }
    const norm = Math.sqrt(v.reduce((s, a) => s + a * a, 0));
    out.push(v.map((a) => a / norm));
  }
  return out;
}

interface Timing {
  median: number;
  best: number;
}

/**
 * ms per call over batches filling ~`budgetMs`, after a warm-up: the median
 * batch and the best batch (the best is the steadier figure on a shared, busy machine).
 */
function time(fn: () => unknown, budgetMs = 300): Timing {
  const warm = performance.now();
  let calls = 0;
  while (performance.now() - warm < budgetMs / 4 || calls < 3) {
    fn();
    calls++;
  }
  const perCall = (performance.now() - warm) / calls;
  const batch = Math.max(1, Math.round(20 / Math.max(perCall, 1e-3)));
  const samples: number[] = [];
  const start = performance.now();
  while (performance.now() - start < budgetMs || samples.length < 5) {
    const t0 = performance.now();
    for (let k = 0; k < batch; k++) fn();
    samples.push((performance.now() - t0) / batch);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[samples.length >> 1], best: samples[0] };
}

const x = benchSeries(N);
const x1024 = benchSeries(1024);
const rows: Array<[string, Timing]> = [
  ['mean', time(() => mean(x))],
  ['std', time(() => std(x))],
  ['median', time(() => median(x))],
  ['zScores', time(() => zScores(x))],
  ['robustZ', time(() => robustZ(x))],
  ['rollingMean w=50', time(() => rollingMean(x, 50))],
  ['rollingStd w=50', time(() => rollingStd(x, 50))],
  ['hbos (⌈√n⌉ bins)', time(() => hbos(x))],
  ['hbosOutlierScore', time(() => hbosOutlierScore(x))],
  ['savgolFilter w=51 order 2', time(() => savgolFilter(x, 51, 2))],
  ['smoothedGradient (w=51, order 2)', time(() => smoothedGradient(x))],
  ['rfft n=1000 (Bluestein)', time(() => rfft(x))],
  ['rfft n=1024 (radix-2)', time(() => rfft(x1024))],
  ['powerSpectrum', time(() => powerSpectrum(x))],
  ['dominantPeriod', time(() => dominantPeriod(x))],
  ['slidingDominantFrequency w=64', time(() => slidingDominantFrequency(x, 64))],
  ['slidingDominantFrequency w=100', time(() => slidingDominantFrequency(x, 100))],
  [`matrixProfile m=${M} (SCAMP/STOMP)`, time(() => matrixProfile(x, M), 1000)],
  [`topDiscords m=${M}, k=3`, time(() => topDiscords(x, M, 3), 1000)],
  [`slopeChangeScan (${SLOPE_CHANGE_DURATIONS.length} durations, every start; prefix sums)`, time(() => slopeChangeScan(x), 1000)],
  ['seasonalResidual (period, ±10 % lag search, nearest of ±3 cycles)', time(() => seasonalResidual(x), 1000)],
];
const brute = time(() => bruteForceProfile(x, M), 2000);
const stomp = rows.find(([name]) => name.startsWith('matrixProfile'))![1];

// Sanity: the two profiles agree, so the speed-up compares like with like.
const fast = matrixProfile(x, M).profile;
const slow = bruteForceProfile(x, M);
let maxDiff = 0;
for (let i = 0; i < fast.length; i++) maxDiff = Math.max(maxDiff, Math.abs(fast[i] - slow[i]));

// The slope-change scan against the same statistic computed plainly, on the same background.
const scan = slopeChangeScan(x);
const naiveQ = background(N, scan.frequency);
const naive = time(() => naiveSlopeScan(x, naiveQ), 2000);
const plain = naiveSlopeScan(x, naiveQ);
let scanDiff = 0;
for (let i = 0; i < N; i++) scanDiff = Math.max(scanDiff, Math.abs(plain[i]! - scan.start[i]!) / Math.max(1, plain[i]!));
const fastScan = rows.find(([name]) => name.startsWith('slopeChangeScan'))![1];

const fmt = (ms: number) => (ms < 0.01 ? ms.toFixed(4) : ms < 1 ? ms.toFixed(3) : ms.toFixed(2));
const lines = [
  '| analysis (n = 1000) | ms per call, median | ms per call, best batch |',
  '|---|---|---|',
  ...rows.map(([name, t]) => `| ${name} | ${fmt(t.median)} | ${fmt(t.best)} |`),
  `| brute-force matrix profile m=${M} (O(n²·m)) | ${fmt(brute.median)} | ${fmt(brute.best)} |`,
  `| slope-change statistic built per candidate (O(n²·${SLOPE_CHANGE_DURATIONS.length})) | ${fmt(naive.median)} | ${fmt(naive.best)} |`,
];
const load = loadavg()[0].toFixed(1);
const summary =
  `STOMP vs brute force: ${(brute.median / stomp.median).toFixed(1)}× faster (median), ` +
  `${(brute.best / stomp.best).toFixed(1)}× (best); max |profile difference| ${maxDiff.toExponential(1)}. ` +
  `Slope-change scan vs building each ramp: ${(naive.median / fastScan.median).toFixed(1)}× faster (median), ` +
  `${(naive.best / fastScan.best).toFixed(1)}× (best); max relative statistic difference ${scanDiff.toExponential(1)}. ` +
  `1-minute load average at the end: ${load}.`;
console.log(lines.join('\n'));
console.log(summary);

const date = new Date().toISOString().slice(0, 10);
const section = [
  '<!-- bench:analyses:start -->',
  '## analyses — classical analyses on a 1000-point series',
  '',
  `Command: \`node --import tsx bench/analyses.ts\` (${date}, Node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}).`,
  'Series: noisy sine (f = 0.03, noise σ 0.08) with a sawtooth shapelet and a spike. ms per call: median and best of timed batches after warm-up (the machine is shared; the best batch is the steadier figure).',
  '',
  ...lines,
  '',
  summary,
  '<!-- bench:analyses:end -->',
].join('\n');

writeBenchSection('analyses', section);
console.log(`updated ${BENCHMARKS_MD}`);
