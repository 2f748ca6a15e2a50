/**
 * The real-data benchmark: the policy beside the blind classical baseline on every labelled
 * NAB file committed in data/nab (per file and overall), and on the broader generator's eval
 * split (synth:eval, overall). One command, re-runnable whenever the shipped policy changes:
 *
 *   node --import tsx bench/real-data.ts [--checkpoint checkpoints/default] [--threads 1]
 *                                        [--synth-count 400] [--window 1000] [--dry-run]
 *
 * The policy is run exactly as a user runs it, by the CLI in a child process,
 *
 *   anomseer eval --checkpoint C --data <spec> --threads T --window W --save-predictions … --json …
 *
 * so it answers real data as `detect` does (normalised, windows of the trained length, merged;
 * windows of many files decoded 32 to a batch). Its saved predictions are read back and scored
 * per file by the eval scorer itself (bench/real-data-table.ts → scoreAll); the overall figures
 * recomputed from them must equal the report the CLI wrote (--json), or this script stops.
 * The baseline is `runBaseline` (cli/commands/baseline.ts), the function `anomseer baseline
 * --data <spec>` runs, called in this process: the CLI saves predictions only with their blind
 * ExpCoT text, whose matrix profiles would cost synth:eval 90 s more and change no score. Labels come from the data's own label file (data/nab/labels/combined_windows.json,
 * read by the nab: loader). `--synth-count N` takes the first N series of each synth task (a
 * prefix of the full split, 400 a task); `--dry-run` prints the section instead of writing
 * docs/BENCHMARKS.md (section `real-data`).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { loadDataSpec } from '../shared/datasets/spec.js';
import { parsePredictionsJsonl } from '../shared/eval/predictions.js';
import { type EvalReport, type Prediction, reportToJson } from '../shared/eval/score.js';
import type { SeriesRecord } from '../shared/series/record.js';
import { runBaseline } from '../cli/commands/baseline.js';
import { writeBenchSection } from './bench-doc.js';
import { extraCategories, eventTableMarkdown, fileTableMarkdown, realDataTable, summaryHead, summaryRow } from './real-data-table.js';

const root = new URL('..', import.meta.url).pathname;
const USAGE = 'usage: node --import tsx bench/real-data.ts [--checkpoint DIR] [--threads N] [--window N] [--synth-count N] [--dry-run]';
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i]!;
  if (['--checkpoint', '--threads', '--window', '--synth-count'].includes(a)) i++;
  else if (a !== '--dry-run') {
    process.stderr.write(`${a === '--help' || a === '-h' ? '' : `bench/real-data.ts: unknown argument ${a}\n`}${USAGE}\n`);
    process.exit(a === '--help' || a === '-h' ? 0 : 2);
  }
}
const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
};
const checkpoint = arg('checkpoint', 'checkpoints/default');
const threads = arg('threads', '1');
const window = arg('window', '1000');
const synthCount = Number(arg('synth-count', '400'));
if (!Number.isInteger(synthCount) || synthCount < 1 || synthCount > 400) throw new Error(`--synth-count ${synthCount}: expected an integer in [1, 400]`);
const dryRun = process.argv.includes('--dry-run');

const NAB = 'nab:data/nab';
const SYNTH = synthCount === 400 ? 'synth:eval' : `synth:eval?count=${synthCount}`;
const tmp = mkdtempSync(join(tmpdir(), 'anomseer-real-data-'));
const loadStart = loadavg()[0]!;

interface Run {
  readonly command: string;
  readonly seconds: number;
  readonly predictions: Map<string, Prediction>;
  readonly cliReport: Record<string, unknown>;
}

/**
 * Run one CLI command that saves predictions and a JSON report; time it (wall, start-up
 * included). The saved lines are read in their structured form ({"intervals","type"}): a
 * policy line's `text` joins its windows' traces and is for people, not for re-parsing.
 */
function runCli(args: string[], records: readonly SeriesRecord[], tag: string): Run {
  const preds = join(tmp, `${tag}.jsonl`),
    json = join(tmp, `${tag}.json`);
  const full = [...args, '--save-predictions', preds, '--json', json];
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['bin/anomseer.mjs', ...full], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`anomseer ${full.join(' ')} exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const structured = readFileSync(preds, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const { id, intervals, type } = JSON.parse(l) as { id: string; intervals: unknown; type: unknown };
      return JSON.stringify({ id, intervals, type });
    })
    .join('\n');
  const lengths = new Map(records.map((x) => [x.id, x.series.length] as const));
  const predictions = parsePredictionsJsonl(structured, preds, lengths);
  const shown = full.map((a) => (a.startsWith(tmp) ? `/tmp/${a.slice(tmp.length + 1)}` : a));
  console.log(`  ${seconds.toFixed(1)} s  anomseer ${shown.join(' ')}`);
  return {
    command: `node bin/anomseer.mjs ${shown.join(' ')}`,
    seconds,
    predictions,
    cliReport: JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>,
  };
}

interface BaselineRun {
  readonly command: string;
  readonly seconds: number;
  readonly predictions: Map<string, Prediction>;
}

/** What `anomseer baseline --data <spec>` runs, in this process (records already loaded, so: detection and scoring). */
function baseline(spec: string, records: readonly SeriesRecord[]): BaselineRun {
  const { predictions, ms } = runBaseline(records);
  console.log(`  ${(ms / 1000).toFixed(1)} s  runBaseline on ${spec}`);
  return { command: `runBaseline (= node bin/anomseer.mjs baseline --data ${spec}), in process, series already loaded`, seconds: ms / 1000, predictions };
}

/** The figures the CLI printed must be the ones its saved predictions give (no faithfulness: the structured lines carry no text). */
function checkSame(what: string, ours: EvalReport, cli: Record<string, unknown>): void {
  const { faithfulness: _f, ...mine } = reportToJson(ours);
  const { faithfulness: _g, ...theirs } = cli;
  const a = JSON.stringify(mine),
    b = JSON.stringify(theirs);
  if (a !== b) throw new Error(`${what}: the saved predictions score differently from the CLI's report\n  ours ${a}\n  CLI  ${b}`);
}

const t0 = performance.now();
console.log(`real-data benchmark: checkpoint ${checkpoint}, ${threads} ORT thread(s), window ${window}`);
const nabRecords = await loadDataSpec(NAB, { baseDir: root });
const synthRecords = await loadDataSpec(SYNTH);
const evalArgs = (spec: string) => ['eval', '--checkpoint', checkpoint, '--data', spec, '--threads', threads, '--window', window];
const nabPolicy = runCli(evalArgs(NAB), nabRecords, 'nab-policy');
const synthPolicy = runCli(evalArgs(SYNTH), synthRecords, 'synth-policy');
const nabBaseline = baseline(NAB, nabRecords);
const synthBaseline = baseline(SYNTH, synthRecords);
const wall = (performance.now() - t0) / 1000;
rmSync(tmp, { recursive: true, force: true });

const nab = realDataTable(nabRecords, nabPolicy.predictions, nabBaseline.predictions);
const synth = realDataTable(synthRecords, synthPolicy.predictions, synthBaseline.predictions);
checkSame('NAB, policy', nab.reports.policy, nabPolicy.cliReport);
checkSame('synth, policy', synth.reports.policy, synthPolicy.cliReport);

const sha = createHash('sha256')
  .update(readFileSync(resolve(root, checkpoint, 'model.safetensors')))
  .digest('hex');
const date = new Date().toISOString().slice(0, 10);
const machine = `Node ${process.version}, ${cpus().length}× ${cpus()[0]?.model.trim() ?? 'CPU'}`;
const synthPoints = synthRecords.reduce((t, r) => t + r.series.length, 0);
const extra = extraCategories(synth.reports.policy, synth.reports.baseline);
const cmd = `node --import tsx bench/real-data.ts${checkpoint === 'checkpoints/default' ? '' : ` --checkpoint ${relative(root, join(root, checkpoint))}`}${threads === '1' ? '' : ` --threads ${threads}`}${synthCount === 400 ? '' : ` --synth-count ${synthCount}`}${window === '1000' ? '' : ` --window ${window}`}`;

const section = [
  '<!-- bench:real-data:start -->',
  '## real-data — the policy beside the classical baseline on NAB (per file) and on synth:eval',
  '',
  `Command: \`${cmd}\` (${date}, ${machine}; 1-minute load average ${loadStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end).`,
  `Policy: \`${checkpoint}\` (model.safetensors sha256 \`${sha.slice(0, 12)}…\`), ${threads} ORT thread(s), windows of ${window} points. Wall time of the whole benchmark **${wall.toFixed(0)} s** (loading the data included); the \`eval\` steps include the CLI's start-up:`,
  '',
  '| step | wall s |',
  '|---|---|',
  ...[nabPolicy, nabBaseline, synthPolicy, synthBaseline].map(
    (r) => `| ${r.command.startsWith('node ') ? `\`${r.command}\`` : r.command} | ${r.seconds.toFixed(1)} |`,
  ),
  '',
  'The policy runs as a user runs it (the `eval` commands above) and answers every series as `anomseer detect` does (robust',
  'normalisation, windows of the trained length, merged). The script reads its saved predictions back, scores each file with the',
  'eval scorer (`shared/eval/score.ts`), and stops unless the overall figures equal the report the CLI wrote. The baseline is the',
  "function `anomseer baseline` runs, in the script's process (the CLI saves predictions only with their blind ExpCoT text, which",
  'costs synth:eval about 90 s more and changes no score). Percentages; affiliation F1, point-wise F1 and IoU are per series, then means.',
  '',
  `### NAB: the ${nabRecords.length} labelled files in data/nab`,
  '',
  "Label windows are NAB's own (`data/nab/labels/combined_windows.json`, inclusive timestamp windows → row intervals; docs/DATA.md).",
  'NAB says where, not which kind, so only a file without windows has a known class (`normal`): ✓/✗ marks a class that can be checked.',
  '',
  fileTableMarkdown(nab, (id) => `\`${id}\``),
  '',
  'The same answers by events (`shared/eval/events.ts`): a label window is found when an answered interval touches it; an answered',
  "interval touching no window is a false alarm. NAB's windows are wide (10 % of a file), so point-wise F1 on NAB grows with how much",
  'of a file an answer marks; these columns say whether a model found the windows or covered the file.',
  '',
  eventTableMarkdown(nab, (id) => `\`${id}\``),
  '',
  `### synth:eval — the broader generator's eval split (\`${SYNTH}\`, ${synthRecords.length.toLocaleString('en-US')} series, ${synthPoints.toLocaleString('en-US')} points)`,
  '',
  'Columns as in the paper\'s table (affiliation F1 per category, seeded split, docs/DATA-GENERATOR.md "Synth tasks"); dense-points, multi-type,',
  'pattern and pulse-cycles have their own columns, outside the average.',
  '',
  summaryHead(extra),
  summaryRow('policy', synth.reports.policy, extra),
  summaryRow('classical baseline (blind)', synth.reports.baseline, extra),
  '<!-- bench:real-data:end -->',
].join('\n');

console.log(section);
if (!dryRun) {
  writeBenchSection('real-data', section);
  console.log('updated docs/BENCHMARKS.md (section real-data)');
}
