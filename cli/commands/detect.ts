/**
 * `anomseer detect <file>`: the trained policy on a user's own series. Prints the
 * intervals, the type and the policy's reasoning; writes an annotated plot and a JSON
 * result. Long series are windowed to the trained length and merged back.
 *
 *   anomseer detect cpu.csv --column value --out detect/
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parseIntFlag, parseThreads } from './flags.js';
import { parseCsvDelimiter } from '../../shared/datasets/csv-parser.js';
import { readValuesCsv } from '../../shared/datasets/values-csv.js';
import { ConfigError, DataError } from '../../shared/errors.js';
import { parseNormalizeMode } from '../../shared/plot/normalize.js';
import { DEFAULT_CHECKPOINT } from './eval.js';

interface DetectFlags {
  column?: string;
  delimiter?: string;
  checkpoint?: string;
  out: string;
  normalize: string;
  window: string;
  threads: string;
}

export function registerDetect(program: Command): void {
  program
    .command('detect')
    .description('Find anomalies in your own series with a trained policy: intervals, type, reasoning, annotated plot.')
    .argument('<file>', 'a CSV with a value column (e.g. timestamp,value) or one value per line')
    .option('--column <name|index>', 'the value column (default: the first numeric, non-time column)')
    .option('--delimiter <c>', 'field separator: "," ";" or tab (default: detected from the first line)')
    .option('--checkpoint <dir>', 'trained policy (default: the shipped checkpoints/default)')
    .option('--out <dir>', 'where to write plot.png and result.json', 'detect-out')
    .option('--normalize <mode>', 'how values are scaled for the plot: robust, minmax or none', 'robust')
    .option('--window <n>', 'points per window the policy reads (the trained length)', '1000')
    .option('--threads <n>', 'ONNX Runtime threads', '1')
    .action(async (file: string, flags: DetectFlags) => {
      const normalize = parseNormalizeMode(flags.normalize, '--normalize');
      const window = parseIntFlag('--window', flags.window, 16, 1984);
      const threads = parseThreads(flags.threads);
      const dir = flags.checkpoint ?? DEFAULT_CHECKPOINT;
      if (!existsSync(dir)) throw new ConfigError('--checkpoint', `${dir} does not exist; train one with \`anomseer train examples/anomllm.yaml\``);
      const delimiter = flags.delimiter === undefined ? undefined : parseCsvDelimiter(flags.delimiter, '--delimiter');
      const { values, column } = await readValuesCsv(file, { column: flags.column, delimiter });
      const [{ default: sharp }, { annotatedPng }, { MIN_DETECT_POINTS, detectSeries, openPolicy }] = await Promise.all([
        import('sharp'),
        import('../../shared/plot/annotate.js'),
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
          normalize,
        });
        mkdirSync(flags.out, { recursive: true });
        writeFileSync(join(flags.out, 'plot.png'), await annotatedPng(r.normalized, { predicted: r.intervals, normalize: 'none' }));
        const result = {
          file,
          column,
          points: values.length,
          type: r.type,
          intervals: r.intervals,
          explanation: r.explanation,
          windows: r.windows.map((w) => ({ start: w.start, length: w.length, type: w.type ?? null, intervals: w.intervals, text: w.text })),
        };
        writeFileSync(join(flags.out, 'result.json'), JSON.stringify(result, null, 2) + '\n');
        const ivs = r.intervals.map(([s, e]) => `[${s}, ${e})`).join(', ') || 'none';
        process.stdout.write(
          `${file} (${values.length} points, column ${column}): ${r.type}\nintervals: ${ivs}\nreasoning: ${r.explanation}\nwrote ${join(flags.out, 'plot.png')} and ${join(flags.out, 'result.json')}\n`,
        );
      } finally {
        await open.dispose();
      }
    });
}
