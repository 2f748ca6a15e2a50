/**
 * `anomseer serve [--checkpoint DIR]`: a trained policy answering series over HTTP
 * (POST /v1/detect) and gRPC (anomseer.v1.Detect) until SIGTERM/SIGINT (docs/SERVE.md).
 * Loopback by default; every route but /healthz needs the bearer token (ANOMSEER_TOKEN, or
 * the token file, generated with mode 0600 when absent).
 *
 *   anomseer serve --port 7480 --grpc-port 7481
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { validateServeOptions, SERVE_DEFAULTS } from '../../serve/options.js';
import { USER_DATA_CHECKPOINT_HELP, userDataCheckpoint } from './eval.js';
import { parseIntFlag, parsePortFlag, parseThreads } from './flags.js';

interface Flags {
  checkpoint?: string;
  host: string;
  port: string;
  grpcPort: string;
  grpc: boolean;
  tokenFile?: string;
  threads: string;
  maxBodyBytes: string;
  maxPoints: string;
  maxBatch: string;
  maxWaitMs: string;
  batching: boolean;
}

/** Where a generated token goes when --token-file is not given. */
export const DEFAULT_SERVE_TOKEN_FILE = join(homedir(), '.anomseer', 'serve.token');

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'Serve a trained policy: POST /v1/detect over HTTP and anomseer.v1.Detect over gRPC, batching concurrent requests (bearer token; loopback by default).',
    )
    .option('--checkpoint <dir>', USER_DATA_CHECKPOINT_HELP)
    .option('--host <host>', 'address both servers bind (0.0.0.0 serves every interface over plain HTTP)', SERVE_DEFAULTS.host)
    .option('--port <n>', 'HTTP port (0 = any free port)', String(SERVE_DEFAULTS.port))
    .option('--grpc-port <n>', 'gRPC port (0 = any free port)', String(SERVE_DEFAULTS.grpcPort))
    .option('--no-grpc', 'serve HTTP only')
    .option(
      '--token-file <file>',
      `bearer token file, read when it exists, else generated there with mode 0600 (default ${DEFAULT_SERVE_TOKEN_FILE}); ANOMSEER_TOKEN wins over it`,
    )
    .option('--threads <n>', 'ONNX Runtime threads', String(SERVE_DEFAULTS.threads))
    .option('--max-body-bytes <n>', 'largest request body / gRPC message (413 / RESOURCE_EXHAUSTED above)', String(SERVE_DEFAULTS.maxBodyBytes))
    .option('--max-points <n>', 'most values in one series (400 / INVALID_ARGUMENT above)', String(SERVE_DEFAULTS.maxPoints))
    .option('--max-batch <n>', 'most windows decoded together', String(SERVE_DEFAULTS.maxBatchWindows))
    .option('--max-wait-ms <n>', 'how long the first queued window waits for others, ms', String(SERVE_DEFAULTS.maxWaitMs))
    .option('--no-batching', "decode each request's windows on their own (no batching across requests)")
    .action(async (flags: Flags) => {
      const checkpoint = userDataCheckpoint(flags.checkpoint);
      const options = validateServeOptions({
        checkpoint,
        tokenFile: flags.tokenFile ?? DEFAULT_SERVE_TOKEN_FILE,
        host: flags.host,
        port: parsePortFlag('--port', flags.port),
        grpcPort: flags.grpc ? parsePortFlag('--grpc-port', flags.grpcPort) : null,
        threads: parseThreads(flags.threads),
        maxBodyBytes: parseIntFlag('--max-body-bytes', flags.maxBodyBytes, 1024, 1024 ** 3),
        maxPoints: parseIntFlag('--max-points', flags.maxPoints, 1, 10_000_000),
        maxBatchWindows: parseIntFlag('--max-batch', flags.maxBatch, 1, 1024),
        maxWaitMs: parseIntFlag('--max-wait-ms', flags.maxWaitMs, 0, 10_000),
        batching: flags.batching,
      });
      const log = (line: string) => process.stdout.write(`${line}\n`);
      const { runServe } = await import('../../serve/main.js');
      const s = await runServe({ options, env: process.env, log });
      await new Promise<void>((resolve) => {
        const stop = (sig: string) => {
          log(`serve: ${sig}; shutting down`);
          void s.close().then(resolve, resolve);
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
    });
}
