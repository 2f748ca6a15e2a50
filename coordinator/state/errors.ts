/**
 * Result codes of the state operations and the ONE function that turns a code into a typed error.
 * The Lua scripts return these small negative numbers (first element of their reply); the memory
 * store throws through the same function, so both stores fail with the same class and message.
 */
import { AnomseerError, InvalidArgumentError } from '../../shared/errors.js';
import { JobStateError, NotFoundError, StaleWeightsError } from '../../proto/errors.js';

/** A change that contradicts recorded state: another config for the job, a version gap or a rewritten version. */
export class StateConflictError extends AnomseerError {
  readonly field: string;
  constructor(field: string, message: string) {
    super('E_STATE_CONFLICT', `${field}: ${message}`);
    this.field = field;
  }
}

/** Codes shared by the Lua scripts (see each script's header) and the memory store. */
export const CODE = {
  OK: 0,
  UNKNOWN_WORKER: -1,
  UNKNOWN_LEASE: -2,
  STALE_WEIGHTS: -3,
  UNKNOWN_BATCH: -4,
  CONFIG_CONFLICT: -5,
  VERSION_CONFLICT: -6,
  NO_JOB: -7,
  LEASE_NOT_OWNED: -8,
  PROMPT_MISMATCH: -9,
  STATE_INCOMPLETE: -10,
  JOB_STARTED: -11,
  STATE_MISMATCH: -12,
  STATE_BEHIND: -13,
  CHECKPOINT_MISMATCH: -14,
} as const;

export type ErrorCode = Exclude<(typeof CODE)[keyof typeof CODE], 0>;

/** What the caller knows about the failed operation, used to word the error. */
export interface ErrorContext {
  readonly jobId: string;
  readonly workerId?: string;
  readonly leaseId?: string;
  readonly batchId?: number;
  /** Numeric details the script returned after the code (e.g. [used, min] for stale weights). */
  readonly details?: readonly (number | string)[];
}

/** Turn a negative script code into the typed error the coordinator reports. */
export function errorFromCode(code: number, ctx: ErrorContext): AnomseerError {
  const d = ctx.details ?? [];
  switch (code) {
    case CODE.UNKNOWN_WORKER:
      return new NotFoundError('worker', ctx.workerId ?? '', 'register the worker again (RegisterWorker)');
    case CODE.UNKNOWN_LEASE:
      return new NotFoundError('lease', ctx.leaseId ?? '', 'the coordinator never issued it for this job; lease again');
    case CODE.STALE_WEIGHTS:
      return new StaleWeightsError(Number(d[0]), Number(d[1]));
    case CODE.UNKNOWN_BATCH:
      return new NotFoundError('batch', String(ctx.batchId ?? ''), 'acknowledge only a batch_id received from TakeGroups');
    case CODE.CONFIG_CONFLICT:
      return new StateConflictError(
        'configHash',
        `job "${ctx.jobId}" was started with config ${String(d[0])}, not ${String(d[1])}; resume with the same config or use a new job id`,
      );
    case CODE.VERSION_CONFLICT:
      return new StateConflictError(
        'weightVersion',
        `job "${ctx.jobId}" has latest version ${String(d[0])} (sha256 ${String(d[1])}); cannot publish version ${String(d[2])} (sha256 ${String(d[3])}): publish latest + 1, versions are immutable`,
      );
    case CODE.NO_JOB:
      return new NotFoundError('job', ctx.jobId, 'call initJob first');
    case CODE.LEASE_NOT_OWNED:
      return new InvalidArgumentError(
        'lease_id',
        `lease "${ctx.leaseId ?? ''}" was handed to worker "${String(d[0])}", not "${ctx.workerId ?? ''}"; submit only leases this worker took`,
      );
    case CODE.PROMPT_MISMATCH:
      return new InvalidArgumentError('prompt_id', `is "${String(d[1])}"; lease "${ctx.leaseId ?? ''}" is for prompt "${String(d[0])}"`);
    case CODE.STATE_INCOMPLETE:
      return new JobStateError(
        'incomplete',
        `job "${ctx.jobId}" has no job record but other state (${String(d[0])}) in the store: it was lost or evicted; start the coordinator with --rebuild-state to rebuild it from the learner's checkpoint`,
      );
    case CODE.JOB_STARTED:
      return new JobStateError(
        'started',
        `job "${ctx.jobId}" already has weight version ${String(d[0])} (learner epoch ${String(d[1])}); a new learner continues it from the last learner's checkpoint: \`anomseer learner … --resume\` with the same outputDir`,
      );
    case CODE.STATE_MISMATCH:
      return new JobStateError(
        'lost',
        `the checkpoint was trained against state ${String(d[1])} of job "${ctx.jobId}", but the coordinator holds state ${String(d[0])} (created ${new Date(Number(d[2])).toISOString()}, latest version ${String(d[3])}): the state it trained against is gone; restart the coordinator with --rebuild-state to rebuild it from this checkpoint`,
      );
    case CODE.STATE_BEHIND:
      return new JobStateError(
        'behind',
        `the checkpoint holds version ${String(d[1])} of job "${ctx.jobId}", but the coordinator's latest is ${String(d[0])}: the state is older than the checkpoint (restored from an old snapshot?); restart the coordinator with --rebuild-state to rebuild it from this checkpoint`,
      );
    case CODE.CHECKPOINT_MISMATCH:
      return new JobStateError(
        'mismatch',
        `the checkpoint's weights (sha256 ${String(d[2])}) are not version ${String(d[0])} of job "${ctx.jobId}" (sha256 ${String(d[1])}): it comes from another run of the job; resume from the run directory of the learner that trained this state`,
      );
    default:
      return new AnomseerError('E_STATE', `state script returned unexpected code ${code} (job "${ctx.jobId}")`);
  }
}
