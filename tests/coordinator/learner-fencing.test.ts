// coordinator/service/learner-fencing.ts as tables of cases: which learner calls pass the fence,
// and which items a resume point names (checked against the plan).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JobStateError, LearnerFencedError } from '../../proto/errors.js';
import type { LearnerFence } from '../../proto/learner-fence.js';
import type { ResumePoint } from '../../proto/types.js';
import { checkFence, resumeItems } from '../../coordinator/service/learner-fencing.js';
import { planSteps } from '../../shared/job/plan.js';
import { InvalidArgumentError } from '../../shared/errors.js';

const HOLD = { jobEpoch: 'state-1', learnerEpoch: 2, createdAtMs: 1_800_000_000_000 };

test('the fence: only the latest claim on this state passes', () => {
  const cases: [string, LearnerFence | undefined, typeof HOLD, (new (...a: never[]) => Error) | undefined, RegExp?][] = [
    ['no fence, nobody claimed yet (a client from before ClaimLearner)', undefined, { ...HOLD, learnerEpoch: 0 }, undefined],
    ['the holder', { jobEpoch: 'state-1', learnerEpoch: 2 }, HOLD, undefined],
    ['no fence once a learner claimed', undefined, HOLD, LearnerFencedError, /^this call carries no learner epoch, but learner epoch 2 holds the job/],
    [
      'an older learner',
      { jobEpoch: 'state-1', learnerEpoch: 1 },
      HOLD,
      LearnerFencedError,
      /^learner epoch 1 was replaced: learner epoch 2 has claimed the job since/,
    ],
    [
      'a learner of a state that is gone',
      { jobEpoch: 'state-0', learnerEpoch: 2 },
      HOLD,
      JobStateError,
      /^this learner trained against state state-0 of job j, but the coordinator holds state state-1 \(created 2027-01-15T08:00:00\.000Z\).*--resume.*--rebuild-state/,
    ],
  ];
  for (const [what, fence, hold, cls, re] of cases) {
    let err: unknown;
    try {
      checkFence(fence, hold, 'j');
    } catch (e) {
      err = e;
    }
    if (cls === undefined) assert.is(err, undefined, what);
    else {
      assert.instance(err, cls, what);
      assert.match((err as Error).message, re!, what);
    }
  }
});

const PLAN = planSteps(7, ['a', 'b', 'c', 'd', 'e', 'f'], 3, 2);
const point = (p: Partial<ResumePoint>): ResumePoint => ({
  weight_version: 3,
  step: 2,
  sha256: 'ab'.repeat(32),
  job_epoch: 'state-1',
  through_step: 2,
  extra_items: [],
  missing_items: [],
  ...p,
});
const step = (k: number) => PLAN.promptsOf(k).map((id) => `${k}:${id}`);

test('a resume point names steps 1..through_step, plus extra, minus missing', () => {
  assert.equal(resumeItems(PLAN, point({})).sort(), [...step(1), ...step(2)].sort());
  assert.equal(resumeItems(PLAN, point({ through_step: 0, weight_version: 0, sha256: '' })), []);
  const extra = step(3)[0]!;
  const missing = step(2)[1]!;
  assert.equal(resumeItems(PLAN, point({ extra_items: [extra], missing_items: [missing] })).sort(), [...step(1), step(2)[0]!, extra].sort());
});

test('a resume point is checked, each failure naming its field', () => {
  const cases: [string, Partial<ResumePoint>, RegExp][] = [
    ['a negative version', { weight_version: -1 }, /^resume\.weight_version: is -1/],
    ['a step beyond the plan', { through_step: 4 }, /^resume\.through_step: is 4; the plan has steps 1\.\.3/],
    ['a version without its sha256', { sha256: 'nope' }, /^resume\.sha256: is "nope"; expected 64 lowercase hex digits/],
    ['an item of no step', { extra_items: ['x'] }, /^resume\.extra_items\[0\]: "x" is not a planned item/],
    ['an item not planned in its step', { missing_items: [`1:${step(2)[0]!.slice(2)}zz`] }, /^resume\.missing_items\[0\]: .* is not a planned item/],
    ['a step 0 item', { extra_items: ['0:a'] }, /^resume\.extra_items\[0\]: "0:a" is not a planned item/],
  ];
  for (const [what, p, re] of cases) {
    let err: unknown;
    try {
      resumeItems(PLAN, point(p));
    } catch (e) {
      err = e;
    }
    assert.instance(err, InvalidArgumentError, what);
    assert.match((err as Error).message, re, what);
  }
});

test.run();
