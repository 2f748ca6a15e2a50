/**
 * What `status` and `scale` need to call the coordinator, in one module their actions import
 * when they run (`await import('./grpc-client.js')`), so gRPC is not loaded by `--help` or by
 * any other command.
 */
export * as grpc from '@grpc/grpc-js';
export { bearerInterceptor, tokenFrom } from '../../proto/auth.js';
export { unary } from '../../proto/call.js';
export { channelOptions } from '../../proto/options.js';
export { connectClient } from '../../proto/tls.js';
