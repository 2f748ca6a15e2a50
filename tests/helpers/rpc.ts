// Unary gRPC calls in tests: proto/call.ts's `unary` with the outer limit of ./wait.ts as the
// call's deadline instead of the 30 s a process uses, so a call ends with its answer however
// loaded the machine, and a hang still fails clearly. Tests about deadlines pass their own.
import type * as grpc from '@grpc/grpc-js';
import { unary } from '../../proto/call.js';
import type { CallOpts } from '../../proto/call.js';
import type { UnaryMethod } from '../../proto/types.js';
import { EVENT_LIMIT_MS } from './wait.js';

/** `unary(client, method, request, opts)` with `deadlineMs` EVENT_LIMIT_MS unless `opts` sets one. */
export function rpc<Req, Res>(client: grpc.Client, method: UnaryMethod<Req, Res>, request: Req, opts: CallOpts = {}): Promise<Res> {
  return unary(client, method, request, { deadlineMs: EVENT_LIMIT_MS, ...opts });
}
