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
import * as grpc from '@grpc/grpc-js';
import type { TlsMaterial } from './tls-flags.js';

export { isLoopbackHost, validateTlsFlags } from './tls-flags.js';
export type { TlsFlags, TlsMaterial } from './tls-flags.js';

/** Server credentials: plain text without material; TLS; mTLS (client certificates required) with a CA. */
export function serverCredentials(tls: TlsMaterial | undefined): grpc.ServerCredentials {
  if (tls === undefined) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(tls.ca ?? null, [{ private_key: tls.key!, cert_chain: tls.cert! }], tls.ca !== undefined);
}

/** Channel credentials: plain text without material; TLS verifying the server (against the CA, else the system roots), with this client's certificate when given. */
export function channelCredentials(tls: TlsMaterial | undefined): grpc.ChannelCredentials {
  if (tls === undefined) return grpc.credentials.createInsecure();
  quietIpServerName();
  return grpc.credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null);
}

let quieted = false;
/**
 * A coordinator reached by IP address (127.0.0.1, a pod IP) over TLS: grpc-js gives the IP as the
 * TLS server name, and Node prints DEP0123 ("Setting the TLS ServerName to an IP address is not
 * permitted by RFC 6066") into every client's output. The certificate is still checked against
 * the IP (its IP SAN); only that warning is dropped, every other one is printed as before.
 */
function quietIpServerName(): void {
  if (quieted) return;
  quieted = true;
  const printers = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (w: Error & { code?: string }) => {
    if (w.code === 'DEP0123') return;
    for (const p of printers) p(w);
  });
}
