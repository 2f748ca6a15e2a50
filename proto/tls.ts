/**
 * TLS and mutual TLS for every gRPC channel of a job (docs/DEPLOY.md "mTLS"). PEM files, given
 * by the same three flags on every role and client command:
 *
 *   coordinator (server)  --tls-cert, --tls-key: its certificate and key (TLS on);
 *                         --tls-ca: clients must present a certificate signed by this CA (mTLS)
 *   learner, worker,      --tls-ca: verify the coordinator against this CA (else the system roots);
 *   status, scale         --tls-cert, --tls-key: this client's certificate (required by an mTLS coordinator)
 *
 * The bearer token is still checked on top of TLS (proto/auth.ts): a client needs both a
 * certificate the coordinator trusts and the job's token. No flag at all: plain text, which is
 * for loopback and trusted networks only. `scripts/make-certs.sh` makes a CA, a coordinator
 * certificate (SAN 127.0.0.1, localhost and a DNS name) and client certificates.
 */
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
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

/** Server credentials: plain text without material; TLS; mTLS (client certificates required) with a CA. */
export function serverCredentials(tls: TlsMaterial | undefined): grpc.ServerCredentials {
  if (tls === undefined) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(tls.ca ?? null, [{ private_key: tls.key!, cert_chain: tls.cert! }], tls.ca !== undefined);
}

/** Channel credentials: plain text without material; TLS verifying the server (against the CA, else the system roots), with this client's certificate when given. */
export function channelCredentials(tls: TlsMaterial | undefined): grpc.ChannelCredentials {
  if (tls === undefined) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null);
}

/** True for hosts only this machine reaches: 127.x, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  return /^(127\.\d+\.\d+\.\d+|\[?::1\]?|localhost)$/i.test(host);
}
