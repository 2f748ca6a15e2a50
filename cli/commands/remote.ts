/**
 * A Coordinator client for the operator commands (`status`, `stop`): the token from
 * ANOMSEER_TOKEN or --token-file, every call with it. gRPC loads only when a command runs.
 */
import type { CoordinatorClient } from '../../proto/types.js';

export interface RemoteFlags {
  readonly coordinator: string;
  readonly tokenFile?: string;
}

export async function connectCoordinator(flags: RemoteFlags): Promise<CoordinatorClient> {
  const { grpc, bearerInterceptor, tokenFrom, createClient, channelOptions } = await import('./grpc-client.js');
  const token = tokenFrom(process.env, flags.tokenFile);
  return createClient('Coordinator', flags.coordinator, grpc.credentials.createInsecure(), {
    ...channelOptions(),
    interceptors: [bearerInterceptor(token)],
  });
}
