/**
 * `anomseer export --onnx DIR [--checkpoint CKPT]`: write a trained policy as two ONNX graphs
 * with the weights baked in, a policy.json describing inputs, vocabulary and the greedy
 * decoding procedure, a worked example and SHA256SUMS — runnable by any ONNX Runtime
 * (docs/SERVE.md "Export").
 */
import type { Command } from 'commander';
import { ConfigError } from '../../shared/errors.js';
import { USER_DATA_CHECKPOINT_HELP, userDataCheckpoint } from './eval.js';

interface Flags {
  onnx?: string;
  checkpoint?: string;
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('Export a trained policy as ONNX graphs + policy.json (inputs, vocabulary, decoding) + SHA256SUMS, for any ONNX Runtime.')
    .option('--onnx <dir>', 'where to write the ONNX export (required)')
    .option('--checkpoint <dir>', USER_DATA_CHECKPOINT_HELP)
    .action(async (flags: Flags) => {
      if (flags.onnx === undefined || flags.onnx.trim() === '') throw new ConfigError('--onnx', 'is required: the directory to write the export to');
      const checkpoint = userDataCheckpoint(flags.checkpoint);
      const { exportPolicy } = await import('../../serve/main.js');
      const r = await exportPolicy(checkpoint, flags.onnx);
      process.stdout.write(`exported ${checkpoint} to ${r.dir} (${(r.bytes / 1e6).toFixed(1)} MB): ${r.files.join(', ')}\n`);
    });
}
