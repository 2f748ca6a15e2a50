// Shared by the proto tests (not a test file itself): real grpc-js servers on 127.0.0.1:0.
import * as grpc from '@grpc/grpc-js';
import { addService, createClient } from '../../proto/load.js';
import { channelOptions, serverOptions, type TransportOptions } from '../../proto/options.js';
import type { CoordinatorHandlers, ServiceTypes, WeightsHandlers } from '../../proto/types.js';

const unimplemented = (name: string) => (_call: unknown, callback?: unknown) => {
  const status = { code: grpc.status.UNIMPLEMENTED, details: `${name} is not part of this test` };
  if (typeof callback === 'function') (callback as grpc.sendUnaryData<never>)(status);
  else (_call as grpc.ServerWritableStream<unknown, unknown>).emit('error', status);
};

/** A full Coordinator handler table answering UNIMPLEMENTED, with `overrides` in place. */
export function coordinatorHandlers(overrides: Partial<CoordinatorHandlers> = {}): CoordinatorHandlers {
  const names = ['RegisterWorker', 'Heartbeat', 'LeasePrompts', 'SubmitGroup', 'ReleaseLeases', 'TakeGroups', 'GetStatus'] as const;
  const base = Object.fromEntries(names.map((n) => [n, unimplemented(n)])) as unknown as CoordinatorHandlers;
  return { ...base, ...overrides };
}

/** A full Weights handler table answering UNIMPLEMENTED, with `overrides` in place. */
export function weightsHandlers(overrides: Partial<WeightsHandlers> = {}): WeightsHandlers {
  const names = ['GetVersion', 'FetchWeights', 'PublishWeights', 'WatchVersions', 'ResolveSource', 'AnnouncePeer', 'ReportFetch'] as const;
  const base = Object.fromEntries(names.map((n) => [n, unimplemented(n)])) as unknown as WeightsHandlers;
  return { ...base, ...overrides };
}

export interface Running {
  server: grpc.Server;
  address: string;
  coordinator: ServiceTypes['Coordinator']['client'];
  weights: ServiceTypes['Weights']['client'];
  /** Close the clients and shut the server down. */
  close(): Promise<void>;
}

/** Start a server with both services on 127.0.0.1:0 and connect insecure clients to it. */
export async function startServer(
  opts: {
    coordinator?: CoordinatorHandlers;
    weights?: WeightsHandlers;
    server?: Partial<TransportOptions>;
    client?: Partial<TransportOptions>;
    clientExtra?: grpc.ClientOptions;
  } = {},
): Promise<Running> {
  const server = new grpc.Server(serverOptions(opts.server));
  addService(server, 'Coordinator', opts.coordinator ?? coordinatorHandlers());
  addService(server, 'Weights', opts.weights ?? weightsHandlers());
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  const address = `127.0.0.1:${port}`;
  const clientOptions = { ...channelOptions(opts.client), ...opts.clientExtra };
  const coordinator = createClient('Coordinator', address, grpc.credentials.createInsecure(), clientOptions);
  const weights = createClient('Weights', address, grpc.credentials.createInsecure(), clientOptions);
  return {
    server,
    address,
    coordinator,
    weights,
    close: async () => {
      await Promise.resolve();
      coordinator.close();
      weights.close();
      server.forceShutdown();
    },
  };
}

/** Await a promise that must reject; return the rejection. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject, it resolved');
}
