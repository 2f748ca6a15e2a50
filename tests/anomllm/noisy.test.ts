import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateTask } from '../../shared/anomllm/generate.js';
import { TASK_SPECS } from '../../shared/anomllm/tasks.js';
import { Rng } from '../../shared/rng.js';
import { mean, outside, std, stderr } from './helpers.js';

const PAIRS = [
  ['noisy-point', 'point'],
  ['noisy-freq', 'freq'],
  ['noisy-trend', 'trend'],
] as const;

test('a noisy series is its base task drawn from the same stream plus white N(0, 0.08) noise, with the same intervals', () => {
  for (const [noisy, base] of PAIRS) {
    const root = new Rng(51);
    const res: number[] = [];
    let lag1 = 0;
    for (let i = 0; i < 100; i++) {
      const rng = root.fork(String(i));
      const a = TASK_SPECS[noisy].draw(rng, 1000);
      const b = TASK_SPECS[base].draw(rng.fork('base'), 1000);
      assert.equal(a.intervals, b.intervals, `${noisy} ${i}`);
      for (let t = 0; t < 1000; t++) res.push(a.series[t] - b.series[t]);
      for (let t = 1; t < 1000; t++) lag1 += (a.series[t] - b.series[t]) * (a.series[t - 1] - b.series[t - 1]);
    }
    assert.ok(Math.abs(mean(res)) < 4 * stderr(res), `${noisy} residual mean ${mean(res)}`);
    // std of a sample std ≈ 0.08/√(2·1e5) ≈ 0.0002.
    assert.ok(Math.abs(std(res) - 0.08) < 0.001, `${noisy} residual std ${std(res)}`);
    const rho = lag1 / (res.length * 0.0064);
    assert.ok(Math.abs(rho) < 0.02, `${noisy} lag-1 autocorrelation ${rho}`);
  }
});

test('from the public output alone: noisy-point minus the known sine outside intervals has std 0.08', () => {
  const res: number[] = [];
  for (const r of generateTask('noisy-point', { seed: 52, count: 100 })) {
    for (const t of outside(r.intervals, 1000)) res.push(r.series[t] - Math.sin(2 * Math.PI * 0.03 * t));
  }
  assert.ok(Math.abs(std(res) - 0.08) < 0.001, `std ${std(res)}`);
});

test('noisy variants carry their base label; noisy-trend leaves [-1, 1] by about the noise only', () => {
  const labels = { 'noisy-point': 'contextual point', 'noisy-freq': 'seasonal', 'noisy-trend': 'trend' } as const;
  for (const [noisy] of PAIRS) {
    for (const r of generateTask(noisy, { seed: 53, count: 50 })) assert.is(r.type, r.intervals.length > 0 ? labels[noisy] : 'normal');
  }
  let beyond = 0;
  for (const r of generateTask('noisy-trend', { seed: 53, count: 50 })) {
    for (const v of r.series) {
      assert.ok(Math.abs(v) < 1 + 6 * 0.08);
      if (Math.abs(v) > 1) beyond++;
    }
  }
  assert.ok(beyond > 0, 'noise is added after scaling, so some values exceed 1 in magnitude');
});

test.run();
