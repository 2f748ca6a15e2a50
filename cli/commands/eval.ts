/**
 * `anomseer eval`: score predictions against labelled data (docs/METHOD.md §7) and print
 * the results table beside the paper's.
 *
 *   anomseer eval --predictions preds.jsonl --data anomllm:eval
 *   anomseer eval --predictions preds.jsonl --data jsonl:data/eval.jsonl --json out/eval.json
 *
 * The scoring and printing live in `runEval`, so other commands (evaluating a
 * checkpoint, saving predictions) can call it with predictions they produced.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { parseIntFlag, parseThreads } from './flags.js';
import { parseNormalizeMode } from '../../shared/plot/normalize.js';
import type { NormalizeMode } from '../../shared/plot/normalize.js';
import { ConfigError } from '../../shared/errors.js';
import type { SeriesRecord } from '../../shared/series/record.js';
import { loadDataSpec } from '../../shared/datasets/spec.js';
import { readText } from '../../shared/datasets/files.js';
import { parsePredictionsJsonl } from '../../shared/eval/predictions.js';
import { type EvalReport, type Prediction, reportToJson, scoreAll } from '../../shared/eval/score.js';
import { formatTable } from '../../shared/eval/table.js';
import { progressBar } from './progress.js';

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
  /** The policy's own scaling (policy.normalize): traces are checked against the series as it read them. */
  readonly readAs?: NormalizeMode;
}

/** Score, print the table, warn about missing predictions, write the JSON. Returns the report. */
export function runEval(opts: RunEvalOptions): EvalReport {
  const out = opts.out ?? ((t: string) => void process.stdout.write(t));
  const warn = opts.warn ?? ((t: string) => void process.stderr.write(t));
  const report = scoreAll(opts.records, opts.predictions, opts.readAs);
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
  predictions?: string;
  checkpoint?: string;
  savePredictions?: string;
  data: string;
  json?: string;
  threads: string;
  normalize?: string;
  window: string;
}

/** The checkpoint `eval` uses when neither --predictions nor --checkpoint is given: the protocol's policy, whose table is the headline. */
export const DEFAULT_CHECKPOINT = fileURLToPath(new URL('../../checkpoints/default', import.meta.url));

/**
 * The checkpoint `detect`, `serve` and `export` use without --checkpoint: the policy trained for
 * series from elsewhere (examples/broad.yaml: other lengths, backgrounds and many anomalies,
 * each window scaled by the policy itself), which is what people bring to them.
 */
const USER_DATA_CHECKPOINT = fileURLToPath(new URL('../../checkpoints/broad', import.meta.url));

/** The `--checkpoint` help of `detect`, `serve` and `export`. */
export const USER_DATA_CHECKPOINT_HELP =
  "trained policy (default: the shipped checkpoints/broad, trained for series from elsewhere; checkpoints/default is the protocol's)";

/**
 * The checkpoint directory `detect`, `serve` and `export` run: `given` (their --checkpoint), else
 * USER_DATA_CHECKPOINT. A ConfigError when it is not there, telling how to make the one named or
 * the shipped default.
 */
export function userDataCheckpoint(given: string | undefined): string {
  const dir = given ?? USER_DATA_CHECKPOINT;
  if (existsSync(dir)) return dir;
  throw new ConfigError(
    '--checkpoint',
    given !== undefined
      ? `${dir} does not exist; train one with \`anomseer train examples/anomllm.yaml\``
      : `${dir} (the shipped policy for your own series) does not exist; train it with \`anomseer train examples/broad.yaml\` or pass --checkpoint DIR`,
  );
}

async function evalAction(flags: EvalFlags): Promise<void> {
  if (flags.json !== undefined && flags.json.trim() === '') throw new ConfigError('--json', 'must name a file, got an empty path');
  if (flags.predictions !== undefined && flags.checkpoint !== undefined) {
    throw new ConfigError('--predictions', 'give either --predictions (score saved answers) or --checkpoint (run a policy), not both');
  }
  if (flags.predictions !== undefined && flags.savePredictions !== undefined) {
    throw new ConfigError('--save-predictions', 'only applies with --checkpoint: the predictions come from the policy');
  }
  const records = await loadDataSpec(flags.data);
  if (flags.predictions !== undefined) {
    const predictions = readPredictionsFile(flags.predictions, records);
    runEval({ records, predictions, json: flags.json, title: `eval of ${flags.predictions} on ${flags.data}` });
    return;
  }
  const dir = flags.checkpoint ?? DEFAULT_CHECKPOINT;
  if (!existsSync(dir)) {
    throw new ConfigError('--checkpoint', `${dir} does not exist; train one with \`anomseer train examples/anomllm.yaml\` or pass --predictions FILE`);
  }
  const threads = parseThreads(flags.threads);
  const window = parseIntFlag('--window', flags.window, 16, 1984);
  // The protocol's records are scored as they are; other data goes through detect's own path
  // (scaled as detect scales it, windows of the trained length, merged), so eval and detect agree
  // on a file. Unset, the whole-series scaling is detect's default for this policy (robust for a
  // policy trained on raw values, none for one that scales each window itself,
  // shared/policy/input-normalization.ts); the policy's own policy.normalize applies either way.
  const protocol = flags.data.startsWith('anomllm:');
  const requested = flags.normalize === undefined ? (protocol ? 'none' : undefined) : parseNormalizeMode(flags.normalize, '--normalize');
  const windowed =
    (requested === undefined ? !protocol : requested !== 'none') || records.some((r) => r.series.length > window)
      ? { windowLength: window, ...(requested === undefined ? {} : { normalize: requested }) }
      : undefined;
  const { predictWithCheckpoint } = await import('../../shared/policy/inference.js');
  const { predictions, lines, readAs } = await predictWithCheckpoint(dir, records, {
    threads,
    onProgress: progressBar('eval'),
    ...(windowed === undefined ? {} : { windowed }),
  });
  if (flags.savePredictions !== undefined) {
    mkdirSync(dirname(flags.savePredictions), { recursive: true });
    writeFileSync(flags.savePredictions, lines.map((l) => JSON.stringify(l)).join('\n') + (lines.length > 0 ? '\n' : ''));
  }
  runEval({ records, predictions, json: flags.json, title: `eval of checkpoint ${dir} on ${flags.data}`, readAs });
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description(
      'Score a checkpoint, or saved predictions (JSONL of {"id","text"} or {"id","intervals","type"}), against labelled data; print the results table (docs/METHOD.md §7).',
    )
    .option('--predictions <file>', 'predictions to score, one JSON object per line')
    .option('--checkpoint <dir>', 'run this trained policy on the data instead (default: the shipped checkpoints/default)')
    .option('--save-predictions <file>', 'with a checkpoint: write one {"id","text","intervals","type"} line per series')
    .option('--threads <n>', 'ONNX Runtime threads when running a checkpoint', '1')
    .option(
      '--normalize <mode>',
      "with a checkpoint: none scores each record as it is (default for anomllm: data); robust or minmax answer every record as `anomseer detect` does — normalised, in windows, merged (other data: detect's default for the policy, robust, or none for a policy with policy.normalize: robust, which scales each window itself)",
    )
    .option('--window <n>', 'with a checkpoint: points per window for records answered as detect does (the trained length)', '1000')
    .requiredOption('--data <spec>', 'the labelled data: anomllm:<split>, jsonl:<path>, nab:<dir>, ucr:<dir>, tsb:<path>')
    .option('--json <file>', 'also write the report as JSON')
    .action((flags: EvalFlags) => evalAction(flags));
}
