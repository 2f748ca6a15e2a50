/**
 * The learner process of a cluster run: job file (+ --set flags; must match the coordinator's:
 * the job ids are compared) → token → gRPC clients → runRemoteTraining → summary JSON.
 * The only place the learner's real dependencies are wired.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import sharp from 'sharp';
import { bearerInterceptor } from '../proto/auth.js';
import { createClient } from '../proto/load.js';
import { channelOptions } from '../proto/options.js';
import { applyOverrides, loadJobFile, parseSetFlags } from '../shared/config/load.js';
import { tokenFrom } from '../rollout-worker/main.js';
import { runRemoteTraining } from './remote-loop.js';
import type { RemoteTrainSummary } from './remote-loop.js';

export interface LearnerMainOptions {
  readonly jobFile: string;
  readonly set?: readonly string[];
  readonly coordinator: string;
  readonly tokenFile?: string;
  readonly summary?: string;
  readonly device: string;
  readonly threads: number;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: (line: string) => void;
}

export async function runLearner(o: LearnerMainOptions): Promise<RemoteTrainSummary> {
  const job = applyOverrides(loadJobFile(o.jobFile), parseSetFlags([...(o.set ?? [])]));
  const token = tokenFrom(o.env, o.tokenFile);
  const opts = { ...channelOptions({ maxMessageBytes: job.cluster.maxMessageBytes }), interceptors: [bearerInterceptor(token)] };
  const coord = createClient('Coordinator', o.coordinator, grpc.credentials.createInsecure(), opts);
  const weights = createClient('Weights', o.coordinator, grpc.credentials.createInsecure(), opts);
  sharp.cache(false);
  try {
    const summary = await runRemoteTraining(job, {
      coord, weights, rpcDeadlineMs: job.cluster.rpcDeadline, sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      clock: () => new Date(), log: o.log, device: o.device, threads: o.threads,
    });
    o.log(`learner: done in ${summary.wallSeconds.toFixed(1)}s; checkpoint ${summary.checkpoint}; ${summary.promptsTrained} prompts trained, ${summary.promptsRequeued} requeued, ${summary.duplicatesDropped} duplicates dropped, ${summary.workers} workers`);
    if (o.summary !== undefined) {
      mkdirSync(dirname(o.summary), { recursive: true });
      writeFileSync(o.summary, JSON.stringify(summary, null, 2) + '\n');
    }
    return summary;
  } finally {
    coord.close();
    weights.close();
  }
}
