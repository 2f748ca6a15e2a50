/**
 * The TLS flags of every role and client command, read and checked without loading gRPC (the
 * CLI registers them at start-up; docs/ARCHITECTURE.md "Lazy loading"). The credentials built
 * from them are proto/tls.ts.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../shared/errors.js';

/** Paths as given by the flags (undefined = flag absent). */
export interface TlsFlags {
  readonly cert?: string;
  readonly key?: string;
  readonly ca?: string;
}

/** The files' contents, checked. */
export interface TlsMaterial {
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly ca?: Buffer;
}

function readPem(flag: string, path: string, kind: RegExp): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new ConfigError(flag, `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (!kind.test(bytes.toString('latin1'))) throw new ConfigError(flag, `${path} holds no PEM ${kind.source.replace(/[\\^$]/g, '')} block`);
  return bytes;
}

/**
 * Read and check the TLS flags of a `role`: undefined when none is given (plain text). A server
 * needs --tls-cert and --tls-key together; a client's --tls-cert and --tls-key come together or
 * not at all. ConfigError names the flag.
 */
export function validateTlsFlags(flags: TlsFlags, role: 'server' | 'client'): TlsMaterial | undefined {
  const { cert, key, ca } = flags;
  if (cert === undefined && key === undefined && ca === undefined) return undefined;
  if (role === 'server' && (cert === undefined || key === undefined)) {
    throw new ConfigError(
      cert === undefined ? '--tls-cert' : '--tls-key',
      'the coordinator needs --tls-cert and --tls-key together (--tls-ca adds client certificates)',
    );
  }
  if ((cert === undefined) !== (key === undefined)) {
    throw new ConfigError(cert === undefined ? '--tls-cert' : '--tls-key', 'a client certificate needs --tls-cert and --tls-key together');
  }
  return {
    cert: cert === undefined ? undefined : readPem('--tls-cert', cert, /-----BEGIN CERTIFICATE-----/),
    key: key === undefined ? undefined : readPem('--tls-key', key, /-----BEGIN [A-Z ]*PRIVATE KEY-----/),
    ca: ca === undefined ? undefined : readPem('--tls-ca', ca, /-----BEGIN CERTIFICATE-----/),
  };
}

/** True for hosts only this machine reaches: 127.x, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  return /^(127\.\d+\.\d+\.\d+|\[?::1\]?|localhost)$/i.test(host);
}
