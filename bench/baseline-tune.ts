/**
 * Tuning script of the classical baseline (shared/baseline/thresholds.ts).
 * Thresholds are tuned on the TRAIN split only (seed 3407); the eval split is
 * for the final check.
 *
 *   node --import tsx bench/baseline-tune.ts [--split train] [--count 400]
 *        [--tasks range,point] [--length 1000] [--set name=value,...] [--sweep name=v1,v2,...]
 *        [--failures task] [--confusion]
 *
 * `--tasks` may include `shapelet` (held out: reported, never tuned for).
 *
 * Prints class accuracy and affiliation F1 per task and per category (the
 * paper's average), and the ms per detection. With --sweep, one line per value.
 */
import { SPLIT_SEEDS, generateSplit, generateTask, type Split } from '../shared/anomllm/generate.js';
import { detect } from '../shared/baseline/detect.js';
import type { BaselineThresholds } from '../shared/baseline/thresholds.js';
import { type Prediction, scoreAll } from '../shared/eval/score.js';
import { ANOMLLM_TASKS, type TaskName } from '../shared/series/labels.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function parseSet(text: string | undefined): Partial<BaselineThresholds> {
  const out: Record<string, number> = {};
  if (!text) return out;
  for (const kv of text.split(',')) {
    const [k, v] = kv.split('=');
    out[k] = Number(v);
  }
  return out as Partial<BaselineThresholds>;
}

const split = (arg('split') ?? 'train') as Split;
const count = Number(arg('count') ?? 400);
const length = arg('length') !== undefined ? Number(arg('length')) : undefined;
const tasks = (arg('tasks')?.split(',') ?? ANOMLLM_TASKS) as TaskName[];
const base = parseSet(arg('set'));
const records = tasks.includes('shapelet')
  ? [
      ...generateSplit(split, { count, length, tasks: tasks.filter((t) => t !== 'shapelet') }),
      ...generateTask('shapelet', { seed: SPLIT_SEEDS[split], count, length, split }),
    ]
  : generateSplit(split, { count, length, tasks });

function run(over: Partial<BaselineThresholds>, verbose: boolean): string {
  const preds = new Map<string, Prediction>();
  const t0 = performance.now();
  for (const r of records) {
    const d = detect(r.series, { thresholds: over });
    preds.set(r.id, { intervals: d.intervals, type: d.type, formatOk: true });
  }
  const ms = (performance.now() - t0) / records.length;
  const rep = scoreAll(records, preds);
  const f1 = rep.affiliationF1;
  const head =
    `acc ${rep.classAccuracy?.toFixed(2)} avgF1 ${f1.average?.toFixed(2)} | ` +
    ['freq', 'trend', 'range', 'point', 'shapelet']
      .filter((c) => f1[c] !== undefined)
      .map((c) => `${c} ${f1[c].toFixed(2)}/${rep.perCategory[c].classAccuracy?.toFixed(1)}`)
      .join(' ') +
    ` | ${ms.toFixed(2)} ms/series`;
  if (!verbose) return head;
  const lines = [head];
  const byTask = new Map<string, { f1: number; acc: number; k: number }>();
  rep.series.forEach((s, i) => {
    const t = records[i].task ?? '?';
    const e = byTask.get(t) ?? { f1: 0, acc: 0, k: 0 };
    e.f1 += s.affiliation.f1;
    e.acc += s.classCorrect ? 1 : 0;
    e.k++;
    byTask.set(t, e);
  });
  for (const [t, e] of byTask) lines.push(`  ${t.padEnd(12)} F1 ${((100 * e.f1) / e.k).toFixed(2)}  acc ${((100 * e.acc) / e.k).toFixed(1)}`);
  if (process.argv.includes('--confusion')) {
    const conf = new Map<string, number>();
    rep.series.forEach((s, i) => {
      const key = `${records[i].type} -> ${preds.get(s.id)!.type}`;
      conf.set(key, (conf.get(key) ?? 0) + 1);
    });
    for (const [k, v] of [...conf].sort()) lines.push(`  ${k}: ${v}`);
  }
  const failTask = arg('failures');
  if (failTask) {
    rep.series.forEach((s, i) => {
      if (records[i].task !== failTask || (s.affiliation.f1 > 0.6 && s.classCorrect)) return;
      const p = preds.get(s.id)!;
      lines.push(
        `  ${s.id} f1 ${s.affiliation.f1.toFixed(2)} truth ${records[i].type} ${JSON.stringify(records[i].intervals)} pred ${p.type} ${JSON.stringify(p.intervals)}`,
      );
    });
  }
  return lines.join('\n');
}

const sweep = arg('sweep');
if (sweep) {
  const [name, values] = sweep.split('=');
  for (const v of values.split(',')) console.log(`${name}=${v}: ${run({ ...base, [name]: Number(v) }, false)}`);
} else {
  console.log(`${split} split, ${records.length} series`);
  console.log(run(base, true));
}
