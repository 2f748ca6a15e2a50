// The synth tables: the shipped rows pass their check, bad rows fail naming the field,
// and placement keeps its promises when space runs out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../shared/errors.js';
import { Rng } from '../../shared/rng.js';
import { SYNTH_TASKS } from '../../shared/series/labels.js';
import { drawBackground } from '../../shared/synth/background.js';
import { checkSynthTaskParams } from '../../shared/synth/check-params.js';
import type { SynthTaskParams } from '../../shared/synth/params.js';
import { countCap, planEvents } from '../../shared/synth/placement.js';
import { ANOMALY_KIND_PARAMS, BACKGROUND_PARAMS, SYNTH_TASK_PARAMS } from '../../shared/synth/tasks.js';

test('every shipped task row passes its check and spans lengths 250–4,000 and counts within 0–50', () => {
  assert.equal(Object.keys(SYNTH_TASK_PARAMS), [...SYNTH_TASKS]);
  for (const task of SYNTH_TASKS) {
    const p = checkSynthTaskParams(task, SYNTH_TASK_PARAMS[task]);
    assert.ok(p.length[0] >= 250 && p.length[1] <= 4000, task);
    assert.ok(p.count[0] >= 0 && p.count[1] <= 50, task);
  }
  assert.is(Math.max(...SYNTH_TASKS.map((t) => SYNTH_TASK_PARAMS[t].count[1])), 50, 'some task reaches 50 anomalies');
});

const base = SYNTH_TASK_PARAMS['global-spikes'];
const badRows: [string, Partial<SynthTaskParams>, RegExp][] = [
  ['a reversed length range', { length: [400, 300] }, /^synth\.t\.length: must be \[lo, hi\], integers with 1 <= lo <= hi <= 1000000, got \[400,300\]$/],
  ['a normal rate above 1', { normalRate: 1.5 }, /^synth\.t\.normalRate: must be a probability in \[0, 1\], got 1\.5$/],
  ['more than 50 anomalies', { count: [1, 51] }, /^synth\.t\.count: must be \[lo, hi\], integers with 0 <= lo <= hi <= 50/],
  ['a zero density', { maxDensity: 0 }, /^synth\.t\.maxDensity: must be in \(0, 1\], got 0$/],
  ['a gap of 0', { minGap: 0 }, /^synth\.t\.minGap: must be an integer >= 1, got 0$/],
  ['an unknown kind', { kinds: { spike: 1 } as never }, /^synth\.t\.kinds: unknown name "spike"; valid: global-spike, contextual-spike, /],
  ['a negative weight', { kinds: { trend: -1 } }, /^synth\.t\.kinds\.trend: must be a finite weight >= 0, got -1$/],
  ['no positive background weight', { backgrounds: { walk: 0 } }, /^synth\.t\.backgrounds: needs at least one positive weight among walk, daily/],
  [
    'seasonal kinds on a background without a cycle',
    { kinds: { pattern: 1 }, backgrounds: { walk: 1 } },
    /^synth\.t\.backgrounds: "walk" has no daily cycle, and every kind of this task \(pattern\) needs one$/,
  ],
  ['a missing rate below 0', { missingRate: -0.1 }, /^synth\.t\.missingRate: must be a probability in \[0, 1\], got -0\.1$/],
];
for (const [name, patch, re] of badRows) {
  test(`checkSynthTaskParams rejects ${name}`, () => {
    try {
      checkSynthTaskParams('t', { ...base, ...patch });
      assert.unreachable('should throw');
    } catch (err) {
      assert.instance(err, ConfigError);
      assert.match((err as Error).message, re);
    }
  });
}

const capCases: [number, number][] = [
  [250, 12],
  [1000, 50],
  [4000, 50],
  [10, 1],
];
for (const [n, want] of capCases) {
  test(`countCap(global-spikes, L = ${n}) = max(1, min(50, floor(0.05·L))) = ${want}`, () => assert.is(countCap(base, n), want));
}

test('when events do not fit, missing stretches go first, then the last anomalies; what is placed keeps its gaps', () => {
  const tight: SynthTaskParams = { ...SYNTH_TASK_PARAMS['level-shift'], normalRate: 0, count: [6, 6], maxDensity: 1, missingRate: 1 };
  let unplaced = 0;
  for (let i = 0; i < 200; i++) {
    const rng = new Rng(i);
    const bg = drawBackground(rng.fork('bg'), 'daily', 300, BACKGROUND_PARAMS);
    const plan = planEvents(rng.fork('events'), tight, bg, ANOMALY_KIND_PARAMS, BACKGROUND_PARAMS);
    assert.is(plan.drawn, 6);
    assert.is(plan.unplaced, 6 - plan.anomalies.length);
    if (plan.unplaced > 0) assert.is(plan.missing.length, 0, 'no missing stretch survives while an anomaly is dropped');
    unplaced += plan.unplaced;
    const slots = [...plan.anomalies.map((a) => a.slot), ...plan.missing].sort((a, b) => a[0] - b[0]);
    let prev = 0;
    for (const [s, e] of slots) {
      assert.ok(s - prev >= tight.minGap && e > s);
      prev = e;
    }
    assert.ok(300 - prev >= tight.minGap);
  }
  assert.ok(unplaced > 0, 'the tight setting does drop anomalies');
});

test.run();
