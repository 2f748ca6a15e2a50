/**
 * `anomseer baseline`: run the blind classical detector (shared/baseline) on
 * every series of a data source, score it like any model (docs/METHOD.md §7) and print
 * the table beside the paper's rows. It is the floor the learned policy must beat.
 *
 *   anomseer baseline --data anomllm:eval
 *   anomseer baseline --data anomllm:eval?count=20 --json out/baseline.json --save-predictions out/baseline.jsonl
 *
 * --save-predictions writes one line per series, {"id","text","intervals","type"},
 * where text is the blind ExpCoT (the detector's answer argued with the ExpCoT
 * templates); `anomseer eval --predictions` reads the file back.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { detect } from '../../shared/baseline/detect.js';
import { loadDataSpec } from '../../shared/datasets/spec.js';
import { ConfigError } from '../../shared/errors.js';
import { type EvalReport, type Prediction, reportToJson, scoreAll } from '../../shared/eval/score.js';
import { formatTable } from '../../shared/eval/table.js';
import { blindExpCot } from '../../shared/expcot/build.js';
import type { SeriesRecord } from '../../shared/series/record.js';

export interface BaselineRunOptions {
  /** Also build each series' blind ExpCoT (for --save-predictions). */
  readonly withText?: boolean;
  /** Milliseconds clock (injected so tests and benches can time it). */
  readonly now?: () => number;
}

export interface BaselineLine {
  readonly id: string;
  readonly text?: string;
  readonly intervals: [number, number][];
  readonly type: string;
}

/** Detect on every record; returns predictions, the lines to save, the report and the wall time (ms). */
export function runBaseline(
  records: readonly SeriesRecord[],
  opts: BaselineRunOptions = {},
): {
  predictions: Map<string, Prediction>;
  lines: BaselineLine[];
  report: EvalReport;
  ms: number;
} {
  const now = opts.now ?? (() => performance.now());
  const t0 = now();
  const predictions = new Map<string, Prediction>();
  const lines: BaselineLine[] = [];
  for (const r of records) {
    const detection = detect(r.series);
    const intervals = detection.intervals.map(([s, e]) => [s, e] as [number, number]);
    const text = opts.withText ? blindExpCot(r.series, { detection }).text : undefined;
    predictions.set(r.id, { intervals, type: detection.type, formatOk: true, ...(text === undefined ? {} : { text }) });
    lines.push(text !== undefined ? { id: r.id, text, intervals, type: detection.type } : { id: r.id, intervals, type: detection.type });
  }
  const report = scoreAll(records, predictions);
  return { predictions, lines, report, ms: now() - t0 };
}

interface BaselineFlags {
  data: string;
  json?: string;
  savePredictions?: string;
}

function writeFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

async function baselineAction(flags: BaselineFlags): Promise<void> {
  for (const [flag, v] of [
    ['--json', flags.json],
    ['--save-predictions', flags.savePredictions],
  ] as const) {
    if (v !== undefined && v.trim() === '') throw new ConfigError(flag, 'must name a file, got an empty path');
  }
  const records = await loadDataSpec(flags.data);
  const { lines, report, ms } = runBaseline(records, { withText: flags.savePredictions !== undefined });
  const out = (t: string) => void process.stdout.write(t);
  out(formatTable(report, { title: 'classical baseline', label: 'classical baseline (blind)' }));
  out(`baseline: ${records.length} series in ${(ms / 1000).toFixed(2)} s (${(ms / Math.max(1, records.length)).toFixed(2)} ms per series)\n`);
  if (flags.json !== undefined) {
    writeFile(flags.json, JSON.stringify(reportToJson(report), null, 2) + '\n');
    out(`wrote ${flags.json}\n`);
  }
  if (flags.savePredictions !== undefined) {
    writeFile(flags.savePredictions, lines.map((l) => JSON.stringify(l)).join('\n') + (lines.length > 0 ? '\n' : ''));
    out(`wrote ${flags.savePredictions}\n`);
  }
}

export function registerBaseline(program: Command): void {
  program
    .command('baseline')
    .description('Run the blind classical detector on labelled data and print the results table (docs/METHOD.md §7) (the floor to beat).')
    .requiredOption('--data <spec>', 'the labelled data: anomllm:<split>[?count=N&tasks=a,b], jsonl:<path>, nab:<dir>, ucr:<dir>, tsb:<path>')
    .option('--json <file>', 'also write the report as JSON')
    .option('--save-predictions <file>', 'write {"id","text","intervals","type"} per series (text = the blind ExpCoT)')
    .action((flags: BaselineFlags) => baselineAction(flags));
}
