/**
 * The learner's fence (docs/CLUSTER.md "Learner resume"): every call of a learner after its
 * ClaimLearner carries `anomseer-learner: <job epoch>/<learner epoch>` metadata. The coordinator
 * refuses a call whose job epoch is not its state's fingerprint (JobStateError 'lost': the state
 * the learner trained against is gone) or whose learner epoch is not the latest claim
 * (LearnerFencedError: a newer learner took over). Example: `anomseer-learner: 9f2c41d07ab3e815/3`.
 */
import * as grpc from '@grpc/grpc-js';
import { InvalidArgumentError } from '../shared/errors.js';

export const LEARNER_METADATA_KEY = 'anomseer-learner';

export interface LearnerFence {
  /** The state's fingerprint (ClaimLearnerResponse.job_epoch). */
  readonly jobEpoch: string;
  /** The learner's claim (ClaimLearnerResponse.learner_epoch), >= 1. */
  readonly learnerEpoch: number;
}

/** Metadata carrying the fence (a new object each call: grpc-js may keep what it is given). */
export function learnerMetadata(f: LearnerFence): grpc.Metadata {
  const m = new grpc.Metadata();
  m.set(LEARNER_METADATA_KEY, `${f.jobEpoch}/${f.learnerEpoch}`);
  return m;
}

/** The fence a call carries: undefined without the header; InvalidArgumentError when malformed. */
export function fenceOf(metadata: grpc.Metadata): LearnerFence | undefined {
  const values = metadata.get(LEARNER_METADATA_KEY);
  if (values.length === 0) return undefined;
  const v = values.length === 1 && typeof values[0] === 'string' ? values[0] : '';
  const m = /^([A-Za-z0-9_-]{0,64})\/(\d{1,15})$/.exec(v);
  if (m === null)
    throw new InvalidArgumentError(LEARNER_METADATA_KEY, `must be one "<job epoch>/<learner epoch>" value, got ${JSON.stringify(values.map(String))}`);
  return { jobEpoch: m[1]!, learnerEpoch: Number(m[2]) };
}
