/**
 * A Coordinator client for the operator commands (`status`, `stop`): the token from
 * ANOMSEER_TOKEN or --token-file, every call with it; over TLS with --tls-ca (and a client
 * certificate for mTLS: --tls-cert/--tls-key). gRPC loads only when a command runs.
 */
import type { CoordinatorClient } from '../../proto/types.js';
import { tlsFromFlags } from './flags.js';
import type { TlsFlagValues } from './flags.js';

export interface RemoteFlags extends TlsFlagValues {
  readonly coordinator: string;
  readonly tokenFile?: string;
}

export async function connectCoordinator(flags: RemoteFlags): Promise<CoordinatorClient> {
  const tls = tlsFromFlags(flags, 'client');
  const { bearerInterceptor, tokenFrom, connectClient, channelOptions } = await import('./grpc-client.js');
  const token = tokenFrom(process.env, flags.tokenFile);
  return connectClient('Coordinator', flags.coordinator, tls, {
    ...channelOptions(),
    interceptors: [bearerInterceptor(token)],
  });
}
