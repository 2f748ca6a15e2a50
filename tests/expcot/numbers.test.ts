/**
 * Every number in an ExpCoT is read back out of the text and recomputed from
 * the series. Plain loops recompute what is elementary (moments, z-scores,
 * medians, least-squares fits, crossings, a brute-force matrix profile and
 * DFT for a few series); the analyses with their own tests (HBOS, Savitzky–
 * Golay, FFT peak refinement, matrix profile, the periodic model) are called.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SPLIT_SEEDS, generateSplit, generateTask } from '../../shared/anomllm/generate.js';
import { dominantPeriod, hbosOutlierScore, matrixProfile, smoothedGradient } from '../../shared/analysis/index.js';
import { periodicModel } from '../../shared/baseline/periodic.js';
import { BASELINE_THRESHOLDS as T } from '../../shared/baseline/thresholds.js';
import { EXPCOT_PHRASES, FAMILY_WORDS, buildExpCot, parsePhrase, splitSentences, type PhraseId } from '../../shared/expcot/index.js';
import { Rng } from '../../shared/rng.js';
import type { Interval, SeriesRecord } from '../../shared/series/record.js';

const sum = (a: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
};
const meanOf = (a: ArrayLike<number>) => sum(a) / a.length;
const stdOf = (a: ArrayLike<number>) => {
  const m = meanOf(a);
  let v = 0;
  for (let i = 0; i < a.length; i++) v += (a[i] - m) ** 2;
  return Math.sqrt(v / a.length);
};
const medianOf = (a: ArrayLike<number>) => {
  const s = Array.from(a).sort((p, q) => p - q);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};
const wrap = (a: number) => a - 2 * Math.PI * Math.round(a / (2 * Math.PI));

/** Least squares by normal equations and Gauss–Jordan; returns coefficients and RSS. */
function lstsq(rows: number[][], y: number[]): { coef: number[]; rss: number } {
  const k = rows[0].length;
  const a = Array.from({ length: k }, () => new Array(k + 1).fill(0));
  rows.forEach((r, t) => {
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) a[i][j] += r[i] * r[j];
      a[i][k] += r[i] * y[t];
    }
  });
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
    [a[c], a[p]] = [a[p], a[c]];
    for (let r = 0; r < k; r++)
      if (r !== c) {
        const f = a[r][c] / a[c][c];
        for (let j = c; j <= k; j++) a[r][j] -= f * a[c][j];
      }
  }
  const coef = a.map((row, i) => row[k] / row[i]);
  return { coef, rss: rows.reduce((s, r, t) => s + (y[t] - r.reduce((u, v, i) => u + v * coef[i], 0)) ** 2, 0) };
}

/** Sine (frequency f, absolute time) + constant fitted on x[a, b). */
function sineFit(x: Float64Array, f: number, a: number, b: number) {
  const rows: number[][] = [],
    y: number[] = [];
  for (let t = a; t < b; t++) {
    rows.push([Math.sin(2 * Math.PI * f * t), Math.cos(2 * Math.PI * f * t), 1]);
    y.push(x[t]);
  }
  const { coef, rss } = lstsq(rows, y);
  return { rms: Math.sqrt(rss / (b - a)), phase: Math.atan2(coef[1], coef[0]) };
}

function robust(x: Float64Array) {
  const level = medianOf(x);
  const scale = 1.4826 * medianOf(Array.from(x, (v) => Math.abs(v - level)));
  return { level, scale, z: Array.from(x, (v) => (v - level) / scale) };
}

/** Local slope by the line + sine least squares on [t − h, t + h], one solve per sample. */
function plainSlopes(x: Float64Array, period: number, h: number): number[] {
  return Array.from(x, (_, t) => {
    const rows: number[][] = [],
      y: number[] = [];
    for (let u = Math.max(0, t - h); u < Math.min(x.length, t + h + 1); u++) {
      rows.push(Number.isFinite(period) ? [1, u, Math.sin((2 * Math.PI * u) / period), Math.cos((2 * Math.PI * u) / period)] : [1, u]);
      y.push(x[u]);
    }
    return lstsq(rows, y).coef[1];
  });
}

function lineResidual(x: Float64Array): { r2: number; residual: Float64Array } {
  const n = x.length,
    tm = (n - 1) / 2,
    xm = meanOf(x);
  let stt = 0,
    stx = 0;
  for (let t = 0; t < n; t++) {
    stt += (t - tm) ** 2;
    stx += (t - tm) * (x[t] - xm);
  }
  const b = stx / stt;
  const residual = Float64Array.from(x, (v, t) => v - xm - b * (t - tm));
  return { r2: 1 - sum(residual.map((v) => v * v)) / sum(x.map((v) => (v - xm) ** 2)), residual };
}

/** Brute-force top discord: z-normalised distance to the nearest non-trivial neighbour. */
function bruteDiscord(x: Float64Array, m: number): { start: number; distance: number } {
  const l = x.length - m + 1,
    excl = Math.ceil(m / 4);
  const zn = Array.from({ length: l }, (_, i) => {
    const s = x.subarray(i, i + m);
    const mu = meanOf(s),
      sd = stdOf(s);
    return Array.from(s, (v) => (v - mu) / sd);
  });
  let best = { start: -1, distance: -1 };
  for (let i = 0; i < l; i++) {
    let nn = Infinity;
    for (let j = 0; j < l; j++) {
      if (Math.abs(i - j) <= excl) continue;
      let d = 0;
      for (let k = 0; k < m && d < nn; k++) d += (zn[i][k] - zn[j][k]) ** 2;
      nn = Math.min(nn, d);
    }
    if (Math.sqrt(nn) > best.distance) best = { start: i, distance: Math.sqrt(nn) };
  }
  return best;
}

/** Peak bin of the plain DFT periodogram (mean removed), k ≥ 1. */
function plainPeakBin(x: Float64Array): number {
  const n = x.length,
    m = meanOf(x);
  let best = 1,
    bestP = -1;
  for (let k = 1; k <= n >> 1; k++) {
    let re = 0,
      im = 0;
    for (let t = 0; t < n; t++) {
      re += (x[t] - m) * Math.cos((2 * Math.PI * k * t) / n);
      im -= (x[t] - m) * Math.sin((2 * Math.PI * k * t) / n);
    }
    if (re * re + im * im > bestP) {
      bestP = re * re + im * im;
      best = k;
    }
  }
  return best;
}

type Expect = Record<string, number | string | Interval[]>;

/** Recompute the values of one phrase of record r. */
function recompute(id: PhraseId, v: Record<string, unknown>, r: SeriesRecord): Expect {
  const x = r.series,
    n = x.length;
  const s = v.s as number,
    e = v.e as number;
  const model = () => periodicModel(x).model;
  switch (id) {
    case 'obs.summary':
      return { n, mean: meanOf(x), std: stdOf(x) };
    case 'obs.extremes': {
      const m = meanOf(x),
        sd = stdOf(x);
      let maxZ = 0,
        argMaxZ = 0;
      x.forEach((val, t) => {
        if (Math.abs(val - m) / sd > maxZ) {
          maxZ = Math.abs(val - m) / sd;
          argMaxZ = t;
        }
      });
      return { maxZ, argMaxZ, hbos: hbosOutlierScore(x) };
    }
    case 'obs.gradient': {
      const g = smoothedGradient(x, 51);
      return { window: 51, mean: 100 * meanOf(g), std: 100 * stdOf(g) };
    }
    case 'obs.period': {
      const d = dominantPeriod(x);
      return { period: d.period, share: d.share };
    }
    case 'obs.discord': {
      const p = matrixProfile(x, 50).profile;
      let start = 0;
      for (let i = 1; i < p.length; i++) if (p[i] > p[start]) start = i;
      return { m: 50, start, distance: p[start] };
    }
    case 'rsn.family': {
      const d = Array.from({ length: n - 1 }, (_, t) => x[t + 1] - x[t]);
      const mad = (a: ArrayLike<number>) => {
        const md = medianOf(a);
        return medianOf(Array.from(a, (q) => Math.abs(q - md)));
      };
      // With over half the values equal the MAD is 0 and the std is the scale; constant → 0.
      const roughness = mad(x) > 0 ? mad(d) / (Math.SQRT2 * mad(x)) : stdOf(x) > 0 ? stdOf(d) / (Math.SQRT2 * stdOf(x)) : 0;
      const r2 = stdOf(x) > 0 ? lineResidual(x).r2 : 0;
      // The family rule of the baseline, applied to the recomputed numbers.
      const family = roughness >= T.familyRoughness ? FAMILY_WORDS.level : r2 >= T.familyTrendR2 ? FAMILY_WORDS.trending : FAMILY_WORDS.periodic;
      return { roughness, r2, family };
    }
    case 'rsn.level': {
      const { level, scale } = robust(x);
      return { level, scale };
    }
    case 'rsn.level.interval': {
      const { level, scale, z } = robust(x);
      const mean = meanOf(x.subarray(s, e));
      return { s, e, mean, meanZ: (mean - level) / scale, maxZ: Math.max(...z.slice(s, e).map(Math.abs)) };
    }
    case 'rsn.level.outside': {
      const { z } = robust(x);
      return { outZ: Math.max(...z.filter((_, t) => !r.intervals.some(([a, b]) => t >= a && t < b)).map(Math.abs)) };
    }
    case 'rsn.normal.level': {
      const { z } = robust(x);
      const m3 = z.map((_, t) => meanOf(z.slice(Math.max(0, t - 1), Math.min(n, t + 2))));
      return { maxZ: Math.max(...z.map(Math.abs)), max3: Math.max(...m3.map(Math.abs)) };
    }
    case 'rsn.periodic': {
      const m = model();
      return { period: m.period, amplitude: m.amplitude, noise: m.noise };
    }
    case 'rsn.point.interval': {
      const m = model();
      const { z } = robust(x);
      const seg = x.subarray(s, e),
        mu = meanOf(seg);
      let num = 0,
        den = 0;
      for (let t = 0; t < seg.length; t++) {
        den += (seg[t] - mu) ** 2;
        if (t + 1 < seg.length) num += (seg[t] - mu) * (seg[t + 1] - mu);
      }
      const fit = sineFit(x, m.frequency, Math.max(0, s - m.fitWindow), Math.min(n, e + m.fitWindow));
      return { s, e, ac1: seg.length >= 3 ? num / den : 0, fitRms: fit.rms, maxZ: Math.max(...z.slice(s, e).map(Math.abs)) };
    }
    case 'rsn.seasonal.interval':
    case 'rsn.phase': {
      const m = model(),
        w = m.fitWindow,
        minSide = Math.max(6, w >> 1);
      const shift =
        s >= minSide && n - e >= minSide
          ? wrap(sineFit(x, m.frequency, e, Math.min(n, e + w)).phase - sineFit(x, m.frequency, Math.max(0, s - w), s).phase)
          : NaN;
      if (id === 'rsn.phase') return { s, e, shift };
      let side = 0,
        crossings = 0;
      for (let t = s; t < e; t++) {
        const d = x[t] - m.level,
          now = d > 0.1 * m.amplitude ? 1 : d < -0.1 * m.amplitude ? -1 : 0;
        if (now !== 0) {
          if (side !== 0 && now !== side) crossings++;
          side = now;
        }
      }
      // Pace from the phase gained, with the whole turns that land nearest the crossing pace.
      const L = e - s,
        fc = crossings / (2 * L);
      let fIn = fc;
      if (Number.isFinite(shift)) {
        const candidates = [-3, -2, -1, 0, 1, 2, 3].map((k) => m.frequency + (shift + 2 * Math.PI * k) / (2 * Math.PI * L));
        fIn = Math.max(
          0,
          candidates.reduce((a, b) => (Math.abs(b - fc) < Math.abs(a - fc) ? b : a)),
        );
      }
      return { s, e, fIn: 100 * fIn, fOut: 100 * m.frequency, crossings, expected: 2 * m.frequency * L };
    }
    case 'rsn.shapelet.interval': {
      const m = model();
      const p = matrixProfile(x, 50).profile;
      const overl = Array.from(p).slice(Math.max(0, s - 49), Math.min(p.length, e));
      const fit = sineFit(x, m.frequency, Math.max(0, s - m.fitWindow), Math.min(n, e + m.fitWindow));
      return { s, e, mpMax: Math.max(...overl), mpMedian: medianOf(p), fitRms: fit.rms };
    }
    case 'rsn.normal.periodic': {
      const { fitScore, rate } = periodicModel(x);
      return { maxFit: Math.max(...fitScore), maxRate: Math.max(...Array.from(rate, Math.abs)) };
    }
    case 'rsn.trend':
    case 'rsn.trend.no-period':
    case 'rsn.trend.interval':
    case 'rsn.normal.trend': {
      const p0 = dominantPeriod(lineResidual(x).residual).period;
      const period = p0 > 2 && p0 < n / 2 ? p0 : Infinity;
      const h = Math.max(T.trendMinHalfWindow, Math.round(T.trendHalfWindowPeriods * (Number.isFinite(period) ? period : T.trendMinHalfWindow)));
      const slopes = plainSlopes(x, period, h);
      const typical = medianOf(slopes);
      if (id === 'rsn.trend') return { period, typical: 100 * typical };
      if (id === 'rsn.trend.no-period') return { typical: 100 * typical };
      if (id === 'rsn.normal.trend') return { min: 100 * Math.min(...slopes), max: 100 * Math.max(...slopes) };
      const slope = meanOf(slopes.slice(s, e));
      return { s, e, slope: 100 * slope, ratio: slope / typical };
    }
    case 'rsn.more':
      return { k: r.intervals.length - 5 };
    case 'con.anomaly':
      return { type: r.type, intervals: r.intervals.map(([a, b]) => [a, b] as Interval) };
    default:
      return {};
  }
}

/** A printed value agrees with the recomputed one to its printed precision. */
function agrees(printed: unknown, want: number | string | Interval[], fmt: string): boolean {
  if (fmt === 'f2') return typeof want === 'number' && Math.abs((printed as number) - want) <= 0.005 + 1e-7;
  if (fmt === 'int') return printed === want;
  return JSON.stringify(printed) === JSON.stringify(want);
}

const noiseRng = new Rng(2024);
const records: SeriesRecord[] = [
  ...generateSplit('eval', { count: 6 }),
  ...generateTask('shapelet', { seed: SPLIT_SEEDS.eval, count: 6, split: 'eval' }),
  { id: 'flat', series: new Float64Array(200).fill(0.5), intervals: [], type: 'normal' },
  { id: 'noise', series: Float64Array.from({ length: 500 }, () => noiseRng.normal(0, 0.1)), intervals: [], type: 'normal' },
];
const seen = new Set<string>();

test('every number of every ExpCoT sentence is recomputed from the series', () => {
  for (const r of records) {
    const e = buildExpCot(r);
    for (const sentence of splitSentences(e.think)) {
      const p = parsePhrase(sentence);
      assert.ok(p, `${r.id}: not a template: ${sentence}`);
      seen.add(p!.id);
      const want = recompute(p!.id, p!.values as Record<string, unknown>, r);
      for (const m of EXPCOT_PHRASES[p!.id].matchAll(/\{(\w+):(\w+)\}/g)) {
        const [, name, fmt] = m;
        assert.ok(name in want, `${p!.id}: no recomputation for ${name}`);
        assert.ok(
          agrees(p!.values[name], want[name], fmt),
          `${r.id} ${p!.id} ${name}: printed ${JSON.stringify(p!.values[name])}, recomputed ${JSON.stringify(want[name])}`,
        );
      }
    }
  }
});

test('the recomputation covered every template an AnomLLM or shapelet series can produce', () => {
  const rare = new Set(['obs.no-discord', 'rsn.trend.no-period', 'rsn.more', 'obs.period']);
  for (const id of Object.keys(EXPCOT_PHRASES)) if (!rare.has(id)) assert.ok(seen.has(id), `${id} never appeared`);
  assert.ok(seen.has('obs.no-period'), 'the flat series has no period');
});

test('the discord and dominant period also match brute force on a few series', () => {
  // Noise, a sine with bursts, a shapelet (a clean sine on a line is exactly periodic: all its
  // distances are ~1e-14 and the argmax is rounding noise, so it is left out here).
  for (const r of [records[0], records[6], records.find((q) => q.task === 'shapelet' && q.intervals.length > 0)!]) {
    const obs = buildExpCot(r).evidence.observation;
    const b = bruteDiscord(r.series, 50);
    assert.is(obs.discord!.start, b.start, r.id);
    assert.ok(Math.abs(obs.discord!.distance - b.distance) < 1e-6, r.id);
    const k = plainPeakBin(r.series);
    assert.ok(obs.period >= r.series.length / (k + 0.5) && obs.period <= r.series.length / (k - 0.5), `${r.id}: period ${obs.period}, peak bin ${k}`);
  }
});

test('a series with more intervals than are detailed sums the rest up in one sentence', () => {
  const many = generateSplit('eval', { count: 200, tasks: ['freq'] }).find((r) => r.intervals.length > 5)!;
  const phrases = splitSentences(buildExpCot(many).think).map((s) => parsePhrase(s)!);
  const moreP = phrases.find((p) => p.id === 'rsn.more');
  assert.ok(moreP, many.id);
  assert.equal(recompute('rsn.more', moreP!.values as Record<string, unknown>, many), { k: moreP!.values.k });
  assert.is(phrases.filter((p) => p.id === 'rsn.seasonal.interval').length, 5);
});

test.run();
