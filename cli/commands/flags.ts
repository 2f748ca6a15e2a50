/**
 * Flag parsers every command shares: each checks one flag and throws a ConfigError naming it
 * with the allowed range, so `--threads 0` reads the same in every command.
 */
import type { Command } from 'commander';
import { validateTlsFlags } from '../../proto/tls-flags.js';
import type { TlsMaterial } from '../../proto/tls-flags.js';
import { ConfigError } from '../../shared/errors.js';

/** An integer flag in [min, max]. */
export function parseIntFlag(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new ConfigError(flag, `must be an integer in [${min}, ${max}], got "${value}"`);
  return n;
}

/** `--threads`: ONNX Runtime intra-op threads per session, 1–64. */
export const parseThreads = (value: string, flag = '--threads'): number => parseIntFlag(flag, value, 1, 64);

/**
 * `--device`: cpu or cuda:N (shared/onnx/runtime parseDevice); returns the name as given. Async
 * because that module loads ONNX Runtime, which `--help` and light commands must not load.
 */
export async function parseDeviceFlag(value: string, flag = '--device'): Promise<string> {
  const { parseDevice } = await import('../../shared/onnx/runtime.js');
  parseDevice(value, flag);
  return value;
}

/** A TCP port flag, 0 = any free port. */
export const parsePortFlag = (flag: string, value: string): number => parseIntFlag(flag, value, 0, 65535);

/** The TLS flags of every role and client command (proto/tls.ts, docs/DEPLOY.md "mTLS"). */
export interface TlsFlagValues {
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
}

/** Add --tls-cert, --tls-key, --tls-ca to a command; `role` words the help. */
export function addTlsOptions(cmd: Command, role: 'server' | 'client'): Command {
  return role === 'server'
    ? cmd
        .option('--tls-cert <file>', 'serve gRPC over TLS with this certificate (PEM; with --tls-key)')
        .option('--tls-key <file>', 'the private key of --tls-cert (PEM)')
        .option('--tls-ca <file>', 'require client certificates signed by this CA (mutual TLS; PEM)')
    : cmd
        .option('--tls-ca <file>', 'connect over TLS, verifying the coordinator against this CA (PEM)')
        .option('--tls-cert <file>', 'this client’s certificate, for a coordinator that requires one (PEM; with --tls-key)')
        .option('--tls-key <file>', 'the private key of --tls-cert (PEM)');
}

/** The flags' files, read and checked (undefined = no TLS). */
export function tlsFromFlags(flags: TlsFlagValues, role: 'server' | 'client'): TlsMaterial | undefined {
  return validateTlsFlags({ cert: flags.tlsCert, key: flags.tlsKey, ca: flags.tlsCa }, role);
}

/** The TLS flags again, for a command line this one starts (scale → worker, train → roles). */
export function tlsArgs(flags: TlsFlagValues): string[] {
  return [
    ...(flags.tlsCert === undefined ? [] : ['--tls-cert', flags.tlsCert]),
    ...(flags.tlsKey === undefined ? [] : ['--tls-key', flags.tlsKey]),
    ...(flags.tlsCa === undefined ? [] : ['--tls-ca', flags.tlsCa]),
  ];
}

/**
 * SIGINT/SIGTERM once: abort the returned signal (a training loop finishes its step and saves a
 * checkpoint); twice: exit at once with 130, saving nothing. `who` prefixes the log lines.
 */
export function stopOnSignals(who: string, log: (line: string) => void): { signal: AbortSignal; dispose(): void } {
  const ctl = new AbortController();
  const on = (sig: NodeJS.Signals) => {
    if (ctl.signal.aborted) {
      log(`${who}: ${sig} again; exiting without a checkpoint`);
      process.exit(130);
    }
    log(`${who}: ${sig}; finishing the current step, then saving a checkpoint (${sig} again stops at once)`);
    ctl.abort();
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  return {
    signal: ctl.signal,
    dispose: () => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
    },
  };
}
