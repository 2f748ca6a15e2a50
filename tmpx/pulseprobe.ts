// Per anomaly kind and period: does a checkpoint find pulse-cycles anomalies? (length fixed at 1000)
import { Rng } from '../shared/rng.js';
import { drawSynth } from '../shared/synth/draw.js';
import { SYNTH_TASK_PARAMS } from '../shared/synth/tasks.js';
import { predictWithCheckpoint } from '../shared/policy/inference.js';
async function main() {
  const ck = process.argv[2]!;
  const rng = new Rng(777);
  const recs: any[] = [];
  const meta: any[] = [];
  for (let i = 0; recs.length < 160; i++) {
    const d = drawSynth(rng.fork(String(i)), SYNTH_TASK_PARAMS['pulse-cycles'], 1000);
    if (d.intervals.length === 0) continue;
    recs.push({ id: `s${i}`, series: d.series, intervals: d.intervals, type: 'seasonal' });
    meta.push({ kind: d.kinds[0], period: d.background.period, quiet: d.background.sigma0 === 0 });
  }
  const { predictions } = await predictWithCheckpoint(ck, recs, { windowed: { windowLength: 1000 } });
  const agg: Record<string, { n: number; hit: number; f1: number }> = {};
  recs.forEach((r, k) => {
    const p = predictions.get(r.id)!;
    const n = r.series.length;
    const t = new Uint8Array(n), q = new Uint8Array(n);
    for (const [a, b] of r.intervals) for (let i = a; i < b; i++) t[i] = 1;
    for (const [a, b] of p.intervals ?? []) for (let i = a; i < b; i++) q[i] = 1;
    let tp = 0, P = 0, T = 0;
    for (let i = 0; i < n; i++) { tp += t[i]! & q[i]!; P += q[i]!; T += t[i]!; }
    const f1 = P + T === 0 ? 1 : (2 * tp) / (P + T);
    const m = meta[k];
    const key = `${m.kind} ${m.period > 144 ? 'P>144' : 'P<=144'} ${m.quiet ? 'quiet' : 'noisy'}`;
    const a = (agg[key] ??= { n: 0, hit: 0, f1: 0 });
    a.n++; a.f1 += f1; a.hit += tp > 0 ? 1 : 0;
  });
  for (const [k, a] of Object.entries(agg).sort()) console.log(k.padEnd(32), a.n, 'hit', a.hit, 'pwF1', (a.f1 / a.n * 100).toFixed(1));
}
main();
