// The step plan: which prompts each step hands out, and the ids derived from a job.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jobIdOf, planSteps, recordIdOf } from '../../shared/job/plan.js';
import { labelOf } from '../../coordinator/service/labels.js';
import { Rng } from '../../shared/rng.js';
import { fakeRecords, smokeJob } from './helpers.js';

const ids = Array.from({ length: 10 }, (_, i) => `r${i}`);

test('steps are consecutive pieces of the per-epoch shuffles the single-process trainer uses', () => {
  const plan = planSteps(3407, ids, 3, 4);
  const rng = new Rng(3407);
  const stream = [0, 1].flatMap((e) =>
    rng
      .fork(`rl/epoch/${e}`)
      .shuffle(ids.map((_, i) => i))
      .map((i) => ids[i]!),
  );
  assert.equal([...plan.promptsOf(1)], stream.slice(0, 4));
  assert.equal([...plan.promptsOf(2)], stream.slice(4, 8));
  assert.is(plan.total, 12);
  assert.equal(plan.promptsOf(4), []);
});

test('a record that appears twice in one step gets a #2 suffix, which recordIdOf strips', () => {
  const plan = planSteps(1, ['a', 'b'], 2, 3);
  for (let k = 1; k <= 2; k++) {
    const p = plan.promptsOf(k);
    assert.is(new Set(p).size, 3, `step ${k} items are distinct: ${p.join(',')}`);
    assert.ok(p.every((id) => ['a', 'b'].includes(recordIdOf(id))));
  }
  assert.is(recordIdOf('x#2'), 'x');
  assert.is(recordIdOf('x#y'), 'x#y');
});

test('the job id names the job and changes with any config value', () => {
  const a = jobIdOf(smokeJob());
  assert.match(a, /^smoke-[0-9a-f]{12}$/);
  assert.is(jobIdOf(smokeJob()), a);
  assert.is.not(jobIdOf(smokeJob({ 'optim.lr': '0.001' })), a);
});

test('the job id is what the job asks for: a key set to its default is the same job as one left out, outputDir is not the job', () => {
  const a = jobIdOf(smokeJob());
  // Keys added by later versions with defaults (train.initFrom, data.windowOffset) leave old jobs' ids alone.
  assert.is(jobIdOf(smokeJob({ 'train.initFrom': 'none', 'data.windowOffset': 'start' })), a);
  assert.is(jobIdOf(smokeJob({ 'timerpo.klCoef': '0.001', seed: '3407' })), a);
  assert.is(jobIdOf(smokeJob({ outputDir: '/elsewhere/smoke' })), a);
  assert.is.not(jobIdOf(smokeJob({ 'data.windowOffset': 'random' })), a);
});

test('labels travel as wire enums with half-open intervals', () => {
  const [normal, anomalous] = fakeRecords(2);
  assert.equal(labelOf(normal!), { anomaly_type: 'ANOMALY_TYPE_NORMAL', intervals: [] });
  assert.equal(labelOf(anomalous!), { anomaly_type: 'ANOMALY_TYPE_GLOBAL_POINT', intervals: [{ start: 4, end: 6 }] });
});

test.run();
