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
import { isIP } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { checkServerIdentity } from 'node:tls';
import type { PeerCertificate } from 'node:tls';
import type { TlsMaterial } from './tls-flags.js';
import { createClient } from './load.js';
import type { ServiceName, ServiceTypes } from './types.js';

export { isLoopbackHost, validateTlsFlags } from './tls-flags.js';
export type { TlsFlags, TlsMaterial } from './tls-flags.js';

/** Server credentials: plain text without material; TLS; mTLS (client certificates required) with a CA. */
export function serverCredentials(tls: TlsMaterial | undefined): grpc.ServerCredentials {
  if (tls === undefined) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(tls.ca ?? null, [{ private_key: tls.key!, cert_chain: tls.cert! }], tls.ca !== undefined);
}

/**
 * Channel credentials for `address` (host:port): plain text without material; TLS verifying the
 * server (against the CA, else the system roots), with this client's certificate when given.
 *
 * A coordinator reached by IP address (127.0.0.1, a pod IP): grpc-js would give the IP as the TLS
 * server name, which RFC 6066 forbids and Node 26 refuses ("Setting the TLS ServerName to an IP
 * address is not permitted"; Node 20 only warns). Such a channel sends a fixed name instead
 * (`serverNameOptions`, which `connectClient` adds to the channel's options) and the certificate
 * is checked against the IP itself (its IP SAN), as before. Not exported: clients are built by
 * `connectClient`, which never takes one without the other.
 */
function channelCredentials(tls: TlsMaterial | undefined, address: string): grpc.ChannelCredentials {
  if (tls === undefined) return grpc.credentials.createInsecure();
  const ip = ipOf(address);
  const verify = ip === undefined ? undefined : { checkServerIdentity: (_name: string, cert: PeerCertificate) => checkServerIdentity(ip, cert) };
  return grpc.credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null, verify);
}

/** The TLS server name sent instead of an IP address (SNI only; the certificate is checked against the IP). */
export const IP_SERVER_NAME = 'anomseer-coordinator';

/** Channel options that go with `channelCredentials(tls, address)`. */
export function serverNameOptions(tls: TlsMaterial | undefined, address: string): { 'grpc.ssl_target_name_override'?: string } {
  return tls !== undefined && ipOf(address) !== undefined ? { 'grpc.ssl_target_name_override': IP_SERVER_NAME } : {};
}

/**
 * A client of service `name` at `address` (host:port) over `tls` (plain text when undefined):
 * `channelCredentials` and `serverNameOptions` always together, so a TLS channel to an IP
 * address cannot be built without the server name Node 26 needs. `options` (channelOptions(),
 * interceptors) are kept as given.
 */
export function connectClient<N extends ServiceName>(
  name: N,
  address: string,
  tls: TlsMaterial | undefined,
  options: grpc.ClientOptions = {},
): ServiceTypes[N]['client'] {
  return createClient(name, address, channelCredentials(tls, address), { ...options, ...serverNameOptions(tls, address) });
}

/** The extended key usage that lets a certificate serve TLS (RFC 5280 id-kp-serverAuth). */
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

/** The TLS server name a relay client sends (SNI only: relays are checked by their CA, not their name). */
export const RELAY_SERVER_NAME = 'anomseer-worker';

/**
 * The material a worker's weight relay (rollout-worker/peer-server.ts) is served and reached
 * with: the worker's own mTLS material, when it has one — a CA, and a certificate and key that
 * may serve TLS (scripts/make-certs.sh gives client certificates serverAuth for this). Else
 * `why` says what is missing, and the relay stays plain text (behind the token).
 */
export function relayTls(tls: TlsMaterial | undefined): { readonly tls: TlsMaterial } | { readonly tls: undefined; readonly why: string } {
  if (tls === undefined) return { tls: undefined, why: 'no TLS to the coordinator' };
  if (tls.ca === undefined || tls.cert === undefined || tls.key === undefined)
    return { tls: undefined, why: 'mutual TLS needs this worker to have --tls-ca, --tls-cert and --tls-key' };
  const usage = new X509Certificate(tls.cert).keyUsage;
  if (usage !== undefined && usage.length > 0 && !usage.includes(SERVER_AUTH))
    return { tls: undefined, why: 'its --tls-cert may not serve TLS (no serverAuth extended key usage); make it again with scripts/make-certs.sh' };
  return { tls };
}

/**
 * A PeerWeights client of the relay at `address` over the relay material of `relayTls` (plain text
 * when undefined). Over mTLS the relay's certificate is checked against the cluster CA but not
 * against the address (a worker's certificate names the worker, not where it runs): a relay is
 * trusted for holding a certificate of the CA, as a worker is by the coordinator. The bytes are
 * checked by sha256 either way.
 */
export function connectPeer(address: string, tls: TlsMaterial | undefined, options: grpc.ClientOptions = {}): ServiceTypes['PeerWeights']['client'] {
  if (tls === undefined) return createClient('PeerWeights', address, grpc.credentials.createInsecure(), options);
  const creds = grpc.credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null, { checkServerIdentity: () => undefined });
  return createClient('PeerWeights', address, creds, { ...options, 'grpc.ssl_target_name_override': RELAY_SERVER_NAME });
}

/** The IP address of `host:port` ([v6]:port too), or undefined for a host name. */
function ipOf(address: string): string | undefined {
  const colon = address.lastIndexOf(':');
  const host = (colon > 0 ? address.slice(0, colon) : address).replace(/^\[(.*)\]$/, '$1');
  return isIP(host) === 0 ? undefined : host;
}
