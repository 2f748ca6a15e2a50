/**
 * Loads proto/anomseer.proto once and hands out typed service definitions, clients and
 * server registration. Every process goes through here, so all of them decode the wire the
 * same way (LOADER_OPTIONS):
 *
 *   keepCase: true     field names stay snake_case, exactly as in the .proto
 *   longs: Number      64-bit integers become JS numbers. They only hold counts, weight
 *                      versions and millisecond times (now ≈ 1.8e12 ms), all far below
 *                      Number.MAX_SAFE_INTEGER (≈ 9.0e15), so strings would buy nothing and
 *                      cost a parse at every use.
 *   bytes: Buffer      weight chunks arrive as Buffers, no base64 detour
 *   enums: String      enum values are their names ('WORKER_STATE_IDLE'), readable in logs
 *   defaults: true     absent scalars decode as 0 / '' / false, repeated as [], messages as null
 *   oneofs: true       a oneof gets a discriminator field naming the member that is set
 *
 * Example:
 *   const server = new grpc.Server(serverOptions());
 *   addService(server, 'Coordinator', handlers);
 *   const client = createClient('Coordinator', '127.0.0.1:7070', grpc.credentials.createInsecure(), channelOptions());
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import type { ServiceName, ServiceTypes } from './types.js';

/** Absolute path of the contract. */
export const PROTO_PATH = fileURLToPath(new URL('./anomseer.proto', import.meta.url));

/** Proto package every name lives in. */
export const PROTO_PACKAGE = 'anomseer.v1';

/** Services of the contract, in the order the docs present them. */
export const SERVICE_NAMES: readonly ServiceName[] = Object.freeze(['Coordinator', 'Weights', 'PeerWeights', 'Detect']);

/** How every process decodes the wire; see the file comment for the reasons. */
export const LOADER_OPTIONS: Readonly<protoLoader.Options> = Object.freeze({
  keepCase: true,
  longs: Number,
  bytes: Buffer,
  enums: String,
  defaults: true,
  oneofs: true,
});

/** A generated client class with the service definition it was built from. */
export interface TypedClientConstructor<C extends grpc.Client> {
  new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ClientOptions): C;
  service: grpc.ServiceDefinition;
  serviceName: string;
}

export interface AnomseerProto {
  /** The raw package definition (message and enum descriptors under `anomseer.v1.<Name>`). */
  readonly packageDefinition: protoLoader.PackageDefinition;
  readonly Coordinator: TypedClientConstructor<ServiceTypes['Coordinator']['client']>;
  readonly Weights: TypedClientConstructor<ServiceTypes['Weights']['client']>;
  readonly PeerWeights: TypedClientConstructor<ServiceTypes['PeerWeights']['client']>;
  /** Served by `anomseer serve`, not by a training cluster (docs/SERVE.md). */
  readonly Detect: TypedClientConstructor<ServiceTypes['Detect']['client']>;
}

let cached: AnomseerProto | undefined;

/** The loaded contract; parsed on first use, then shared (the descriptors are immutable). */
export function loadAnomseerProto(): AnomseerProto {
  if (cached !== undefined) return cached;
  const packageDefinition = protoLoader.loadSync(PROTO_PATH, { ...LOADER_OPTIONS });
  const root = grpc.loadPackageDefinition(packageDefinition);
  const pkg = PROTO_PACKAGE.split('.').reduce<grpc.GrpcObject>((node, part) => node[part] as grpc.GrpcObject, root);
  const ctor = <N extends ServiceName>(name: N): TypedClientConstructor<ServiceTypes[N]['client']> => {
    const c = pkg[name];
    if (typeof c !== 'function' || !('service' in c)) {
      throw new Error(`${PROTO_PATH}: service ${PROTO_PACKAGE}.${name} is missing`);
    }
    // The generated class has exactly the methods of the service; ServiceTypes names them.
    return c as unknown as TypedClientConstructor<ServiceTypes[N]['client']>;
  };
  cached = Object.freeze({
    packageDefinition,
    Coordinator: ctor('Coordinator'),
    Weights: ctor('Weights'),
    PeerWeights: ctor('PeerWeights'),
    Detect: ctor('Detect'),
  });
  return cached;
}

/** The grpc-js service definition of one service (method paths, serializers, stream flags). */
export function serviceDefinition(name: ServiceName): grpc.ServiceDefinition {
  return loadAnomseerProto()[name].service;
}

/** Register typed handlers for one service on a server. */
export function addService<N extends ServiceName>(server: grpc.Server, name: N, handlers: ServiceTypes[N]['handlers']): void {
  server.addService(serviceDefinition(name), handlers);
}

/** A typed client of one service. */
export function createClient<N extends ServiceName>(
  name: N,
  address: string,
  credentials: grpc.ChannelCredentials,
  options?: grpc.ClientOptions,
): ServiceTypes[N]['client'] {
  const Client = loadAnomseerProto()[name] as TypedClientConstructor<ServiceTypes[N]['client']>;
  return new Client(address, credentials, options);
}
