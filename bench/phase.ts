/**
 * Phase-robustness: the same long series answered from its first point and from later starts,
 * side by side for one or more policies in one run (bench/phase-shift.ts has the scoring).
 *
 *   node --import tsx bench/phase.ts [--checkpoint DIR]... [--offsets K] [--per-task N] [--threads N] [--dry-run]
 *
 * Records: the first N normal and N anomalous synth:eval series of each task with at least
 * 2,000 points, and NAB's
 * committed files with at least 2,000 points. Each is answered as `detect` answers a file
 * (windows of the policy's length from the first point, merged) K times: from points
 * 0, 1000/K, 2·1000/K, … — the same data, windows meeting its cycles at K phases. Prints and
 * writes the `phase` section of docs/BENCHMARKS.md (not with --dry-run).
 */
import { cpus, loadavg } from 'node:os';
import { relative, resolve } from 'node:path';
import { loadDataSpec } from '../shared/datasets/spec.js';
import { predictWithCheckpoint } from '../shared/policy/inference.js';
import type { Interval, SeriesRecord } from '../shared/series/record.js';
import { writeBenchSection } from './bench-doc.js';
import { phaseSummary, shiftedRecord } from './phase-shift.js';
import type { PhaseSummary } from './phase-shift.js';

const root = new URL('..', import.meta.url).pathname;
const USAGE = 'usage: node --import tsx bench/phase.ts [--checkpoint DIR]... [--offsets K] [--per-task N] [--threads N] [--dry-run]';
const checkpoints: string[] = [];
const opts: Record<string, string> = { offsets: '8', 'per-task': '6', threads: '1' };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i]!;
  if (a === '--checkpoint' && process.argv[i + 1] !== undefined) checkpoints.push(process.argv[++i]!);
  else if (['--offsets', '--per-task', '--threads'].includes(a) && process.argv[i + 1] !== undefined) opts[a.slice(2)] = process.argv[++i]!;
  else if (a !== '--dry-run') {
    process.stderr.write(`${a === '--help' || a === '-h' ? '' : `bench/phase.ts: unknown or incomplete argument ${a}\n`}${USAGE}\n`);
    process.exit(a === '--help' || a === '-h' ? 0 : 2);
  }
}
if (checkpoints.length === 0) checkpoints.push('checkpoints/broad');
const K = Number(opts.offsets),
  perTask = Number(opts['per-task']),
  threads = Number(opts.threads);
for (const [k, v] of [
  ['offsets', K],
  ['per-task', perTask],
  ['threads', threads],
] as const) {
  if (!Number.isInteger(v) || v < 1 || v > 1000) {
    process.stderr.write(`bench/phase.ts: --${k} ${v}: expected an integer in [1, 1000]\n${USAGE}\n`);
    process.exit(2);
  }
}
const dryRun = process.argv.includes('--dry-run');
const MIN_POINTS = 2000;
const WINDOW = 1000;

const t0 = performance.now();
const loadStart = loadavg()[0]!;
const synthAll = await loadDataSpec('synth:eval');
const byTask = new Map<string, SeriesRecord[]>();
for (const r of synthAll) {
  if (r.series.length < MIN_POINTS) continue;
  // Up to N normal and N anomalous series of each task (normal ones show false alarms).
  const key = `${r.task ?? '?'} ${r.intervals.length === 0 ? 'normal' : 'anomalous'}`;
  const list = byTask.get(key) ?? [];
  if (list.length < perTask) byTask.set(key, [...list, r]);
}
const synth = [...byTask.values()].flat();
const nab = (await loadDataSpec('nab:data/nab', { baseDir: root })).filter((r) => r.series.length >= MIN_POINTS);
const offsets = Array.from({ length: K }, (_, k) => Math.round((k * WINDOW) / K));
console.log(
  `phase benchmark: ${synth.length} synth:eval series (${new Set(synth.map((r) => r.task)).size} tasks) and ${nab.length} NAB files, ${K} starts each: ${offsets.join(', ')}`,
);

interface Row {
  readonly checkpoint: string;
  readonly synth: PhaseSummary;
  readonly nab: PhaseSummary;
  readonly nabNormalAnswered: number;
  readonly seconds: number;
}
const rows: Row[] = [];
for (const ck of checkpoints) {
  const t = performance.now();
  const answers = () => offsets.map(() => new Map<string, Interval[]>());
  const synthAnswers = answers(),
    nabAnswers = answers();
  const shifted = offsets.flatMap((o) => [...synth, ...nab].map((b) => shiftedRecord(b, o)));
  const { predictions } = await predictWithCheckpoint(resolve(root, ck), shifted, { threads, windowed: { windowLength: WINDOW } });
  offsets.forEach((o, k) => {
    for (const b of synth) synthAnswers[k]!.set(b.id, [...(predictions.get(`${b.id}@${o}`)?.intervals ?? [])]);
    for (const b of nab) nabAnswers[k]!.set(b.id, [...(predictions.get(`${b.id}@${o}`)?.intervals ?? [])]);
  });
  const nabNormal = nab.filter((b) => b.intervals.length === 0);
  const row: Row = {
    checkpoint: ck,
    synth: phaseSummary(synth, offsets, synthAnswers),
    nab: phaseSummary(nab, offsets, nabAnswers),
    nabNormalAnswered: offsets.reduce((s, _, k) => s + nabNormal.filter((b) => nabAnswers[k]!.get(b.id)!.length > 0).length, 0),
    seconds: (performance.now() - t) / 1000,
  };
  rows.push(row);
  console.log(`${ck}: ${JSON.stringify({ synth: row.synth, nab: row.nab, nabNormalAnswered: row.nabNormalAnswered })} (${row.seconds.toFixed(0)} s)`);
}

const pct = (x: number) => (100 * x).toFixed(1);
const range = (s: { mean: number; min: number; max: number }) => `${pct(s.mean)} (${pct(s.min)}–${pct(s.max)})`;
const nabNormalFiles = nab.filter((b) => b.intervals.length === 0).length;
const cmd = `node --import tsx bench/phase.ts ${checkpoints.map((c) => `--checkpoint ${relative(root, resolve(root, c))}`).join(' ')}${K === 8 ? '' : ` --offsets ${K}`}${perTask === 6 ? '' : ` --per-task ${perTask}`}${threads === 1 ? '' : ` --threads ${threads}`}`;
const section = [
  '<!-- bench:phase:start -->',
  '## phase — the same long series answered from K starts (phase-robustness)',
  '',
  `Command: \`${cmd}\` (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length}× ${cpus()[0]?.model.trim() ?? 'CPU'}; 1-minute load average ${loadStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end; ${((performance.now() - t0) / 1000).toFixed(0)} s).`,
  '',
  `Each series is answered as \`detect\` answers a file (windows of ${WINDOW} points from its first point, merged) from ${K} starts — points ${offsets.join(', ')} — so`,
  'the same data meets the window edges at K phases; a phase-robust policy answers alike. Records: the first',
  `${perTask} normal and ${perTask} anomalous synth:eval series of each task (as many as there are) with at least ${MIN_POINTS.toLocaleString('en-US')} points (${synth.length} series of ${new Set(synth.map((r) => r.task)).size} tasks: ${rows[0]?.synth.normal ?? 0} normal, ${rows[0]?.synth.anomalous ?? 0} anomalous) and NAB's committed files with at least ${MIN_POINTS.toLocaleString('en-US')} points (${nab.length}, ${nabNormalFiles} without anomalies).`,
  'False alarms: the share of normal series answered with any interval (mean over starts, and the lowest–highest start). Point-wise F1:',
  'mean over anomalous series (over starts, lowest–highest). Verdict changes: the share of series answered "anomalous" from some starts and not others (`bench/phase-shift.ts`).',
  '',
  `| policy | synth: false alarms % | synth: point-wise F1 | synth: verdict changes % | NAB: point-wise F1 | NAB: verdict changes % | NAB no-anomaly file: starts answered anomalous (of ${K}) | wall s |`,
  '|---|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| \`${r.checkpoint}\` | ${range(r.synth.falseAlarm)} | ${range(r.synth.pointF1)} | ${pct(r.synth.verdictChanges)} | ${range(r.nab.pointF1)} | ${pct(r.nab.verdictChanges)} | ${r.nabNormalAnswered} of ${K * nabNormalFiles} | ${r.seconds.toFixed(0)} |`,
  ),
  '<!-- bench:phase:end -->',
].join('\n');
console.log(section);
if (!dryRun) {
  writeBenchSection('phase', section);
  console.log('updated docs/BENCHMARKS.md (section phase)');
}
