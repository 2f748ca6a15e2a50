/**
 * The coordinator's side of "one learner per job" (docs/PROTOCOL.md "ClaimLearner and the learner
 * fence", docs/CLUSTER.md "Learner resume"), as pure functions over the job's current hold:
 *
 *   checkFence   is a learner call (its `anomseer-learner` fence) from the learner holding the job,
 *                trained against this state? Else JobStateError('lost') or LearnerFencedError.
 *   resumeItems  the item keys a resumed learner's ResumePoint says its checkpoint consumed,
 *                checked against the plan (InvalidArgumentError naming the field).
 */
import { JobStateError, LearnerFencedError } from '../../proto/errors.js';
import type { LearnerFence } from '../../proto/learner-fence.js';
import type { ResumePoint } from '../../proto/types.js';
import { InvalidArgumentError } from '../../shared/errors.js';
import type { StepPlan } from '../../shared/job/plan.js';
import { itemKey } from '../state/store.js';

/** Who holds the job: the state's fingerprint and the latest learner claim (from the job record). */
export interface LearnerHold {
  readonly jobEpoch: string;
  /** 0 = no learner has claimed the job yet. */
  readonly learnerEpoch: number;
  /** When the state was created, ms since epoch (for the message). */
  readonly createdAtMs: number;
}

/**
 * Throws unless `fence` is the holder's. No fence passes only while nobody has claimed the job
 * (clients from before ClaimLearner); once a learner has, a call without one is refused too.
 */
export function checkFence(fence: LearnerFence | undefined, hold: LearnerHold, jobId: string): void {
  if (fence === undefined) {
    if (hold.learnerEpoch > 0) throw new LearnerFencedError(0, hold.learnerEpoch);
    return;
  }
  if (fence.jobEpoch !== hold.jobEpoch) {
    throw new JobStateError(
      'lost',
      `this learner trained against state ${fence.jobEpoch || '(none)'} of job ${jobId}, but the coordinator holds state ${hold.jobEpoch} (created ${new Date(hold.createdAtMs).toISOString()}): the state it trained against is gone; restart the learner with --resume (and the coordinator with --rebuild-state to rebuild the state from its checkpoint)`,
    );
  }
  if (fence.learnerEpoch !== hold.learnerEpoch) throw new LearnerFencedError(fence.learnerEpoch, hold.learnerEpoch);
}

/**
 * The item keys ("<step>:<prompt id>") a resume point says were consumed: every planned item of
 * steps 1..through_step, plus extra_items, minus missing_items, each of which must be a planned
 * item. Also checks weight_version and sha256. Example: through_step 2 of a 4-prompt plan, no
 * extras → the 8 items of steps 1 and 2.
 */
export function resumeItems(plan: StepPlan, p: ResumePoint): string[] {
  if (!Number.isSafeInteger(p.weight_version) || p.weight_version < 0)
    throw new InvalidArgumentError('resume.weight_version', `is ${p.weight_version}; expected an integer >= 0`);
  if (!Number.isSafeInteger(p.through_step) || p.through_step < 0 || p.through_step > plan.steps)
    throw new InvalidArgumentError('resume.through_step', `is ${p.through_step}; the plan has steps 1..${plan.steps}`);
  if (p.weight_version > 0 && !/^[0-9a-f]{64}$/.test(p.sha256))
    throw new InvalidArgumentError('resume.sha256', `is ${JSON.stringify(p.sha256)}; expected 64 lowercase hex digits`);
  const planned = (key: string, field: string): string => {
    const colon = key.indexOf(':');
    const epoch = Number(key.slice(0, colon));
    if (colon < 1 || !Number.isInteger(epoch) || epoch < 1 || epoch > plan.steps || !plan.promptsOf(epoch).includes(key.slice(colon + 1)))
      throw new InvalidArgumentError(field, `${JSON.stringify(key)} is not a planned item "<step>:<prompt id>" of this job`);
    return key;
  };
  const out = new Set<string>();
  for (let k = 1; k <= p.through_step; k++) for (const id of plan.promptsOf(k)) out.add(itemKey(k, id));
  for (const [i, key] of p.extra_items.entries()) out.add(planned(key, `resume.extra_items[${i}]`));
  for (const [i, key] of p.missing_items.entries()) out.delete(planned(key, `resume.missing_items[${i}]`));
  return [...out];
}
