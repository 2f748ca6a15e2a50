/**
 * `anomseer eval`: score predictions against labelled data (SPEC §7) and print
 * the results table beside the paper's.
 *
 *   anomseer eval --predictions preds.jsonl --data anomllm:eval
 *   anomseer eval --predictions preds.jsonl --data jsonl:data/eval.jsonl --json out/eval.json
 *
 * The scoring and printing live in `runEval`, so other commands (evaluating a
 * checkpoint, saving predictions) can call it with predictions they produced.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../shared/errors.js';
import type { SeriesRecord } from '../../shared/series/record.js';
import { loadDataSpec } from '../../shared/datasets/spec.js';
import { readText } from '../../shared/datasets/files.js';
import { parsePredictionsJsonl } from '../../shared/eval/predictions.js';
import { type EvalReport, type Prediction, reportToJson, scoreAll } from '../../shared/eval/score.js';
import { formatTable } from '../../shared/eval/table.js';

export interface RunEvalOptions {
  readonly records: readonly SeriesRecord[];
  readonly predictions: ReadonlyMap<string, Prediction>;
  /** Write the report (reportToJson) to this file; its directory is created. */
  readonly json?: string;
  /** Table title; defaults to "eval". */
  readonly title?: string;
  /** Where the table goes (default: process.stdout). */
  readonly out?: (text: string) => void;
  /** Where warnings go (default: process.stderr). */
  readonly warn?: (text: string) => void;
}

/** Score, print the table, warn about missing predictions, write the JSON. Returns the report. */
export function runEval(opts: RunEvalOptions): EvalReport {
  const out = opts.out ?? ((t: string) => void process.stdout.write(t));
  const warn = opts.warn ?? ((t: string) => void process.stderr.write(t));
  const report = scoreAll(opts.records, opts.predictions);
  if (report.missing > 0) {
    warn(`anomseer eval: warning: ${report.missing} of ${report.count} series have no prediction; each scores 0 on every metric\n`);
  }
  out(formatTable(report, { title: opts.title ?? 'eval' }));
  if (opts.json !== undefined) {
    mkdirSync(dirname(opts.json), { recursive: true });
    writeFileSync(opts.json, JSON.stringify(reportToJson(report), null, 2) + '\n');
    out(`wrote ${opts.json}\n`);
  }
  return report;
}

/** Read a predictions JSONL file against the records it predicts (DataError on a bad line). */
export function readPredictionsFile(path: string, records: readonly SeriesRecord[]): Map<string, Prediction> {
  const lengths = new Map(records.map((r) => [r.id, r.series.length] as const));
  return parsePredictionsJsonl(readText(path, 'predictions file'), path, lengths);
}

interface EvalFlags {
  predictions: string;
  data: string;
  json?: string;
}

async function evalAction(flags: EvalFlags): Promise<void> {
  if (flags.json !== undefined && flags.json.trim() === '') throw new ConfigError('--json', 'must name a file, got an empty path');
  const records = await loadDataSpec(flags.data);
  const predictions = readPredictionsFile(flags.predictions, records);
  runEval({ records, predictions, json: flags.json, title: `eval of ${flags.predictions} on ${flags.data}` });
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('Score predictions (JSONL of {"id","text"} or {"id","intervals","type"}) against labelled data; print the SPEC §7 table.')
    .requiredOption('--predictions <file>', 'predictions, one JSON object per line')
    .requiredOption('--data <spec>', 'the labelled data: anomllm:<split>, jsonl:<path>, nab:<dir>, ucr:<dir>, tsb:<path>')
    .option('--json <file>', 'also write the report as JSON')
    .action((flags: EvalFlags) => evalAction(flags));
}
