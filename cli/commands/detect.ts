/**
 * `anomseer detect <file>`: the trained policy on a user's own series. Prints the
 * intervals, the type and the policy's reasoning; writes a figure for people (plot.png:
 * value and index/time axes, the intervals shaded and numbered, the windows, the type) and a
 * JSON result. Long series are windowed to the trained length and merged back.
 *
 *   anomseer detect cpu.csv --column value --out detect/
 *   anomseer detect cpu.csv --json > answer.json
 *
 * When the CSV has a time column of date-times, each interval is also given by the time of its
 * first and its last point (`anomalies[k].startTime`, `.endTime`, ISO 8601).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { parseIntFlag, parseThreads } from './flags.js';
import { parseCsvDelimiter } from '../../shared/datasets/csv-parser.js';
import { readValuesCsv } from '../../shared/datasets/values-csv.js';
import { DataError } from '../../shared/errors.js';
import { parseNormalizeMode } from '../../shared/plot/normalize.js';
import { formatTimestamp } from '../../shared/datasets/timestamps.js';
import type { TimeColumn } from '../../shared/datasets/values-csv.js';
import type { Interval } from '../../shared/series/record.js';
import { USER_DATA_CHECKPOINT_HELP, userDataCheckpoint } from './eval.js';
import { progressBar } from './progress.js';

/** One interval of the answer as result.json lists it: numbered as on the plot, with its times when the CSV has them. */
export interface AnomalyJson {
  readonly number: number;
  /** Half-open series indices (rows of the CSV after its header, from 0). */
  readonly start: number;
  readonly end: number;
  /** Time of the first point of the interval (ISO 8601). */
  readonly startTime?: string;
  /** Time of the last point of the interval, row end − 1 (inclusive, as NAB's label windows). */
  readonly endTime?: string;
}

/** The answer's intervals, numbered from 1, with the time column's first and last time of each. */
export function anomaliesJson(intervals: readonly Interval[], times: TimeColumn | undefined): AnomalyJson[] {
  return intervals.map(([start, end], k) => ({
    number: k + 1,
    start,
    end,
    ...(times === undefined ? {} : { startTime: formatTimestamp(times.ms[start]!, times.zoned), endTime: formatTimestamp(times.ms[end - 1]!, times.zoned) }),
  }));
}

interface DetectFlags {
  column?: string;
  delimiter?: string;
  checkpoint?: string;
  out: string;
  normalize?: string;
  window: string;
  threads: string;
  json?: boolean;
}

export function registerDetect(program: Command): void {
  program
    .command('detect')
    .description('Find anomalies in your own series with a trained policy: intervals (with times when the CSV has them), type, reasoning, and a figure.')
    .argument('<file>', 'a CSV with a value column (e.g. timestamp,value) or one value per line')
    .option('--column <name|index>', 'the value column (default: the first numeric, non-time column)')
    .option('--delimiter <c>', 'field separator: "," ";" or tab (default: detected from the first line)')
    .option('--checkpoint <dir>', USER_DATA_CHECKPOINT_HELP)
    .option('--out <dir>', 'where to write plot.png and result.json', 'detect-out')
    .option(
      '--normalize <mode>',
      'how the whole series is scaled before the policy reads its windows: robust, minmax or none (default: robust for a policy trained on raw values, none for one that scales each window itself, policy.normalize; plot.png shows values in their own units)',
    )
    .option('--window <n>', 'points per window the policy reads (the trained length)', '1000')
    .option('--threads <n>', 'ONNX Runtime threads', '1')
    .option('--json', 'print the result (result.json) on stdout instead of the summary; the files are still written')
    .action(async (file: string, flags: DetectFlags) => {
      const normalize = flags.normalize === undefined ? undefined : parseNormalizeMode(flags.normalize, '--normalize');
      const window = parseIntFlag('--window', flags.window, 16, 1984);
      const threads = parseThreads(flags.threads);
      const dir = userDataCheckpoint(flags.checkpoint);
      const delimiter = flags.delimiter === undefined ? undefined : parseCsvDelimiter(flags.delimiter, '--delimiter');
      const { values, column, times, timesNote } = await readValuesCsv(file, { column: flags.column, delimiter, times: true });
      if (timesNote !== undefined) process.stderr.write(`anomseer detect: warning: ${file}, ${timesNote}\n`);
      const [{ default: sharp }, { detectFigurePng }, { MIN_DETECT_POINTS, detectSeries, openPolicy }] = await Promise.all([
        import('sharp'),
        import('../../shared/plot/figure.js'),
        import('../../shared/policy/inference.js'),
      ]);
      if (values.length < MIN_DETECT_POINTS)
        throw new DataError(file, `has ${values.length} points; detect needs at least ${MIN_DETECT_POINTS}`, { field: column });
      sharp.cache(false);
      const open = await openPolicy(dir, { threads });
      const { spec } = open.loaded;
      try {
        const r = await detectSeries(open.policy, values, {
          features: spec.features,
          grammar: spec.grammar,
          spec,
          tokenizer: open.loaded.tokenizer,
          windowLength: window,
          ...(normalize === undefined ? {} : { normalize }),
          onProgress: progressBar('detect'),
        });
        mkdirSync(flags.out, { recursive: true });
        const { png } = await detectFigurePng(values, {
          intervals: r.intervals,
          type: r.type,
          windows: { starts: r.windows.map((w) => w.start), length: r.windows[0]!.length },
          ...(times === undefined ? {} : { times: times.ms, timesUtc: times.zoned }),
          title: `${basename(file)}: ${column}, ${values.length.toLocaleString('en-US')} points`,
        });
        writeFileSync(join(flags.out, 'plot.png'), png);
        const anomalies = anomaliesJson(r.intervals, times);
        const result = {
          file,
          column,
          points: values.length,
          timeColumn: times?.column ?? null,
          type: r.type,
          intervals: r.intervals,
          anomalies,
          explanation: r.explanation,
          windows: r.windows.map((w) => ({ start: w.start, length: w.length, type: w.type ?? null, intervals: w.intervals, text: w.text })),
        };
        const json = JSON.stringify(result, null, 2) + '\n';
        writeFileSync(join(flags.out, 'result.json'), json);
        if (flags.json) {
          process.stdout.write(json);
          return;
        }
        const ivs =
          anomalies.map((a) => `${a.number} [${a.start}, ${a.end})${a.startTime === undefined ? '' : ` ${a.startTime} to ${a.endTime}`}`).join(', ') || 'none';
        process.stdout.write(
          `${file} (${values.length} points, column ${column}): ${r.type}\nintervals: ${ivs}\nreasoning: ${r.explanation}\nwrote ${join(flags.out, 'plot.png')} and ${join(flags.out, 'result.json')}\n`,
        );
      } finally {
        await open.dispose();
      }
    });
}
